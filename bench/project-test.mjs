// The generated project's own `npm test`, on its own row: the number a user feels
// most, since they run it hundreds of times. One all-features project is scaffolded
// and installed once, then `npm test` runs once as a warm-up and `runs` times counted.

import { mkdir } from "node:fs/promises";
import path from "node:path";
import { describeFailure, run } from "./process.mjs";
import { runScaffolder } from "./scaffold.mjs";
import { summarize } from "./stats.mjs";
import { cleanEnv } from "./workdir.mjs";

const SCAFFOLD_AND_INSTALL_TIMEOUT_MS = 300_000;
const TEST_TIMEOUT_MS = 300_000;

/** `{ summary, error, testFiles, tests }`: the times of the counted runs and what vitest reported running. */
export async function measureProjectTest({ ours, runs, workDir }) {
  const parent = path.join(workDir, "project-test");
  await mkdir(parent, { recursive: true });
  const { project } = await runScaffolder(ours, "toTestsArgs", parent, SCAFFOLD_AND_INSTALL_TIMEOUT_MS);
  const times = [];
  let counts = { testFiles: null, tests: null };
  for (let round = 0; round <= runs; round += 1) {
    // CI=true: vitest runs once instead of watching.
    const tested = await run("npm", ["test"], { cwd: project, env: cleanEnv({ CI: "true" }), timeoutMs: TEST_TIMEOUT_MS });
    if (tested.exitCode !== 0) {
      return { summary: summarize(times), error: describeFailure("npm", ["test"], tested), ...counts };
    }
    counts = vitestCounts(tested.stdout);
    if (round > 0) times.push(tested.ms);
  }
  return { summary: summarize(times), error: null, ...counts };
}

/** "Test Files  15 passed (15)" and "Tests  160 passed (160)" from vitest's summary. */
function vitestCounts(stdout) {
  const count = (label) => Number(new RegExp(`${label}\\s+(\\d+) passed`).exec(stdout)?.[1]) || null;
  return { testFiles: count("Test Files"), tests: count("Tests") };
}
