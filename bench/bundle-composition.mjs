// What our bundle is made of: bytes per package in each dist/*.js file, read from
// the `// node_modules/<package>/...` and `// src/...` comments esbuild writes
// before every module it inlines (a minified bundle has none; then we say so).

import { readdir, readFile } from "node:fs/promises";
import path from "node:path";

const MODULE_COMMENT = /^\/\/ (\S+\.(?:[cm]?[jt]sx?|json))$/;

/**
 * `[{ file, bytes, parts: [{ owner, bytes }] }]` for each .js/.mjs/.cjs file under
 * `distDir`, parts largest first. `owner` is a package name, "our code" for
 * src/, or "(bundle glue)" for what comes before the first module. No dist/: [].
 */
export async function bundleComposition(distDir) {
  const entries = await readdir(distDir, { recursive: true }).catch(() => []);
  const files = entries.filter((name) => /\.[cm]?js$/.test(name));
  const bundles = [];
  for (const file of files.sort()) {
    const text = await readFile(path.join(distDir, file), "utf8");
    const parts = new Map();
    let owner = "(bundle glue)";
    for (const line of text.split("\n")) {
      const match = MODULE_COMMENT.exec(line);
      if (match) owner = ownerOf(match[1]);
      parts.set(owner, (parts.get(owner) ?? 0) + Buffer.byteLength(line) + 1);
    }
    bundles.push({
      file,
      bytes: Buffer.byteLength(text),
      parts: [...parts].map(([name, bytes]) => ({ owner: name, bytes })).sort((a, b) => b.bytes - a.bytes),
    });
  }
  return bundles;
}

function ownerOf(modulePath) {
  const segments = modulePath.split("/");
  const at = segments.lastIndexOf("node_modules");
  if (at === -1) return "our code";
  const name = segments[at + 1];
  return name.startsWith("@") ? `${name}/${segments[at + 2]}` : name;
}
