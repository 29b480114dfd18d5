import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, test } from "vitest";
import { createNamespaces, isAuthenticated } from "../../src/steps/namespaces.js";
import { type FakeCloudflare, startFakeCloudflare } from "../support/fake-cloudflare.js";
import { type KvProject, makeKvProject, wranglerEnv } from "../support/kv-project.js";

// The scaffolder's step runs the project's scripts/kv-namespaces.mjs (real wrangler,
// fake Cloudflare API on 127.0.0.1) and relays its lines.

const STEP_TIMEOUT_MS = 120_000;
const ONE_BINDING = `{
  "name": "tiny",
  "main": "src/index.ts",
  "compatibility_date": "2026-11-02",
  "kv_namespaces": [{ "binding": "CACHE" }]
}
`;

let fake: FakeCloudflare | undefined;
let project: KvProject | undefined;
afterEach(async () => {
  await fake?.stop();
  project?.remove();
  fake = undefined;
  project = undefined;
});

describe("createNamespaces", () => {
  test("streams each line of the script to onLine and reports ok", async () => {
    fake = await startFakeCloudflare();
    project = makeKvProject(ONE_BINDING);
    const streamed: string[] = [];
    const result = await createNamespaces(project.dir, {
      env: wranglerEnv(project, fake),
      onLine: (line) => streamed.push(line),
    });
    expect(result.ok, result.lines.join("\n")).toBe(true);
    expect(streamed).toEqual(result.lines);
    const id = fake.namespaces.find((namespace) => namespace.title === "tiny-cache")?.id;
    expect(result.lines).toContain(`created  tiny-cache ${id}`);
    expect(project.readConfig()).toContain(`"id": "${id}"`);
  }, STEP_TIMEOUT_MS);

  test("a failure is ok:false with the script's warning, never a throw; timeoutMs reaches wrangler", async () => {
    fake = await startFakeCloudflare();
    fake.setMode({ kind: "slow", delayMs: 60_000 });
    project = makeKvProject(ONE_BINDING);
    const result = await createNamespaces(project.dir, { env: wranglerEnv(project, fake), timeoutMs: 3000 });
    expect(result.ok).toBe(false);
    expect(result.lines.join("\n")).toContain("wrangler took longer than 3 s");
    expect(result.lines).toContain(
      "  npx wrangler kv namespace create tiny-cache_preview   # CACHE preview_id (top level)",
    );
    expect(project.readConfig()).toBe(ONE_BINDING);
  }, STEP_TIMEOUT_MS);

  test("a template without the script: ok:false and one line saying so", async () => {
    project = makeKvProject(ONE_BINDING, { withScript: false });
    const result = await createNamespaces(project.dir);
    expect(result).toEqual({
      ok: false,
      lines: ["This template has no scripts/kv-namespaces.mjs, so no KV namespaces were created."],
    });
  });
});

/** What `wrangler login` leaves behind, in the temp HOME's config folder. */
function loggedIn(env: NodeJS.ProcessEnv, token: string): void {
  const authDir = join(env.XDG_CONFIG_HOME ?? "", ".wrangler", "config");
  mkdirSync(authDir, { recursive: true });
  writeFileSync(
    join(authDir, "default.toml"),
    `oauth_token = "${token}"\nexpiration_time = "2099-01-01T00:00:00.000Z"\nrefresh_token = "unused"\nscopes = ["account:read", "user:read"]\n`,
  );
}

/** Running processes (not zombies) whose environment holds `entry`. */
function processesWith(entry: string): number[] {
  const found: number[] = [];
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, "utf8");
      if (stat.slice(stat.lastIndexOf(")") + 2)[0] === "Z") continue;
      if (readFileSync(`/proc/${name}/environ`, "utf8").split("\0").includes(entry)) found.push(Number(name));
    } catch {
      // gone meanwhile, or not ours to read
    }
  }
  return found;
}

describe("isAuthenticated", () => {
  test("an API token in the environment is enough", async () => {
    project = makeKvProject(ONE_BINDING);
    expect(await isAuthenticated(project.dir, { CLOUDFLARE_API_TOKEN: "anything" })).toBe(true);
  });

  test("no token but a `wrangler login` session: the project's `wrangler whoami` says yes", async () => {
    fake = await startFakeCloudflare();
    project = makeKvProject(ONE_BINDING);
    const env = wranglerEnv(project, fake);
    delete env.CLOUDFLARE_API_TOKEN;
    loggedIn(env, fake.token);
    expect(await isAuthenticated(project.dir, env)).toBe(true);
    expect(fake.requests.map((request) => request.path)).toContain("/user");
  }, STEP_TIMEOUT_MS);

  test("a whoami that hangs is a no at its time limit, and no wrangler process is left", async () => {
    fake = await startFakeCloudflare();
    fake.setMode({ kind: "slow", delayMs: 60_000 });
    project = makeKvProject(ONE_BINDING);
    const env = wranglerEnv(project, fake);
    delete env.CLOUDFLARE_API_TOKEN;
    loggedIn(env, fake.token);
    expect(await isAuthenticated(project.dir, env, 3000)).toBe(false);
    // wrangler's launcher starts a second node process; both ran with this project's HOME.
    const home = `HOME=${project.home}`;
    const deadline = Date.now() + 5000;
    while (processesWith(home).length > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
    expect(processesWith(home)).toEqual([]);
  }, STEP_TIMEOUT_MS);

  test("no token and no login: the project's `wrangler whoami` says no", async () => {
    fake = await startFakeCloudflare();
    project = makeKvProject(ONE_BINDING);
    const env = wranglerEnv(project, fake);
    delete env.CLOUDFLARE_API_TOKEN;
    expect(await isAuthenticated(project.dir, env)).toBe(false);
  }, STEP_TIMEOUT_MS);
});
