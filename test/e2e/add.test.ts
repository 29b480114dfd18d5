/**
 * `create-kv-edge add` end to end, with the built CLI and real installs: (a) a project
 * made by create-kv-edge and then edited by hand, (b) a create-cloudflare hello-world
 * Worker (test/fixtures/c3-hello-world), which then also gets a Durable Object feature
 * (the export line it prints pasted in), (c) a Worker configured in wrangler.toml.
 * Each gets features added, then installs, type-checks and deploys dry (and (a) runs
 * its own tests). The three set up in parallel. Refusals, conflicts and --dry-run are
 * in test/cli/add.test.ts (no install needed to prove that nothing was written).
 */
import { cp, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { parse as parseToml } from "smol-toml";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readWranglerConfig } from "../../src/project/wrangler-config.js";
import { cliEnv, runCli, type CliResult } from "../support/cli.js";
import { runIn } from "../support/project.js";

const fixtures = path.join(import.meta.dirname, "..", "fixtures");
const read = (dir: string, file: string) => readFile(path.join(dir, file), "utf8");
const env = cliEnv({ CI: "true" });

let root: string;
const own = { dir: "", wrangler: "", entry: "", add: undefined as CliResult | undefined };
const c3 = { dir: "", entry: "", add: undefined as CliResult | undefined };
const toml = { dir: "", before: "", add: undefined as CliResult | undefined };

async function setUpOwn() {
  const created = await runCli(["kv-own", "--features", "cache", "--envs", "staging,production", "--no-git", "--pm", "npm"], {
    cwd: root,
    env,
    timeoutMs: 600_000,
  });
  expect(created.code, created.stderr + created.stdout).toBe(0);
  own.dir = path.join(root, "kv-own");
  // By hand: a comment and a var in wrangler.jsonc, a line in a module add never regenerates.
  own.wrangler = (await read(own.dir, "wrangler.jsonc")).replace(
    '"observability": { "enabled": true },',
    '"observability": { "enabled": true },\n\t// Added by hand: the greeting the team agreed on.\n\t"vars": { "GREETING": "hello" },',
  );
  await writeFile(path.join(own.dir, "wrangler.jsonc"), own.wrangler);
  own.entry = (await read(own.dir, "src/http.ts")).replace(/^/, "// Edited by hand: keep this line.\n");
  await writeFile(path.join(own.dir, "src/http.ts"), own.entry);
  own.add = await runCli(["add", "sessions", "flags", "--yes"], { cwd: own.dir, env, timeoutMs: 300_000 });
}

async function installFixture(name: string): Promise<string> {
  const dir = path.join(root, name);
  await cp(path.join(fixtures, name), dir, { recursive: true });
  const install = await runIn(dir, "npm", ["install", "--no-audit", "--no-fund"], 600_000);
  expect(install.code, install.output).toBe(0);
  return dir;
}

async function setUpC3() {
  c3.dir = await installFixture("c3-hello-world");
  c3.entry = await read(c3.dir, "src/index.ts");
  c3.add = await runCli(["add", "cache", "sessions", "--yes"], { cwd: c3.dir, env, timeoutMs: 300_000 });
}

async function setUpToml() {
  toml.dir = await installFixture("toml-worker");
  toml.before = await read(toml.dir, "wrangler.toml");
  toml.add = await runCli(["add", "flags", "--yes"], { cwd: toml.dir, env, timeoutMs: 300_000 });
}

