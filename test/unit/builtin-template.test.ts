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
        const backends = template.manifest.filesByChoice["rate-limit-backend"] ?? {};
        const anyBackend = Object.values(backends).every((list) => !list.includes(path));
        const shouldExist =
          options.features.some((chosen) => template.manifest.files[chosen]?.includes(path)) &&
          (anyBackend || (backends[options.rateLimitBackend]?.includes(path) ?? false));
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

describe.each([
  ["durable-object", "rate-limit-object.ts", "SlidingWindowRateLimiter"],
  ["binding", "rate-limit-binding.ts", "BindingRateLimiter"],
  ["kv", "rate-limiter.ts", "KVRateLimiter"],
])("the built-in template with --rate-limit-backend %s", (backend, file, limiter) => {
  const { files } = render(["app", "--yes", "--features", "ratelimit", "--rate-limit-backend", backend, "--rate-limit", "60/60"]);

  it("carries that backend's file and no other, and src/config.ts builds its limiter", () => {
    const backendFiles = ["rate-limit-object.ts", "rate-limit-binding.ts", "rate-limiter.ts"].filter((name) => files.has(`src/lib/${name}`));
    expect(backendFiles).toEqual([file]);
    expect(files.get("src/config.ts")).toContain(`new ${limiter}(`);
    expect(files.has("test/lib/rate-limiter.test.ts")).toBe(backend === "kv");
    // AGENTS.md's list of src/lib/ names the same file.
    const listed = ["rate-limit-object.ts", "rate-limit-binding.ts", "rate-limiter.ts"].filter((name) => files.get("AGENTS.md")!.includes(`\`${name}\``));
    expect(listed).toEqual([file]);
  });
});

type WranglerBindings = {
  kv_namespaces?: { binding: string }[];
  durable_objects?: { bindings: { name: string; class_name: string }[] };
  migrations?: { tag: string; new_sqlite_classes: string[] }[];
  ratelimits?: { name: string; namespace_id: string; simple: { limit: number; period: number } }[];
};

describe("Durable Objects and the Rate Limiting binding in the built-in template", () => {
  const wranglerOf = (argv: string[]) => {
    const { files } = render(["app", "--yes", "--envs", "staging,production", ...argv]);
    const wrangler = parseJsonc(files.get("wrangler.jsonc")!) as WranglerBindings & { env: Record<string, WranglerBindings> };
    return { files, wrangler, scopes: [wrangler, wrangler.env.staging!, wrangler.env.production!] };
  };

  it.each([
    [["--features", "ratelimit"], ["SlidingWindowLimiter"]],
    [["--features", "counters,cache"], ["CounterObject"]],
    [["--features", "ratelimit,counters"], ["SlidingWindowLimiter", "CounterObject"]],
    [["--features", "ratelimit", "--rate-limit-backend", "binding"], []],
    [["--features", "cache,sessions"], []],
    [["--features", "flags"], ["FlagsWriter"]],
    [["--features", "flags,config,counters"], ["FlagsWriter", "ConfigWriter", "CounterObject"]],
    [["--features", "flags,config", "--document-writes", "kv"], []],
    [["--features", "cache", "--document-writes", "durable-object"], []],
  ])("%j binds, migrates and exports exactly %j, in every environment", (argv, classes) => {
    const { files, scopes } = wranglerOf(argv);
    for (const scope of scopes) {
      expect(scope.durable_objects?.bindings.map((binding) => binding.class_name) ?? []).toEqual(classes);
      expect(scope.migrations ?? []).toEqual(classes.length ? [{ tag: "v1", new_sqlite_classes: classes }] : []);
    }
    const exported = [...files.get("src/index.ts")!.matchAll(/^export \{ (\w+) \} from/gm)].map((match) => match[1]);
    expect(exported).toEqual(classes);
  });

  it("keeps a KV namespace for rate limiting only with the kv backend", () => {
    expect(wranglerOf(["--features", "ratelimit,cache"]).wrangler.kv_namespaces).toEqual([{ binding: "CACHE" }]);
    const kv = wranglerOf(["--features", "ratelimit,cache", "--rate-limit-backend", "kv", "--rate-limit", "30/60"]);
    for (const scope of kv.scopes) expect(scope.kv_namespaces).toEqual([{ binding: "CACHE" }, { binding: "RATE_LIMITS" }]);
    expect(kv.wrangler.durable_objects).toBeUndefined();
  });

  it("gives the Rate Limiting binding the window as its period and a namespace_id of the project's and environment's own", () => {
    const { scopes } = wranglerOf(["--features", "ratelimit", "--rate-limit-backend", "binding", "--rate-limit", "50/10"]);
    const ids = scopes.map((scope) => {
      expect(scope.ratelimits).toEqual([{ name: "RATE_LIMITER", namespace_id: expect.stringMatching(/^\d+$/), simple: { limit: 50, period: 10 } }]);
      return scope.ratelimits![0]!.namespace_id;
    });
    expect(new Set(ids).size).toBe(3);
    // The same project name gives the same ids; another name, others.
    expect(wranglerOf(["--features", "ratelimit", "--rate-limit-backend", "binding"]).wrangler.ratelimits![0]!.namespace_id).toBe(ids[0]);
    const other = render(["other-app", "--yes", "--features", "ratelimit", "--rate-limit-backend", "binding"]);
    expect(other.files.get("wrangler.jsonc")).not.toContain(`"${ids[0]}"`);
  });
});
