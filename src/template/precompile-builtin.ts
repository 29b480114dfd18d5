/**
 * Build time only (scripts/bundle-options.mjs): writes the module that takes the
 * place of precompiled.ts in dist/cli.js. It precompiles every .hbs file the
 * built-in template holds, whatever they are, and every Handlebars fragment of the
 * feature units (handlebarsFragments in features/unit.ts), so a scaffold from the built-in
 * template never compiles a template at run time.
 */
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { FEATURES } from "../features/index.js";
import { handlebarsFragments } from "../features/unit.js";
import { precompile } from "./compile.js";
import { templateKey } from "./render.js";

export async function precompiledTemplatesModule(templateDir: string): Promise<string> {
  const files = (await readdir(templateDir, { recursive: true })).filter((file) => file.endsWith(".hbs")).sort();
  const sources = await Promise.all(
    files.map(async (file) => ({ where: file.replaceAll("\\", "/"), text: await readFile(join(templateDir, file), "utf8") })),
  );
  for (const feature of FEATURES) {
    for (const [part, text] of handlebarsFragments(feature)) sources.push({ where: `feature ${feature.id} (${part})`, text });
  }
  const specs = new Map(sources.map(({ where, text }) => [templateKey(text), compiledOnLoad(precompile(text, where))]));
  const entries = [...specs].map(([key, spec]) => `  ${JSON.stringify(key)}: ${spec}`);
  return `export const precompiledTemplates = {\n${entries.join(",\n")}\n};\n`;
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
