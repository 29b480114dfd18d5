// What a folder holds on disk: file count and bytes, and the workerd binaries in it.

import { access, lstat, readdir } from "node:fs/promises";
import path from "node:path";

/**
 * Walks `dir` without following links. Bytes are apparent sizes, each inode counted
 * once (npm can hard-link a package's files, as workerd's bin shim is linked to the
 * platform binary). `workerdBinaries` counts distinct files named `workerd`: one per
 * workerd version installed. `skip` names folders not to enter (e.g. node_modules).
 */
export async function treeStats(dir, { skip = [] } = {}) {
  const seen = new Set();
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
