// What our bundle is made of: bytes of the minified output per inlined package.
//
// A minified bundle has no module markers, so this rebuilds src/cli.ts in memory
// with the very settings of scripts/build.mjs (scripts/bundle-options.mjs) only to
// read esbuild's metafile. The shipped size of dist/cli.js and its chunks is reported beside it.

import { readdir, stat } from "node:fs/promises";
import path from "node:path";
import { build } from "esbuild";
import { cliBundleOptions } from "../scripts/bundle-options.mjs";

/**
 * `{ shippedBytes, rebuiltBytes, parts: [{ owner, bytes }] }`, parts largest first;
 * `owner` is a package name or "our code" (src/). Null when there is no dist/cli.js.
 */
export async function bundleComposition(repo) {
  const shippedFiles = await readdir(path.join(repo, "dist"), { recursive: true }).catch(() => null);
  if (!shippedFiles?.includes("cli.js")) return null;
  const shippedJs = shippedFiles.filter((file) => file.endsWith(".js"));
  const sizes = await Promise.all(shippedJs.map(async (file) => (await stat(path.join(repo, "dist", file))).size));
  const result = await build({ ...cliBundleOptions, absWorkingDir: repo, write: false, logLevel: "silent" });
  const outputs = Object.values(result.metafile.outputs);
  const parts = new Map();
  for (const output of outputs) {
    for (const [input, { bytesInOutput }] of Object.entries(output.inputs)) {
      const owner = ownerOf(input);
      parts.set(owner, (parts.get(owner) ?? 0) + bytesInOutput);
    }
  }
  return {
    shippedBytes: sizes.reduce((sum, size) => sum + size, 0),
    rebuiltBytes: outputs.reduce((sum, output) => sum + output.bytes, 0),
    parts: [...parts].map(([owner, bytes]) => ({ owner, bytes })).sort((a, b) => b.bytes - a.bytes),
  };
}

function ownerOf(input) {
  const segments = input.split("/");
  const at = segments.lastIndexOf("node_modules");
  if (input.endsWith("src/template/precompiled.ts")) return "precompiled built-in templates";
  if (at === -1) return "our code";
  const name = segments[at + 1];
  return name.startsWith("@") ? `${name}/${segments[at + 2]}` : name;
}