beforeAll(async () => {
  root = await mkdtemp(path.join(tmpdir(), "kv-edge-e2e-add-"));
  await Promise.all([setUpOwn(), setUpC3(), setUpToml()]);
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

async function expectPasses(dir: string, commands: [string, string[]][]) {
  for (const [command, args] of commands) {
    const result = await runIn(dir, command, args, 600_000);
    expect(result.code, `${command} ${args.join(" ")}\n${result.output}`).toBe(0);
  }
}

const deployDry = (dir: string, ...extra: string[]): [string, string[]] => ["npx", ["wrangler", "deploy", "--dry-run", "--outdir", path.join(dir, ".dry-run"), ...extra]];

describe("(a) a project made by create-kv-edge, edited by hand, gets sessions and flags (with the flags writer object)", () => {
  it("keeps the hand edits byte for byte and has the bindings at the top level and in each env", async () => {
    expect(own.add?.code, `${own.add?.stderr}${own.add?.stdout}`).toBe(0);
    expect(own.add?.stdout).toContain("Ran wrangler types");
    const wrangler = await read(own.dir, "wrangler.jsonc");
    // Only insertions: every byte of the edited file is still there, in order.
    let rest = wrangler;
    for (const char of own.wrangler) {
      const at = rest.indexOf(char);
      expect(at).toBeGreaterThanOrEqual(0);
      rest = rest.slice(at + 1);
    }
    expect(wrangler).toContain('\t// Added by hand: the greeting the team agreed on.\n\t"vars": { "GREETING": "hello" },');
    expect(await read(own.dir, "src/http.ts")).toBe(own.entry);
    for (const binding of ["CACHE", "SESSIONS", "FLAGS"]) expect(wrangler.match(new RegExp(`"binding": "${binding}"`, "g"))).toHaveLength(3);
    // Flags are saved through their writer object: bound and migrated everywhere, exported by the entry module.
    const config = readWranglerConfig("wrangler.jsonc", wrangler);
    expect(config.classes.has("FlagsWriter")).toBe(true);
    expect(wrangler.match(/"name": "FLAGS_WRITER", "class_name": "FlagsWriter"/g)).toHaveLength(3);
    expect(await read(own.dir, "src/index.ts")).toContain('export { FlagsWriter } from "./config";');
    expect(await read(own.dir, "worker-configuration.d.ts")).toContain("SESSIONS: KVNamespace");
  });

  it("passes its own npm test", async () => {
    await expectPasses(own.dir, [["npm", ["test"]]]);
  });

  it("passes the type check and wrangler deploy --dry-run (top level and an env)", async () => {
    await expectPasses(own.dir, [["npm", ["run", "typecheck"]]]);
    for (const args of [[], ["--env", "staging"]]) {
      const result = await runIn(own.dir, "npx", ["wrangler", "deploy", "--dry-run", "--outdir", path.join(own.dir, ".dry-run"), ...args], 600_000);
      expect(result.code, result.output).toBe(0);
      expect(result.output).toMatch(/env\.FLAGS_WRITER \(FlagsWriter\)\s+Durable Object/);
    }
  });
});

describe("(b) a create-cloudflare hello-world Worker gets cache and sessions", () => {
  it("leaves src/index.ts untouched, puts the library under src/kv/ and prints the lines to paste", async () => {
    expect(c3.add?.code, `${c3.add?.stderr}${c3.add?.stdout}`).toBe(0);
    expect(await read(c3.dir, "src/index.ts")).toBe(c3.entry);
    for (const file of ["kv-store.ts", "keys.ts", "cache.ts", "sessions.ts"]) expect(await read(c3.dir, `src/kv/${file}`)).toBeTruthy();
    expect(c3.add?.stdout).toContain('import { SessionStore } from "./kv/sessions";');
    const config = readWranglerConfig("wrangler.jsonc", await read(c3.dir, "wrangler.jsonc"));
    expect([...config.bindings].sort()).toEqual(["CACHE", "SESSIONS"]);
  });

  // The project's own vitest config keeps vitest's 5 s default; the tests get the same
  // 30 s a project made by create-kv-edge gives them (a few write hundreds of keys).
  it("type-checks (with the types wrangler generated), passes the features' tests it added and wrangler deploy --dry-run", async () => {
    expect(await read(c3.dir, "worker-configuration.d.ts")).toContain("CACHE: KVNamespace");
    await expectPasses(c3.dir, [["npx", ["tsc", "--noEmit"]], ["npx", ["vitest", "run", "test/kv", "--testTimeout", "30000"]], deployDry(c3.dir)]);
  });

  it("still type-checks and deploys once the lines it printed are used in the Worker", async () => {
    // What a user does next: use the library through the new bindings.
    const entry = `import { SessionStore } from "./kv/sessions";
import { KVStore } from "./kv/kv-store";

export default {
	async fetch(request, env): Promise<Response> {
		const sessions = new SessionStore(env.SESSIONS, { ttl: 86400, refreshThreshold: 3600 });
		const session = await sessions.get(sessions.tokenFrom(request) ?? "");
		const cache = new KVStore(env.CACHE, { defaultTtl: 300 });
		await cache.set("greeting", { text: "Hello World!" });
		return Response.json({ user: session?.userId ?? null, greeting: await cache.get("greeting") });
	},
} satisfies ExportedHandler<Env>;
`;
    await writeFile(path.join(c3.dir, "src/index.ts"), entry);
    await expectPasses(c3.dir, [["npx", ["tsc", "--noEmit"]], deployDry(c3.dir)]);
  });

  it("then gets counters and ratelimit (Durable Objects): after pasting the export lines it printed, type-checks, passes their tests and deploys dry with the bindings", async () => {
    const entry = await read(c3.dir, "src/index.ts");
    const added = await runCli(["add", "counters", "ratelimit", "--yes"], { cwd: c3.dir, env, timeoutMs: 300_000 });
    expect(added.code, `${added.stderr}${added.stdout}`).toBe(0);
    expect(await read(c3.dir, "src/index.ts")).toBe(entry);
    const exportLines = [...added.stdout.matchAll(/^\s*(export \{ \w+ \} from "[^"]+";)$/gm)].map((match) => match[1]);
    expect(exportLines).toEqual(['export { SlidingWindowLimiter } from "./kv/rate-limit-object";', 'export { CounterObject } from "./kv/counters";']);
    await writeFile(path.join(c3.dir, "src/index.ts"), `${exportLines.join("\n")}\n${entry}`);
    // Only the chosen backend came: the KV limiter's test would need a namespace this Worker does not have.
    await expect(read(c3.dir, "test/kv/rate-limiter.test.ts")).rejects.toThrow();
    await expectPasses(c3.dir, [["npx", ["tsc", "--noEmit"]], ["npx", ["vitest", "run", "test/kv", "--testTimeout", "30000"]]]);
    const [command, args] = deployDry(c3.dir);
    const deployed = await runIn(c3.dir, command, args, 600_000);
    expect(deployed.code, deployed.output).toBe(0);
    expect(deployed.output).toMatch(/COUNTERS[^\n]*CounterObject/);
    expect(deployed.output).toMatch(/RATE_LIMITER[^\n]*SlidingWindowLimiter/);
  });
});

describe("(c) a wrangler.toml Worker gets flags", () => {
  it("keeps the file as it was, appends the tables, parses, type-checks and deploys dry", async () => {
    expect(toml.add?.code, `${toml.add?.stderr}${toml.add?.stdout}`).toBe(0);
    const after = await read(toml.dir, "wrangler.toml");
    expect(after.startsWith(toml.before)).toBe(true);
    const data = parseToml(after) as { kv_namespaces: unknown; env: { staging: { kv_namespaces: unknown } } };
    expect(data.kv_namespaces).toEqual([{ binding: "FLAGS" }]);
    expect(data.env.staging.kv_namespaces).toEqual([{ binding: "FLAGS" }]);
    await expectPasses(toml.dir, [["npx", ["tsc", "--noEmit"]], deployDry(toml.dir), deployDry(toml.dir, "--env", "staging")]);
  });
});
