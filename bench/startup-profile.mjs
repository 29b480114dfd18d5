// What start-up loads: the files each tool's `--help` reads before it can print,
// recorded by load-hook.mjs. Fewer and smaller files is most of a fast start-up.

import { readFile, stat } from "node:fs/promises";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { describeFailure, run } from "./process.mjs";
import { cleanEnv } from "./workdir.mjs";

const PROFILE_TIMEOUT_MS = 30_000;
const HOOK = pathToFileURL(path.join(import.meta.dirname, "load-hook.mjs")).href;

/** `{ tool, files, bytes, largest: [{ file, bytes }] }` per tool, or `{ tool, error }`. */
export async function profileStartup({ tools, workDir }) {
  const profiles = [];
  for (const tool of tools) {
    const log = path.join(workDir, `loaded-${tool.name}.json`);
    const args = ["--import", HOOK, tool.bin, "--help"];
    const result = await run(process.execPath, args, {
      cwd: workDir,
      env: cleanEnv({ BENCH_LOAD_LOG: log }),
      timeoutMs: PROFILE_TIMEOUT_MS,
    });
    if (result.exitCode !== 0) {
      profiles.push({ tool: tool.name, error: describeFailure("node", args, result) });
      continue;
    }
    const sizes = [];
    for (const file of JSON.parse(await readFile(log, "utf8"))) {
      sizes.push({ file: path.relative(tool.packageDir, file), bytes: (await stat(file)).size });
    }
    sizes.sort((a, b) => b.bytes - a.bytes);
    profiles.push({
      tool: tool.name,
      files: sizes.length,
      bytes: sizes.reduce((sum, { bytes }) => sum + bytes, 0),
      largest: sizes.slice(0, 3),
    });
  }
  return profiles;
}
