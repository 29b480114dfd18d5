// Placeholder until the template-fork work lands (branch forks): reads the built-in
// template folder into memory. Replaced by the full source resolver.
import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import type { LoadedTemplate, TemplateFile, TemplateManifest } from "./types.js";

export interface LoadTemplateOptions {
  cwd: string;
  builtinDir: string;
  version: string;
  offline?: boolean;
}

export async function loadTemplate(source: string | undefined, options: LoadTemplateOptions): Promise<LoadedTemplate> {
  const root = source ? path.resolve(options.cwd, source) : options.builtinDir;
  const manifest = JSON.parse(await readFile(path.join(root, "template.json"), "utf8")) as TemplateManifest;
  const files: TemplateFile[] = [];
  for (const entry of await readdir(root, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const relative = path.relative(root, path.join(entry.parentPath, entry.name)).split(path.sep).join("/");
    if (relative === "template.json" || relative.startsWith("node_modules/")) continue;
    files.push({ path: relative, bytes: await readFile(path.join(root, relative)) });
  }
  return { source: source ?? "built-in", manifest, files };
}
