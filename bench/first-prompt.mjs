// From `npm create` to the first prompt, the way a user meets it: npm fetches the
// package, puts it in its npx cache and runs it. The package is this checkout's packed
// tarball (`npm pack`), run with `npm exec --package <tarball>`, which is what
// `npm create kv-edge` does with the registry's copy. Cold: a new, empty npm cache
// (--cache); warm: the same cache a second time.

import { mkdir, readdir } from "node:fs/promises";
import path from "node:path";
import { describeFailure, run, runOrThrow } from "./process.mjs";
import { summarize } from "./stats.mjs";
import { cleanEnv } from "./workdir.mjs";

const TIMEOUT_MS = 120_000;
/** The mark @clack/prompts puts before an open question. */
const PROMPT_MARK = "◆";

/** `{ cold, warm, error }`: summaries over `runs` rounds of a cold and then a warm run. */
export async function measureFirstPrompt({ packageDir, runs, workDir }) {
  const folder = path.join(workDir, "first-prompt");
  await mkdir(folder, { recursive: true });
  await runOrThrow("npm", ["pack", "--pack-destination", folder], { cwd: packageDir, env: cleanEnv(), timeoutMs: TIMEOUT_MS });
  const tarball = path.join(folder, (await readdir(folder)).find((name) => name.endsWith(".tgz")));
  const cold = [];
  const warm = [];
  for (let round = 0; round < runs; round += 1) {
    const cache = path.join(folder, `cache-${round}`);
    const project = path.join(folder, `project-${round}`);
    await mkdir(project, { recursive: true });
    try {
      cold.push(await untilFirstPrompt(tarball, cache, project));
      warm.push(await untilFirstPrompt(tarball, cache, project));
    } catch (error) {
      return { cold: summarize(cold), warm: summarize(warm), error: error.message, tarball: path.basename(tarball) };
    }
  }
  return { cold: summarize(cold), warm: summarize(warm), error: null, tarball: path.basename(tarball) };
}

async function untilFirstPrompt(tarball, cache, cwd) {
  // --interactive: ask even though stdin is not a terminal; the run is stopped at the first question.
  const args = ["exec", "--yes", "--cache", cache, "--package", tarball, "--", "create-kv-edge", "--interactive"];
  const result = await run("npm", args, {
    cwd,
    env: cleanEnv(),
    timeoutMs: TIMEOUT_MS,
    stopWhen: (stdout) => stdout.includes(PROMPT_MARK),
  });
  if (!result.stopped) throw new Error(describeFailure("npm", args, result));
  return result.ms;
}
