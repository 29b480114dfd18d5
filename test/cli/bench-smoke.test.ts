import { execFile } from "node:child_process";
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterEach, beforeEach, expect, test } from "vitest";

// The benchmark is not part of the suite; this only checks that `bench/run.mjs` still
// runs end to end with one iteration of its three cheapest sections, writes its table
// where it is told, and cleans up its temp folder. It needs the npm registry (the peers
// are installed from it) and a built CLI (`npm test` builds first).

const runFile = promisify(execFile);
const repo = path.resolve(import.meta.dirname, "../..");
let scratch: string;

beforeEach(async () => {
  scratch = await mkdtemp(path.join(tmpdir(), "bench-smoke-"));
});

afterEach(async () => {
  await rm(scratch, { recursive: true, force: true });
});

test("bench/run.mjs measures footprint, start-up and time to the first prompt once and writes the table", async () => {
  const out = path.join(scratch, "results.md");
  const { stdout } = await runFile(
    process.execPath,
    ["bench/run.mjs", "--runs", "1", "--slow-runs", "1", "--only", "footprint,startup,first-prompt", "--out", out],
    // TMPDIR: the benchmark's work folder goes here, so the test can see it removed.
    { cwd: repo, env: { ...process.env, TMPDIR: scratch }, timeout: 170_000 },
  );

  const written = await readFile(out, "utf8");
  expect(written.startsWith(stdout)).toBe(true);
  expect(written).toContain(`Node ${process.version}`);

  // One footprint row per package, each with a packed size.
  for (const name of ["create-kv-edge\\*\\* \\(this checkout\\)", "create-vite@", "create-cloudflare@", "create-hono@"]) {
    expect(written).toMatch(new RegExp(`\\| \\**${name}[^|]* \\| [\\d.]+ (kB|MB) \\|`));
  }
  // One start-up row per command, each a median of exactly one counted run.
  for (const command of ["create-kv-edge --help", "create-kv-edge --version", "create-vite --help", "create-cloudflare --help", "create-hono --help"]) {
    expect(written).toMatch(new RegExp(`\\| ${command} \\| \\d+ ms \\| \\d+ ms \\| \\d+ ms \\| 1 \\|`));
  }
  // The packed tarball run through npm exec, once with an empty cache and once warm.
  for (const cache of ["cold", "warm"]) {
    expect(written).toMatch(new RegExp(`\\| ${cache} \\| [\\d.]+ m?s \\| [\\d.]+ m?s \\| [\\d.]+ m?s \\| 1 \\|`));
  }
  expect(written).toMatch(/\| packed size ≤ 210 kB \| [\d.]+ kB \| (yes|\*\*no\*\*) \|/);
  expect(written).not.toContain("failed:");

  // The benchmark's work folder (kv-edge-bench-*) is gone. Other tools may leave
  // caches in TMPDIR (node's compile cache does), so only ours is looked for.
  const leftovers = (await readdir(scratch)).filter((name) => name.startsWith("kv-edge-bench-"));
  expect(leftovers).toEqual([]);
}, 180_000);
