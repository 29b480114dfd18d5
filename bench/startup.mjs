// Start-up: wall time of `node <bin> --help` (and `--version` for ours), node
// spawned directly on each package's bin file so npx and npm are not measured.
// Node's own start-up (an empty script) is measured too: the floor under every row.

import { describeFailure, run } from "./process.mjs";
import { measureRuns } from "./measure.mjs";
import { cleanEnv } from "./workdir.mjs";

const STARTUP_TIMEOUT_MS = 30_000;

/** `[{ command, summary, error }]`: node alone, each tool's --help, then ours' --version. */
export async function measureStartup({ ours, peers, runs, cwd }) {
  const results = [await timeCommand("node -e \"\" (Node alone)", ["-e", ""], runs, cwd)];
  for (const tool of [ours, ...peers]) {
    results.push(await timeCommand(`${tool.name} --help`, [tool.bin, "--help"], runs, cwd));
  }
  results.push(await timeCommand(`${ours.name} --version`, [ours.bin, "--version"], runs, cwd));
  return results;
}

async function timeCommand(command, args, runs, cwd) {
  const { summary, error } = await measureRuns(runs, async () => {
    const result = await run(process.execPath, args, {
      cwd,
      env: cleanEnv(),
      timeoutMs: STARTUP_TIMEOUT_MS,
    });
    if (result.exitCode !== 0) throw new Error(describeFailure("node", args, result));
    return result.ms;
  });
  return { command, summary, error };
}
