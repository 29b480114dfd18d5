// What our bundle is made of: bytes of the minified output per inlined package.
//
// scripts/build.mjs does not keep esbuild's metafile, and a minified bundle has no
// module markers, so this rebuilds src/cli.ts in memory with the same bundling
// settings (bundle, minify, ESM, node22.12; Handlebars' optional source-map left
// out) only to read the metafile. The shipped dist/cli.js size is reported beside
// it, so any drift between the two builds is visible.

import { stat } from "node:fs/promises";
import path from "node:path";
import { build } from "esbuild";

/**
 * `{ shippedBytes, rebuiltBytes, parts: [{ owner, bytes }] }`, parts largest first;
 * `owner` is a package name or "our code" (src/). Null when there is no dist/cli.js.
 */
export async function bundleComposition(repo) {
  const shipped = await stat(path.join(repo, "dist", "cli.js")).catch(() => null);
  if (!shipped) return null;
  const result = await build({
    absWorkingDir: repo,
    entryPoints: ["src/cli.ts"],
    outfile: "composition.js",
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node22.12",
    minify: true,
    legalComments: "none",
    external: ["source-map"],
    metafile: true,
    write: false,
    logLevel: "silent",
  });
  const [output] = Object.values(result.metafile.outputs);
  const parts = new Map();
  for (const [input, { bytesInOutput }] of Object.entries(output.inputs)) {
    const owner = ownerOf(input);
    parts.set(owner, (parts.get(owner) ?? 0) + bytesInOutput);
  }
  return {
    shippedBytes: shipped.size,
    rebuiltBytes: output.bytes,
    parts: [...parts].map(([owner, bytes]) => ({ owner, bytes })).sort((a, b) => b.bytes - a.bytes),
  };
}

function ownerOf(input) {
  const segments = input.split("/");
  const at = segments.lastIndexOf("node_modules");
  if (at === -1) return "our code";
  const name = segments[at + 1];
  return name.startsWith("@") ? `${name}/${segments[at + 2]}` : name;
}
