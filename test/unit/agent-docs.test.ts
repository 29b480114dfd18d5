/**
 * What the generated project tells people and coding agents to run must exist:
 * every `<pm> run <script>` named in AGENTS.md and README.md is a script of the
 * rendered package.json, for each package manager and with environments. And the
 * per-package-manager files appear only for their package manager.
 */
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { PACKAGE_MANAGERS } from "../../src/package-managers.js";
import { parseFlags } from "../../src/options/parse.js";
import { resolveOptions } from "../../src/options/resolve.js";
import { buildRenderContext } from "../../src/template/context.js";
import { buildPlan } from "../../src/template/plan.js";
import { loadTemplate } from "../../src/template/source.js";

const builtinDir = fileURLToPath(new URL("../../templates/default", import.meta.url));
const template = await loadTemplate(undefined, { cwd: "/tmp", builtinDir, version: "0.1.0" });

function render(argv: string[]) {
  const options = resolveOptions(parseFlags(argv), {}, { cwd: "/tmp" });
  return new Map(buildPlan(template, buildRenderContext(options)).map((file) => [file.path, new TextDecoder().decode(file.bytes)]));
}

const variants: [string, string[]][] = [
  ["every feature, two environments", ["--envs", "staging,production"]],
  ["only flags, one environment", ["--features", "flags", "--envs", "qa"]],
  ["only cache, no environment", ["--features", "cache"]],
];

describe.each(PACKAGE_MANAGERS)("the generated docs with %s", (packageManager) => {
  it.each(variants)("name only scripts that package.json has (%s)", (_, extra) => {
    const files = render(["app", "--yes", "--pm", packageManager, ...extra]);
    const scripts = Object.keys(JSON.parse(files.get("package.json")!).scripts as Record<string, string>);
    const run = new RegExp(`\\b${packageManager} run ([\\w:-]+)`, "g");
    for (const doc of ["AGENTS.md", "README.md"]) {
      const named = [...files.get(doc)!.matchAll(run)].map((match) => match[1]);
      expect(named.length, doc).toBeGreaterThan(3);
      expect(named.filter((script) => !scripts.includes(script!)), `${doc} names scripts package.json lacks`).toEqual([]);
    }
    // And the other way round: every script is documented for agents.
    const agents = files.get("AGENTS.md")!;
    expect(scripts.filter((script) => !agents.includes(`${packageManager} run ${script}\``))).toEqual([]);
  });
});

describe("files for one package manager", () => {
  it("CLAUDE.md points Claude Code at AGENTS.md, and .dev.vars.example is written", () => {
    const files = render(["app", "--yes"]);
    expect(files.get("CLAUDE.md")).toContain("@AGENTS.md");
    expect(files.get(".dev.vars.example")).toContain(".dev.vars");
  });

  it("pnpm gets a pnpm-workspace.yaml approving esbuild and workerd for every pnpm 10+, and nothing else does", () => {
    for (const packageManager of PACKAGE_MANAGERS) {
      const files = render(["app", "--yes", "--pm", packageManager]);
      expect(files.has("pnpm-workspace.yaml"), packageManager).toBe(packageManager === "pnpm");
      expect(files.has(".yarnrc.yml"), packageManager).toBe(packageManager === "yarn");
      const manifest = JSON.parse(files.get("package.json")!);
      expect(manifest.allowScripts, packageManager).toEqual(packageManager === "npm" ? { esbuild: true, workerd: true } : undefined);
      expect(manifest.trustedDependencies, packageManager).toEqual(packageManager === "bun" ? ["esbuild", "workerd"] : undefined);
      expect(Object.keys(manifest.devDependencies)).toContain("@types/node");
    }
    const workspace = render(["app", "--yes", "--pm", "pnpm"]).get("pnpm-workspace.yaml")!;
    expect(workspace).toMatch(/^allowBuilds:\n {2}esbuild: true\n {2}workerd: true\n/m);
    expect(workspace).toMatch(/^onlyBuiltDependencies:\n {2}- esbuild\n {2}- workerd\n/m);
  });

  it("has a deploy and a remote seed script per environment", () => {
    const manifest = JSON.parse(render(["app", "--yes", "--envs", "staging,production"]).get("package.json")!);
    expect(manifest.scripts["deploy:staging"]).toBe("wrangler deploy --env staging");
    expect(manifest.scripts["deploy:production"]).toBe("wrangler deploy --env production");
    expect(manifest.scripts["kv:seed:staging"]).toBe(
      "wrangler kv bulk put seed/flags.json --binding FLAGS --env staging --remote && wrangler kv bulk put seed/config.json --binding CONFIG --env staging --remote",
    );
    const cacheOnly = JSON.parse(render(["app", "--yes", "--features", "cache", "--envs", "staging"]).get("package.json")!);
    expect(cacheOnly.scripts["kv:seed:staging"]).toBeUndefined();
  });
});
