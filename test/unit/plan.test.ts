import { describe, expect, it } from "vitest";
import { parseFlags } from "../../src/options/parse.js";
import { resolveOptions } from "../../src/options/resolve.js";
import { buildRenderContext } from "../../src/template/context.js";
import { buildPlan, outputPath } from "../../src/template/plan.js";
import type { LoadedTemplate } from "../../src/template/types.js";
import { loadCompiler } from "../../src/template/render.js";

// Unit tests run src/, where nothing is precompiled: every source compiles at run time, as a fork's does.
await loadCompiler();

const encode = (text: string) => new TextEncoder().encode(text);
const decode = (bytes: Uint8Array) => new TextDecoder().decode(bytes);

const template: LoadedTemplate = {
  source: "test-fixture",
  manifest: {
    name: "fixture",
    description: "",
    minVersion: "0.1.0",
    features: ["cache", "sessions"],
    files: { cache: ["src/cache.ts", "src/shared.ts"], sessions: ["src/sessions/", "src/shared.ts"] },
    filesByChoice: {},
    variables: [],
  },
  files: [
    { path: "README.md.hbs", bytes: encode("# {{projectName}}\n") },
    { path: "logo.bin", bytes: new Uint8Array([0, 255, 123, 10]) },
    { path: "raw.txt", bytes: encode("{{not rendered}}") },
    { path: "_gitignore", bytes: encode("node_modules\n") },
    { path: "src/cache.ts", bytes: encode("cache") },
    { path: "src/sessions/store.ts", bytes: encode("sessions") },
    { path: "src/shared.ts", bytes: encode("used by cache and sessions") },
  ],
};

const optionsFor = (argv: string[]) => resolveOptions(parseFlags(argv), {}, { cwd: "/tmp" });
const contextFor = (argv: string[]) => buildRenderContext(optionsFor(argv));

describe("buildPlan", () => {
  it("renders .hbs files, copies the rest byte for byte, and renames dotfiles", () => {
    const plan = buildPlan(template, contextFor(["my-app", "--yes"]));
    // In byte order: the same on every machine.
    expect(plan.map((file) => file.path)).toEqual([
      ".gitignore",
      "README.md",
      "logo.bin",
      "raw.txt",
      "src/cache.ts",
      "src/sessions/store.ts",
      "src/shared.ts",
    ]);
    const byPath = new Map(plan.map((file) => [file.path, file.bytes]));
    expect(decode(byPath.get("README.md")!)).toBe("# my-app\n");
    expect([...byPath.get("logo.bin")!]).toEqual([0, 255, 123, 10]);
    expect(decode(byPath.get("raw.txt")!)).toBe("{{not rendered}}");
  });

  it("leaves out the files of features that were not chosen, by file and by folder", () => {
    const paths = buildPlan(template, contextFor(["my-app", "--features", "cache"])).map((file) => file.path);
    expect(paths).toContain("src/cache.ts");
    expect(paths).not.toContain("src/sessions/store.ts");
    const sessionsOnly = buildPlan(template, contextFor(["my-app", "--features", "sessions"])).map((file) => file.path);
    expect(sessionsOnly).not.toContain("src/cache.ts");
    expect(sessionsOnly).toContain("src/sessions/store.ts");
  });

  it("writes a file listed under several features when any of them is chosen", () => {
    for (const feature of ["cache", "sessions"]) {
      const paths = buildPlan(template, contextFor(["my-app", "--features", feature])).map((file) => file.path);
      expect(paths).toContain("src/shared.ts");
    }
  });

  it("writes a file listed under a choice's value only with that value, and only when its feature is chosen", () => {
    const withChoices: LoadedTemplate = {
      ...template,
      manifest: {
        ...template.manifest,
        filesByChoice: { "rate-limit-backend": { kv: ["src/cache.ts", "src/kv-only.ts"], binding: ["src/kv-only.ts", "bin/"] } },
      },
      files: [...template.files, { path: "src/kv-only.ts", bytes: encode("kv") }, { path: "bin/limit.ts", bytes: encode("binding") }],
    };
    const paths = (argv: string[]) => buildPlan(withChoices, contextFor(["my-app", "--rate-limit", "60/60", ...argv])).map((file) => file.path);
    const kv = paths(["--features", "cache", "--rate-limit-backend", "kv"]);
    expect(kv).toEqual(expect.arrayContaining(["src/cache.ts", "src/kv-only.ts"]));
    expect(kv).not.toContain("bin/limit.ts");
    const binding = paths(["--features", "cache", "--rate-limit-backend", "binding"]);
    expect(binding).toEqual(expect.arrayContaining(["src/kv-only.ts", "bin/limit.ts"]));
    expect(binding).not.toContain("src/cache.ts"); // its feature is chosen, its value is not
    const objects = paths(["--features", "cache", "--rate-limit-backend", "durable-object"]);
    expect(objects).not.toContain("src/cache.ts");
    expect(objects).not.toContain("src/kv-only.ts");
    expect(objects).toContain("README.md");
    // The value is right but the feature is not chosen.
    expect(paths(["--features", "sessions", "--rate-limit-backend", "kv"])).not.toContain("src/cache.ts");
  });

  it("refuses two template files that would write the same path", () => {
    const clash = { ...template, files: [...template.files, { path: "README.md", bytes: encode("x") }] };
    expect(() => buildPlan(clash, contextFor(["a", "--yes"]))).toThrow(/writes README.md a second time/);
  });
});

describe("buildRenderContext", () => {
  it("gives docs commands that run our scripts with every package manager", () => {
    // `pnpm deploy` is pnpm's own command, so scripts always go through `run`.
    expect(buildRenderContext(optionsFor(["a", "--yes", "--pm", "pnpm"])).commands).toEqual({
      install: "pnpm install",
      run: "pnpm run",
      exec: "pnpm exec",
    });
    expect(buildRenderContext(optionsFor(["a", "--yes"])).commands).toEqual({ install: "npm install", run: "npm run", exec: "npx" });
  });
});

describe("outputPath", () => {
  it.each(["../escape.txt", "/etc/passwd", "a/../../b", "a//b", "a\\..\\b", "C:/x", "./a", ".git/hooks/pre-commit", "a\0b"])(
    "refuses %j",
    (unsafe) => {
      expect(() => outputPath(unsafe)).toThrow(/template file/);
    },
  );

  it("renames _gitignore, _npmrc and _dev.vars in any folder", () => {
    expect(outputPath("_gitignore")).toBe(".gitignore");
    expect(outputPath("sub/_npmrc")).toBe("sub/.npmrc");
    expect(outputPath("_dev.vars")).toBe(".dev.vars");
    expect(outputPath("src/_gitignore.ts")).toBe("src/_gitignore.ts");
  });
});
