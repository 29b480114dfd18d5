/**
 * Build time only (scripts/bundle-options.mjs): writes the module that takes the
 * place of precompiled.ts in dist/cli.js. It precompiles every .hbs file the
 * built-in template holds, whatever they are, and every Handlebars fragment of the
 * feature units (handlebarsFragments in features/unit.ts), so a scaffold from the built-in
 * template never compiles a template at run time; and it records the template's
 * digest, so a scaffold does not hash the template's files either.
 */
import packageJson from "../../package.json" with { type: "json" };
import { templateDigest } from "../project/template-version.js";
import { precompile } from "./compile.js";
import { templateKey } from "./render.js";
import { handlebarsSources, loadTemplate } from "./source.js";

export async function precompiledTemplatesModule(templateDir: string): Promise<string> {
  const builtin = await loadTemplate(undefined, { cwd: templateDir, builtinDir: templateDir, version: packageJson.version });
  const sources = handlebarsSources(builtin).sort((a, b) => (a.where < b.where ? -1 : 1));
  const specs = new Map(sources.map((source) => [templateKey(source), compiledOnLoad(precompile(source.text, source.where))]));
  const entries = [...specs].map(([key, spec]) => `  ${JSON.stringify(key)}: ${spec}`);
  return [
    `export const precompiledTemplates = {\n${entries.join(",\n")}\n};`,
    `export const builtinTemplateDigest = ${JSON.stringify(templateDigest(builtin))};`,
    "",
  ].join("\n");
}

/**
 * A specification whose template functions are wrapped in parentheses. V8 compiles a
 * function that is not called at load time only when it is first called, and Node's
 * compile cache keeps only the code compiled at load time; a parenthesised function
 * is compiled at load time, so its code comes from the cache on every later run
 * instead of being compiled again (about 100 template functions render a project).
 */
function compiledOnLoad(specSource: string): string {
  const spec = new Function(`return ${specSource}`)() as Record<string, unknown>;
  const entries = Object.entries(spec).map(([key, value]) => {
    const text = typeof value === "function" ? `(${value.toString()})` : JSON.stringify(value);
    return `${JSON.stringify(key)}:${text}`;
  });
  return `{${entries.join(",")}}`;
}
