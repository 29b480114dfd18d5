/**
 * The whole product, as a user gets it: the built CLI scaffolds every feature with
 * two environments, installs with npm, generates types and commits; then the new
 * project's own tests, type check, deploy dry run and `wrangler dev` must all work.
 */
import { mkdtemp, readFile, rename, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FEATURES } from "../../src/features/index.js";
import { compatibilityDate } from "../../src/versions.js";
import { cliEnv, runCli, type CliResult } from "../support/cli.js";
import { gitIdentity, runIn, startWranglerDev, workerdBinaries } from "../support/project.js";

let root: string;
let project: string;
let scaffold: CliResult;

beforeAll(async () => {
  root = await mkdtemp(path.join(tmpdir(), "kv-edge-e2e-all-"));
  project = path.join(root, "kv-all");
  scaffold = await runCli(["kv-all", "--yes", "--envs", "staging,production", "--pm", "npm"], {
    cwd: root,
    env: cliEnv({ ...(await gitIdentity(root)), CI: "true" }),
    timeoutMs: 600_000,
  });
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe("a project with every feature and two environments", () => {
  it("is scaffolded, installed, typed and committed, with a summary that is the reference card", async () => {
    expect(scaffold.code, scaffold.stderr + scaffold.stdout).toBe(0);
    for (const text of ["Installed dependencies", "Initialized a git repository", "Durable Object SlidingWindowLimiter", "Durable Object CounterObject", "Durable Object FlagsWriter", "Durable Object ConfigWriter", "session:{sha256(token)}", "npm run dev"]) {
      expect(scaffold.stdout).toContain(text);
    }
    await stat(path.join(project, "worker-configuration.d.ts"));
    const log = await runIn(project, "git", ["log", "--oneline"]);
    expect(log.output.trim().split("\n")).toHaveLength(1);
    const status = await runIn(project, "git", ["status", "--porcelain"]);
    expect(status.output.trim()).toBe("");
  });

  it("has a current wrangler.jsonc: schema, pinned compatibility date, one binding per feature, per-env bindings", async () => {
    const text = await readFile(path.join(project, "wrangler.jsonc"), "utf8");
    expect(text).toContain('"$schema": "node_modules/wrangler/config-schema.json"');
    expect(text).toContain(`"compatibility_date": "${compatibilityDate}"`);
    expect(text).not.toMatch(/"nodejs_compat"/);
    for (const { binding } of FEATURES.filter((unit) => unit.hasNamespace === undefined)) {
      // Top level, staging and production: kv_namespaces are not inherited by environments.
      expect(text.match(new RegExp(`"binding": "${binding}"`, "g"))).toHaveLength(3);
    }
    // Rate limits, counters and the writers of the flags and config documents live in
    // Durable Objects, bound and migrated in every environment too.
    expect(text).not.toContain('"RATE_LIMITS"');
    const classes = ["FlagsWriter", "ConfigWriter", "SlidingWindowLimiter", "CounterObject"];
    for (const className of classes) {
      expect(text.match(new RegExp(`"class_name": "${className}"`, "g"))).toHaveLength(3);
    }
    expect(text.split(`"new_sqlite_classes": ${JSON.stringify(classes).replaceAll(",", ", ")}`)).toHaveLength(4);
  });

  it("installs a single workerd binary", async () => {
    expect(await workerdBinaries(project)).toHaveLength(1);
  });

  it("passes its own tests inside workerd", async () => {
    const result = await runIn(project, "npm", ["test"]);
    expect(result.code, result.output).toBe(0);
    expect(result.output).toMatch(/Tests\s+\d+ passed/);
  });

  it("type-checks", async () => {
    const result = await runIn(project, "npm", ["run", "typecheck"]);
    expect(result.code, result.output).toBe(0);
    // @types/node is a devDependency: wrangler types has nothing to ask for.
    expect(result.output).not.toContain("Action required");
  });

  it("passes wrangler deploy --dry-run, at the top level and in an environment", async () => {
    for (const args of [[], ["--env", "staging"]]) {
      const result = await runIn(project, "npx", ["wrangler", "deploy", "--dry-run", "--outdir", path.join(root, "out"), ...args]);
      expect(result.code, result.output).toBe(0);
      expect(result.output).toContain("env.CACHE");
      expect(result.output).toMatch(/env\.RATE_LIMITER \(SlidingWindowLimiter\)\s+Durable Object/);
      expect(result.output).toMatch(/env\.COUNTERS \(CounterObject\)\s+Durable Object/);
      expect(result.output).toMatch(/env\.FLAGS_WRITER \(FlagsWriter\)\s+Durable Object/);
      expect(result.output).toMatch(/env\.CONFIG_WRITER \(ConfigWriter\)\s+Durable Object/);
    }
  });

  it("answers the demo routes under wrangler dev with real local KV and Durable Objects, DEMO_ROUTES coming from .dev.vars", async () => {
    expect(await readFile(path.join(project, ".dev.vars"), "utf8")).toMatch(/^DEMO_ROUTES=1$/m);
    const dev = await startWranglerDev(project);
    try {
      const index = await fetch(dev.url);
      const listing = (await index.json()) as { routes: { path: string }[] };
      expect(listing.routes.map((route) => route.path)).toEqual(
        expect.arrayContaining(["/login", "/me", "/flags", "/limited", "/cached/:id", "/config", "/prefs", "/__kv/stats", "/counters/:name", "/locks/:name"]),
      );

      const missing = await fetch(`${dev.url}/no-such-route`);
      expect(missing.status).toBe(404);
      expect(missing.headers.get("content-type")).toContain("application/json");

      const login = await fetch(`${dev.url}/login`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ userId: "ada" }),
      });
      expect(login.status).toBeLessThan(300);
      const cookie = login.headers.get("set-cookie") ?? "";
      expect(cookie).toMatch(/HttpOnly/i);
      const me = await fetch(`${dev.url}/me`, { headers: { cookie: cookie.split(";")[0] ?? "" } });
      expect(me.status).toBe(200);
      expect(JSON.stringify(await me.json())).toContain("ada");

      // The client's Durable Object counts exactly: of 150 simultaneous requests, 100 pass.
      const burst = await Promise.all(Array.from({ length: 150 }, () => fetch(`${dev.url}/limited`)));
      const statuses = burst.map((response) => response.status);
      expect(statuses.filter((status) => status === 200)).toHaveLength(100);
      expect(statuses.filter((status) => status === 429)).toHaveLength(50);
      expect(burst[0]!.headers.get("x-ratelimit-limit")).toBe("100");
      expect(Number(burst.find((response) => response.status === 429)!.headers.get("retry-after"))).toBeGreaterThan(0);

      // Counters in their Durable Object (.dev.vars turns the demo routes on): 100 at once end at 100.
      const increments = await Promise.all(Array.from({ length: 100 }, () => fetch(`${dev.url}/counters/e2e`, { method: "POST" })));
      expect(increments.every((response) => response.status === 200)).toBe(true);
      expect(await (await fetch(`${dev.url}/counters/e2e`)).json()).toEqual({ name: "e2e", value: 100 });
      const lock = await fetch(`${dev.url}/locks/e2e`, { method: "POST" });
      expect(lock.status).toBe(200);
      expect((await fetch(`${dev.url}/locks/e2e`, { method: "POST" })).status).toBe(409);

      const first = await fetch(`${dev.url}/cached/42`);
      expect(first.status).toBe(200);
      await fetch(`${dev.url}/cached/42`);
      const stats = (await (await fetch(`${dev.url}/__kv/stats`)).json()) as Record<string, unknown>;
      expect(JSON.stringify(stats)).toMatch(/hits/);

      expect((await fetch(`${dev.url}/config`)).status).toBe(200);
      expect((await fetch(`${dev.url}/flags?user=ada`)).status).toBe(200);
    } finally {
      await dev.stop();
    }
  });

  it("answers 404 on the demo routes, and ignores ?user=, when DEMO_ROUTES is not set (as a deployed Worker)", async () => {
    const devVars = path.join(project, ".dev.vars");
    await rename(devVars, `${devVars}.off`);
    try {
      const dev = await startWranglerDev(project);
      try {
        const listing = (await (await fetch(dev.url)).json()) as { routes: { path: string }[] };
        const paths = listing.routes.map((route) => route.path);
        expect(paths).toContain("/me");
        expect(paths).not.toContain("/login");
        expect(paths).not.toContain("/__kv/stats");
        const login = await fetch(`${dev.url}/login`, { method: "POST", body: JSON.stringify({ userId: "ada" }) });
        expect(login.status).toBe(404);
        expect(login.headers.get("set-cookie")).toBeNull();
        expect((await fetch(`${dev.url}/__kv/stats`)).status).toBe(404);
        expect(await (await fetch(`${dev.url}/flags?user=ada`)).json()).toMatchObject({ userId: null });
      } finally {
        await dev.stop();
      }
    } finally {
      await rename(`${devVars}.off`, devVars);
    }
  });
});
