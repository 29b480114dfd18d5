// What a folder holds on disk: file count and bytes, and the workerd binaries in it.

import { access, lstat, readdir } from "node:fs/promises";
import path from "node:path";

/**
 * Walks `dir` without following links. Bytes are apparent sizes, each inode counted
 * once (npm can hard-link a package's files, as workerd's bin shim is linked to the
 * platform binary). `workerdBinaries` counts distinct files named `workerd`: one per
 * workerd version installed. `skip` names folders not to enter (e.g. node_modules);
 * `seen` lets several walks share one set of inodes, so a file is counted once overall.
 */
export async function treeStats(dir, { skip = [], seen = new Set() } = {}) {
  const workerd = new Set();
  let files = 0;
  let bytes = 0;
  const pending = [dir];
  while (pending.length > 0) {
    const current = pending.pop();
    for (const entry of await readdir(current, { withFileTypes: true })) {
      const full = path.join(current, entry.name);
      if (entry.isDirectory()) {
        if (!skip.includes(entry.name)) pending.push(full);
        continue;
      }
      if (!entry.isFile()) continue;
      const stats = await lstat(full);
      const inode = `${stats.dev}:${stats.ino}`;
      if (entry.name === "workerd") workerd.add(inode);
      if (seen.has(inode)) continue;
      seen.add(inode);
      files += 1;
      bytes += stats.size;
    }
  }
  return { files, bytes, workerdBinaries: workerd.size };
}

/** Throws a readable error when a command that exited 0 did not write `file`. */
export async function requireWritten(file, commandLine) {
  try {
    await access(file);
  } catch {
    throw new Error(`\`${commandLine}\` exited 0 but did not write ${file}`);
  }
}

/**
 * The `count` largest packages directly under a node_modules folder: `[{ name, bytes }]`.
 * A hard-linked file counts for the first package in name order that holds it (npm
 * links workerd's platform binary into the workerd package too).
 */
export async function largestPackages(nodeModules, count) {
  const seen = new Set();
  const names = [];
  for (const entry of await readdir(nodeModules, { withFileTypes: true })) {
    if (!entry.isDirectory() || entry.name.startsWith(".")) continue;
    const packageNames = entry.name.startsWith("@")
      ? (await readdir(path.join(nodeModules, entry.name))).map((name) => `${entry.name}/${name}`)
      : [entry.name];
    names.push(...packageNames);
  }
  const sizes = [];
  for (const name of names.sort()) {
    sizes.push({ name, bytes: (await treeStats(path.join(nodeModules, name), { seen })).bytes });
  }
  return sizes.sort((a, b) => b.bytes - a.bytes).slice(0, count);
}
