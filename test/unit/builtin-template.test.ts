/**
 * The built-in template renders for every feature combination a user can pick
 * (all, and each one alone), and the generated configuration files are valid.
 * Handlebars compiles lazily, so only rendering every file proves a template works.
 */
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { FEATURES } from "../../src/features/index.js";
import { parseFlags } from "../../src/options/parse.js";
import { resolveOptions } from "../../src/options/resolve.js";
import { buildRenderContext } from "../../src/template/context.js";
import { buildPlan } from "../../src/template/plan.js";
import { loadTemplate } from "../../src/template/source.js";

const builtinDir = fileURLToPath(new URL("../../templates/default", import.meta.url));
const template = await loadTemplate(undefined, { cwd: "/tmp", builtinDir, version: "0.1.0" });

/** JSONC -> JSON: drop comments outside strings and trailing commas. */
function parseJsonc(text: string): unknown {
  const withoutComments = text.replace(/("(?:\\.|[^"\\])*")|\/\/[^\n]*|\/\*[\s\S]*?\*\//g, (_, string) => string ?? "");
  return JSON.parse(withoutComments.replace(/,(\s*[}\]])/g, "$1"));
}

function render(argv: string[]) {
  const options = resolveOptions(parseFlags(argv), {}, { cwd: "/tmp" });
  const files = new Map(buildPlan(template, buildRenderContext(options)).map((file) => [file.path, new TextDecoder().decode(file.bytes)]));
  return { options, files };
}

const variants = [["all features"], ...FEATURES.map((feature) => [feature.id])];

describe.each(variants)("the built-in template with %s", (variant) => {
  const argv = ["app", "--yes", "--envs", "staging", "--namespace", "AUDIT=600"];
  if (variant !== "all features") argv.push("--features", variant!);
  if (variant === "all features" || variant === "cache") argv.push("--binding", "cache=EDGE_CACHE");
  const { options, files } = render(argv);

  it("writes valid package.json and wrangler.jsonc with every namespace, at the top level and per env", () => {
    const manifest = JSON.parse(files.get("package.json")!) as { name: string; scripts: Record<string, string> };
    expect(manifest.name).toBe("app");
    expect(manifest.scripts.test).toBeDefined();
    const wrangler = parseJsonc(files.get("wrangler.jsonc")!) as {
      kv_namespaces: { binding: string }[];
      env: Record<string, { kv_namespaces: { binding: string }[] }>;
    };
    const bindings = options.namespaces.map((namespace) => namespace.binding);
    expect(wrangler.kv_namespaces.map((entry) => entry.binding)).toEqual(bindings);
    expect(wrangler.env.staging!.kv_namespaces.map((entry) => entry.binding)).toEqual(bindings);
  });

  it("writes kv-store and keys always, and no file of a feature that was not chosen", () => {
    expect(files.has("src/lib/kv-store.ts")).toBe(true);
    expect(files.has("src/lib/keys.ts")).toBe(true);
    for (const [feature, paths] of Object.entries(template.manifest.files)) {
      for (const path of paths ?? []) {
        const shouldExist = options.features.some((chosen) => template.manifest.files[chosen]?.includes(path));
        expect(files.has(path.replace(/\.hbs$/, "")), `${feature}: ${path}`).toBe(shouldExist);
      }
    }
  });

  it("leaves no Handlebars syntax in the output", () => {
    for (const [path, text] of files) {
      if (path.endsWith(".md") || path.endsWith(".ts") || path.endsWith(".json") || path.endsWith(".jsonc")) {
        expect(text, path).not.toMatch(/\{\{[#/]?(if|each|unless|json)\b/);
      }
    }
  });
});
