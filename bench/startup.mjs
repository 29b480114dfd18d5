// Start-up: wall time of `node <bin> --help` (and `--version` for ours), node
// spawned directly on each package's bin file so npx and npm are not measured.
// Node's own start-up (an empty script) is measured too: the floor under every row.

import { measureRounds } from "./measure.mjs";
import { describeFailure, run } from "./process.mjs";
import { cleanEnv } from "./workdir.mjs";

const STARTUP_TIMEOUT_MS = 30_000;

/** `[{ command, summary, error }]`: node alone, each tool's --help, then ours' --version. */
export async function measureStartup({ ours, peers, runs, cwd }) {
  const commands = [
    { command: 'node -e "" (Node alone)', args: ["-e", ""] },
    ...[ours, ...peers].map((tool) => ({ command: `${tool.name} --help`, args: [tool.bin, "--help"] })),
    { command: `${ours.name} --version`, args: [ours.bin, "--version"] },
  ];
  const measured = await measureRounds(commands, runs, async ({ args }) => {
    const result = await run(process.execPath, args, {
      cwd,
      env: cleanEnv(),
      timeoutMs: STARTUP_TIMEOUT_MS,
    });
    if (result.exitCode !== 0) throw new Error(describeFailure("node", args, result));
    return result.ms;
  });
  return commands.map(({ command }, index) => ({ command, ...measured[index] }));
}
