/**
 * Build time only (scripts/bundle-options.mjs): writes the module that takes the
 * place of precompiled.ts in dist/cli.js. It precompiles every .hbs file the
 * built-in template holds, whatever they are, and every Handlebars fragment of the
 * feature units (handlebarsFragments below), so a scaffold from the built-in
 * template never compiles a template at run time.
 */
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { FEATURES, type FeatureUnit } from "../features/index.js";
import { precompile, templateKey } from "./render.js";

export async function precompiledTemplatesModule(templateDir: string): Promise<string> {
  const files = (await readdir(templateDir, { recursive: true })).filter((file) => file.endsWith(".hbs")).sort();
  const sources = await Promise.all(
    files.map(async (file) => ({ where: file.replaceAll("\\", "/"), text: await readFile(join(templateDir, file), "utf8") })),
  );
  for (const feature of FEATURES) {
    for (const [part, text] of handlebarsFragments(feature)) sources.push({ where: `feature ${feature.id} (${part})`, text });
  }
  const specs = new Map(sources.map(({ where, text }) => [templateKey(text), precompile(text, where)]));
  const entries = [...specs].map(([key, spec]) => `  ${JSON.stringify(key)}: ${spec}`);
  return `export const precompiledTemplates = {\n${entries.join(",\n")}\n};\n`;
}

/** A unit's Handlebars texts (see unit.ts), by part: what create and add render from it. */
export function handlebarsFragments(feature: FeatureUnit): [part: string, text: string][] {
  const { configImports, config, wrangler, paste, docs } = feature;
  const parts = { configImports, config, wrangler, paste, ...Object.fromEntries(Object.entries(docs).map(([name, text]) => [`docs.${name}`, text])) };
  return Object.entries(parts).filter((entry): entry is [string, string] => typeof entry[1] === "string");
}
