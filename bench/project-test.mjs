// The generated project's own `npm test`, on its own row: the number a user feels
// most, since they run it hundreds of times. One all-features project is scaffolded
// and installed once, then `npm test` runs once as a warm-up and `runs` times counted.
// vitest's JSON report (written beside the project) says where each run's time went:
// start-up before the first test file, the test files, and what comes after them.

import { mkdir, readFile } from "node:fs/promises";
import path from "node:path";
import { describeFailure, run } from "./process.mjs";
import { runScaffolder } from "./scaffold.mjs";
import { summarize } from "./stats.mjs";
import { cleanEnv } from "./workdir.mjs";

const SCAFFOLD_AND_INSTALL_TIMEOUT_MS = 300_000;
const TEST_TIMEOUT_MS = 300_000;

/**
 * `{ summary, error, testFiles, tests, split }`: the times of the counted runs, what
 * vitest reported running, and `split` (see splitOfRun), each part as a summary over the runs.
 */
export async function measureProjectTest({ ours, runs, workDir }) {
  const parent = path.join(workDir, "project-test");
  await mkdir(parent, { recursive: true });
  const { project } = await runScaffolder(ours, "toTestsArgs", parent, SCAFFOLD_AND_INSTALL_TIMEOUT_MS);
  const report = path.join(parent, "vitest-report.json");
  const args = ["test", "--", "--reporter=default", "--reporter=json", `--outputFile=${report}`];
  const times = [];
  const splits = [];
  let counts = { testFiles: null, tests: null };
  for (let round = 0; round <= runs; round += 1) {
    const spawnedAt = Date.now();
    // CI=true: vitest runs once instead of watching.
    const tested = await run("npm", args, { cwd: project, env: cleanEnv({ CI: "true" }), timeoutMs: TEST_TIMEOUT_MS });
    if (tested.exitCode !== 0) {
      return { summary: summarize(times), error: describeFailure("npm", args, tested), ...counts, split: null };
    }
    counts = vitestCounts(tested.stdout);
    if (round > 0) {
      times.push(tested.ms);
      splits.push(splitOfRun(JSON.parse(await readFile(report, "utf8")), spawnedAt, tested.ms));
    }
  }
  const split = Object.fromEntries(
    ["startUp", "testFiles", "afterTests", "testDurations"].map((part) => [part, summarize(splits.map((one) => one[part]))]),
  );
  split.slowest = splits.at(-1)?.slowest ?? [];
  return { summary: summarize(times), error: null, ...counts, split };
}

/**
 * One run's time in three consecutive parts, from vitest's JSON report (epoch ms):
 * `startUp` from spawning `npm test` to the first test file's start (npm, vitest,
 * its config and the Workers plugin, reading wrangler.jsonc, starting workerd),
 * `testFiles` from then to the last file's end, `afterTests` the rest until exit;
 * and `testDurations`, the sum of the tests' own durations, and the five slowest tests.
 */
function splitOfRun(report, spawnedAt, ms) {
  const files = report.testResults;
  const firstStart = Math.min(...files.map((file) => file.startTime));
  const lastEnd = Math.max(...files.map((file) => file.endTime));
  const tests = files.flatMap((file) =>
    file.assertionResults.map((test) => ({ file: path.basename(path.dirname(file.name)) + "/" + path.basename(file.name), title: test.title, ms: test.duration ?? 0 })),
  );
  return {
    startUp: firstStart - spawnedAt,
    testFiles: lastEnd - firstStart,
    afterTests: spawnedAt + ms - lastEnd,
    testDurations: tests.reduce((sum, test) => sum + test.ms, 0),
    slowest: tests.sort((a, b) => b.ms - a.ms).slice(0, 5),
  };
}

/** "Test Files  15 passed (15)" and "Tests  160 passed (160)" from vitest's summary. */
function vitestCounts(stdout) {
  const count = (label) => Number(new RegExp(`${label}\\s+(\\d+) passed`).exec(stdout)?.[1]) || null;
  return { testFiles: count("Test Files"), tests: count("Tests") };
}
