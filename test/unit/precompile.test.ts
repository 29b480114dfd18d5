/**
 * The built-in template is precompiled at build time (scripts/bundle-options.mjs):
 * a precompiled template must render exactly what compiling it at run time renders,
 * keep the strict and noEscape semantics, and name the file and line in errors.
 * Unit tests import src/, where the precompiled map is empty; these tests fill it.
 */
import { fileURLToPath } from "node:url";
import Handlebars from "handlebars";
import { afterEach, describe, expect, it, vi } from "vitest";
import { FEATURES } from "../../src/features/index.js";
import { parseFlags } from "../../src/options/parse.js";
import { resolveOptions } from "../../src/options/resolve.js";
import { buildRenderContext } from "../../src/template/context.js";
import { buildPlan } from "../../src/template/plan.js";
import { handlebarsFragments } from "../../src/features/unit.js";
import { precompiledTemplatesModule } from "../../src/template/precompile-builtin.js";
import { precompiledTemplates } from "../../src/template/precompiled.js";
import { precompile } from "../../src/template/compile.js";
import { loadCompiler, render, templateKey } from "../../src/template/render.js";
import { loadTemplate } from "../../src/template/source.js";
import { templateDigest } from "../../src/project/template-version.js";

const builtinDir = fileURLToPath(new URL("../../templates/default", import.meta.url));
const template = await loadTemplate(undefined, { cwd: "/tmp", builtinDir, version: "0.1.0" });

/** Loads specs the way the bundle holds them: JavaScript object literals. */
function usePrecompiled(specs: Record<string, TemplateSpecification>): void {
  Object.assign(precompiledTemplates, specs);
}

function specOf(source: string): TemplateSpecification {
  return new Function(`return ${precompile(source, "x")}`)() as TemplateSpecification;
}

function plan(argv: string[]): Map<string, string> {
  const options = resolveOptions(parseFlags(["app", "--yes", ...argv]), {}, { cwd: "/tmp" });
  return new Map(buildPlan(template, buildRenderContext(options)).map((file) => [file.path, new TextDecoder().decode(file.bytes)]));
}

afterEach(() => {
  for (const key of Object.keys(precompiledTemplates)) delete precompiledTemplates[key];
});

describe("the precompiled built-in template", () => {
  it("holds every .hbs file and every feature fragment, and renders each variant exactly as compiling does", async () => {
    const moduleText = await precompiledTemplatesModule(builtinDir);
    const variants = [[], ...FEATURES.map((feature) => ["--features", feature.id]), ["--envs", "staging", "--namespace", "AUDIT=600"]];
    const compiled = variants.map(plan);

    const loaded = (await import(`data:text/javascript,${encodeURIComponent(moduleText)}`)) as {
      precompiledTemplates: Record<string, TemplateSpecification>;
      builtinTemplateDigest: string;
    };
    // What update compares a project's record with: the digest of the template as loaded.
    expect(loaded.builtinTemplateDigest).toBe(templateDigest(template));
    const hbsFiles = template.files.filter((file) => file.path.endsWith(".hbs"));
    expect(hbsFiles.length).toBeGreaterThan(0);
    for (const file of hbsFiles) {
      expect(loaded.precompiledTemplates[templateKey({ text: new TextDecoder().decode(file.bytes), where: file.path })], file.path).toBeDefined();
    }
    for (const feature of FEATURES) {
      const parts = handlebarsFragments(feature).map(([part]) => part);
      expect(parts).toEqual(expect.arrayContaining(["config", "paste", "docs.keys", "docs.module"]));
      for (const [part, text] of handlebarsFragments(feature)) {
        expect(loaded.precompiledTemplates[templateKey({ text, where: `feature ${feature.id} (${part})` })], `${feature.id} ${part}`).toBeDefined();
      }
    }

    usePrecompiled(loaded.precompiledTemplates);
    expect(variants.map(plan)).toEqual(compiled);
  });

  it("leaves nothing to compile at run time when a project comes from the built-in template", async () => {
    const moduleText = await precompiledTemplatesModule(builtinDir);
    const loaded = (await import(`data:text/javascript,${encodeURIComponent(moduleText)}`)) as {
      precompiledTemplates: Record<string, TemplateSpecification>;
    };
    usePrecompiled(loaded.precompiledTemplates);
    const everyFeature = ["--features", FEATURES.map((feature) => feature.id).join(",")];
    const parse = vi.spyOn(Handlebars, "parse"); // render parses only what it must compile
    try {
      for (const backends of [[], ["--rate-limit-backend", "kv", "--rate-limit", "10/60", "--document-writes", "kv"], ["--rate-limit-backend", "binding"]]) {
        plan([...everyFeature, "--envs", "staging", ...backends]);
      }
      expect(parse).not.toHaveBeenCalled();
    } finally {
      parse.mockRestore();
    }
  });

  it("wraps every template function in parentheses, so V8 compiles it on load and Node's compile cache keeps it", async () => {
    const moduleText = await precompiledTemplatesModule(builtinDir);
    // A specification's programs are its "main" and numbered properties.
    expect(moduleText).not.toMatch(/"(main|\d+)":\s*function/);
    expect(moduleText.match(/"main":\(function\s*\(/g)?.length).toBeGreaterThan(50);
  });

  it("keeps noEscape and strict: a missing variable names the file and line", () => {
    const source = "<{{projectName}}> &\n{{projectNmae}}";
    const file = { text: source, where: "src/file.ts.hbs", origin: "ours" } as const;
    usePrecompiled({ [templateKey(file)]: specOf(source) });
    expect(() => render(file, { projectName: "demo" })).toThrow(
      'template src/file.ts.hbs: line 2: "projectNmae" not defined',
    );
    const noTypo = "<{{projectName}}> &";
    usePrecompiled({ [templateKey({ text: noTypo, where: "x" })]: specOf(noTypo) });
    expect(render({ text: noTypo, where: "x", origin: "ours" }, { projectName: "a&b" })).toBe("<a&b> &");
  });

  it("never renders a fork's file with a build-time specification, even one found by the file's name and length", () => {
    const text = "fork says {{projectName}}";
    usePrecompiled({ [templateKey({ text, where: "README.md.hbs" })]: specOf("ours says {{projectName}}") });
    expect(render({ text, where: "README.md.hbs", origin: "ours" }, { projectName: "demo" })).toBe("ours says demo");
    expect(render({ text, where: "README.md.hbs", origin: "fork" }, { projectName: "demo" })).toBe("fork says demo");
  });

  it("compiles one of our files that was edited since the build instead of using its stale specification", async () => {
    usePrecompiled({ [templateKey({ text: "old {{projectName}}", where: "README.md.hbs" })]: specOf("old {{projectName}}") });
    await loadCompiler();
    expect(render({ text: "new text {{projectName}}", where: "README.md.hbs", origin: "ours" }, { projectName: "demo" })).toBe("new text demo");
  });

  it("refuses at build time what render refuses, naming the file and line", () => {
    expect(() => precompile("ok\n{{constructor}}", "README.md.hbs")).toThrow(
      'template README.md.hbs: line 2: "constructor" is not allowed',
    );
    expect(() => precompile("{{shell 'x'}}", "a.hbs")).toThrow(/^template a.hbs: line 1: unknown helper shell/);
    expect(() => precompile("ok\n{{#if x}}never closed", "b.hbs")).toThrow(/^template b.hbs: line \d+: /);
  });
});
