/**
 * --create-namespaces through the built CLI, with real wrangler talking to a fake
 * Cloudflare API on 127.0.0.1 (the only fake in the suite). Two real scaffolds:
 * one that succeeds, one whose API server is down; the remaining failure modes run
 * the same script later from inside the project (`npm run kv:namespaces`).
 */
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { homedir, tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FEATURES } from "../../src/features/index.js";
import { cliEnv, runCli, type CliResult } from "../support/cli.js";
import { startFakeCloudflare, type FakeCloudflare } from "../support/fake-cloudflare.js";
import { filesContaining } from "../support/kv-project.js";
import { runIn } from "../support/project.js";

/** The KV bindings of a default all-features project: units without a KV namespace (Durable Object backed) have none. */
const BINDINGS = FEATURES.filter((unit) => unit.hasNamespace === undefined).map((unit) => unit.binding);
/** The Worker name of each scope: wrangler titles a namespace "<worker>-<binding, lower-cased, _ as ->". */
const SCOPES = ["", "-staging", "-production"];
const slug = (binding: string) => binding.toLowerCase().replaceAll("_", "-");

let root: string;
let fake: FakeCloudflare;

/** Credentials and a private HOME for wrangler; npm keeps the machine's shared cache. */
async function cloudflareEnv(home: string, overrides: NodeJS.ProcessEnv = {}): Promise<NodeJS.ProcessEnv> {
  await mkdir(home, { recursive: true });
  return {
    HOME: home,
    XDG_CONFIG_HOME: path.join(home, ".config"),
    XDG_CACHE_HOME: path.join(home, ".cache"),
    npm_config_cache: process.env.npm_config_cache ?? path.join(homedir(), ".npm"),
    CLOUDFLARE_API_BASE_URL: fake.baseUrl,
    CLOUDFLARE_API_TOKEN: fake.token,
    CLOUDFLARE_ACCOUNT_ID: fake.accountId,
    WRANGLER_SEND_METRICS: "false",
    WRANGLER_HIDE_BANNER: "true",
    CI: "true",
    ...overrides,
  };
}

function scaffold(name: string, env: NodeJS.ProcessEnv): Promise<CliResult> {
  return runCli([name, "--yes", "--envs", "staging,production", "--create-namespaces", "--no-git", "--pm", "npm"], {
    cwd: root,
    env: cliEnv(env),
    timeoutMs: 600_000,
  });
}

/** Runs the project's kv:namespaces script with the given environment. */
async function kvNamespaces(project: string, env: NodeJS.ProcessEnv) {
  const { execa } = await import("execa");
  const result = await execa("npm", ["run", "kv:namespaces"], { cwd: project, env, reject: false, all: true, timeout: 300_000 });
  return { code: result.exitCode, output: result.all ?? "" };
}

function expectNoToken(project: string, ...outputs: string[]) {
  for (const output of outputs) expect(output).not.toContain(fake.token);
  const leaks = filesContaining(project, fake.token);
  expect(leaks).toEqual([]);
}

beforeAll(async () => {
  root = await mkdtemp(path.join(tmpdir(), "kv-edge-e2e-ns-"));
  fake = await startFakeCloudflare();
});

afterAll(async () => {
  await fake.stop();
  await rm(root, { recursive: true, force: true });
});

