// KV operations per toolkit operation: runs bench/kv-ops/ (a vitest project in
// workerd) that drives each toolkit operation on the template's counting KV wrapper
// and prints one `KV_OPS {json}` line per operation, and reads those lines back.

import { access } from "node:fs/promises";
import path from "node:path";
import { describeFailure, run } from "./process.mjs";
import { cleanEnv } from "./workdir.mjs";

const VITEST_TIMEOUT_MS = 300_000;
const LINE_PREFIX = "KV_OPS ";
const COUNTING_WRAPPER = "templates/default/test/support/counting-kv.ts";

/** `{ rows: [{ operation, counts, budget, withinBudget }] }`, or `{ error }` saying why not. */
export async function measureKvOperations({ repo }) {
  try {
    await access(path.join(repo, COUNTING_WRAPPER));
  } catch {
    return { error: `${COUNTING_WRAPPER} is not on this branch yet (the toolkit's counting wrapper).` };
  }
  const args = [
    path.join(repo, "node_modules", "vitest", "vitest.mjs"),
    "run",
    "--config",
    path.join(repo, "bench", "kv-ops", "vitest.config.ts"),
  ];
  const result = await run(process.execPath, args, {
    cwd: repo,
    env: cleanEnv({ CI: "true" }),
    timeoutMs: VITEST_TIMEOUT_MS,
  });
  if (result.exitCode !== 0) return { error: describeFailure("vitest", args.slice(1), result) };
  const rows = `${result.stdout}\n${result.stderr}`
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line.startsWith(LINE_PREFIX))
    .map((line) => JSON.parse(line.slice(LINE_PREFIX.length)));
  if (rows.length === 0) return { error: "the kv-ops probe printed no KV_OPS lines" };
  return { rows };
}
