import { symlink, mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execa } from "execa";
import { parse, type ParseError } from "jsonc-parser";
import { afterAll, beforeAll, expect, it } from "vitest";
import { CACHE_PATTERNS, EXPIRING_CACHE_PATTERNS } from "../../src/features/cache.js";
import { FEATURE_IDS } from "../../src/features/index.js";
import { MAX_RATE_LIMIT, MAX_RATE_WINDOW, MAX_TTL } from "../../src/options/validate.js";
import { cliEnv, repoRoot, runCli } from "../support/cli.js";

// A property test over the option space: random valid flag sets, anywhere up to the
// documented upper bounds, each scaffolded by the built CLI and then checked the way
// the generated project checks itself: `wrangler types` and `tsc` over src and test
// (the repository's own pinned wrangler, TypeScript and vitest plugin stand in for
// the project's node_modules: they are the same versions). The seed is printed, and
// SEED=<n> replays a run.

const SAMPLES = 3;
const seed = Number(process.env.SEED ?? Date.now() % 1_000_000);

/** mulberry32: a small seeded generator, so a failing sample can be replayed. */
function generator(start: number) {
  let state = start >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (min: number, max: number) => min + Math.floor(next() * (max - min + 1));
  const pick = <T>(items: readonly T[]): T => items[int(0, items.length - 1)] as T;
  /** Often the edges (min, max), otherwise anything between. */
  const edgy = (min: number, max: number) => pick([min, max, int(min, max)]);
  return { next, int, pick, edgy };
}

function randomFlags(random: ReturnType<typeof generator>): { flags: string[]; bindings: string[] } {
  const features = FEATURE_IDS.filter(() => random.next() < 0.6);
  if (features.length === 0) features.push(random.pick(FEATURE_IDS));
  const flags = ["--features", features.join(",")];
  if (features.includes("cache")) {
    const pattern = random.pick(CACHE_PATTERNS);
    const mayNeverExpire = !EXPIRING_CACHE_PATTERNS.includes(pattern);
    flags.push("--cache-pattern", pattern, "--ttl", `cache=${mayNeverExpire && random.next() < 0.3 ? 0 : random.edgy(60, MAX_TTL)}`);
  }
  if (features.includes("prefs")) flags.push("--ttl", `prefs=${random.edgy(60, MAX_TTL)}`);
  if (features.includes("sessions")) {
    const sessionTtl = random.edgy(60, MAX_TTL);
    flags.push("--session-ttl", String(sessionTtl), "--session-refresh", String(random.edgy(1, sessionTtl - 1)));
    flags.push("--session-max-lifetime", String(random.edgy(sessionTtl, MAX_TTL)));
  }
  if (features.includes("ratelimit")) flags.push("--rate-limit", `${random.edgy(1, MAX_RATE_LIMIT)}/${random.edgy(1, MAX_RATE_WINDOW)}`);
  const envs = ["staging", "production"].filter(() => random.next() < 0.5);
  flags.push("--envs", envs.join(","));
  const bindings: string[] = [];
  if (random.next() < 0.5) {
    flags.push("--namespace", `AUDIT_LOG=${random.pick([0, 60, MAX_TTL])}`);
    bindings.push("AUDIT_LOG");
  }
  return { flags, bindings };
}

let scratch: string;
beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), "kv-edge-option-space-"));
});
afterAll(async () => {
  await rm(scratch, { recursive: true, force: true });
});

it(`random valid flag sets give projects that type-check (seed ${seed}, replay with SEED=${seed})`, async () => {
  const random = generator(seed);
  for (let sample = 0; sample < SAMPLES; sample++) {
    const { flags, bindings } = randomFlags(random);
    const name = `app-${sample}`;
    const described = `sample ${sample} (SEED=${seed}): ${flags.join(" ")}`;
    const result = await runCli([name, "--yes", "--no-install", "--no-git", ...flags], { cwd: scratch, env: cliEnv({ CI: "1" }), timeoutMs: 60_000 });
    expect(result.code, `${described}\n${result.stderr}`).toBe(0);
    const project = join(scratch, name);

    const errors: ParseError[] = [];
    const wrangler = parse(await readFile(join(project, "wrangler.jsonc"), "utf8"), errors, { allowTrailingComma: true }) as { kv_namespaces: { binding: string }[] };
    expect(errors, described).toEqual([]);
    for (const binding of bindings) expect(wrangler.kv_namespaces.map((entry) => entry.binding), described).toContain(binding);
    JSON.parse(await readFile(join(project, "package.json"), "utf8"));

    await symlink(join(repoRoot, "node_modules"), join(project, "node_modules"), "dir");
    const bin = (tool: string) => join(repoRoot, "node_modules", ".bin", tool);
    const types = await execa(bin("wrangler"), ["types"], { cwd: project, reject: false, timeout: 120_000, env: { WRANGLER_SEND_METRICS: "false" } });
    expect(types.exitCode, `${described}\n${types.stderr}`).toBe(0);
    const check = await execa(bin("tsc"), ["--noEmit", "-p", "tsconfig.json"], { cwd: project, reject: false, timeout: 120_000 });
    expect(check.exitCode, `${described}\n${check.stdout}${check.stderr}`).toBe(0);
  }
}, 600_000);