describe("--create-namespaces", () => {
  const project = () => path.join(root, "kv-ns");
  let result: CliResult;

  beforeAll(async () => {
    result = await scaffold("kv-ns", await cloudflareEnv(path.join(root, "home-ok")));
  });

  it("creates a production and a preview namespace for every binding in every environment", async () => {
    expect(result.code, result.stderr + result.stdout).toBe(0);
    const titles = fake.namespaces.map((namespace) => namespace.title).sort();
    const expected = BINDINGS.flatMap((binding) =>
      SCOPES.flatMap((scope) => [`kv-ns${scope}-${slug(binding)}`, `kv-ns${scope}-${slug(binding)}_preview`]),
    ).sort();
    expect(titles).toEqual(expected);
  });

  it("writes every id and preview_id into wrangler.jsonc and keeps its comments", async () => {
    const text = await readFile(path.join(project(), "wrangler.jsonc"), "utf8");
    for (const namespace of fake.namespaces) {
      const field = namespace.title.endsWith("_preview") ? "preview_id" : "id";
      expect(text).toContain(`"${field}": "${namespace.id}"`);
    }
    expect(text).toContain("// Wrangler configuration");
    expect(text).toContain("// Durable Objects: where KV cannot be exact");
  });

  it("leaves a project that deploys (dry run) with the IDs and passes its tests", async () => {
    const deploy = await runIn(project(), "npx", ["wrangler", "deploy", "--dry-run", "--outdir", path.join(root, "out")]);
    expect(deploy.code, deploy.output).toBe(0);
    const tests = await runIn(project(), "npm", ["test"]);
    expect(tests.code, tests.output).toBe(0);
  });

  it("never prints or writes the API token", () => {
    expectNoToken(project(), result.stdout, result.stderr);
  });

  it("reuses every existing title on a second run: no new namespace, the same IDs", async () => {
    const file = path.join(project(), "wrangler.jsonc");
    const withIds = await readFile(file, "utf8");
    await writeFile(file, withIds.replace(/,?\s*"(preview_)?id": "[0-9a-f]+"/g, ""));
    const before = fake.namespaces.length;
    const rerun = await kvNamespaces(project(), await cloudflareEnv(path.join(root, "home-ok")));
    expect(rerun.code, rerun.output).toBe(0);
    expect(fake.namespaces).toHaveLength(before);
    expect(await readFile(file, "utf8")).toBe(withIds);
  });
});

describe("--create-namespaces when Cloudflare cannot be reached", () => {
  const project = () => path.join(root, "kv-down");
  let result: CliResult;
  let pristine: string;

  beforeAll(async () => {
    const down = await startFakeCloudflare({ token: fake.token, accountId: fake.accountId });
    await down.stop(); // its port now refuses connections
    result = await scaffold("kv-down", await cloudflareEnv(path.join(root, "home-down"), { CLOUDFLARE_API_BASE_URL: down.baseUrl }));
    pristine = await readFile(path.join(project(), "wrangler.jsonc"), "utf8");
  });

  it("still exits 0, with a complete project and a warning naming each namespace and its command", () => {
    expect(result.code, result.stderr + result.stdout).toBe(0);
    const output = result.stdout + result.stderr;
    expect(output).toContain("kv:namespaces");
    for (const binding of BINDINGS) {
      expect(output).toContain(`npx wrangler kv namespace create kv-down-${slug(binding)}`);
    }
    expect(pristine).not.toMatch(/"id":/);
    expectNoToken(project(), result.stdout, result.stderr);
  });

  it("leaves a project that passes its tests", async () => {
    const tests = await runIn(project(), "npm", ["test"]);
    expect(tests.code, tests.output).toBe(0);
  });

  it.each([
    ["a rejected token", { kind: "unauthorized" } as const],
    ["a server error", { kind: "server-error" } as const],
    ["a server slower than the timeout", { kind: "slow", delayMs: 10_000 } as const],
  ])("later, %s: kv:namespaces exits 1, changes nothing and prints no token", async (_, mode) => {
    fake.setMode(mode);
    try {
      const env = await cloudflareEnv(path.join(root, "home-down"), { KV_NAMESPACES_TIMEOUT: "3" });
      const run = await kvNamespaces(project(), env);
      expect(run.code, run.output).toBe(1);
      expect(run.output).toContain("npx wrangler kv namespace create kv-down-cache");
      expect(await readFile(path.join(project(), "wrangler.jsonc"), "utf8")).toBe(pristine);
      expectNoToken(project(), run.output);
    } finally {
      fake.setMode({ kind: "ok" });
    }
  });

  it("later, without an account id, looks the account up and creates every namespace", async () => {
    const env = await cloudflareEnv(path.join(root, "home-lookup"), { CLOUDFLARE_ACCOUNT_ID: undefined });
    delete env.CLOUDFLARE_ACCOUNT_ID;
    const run = await kvNamespaces(project(), env);
    expect(run.code, run.output).toBe(0);
    expect(fake.requests.some((request) => request.method === "GET" && request.path === "/memberships")).toBe(true);
    const text = await readFile(path.join(project(), "wrangler.jsonc"), "utf8");
    expect(text.match(/"preview_id": "/g)).toHaveLength(BINDINGS.length * SCOPES.length);
  });
});
