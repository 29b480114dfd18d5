import { createHash } from "node:crypto";
import { readdir, readFile } from "node:fs/promises";
import path from "node:path";

/** One hash of every file's path and bytes under `dir` (node_modules left out): equal hashes, equal trees. */
export async function hashTree(dir: string): Promise<string> {
  const hash = createHash("sha256");
  const entries = (await readdir(dir, { recursive: true, withFileTypes: true }))
    .filter((entry) => entry.isFile())
    .map((entry) => path.relative(dir, path.join(entry.parentPath, entry.name)))
    .filter((file) => !file.split(path.sep).includes("node_modules"))
    .sort();
  for (const file of entries) hash.update(`${file}\0`).update(await readFile(path.join(dir, file))).update("\0");
  return hash.digest("hex");
}
