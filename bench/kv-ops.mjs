// KV operations per toolkit operation. Each bench/kv-ops/<module>.probe.js drives
// the template's src/lib/<module>.ts on the toolkit's counting KV wrapper inside
// workerd and prints one `KV_OPS {json}` line per operation; this runs the probes
// whose module exists on this branch and reads those lines back.

import { access, readdir } from "node:fs/promises";
import path from "node:path";
import { describeFailure, run } from "./process.mjs";
import { cleanEnv } from "./workdir.mjs";

const VITEST_TIMEOUT_MS = 300_000;
const LINE_PREFIX = "KV_OPS ";
const COUNTING_WRAPPER = "templates/default/test/support/counting-kv.ts";
const PROBE_SUFFIX = ".probe.js";

/**
 * `{ rows: [{ operation, counts, budget, withinBudget }], missing: [module] }`,
 * or `{ error }` saying why nothing was measured.
 */
export async function measureKvOperations({ repo }) {
  if (!(await exists(path.join(repo, COUNTING_WRAPPER)))) {
    return { error: `${COUNTING_WRAPPER} (the toolkit's counting wrapper) is not on this branch.` };
  }
  const probeDir = path.join(repo, "bench", "kv-ops");
  const probes = [];
  const missing = [];
  for (const file of (await readdir(probeDir)).filter((name) => name.endsWith(PROBE_SUFFIX)).sort()) {
    const module = `templates/default/src/lib/${file.slice(0, -PROBE_SUFFIX.length)}.ts`;
    if (await exists(path.join(repo, module))) probes.push(path.join("bench", "kv-ops", file));
    else missing.push(module);
  }
  if (probes.length === 0) return { error: `none of the toolkit modules is on this branch: ${missing.join(", ")}` };

  const args = [
    path.join(repo, "node_modules", "vitest", "vitest.mjs"),
    "run",
    "--config",
    path.join(probeDir, "vitest.config.ts"),
    ...probes,
  ];
  const result = await run(process.execPath, args, {
    cwd: repo,
    env: cleanEnv({ CI: "true" }),
    timeoutMs: VITEST_TIMEOUT_MS,
  });
  if (result.exitCode !== 0) return { error: describeFailure("vitest", args.slice(1), result) };
  const rows = result.stdout
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line.startsWith(LINE_PREFIX))
    .map((line) => JSON.parse(line.slice(LINE_PREFIX.length)))
    // Probe files run in parallel; a fixed order keeps one run's table comparable to the next.
    .sort((a, b) => (a.operation < b.operation ? -1 : a.operation > b.operation ? 1 : 0));
  if (rows.length === 0) return { error: "the kv-ops probes printed no KV_OPS lines" };
  return { rows, missing };
}

async function exists(file) {
  try {
    await access(file);
    return true;
  } catch {
    return false;
  }
}
