// Start-up: wall time of `node <bin> --help` (and `--version` for ours), node
// spawned directly on each package's bin file so npx and npm are not measured.

import { describeFailure, run } from "./process.mjs";
import { measureRuns } from "./measure.mjs";
import { cleanEnv } from "./workdir.mjs";

const STARTUP_TIMEOUT_MS = 30_000;

/** `[{ tool, command, summary, error }]` for each tool's --help, then ours' --version. */
export async function measureStartup({ ours, peers, runs, cwd }) {
  const results = [];
  for (const tool of [ours, ...peers]) {
    results.push(await timeCommand(tool, "--help", runs, cwd));
  }
  results.push(await timeCommand(ours, "--version", runs, cwd));
  return results;
}

async function timeCommand(tool, flag, runs, cwd) {
  const args = [tool.bin, flag];
  const { summary, error } = await measureRuns(runs, async () => {
    const result = await run(process.execPath, args, {
      cwd,
      env: cleanEnv(),
      timeoutMs: STARTUP_TIMEOUT_MS,
    });
    if (result.exitCode !== 0) throw new Error(describeFailure("node", args, result));
    return result.ms;
  });
  return { tool: tool.name, command: `${tool.name} ${flag}`, summary, error };
}
