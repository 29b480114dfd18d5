import { describe, expect, it } from "vitest";
import { UserError } from "../../src/errors.js";
import { loadCompiler, render } from "../../src/template/render.js";

// Unit tests run src/, where nothing is precompiled: every source compiles at run time, as a fork's does.
await loadCompiler();

const context = {
  projectName: "demo",
  features: { cache: true, sessions: false },
  envs: ["staging", "production"],
  vars: { team: 'edge "core"\n</script>' },
};

function refusal(source: string): string {
  try {
    render({ text: source, where: "src/file.ts.hbs", origin: "fork" }, context);
  } catch (error) {
    expect(error).toBeInstanceOf(UserError);
    return (error as Error).message;
  }
  throw new Error(`expected ${source} to be refused`);
}

describe("render", () => {
  it("renders without HTML escaping", () => {
    expect(render({ text: "<{{projectName}}> & {{vars.team}}", where: "x", origin: "fork" }, context)).toBe(`<demo> & ${context.vars.team}`);
  });

  it("encodes any value with {{json}} so it cannot break the syntax around it", () => {
    const code = render({ text: "export const team = {{json vars.team}};\nexport const envs = {{json envs}};", where: "x", origin: "fork" }, context);
    const team = /export const team = (.*);\n/.exec(code)?.[1] ?? "";
    expect(JSON.parse(team)).toBe(context.vars.team);
    expect(code).toContain('export const envs = ["staging","production"];');
  });

  it("offers eq, ne, and, or, not, includes", () => {
    const source =
      "{{#if (eq projectName 'demo')}}a{{/if}}{{#if (ne projectName 'x')}}b{{/if}}" +
      "{{#if (and features.cache (not features.sessions))}}c{{/if}}{{#if (or features.sessions features.cache)}}d{{/if}}" +
      "{{#if (includes envs 'staging')}}e{{/if}}{{#if (includes envs 'dev')}}f{{/if}}";
    expect(render({ text: source, where: "x", origin: "fork" }, context)).toBe("abcde");
  });

  it("names the file and line of a misspelt variable", () => {
    expect(refusal("line one\n{{projectNmae}}")).toBe('template src/file.ts.hbs: line 2: "projectNmae" not defined');
  });

  it("refuses helpers that are not registered", () => {
    expect(refusal("{{shell 'rm -rf /'}}")).toMatch(/^template src\/file.ts.hbs: line 1: unknown helper shell/);
    expect(refusal("{{lookup this 'projectName'}}")).toMatch(/unknown helper lookup/);
    expect(refusal("{{log 'hi'}}")).toMatch(/unknown helper log/);
  });

  it("refuses reaching into the object model, even where Handlebars would render empty text", () => {
    expect(refusal("{{constructor}}")).toMatch(/line 1: "constructor" is not allowed/);
    expect(refusal("{{constructor.name}}")).toMatch(/"constructor" is not allowed/);
    expect(refusal("{{#with projectName}}{{__proto__}}{{/with}}")).toMatch(/"__proto__" is not allowed/);
    expect(refusal("{{#if (eq 'constructor' projectName)}}x{{/if}}")).toMatch(/"constructor" is not allowed/);
  });

  it("reports a syntax error with its line", () => {
    expect(refusal("ok\n{{#if features.cache}}never closed")).toMatch(/^template src\/file.ts.hbs: line \d+: /);
  });
});
