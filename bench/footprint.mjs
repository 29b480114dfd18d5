// Package footprint: what `npm create` downloads before it can run anything.
// Packed and unpacked size and file count come from `npm pack --dry-run --json`
// (the same numbers the registry would store); runtime dependencies from package.json.

import { readFile } from "node:fs/promises";
import path from "node:path";
import { runOrThrow } from "./process.mjs";
import { cleanEnv } from "./workdir.mjs";

const PACK_TIMEOUT_MS = 60_000;

/** Footprint of the package in `packageDir` as it would be published. */
export async function localFootprint(packageDir) {
  const packed = await dryRunPack(["pack", "--dry-run", "--json", "--ignore-scripts"], packageDir);
  return { ...packed, runtimeDependencies: await countRuntimeDependencies(packageDir) };
}

/** Footprint of a published package, read from the registry; `packageDir` is its installed copy. */
export async function publishedFootprint(spec, packageDir, workDir) {
  const packed = await dryRunPack(["pack", spec, "--dry-run", "--json", "--ignore-scripts"], workDir);
  return { ...packed, runtimeDependencies: await countRuntimeDependencies(packageDir) };
}

/**
 * Bytes per top-level entry of a packed file list (dist/, templates/, index.js, ...),
 * largest first: what the package is made of.
 */
export function sizeByTopLevelEntry(files) {
  const totals = new Map();
  for (const file of files) {
    const [first, ...rest] = file.path.split("/");
    const entry = rest.length > 0 ? `${first}/` : first;
    totals.set(entry, (totals.get(entry) ?? 0) + file.size);
  }
  return [...totals].map(([entry, bytes]) => ({ entry, bytes })).sort((a, b) => b.bytes - a.bytes);
}

async function dryRunPack(args, cwd) {
  const { stdout } = await runOrThrow("npm", args, {
    cwd,
    env: cleanEnv(),
    timeoutMs: PACK_TIMEOUT_MS,
  });
  const [report] = JSON.parse(stdout);
  return {
    packedBytes: report.size,
    unpackedBytes: report.unpackedSize,
    fileCount: report.entryCount,
    files: report.files,
  };
}

async function countRuntimeDependencies(packageDir) {
  const manifest = JSON.parse(await readFile(path.join(packageDir, "package.json"), "utf8"));
  return (
    Object.keys(manifest.dependencies ?? {}).length +
    Object.keys(manifest.optionalDependencies ?? {}).length
  );
}
