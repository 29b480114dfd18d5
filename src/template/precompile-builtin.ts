/**
 * Build time only (scripts/bundle-options.mjs): writes the module that takes the
 * place of precompiled.ts in dist/cli.js. It precompiles every .hbs file the
 * built-in template holds, whatever they are, and every Handlebars fragment of the
 * feature units (their `config`, `wrangler` and `docs` texts, see unit.ts).
 */
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { FEATURES } from "../features/index.js";
import { precompile, templateKey } from "./render.js";

export async function precompiledTemplatesModule(templateDir: string): Promise<string> {
  const files = (await readdir(templateDir, { recursive: true })).filter((file) => file.endsWith(".hbs")).sort();
  const sources = await Promise.all(
    files.map(async (file) => ({ where: file.replaceAll("\\", "/"), text: await readFile(join(templateDir, file), "utf8") })),
  );
  for (const feature of FEATURES) {
    const fragments = { config: feature.config, wrangler: feature.wrangler, ...feature.docs };
    for (const [part, text] of Object.entries(fragments)) {
      if (typeof text === "string") sources.push({ where: `feature ${feature.id} (${part})`, text });
    }
  }
  const specs = new Map(sources.map(({ where, text }) => [templateKey(text), precompile(text, where)]));
  const entries = [...specs].map(([key, spec]) => `  ${JSON.stringify(key)}: ${spec}`);
  return `export const precompiledTemplates = {\n${entries.join(",\n")}\n};\n`;
}
