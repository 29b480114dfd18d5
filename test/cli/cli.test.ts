import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import packageJson from "../../package.json" with { type: "json" };
import { optionsOf } from "../../src/options/table.js";
import { cliEnv, interactiveCli, runCli } from "../support/cli.js";

let root: string;
let testIndex = 0;
/** A fresh empty working folder per test. */
async function freshDir(): Promise<string> {
  const dir = path.join(root, `case-${++testIndex}`);
  await mkdir(dir);
  return dir;
}

beforeAll(async () => {
  root = await mkdtemp(path.join(tmpdir(), "kv-edge-cli-"));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe("create-kv-edge (built CLI)", () => {
  it("--help lists every option and the exit codes", async () => {
    const result = await runCli(["--help"], { cwd: root });
    expect(result.code).toBe(0);
    for (const option of optionsOf("create")) expect(result.stdout).toContain(`--${option.name}`);
    expect(result.stdout).toContain("Exit codes: 0 done, 1 failed, 2 usage error, 130 cancelled (143 SIGTERM, 129 SIGHUP).");
  });

  it("--version prints the package version", async () => {
    const result = await runCli(["-v"], { cwd: root });
    expect(result).toMatchObject({ code: 0, stdout: `${packageJson.version}\n` });
  });

  it("refuses Node older than 22.12 with a plain message", async () => {
    const fakeOldNode = path.join(root, "pretend-node-22.11.mjs");
    await writeFile(fakeOldNode, 'Object.defineProperty(process.versions, "node", { value: "22.11.0" });\n');
    const result = await runCli(["--version"], { cwd: root, env: cliEnv({ NODE_OPTIONS: `--import=${fakeOldNode}` }) });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/needs Node.js 22.12 or newer.*this is Node.js 22.11.0/);
  });

  it("runs with a temporary folder that does not exist (Node's compile cache is left off)", async () => {
    const result = await runCli(["--version"], { cwd: root, env: cliEnv({ TMPDIR: "/proc/create-kv-edge-no-such-folder" }), timeoutMs: 10_000 });
    expect(result.code).toBe(0);
    expect(result.stdout.trim()).toBe(packageJson.version);
  });

  it("without a terminal and without --yes, exits 2 listing every missing answer and writes nothing", async () => {
    const cwd = await freshDir();
    const result = await runCli([], { cwd, timeoutMs: 10_000 });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("missing: [directory], --features <list>");
    expect(result.stderr).toContain("--yes");
    expect(await readdir(cwd)).toEqual([]);
  });

  it("refuses a bad value with exit 2, one line, and writes nothing", async () => {
    const cwd = await freshDir();
    const result = await runCli(["app", "--yes", "--ttl", "cache=59"], { cwd });
    expect(result.code).toBe(2);
    expect(result.stderr.trim().split("\n")).toHaveLength(1);
    expect(result.stderr).toContain("--ttl cache=59");
    expect(await readdir(cwd)).toEqual([]);
  });

  it("--dry-run prints every file and namespace and writes nothing", async () => {
    const cwd = await freshDir();
    const result = await runCli(["app", "--yes", "--dry-run", "--envs", "staging"], { cwd });
    expect(result.code).toBe(0);
    expect(result.stdout).toContain("Dry run: nothing was written");
    for (const expected of ["wrangler.jsonc", "package.json", "src/lib/kv-store.ts", "CACHE", "SESSIONS", "RATE_LIMITER", "SlidingWindowLimiter", "staging"]) {
      expect(result.stdout).toContain(expected);
    }
    expect(await readdir(cwd)).toEqual([]);
  });

  it("refuses a non-empty directory without --overwrite and leaves its files as they were", async () => {
    const cwd = await freshDir();
    await mkdir(path.join(cwd, "app"));
    await writeFile(path.join(cwd, "app", "README.md"), "my notes");
    const result = await runCli(["app", "--yes", "--no-install", "--no-git"], { cwd });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/app is not empty.*--overwrite/);
    expect(await readdir(path.join(cwd, "app"))).toEqual(["README.md"]);
    expect(await readFile(path.join(cwd, "app", "README.md"), "utf8")).toBe("my notes");
    expect(await readdir(cwd)).toEqual(["app"]);
  });

  it("--overwrite replaces only our files, says which, and keeps the others", async () => {
    const cwd = await freshDir();
    await mkdir(path.join(cwd, "app"));
    await writeFile(path.join(cwd, "app", "package.json"), "{}");
    await writeFile(path.join(cwd, "app", "keep.txt"), "keep");
    const result = await runCli(["app", "--yes", "--no-install", "--no-git", "--overwrite"], { cwd });
    expect(result.code).toBe(0);
    expect(result.stderr).toContain("Replaced existing files: package.json");
    expect(await readFile(path.join(cwd, "app", "keep.txt"), "utf8")).toBe("keep");
    expect(await readFile(path.join(cwd, "app", "package.json"), "utf8")).toContain('"name": "app"');
  });

  it("names a project after its folder, fixed up to a valid package name, and says so", async () => {
    const cwd = await freshDir();
    const result = await runCli(["My App", "--yes", "--features", "cache", "--no-install", "--no-git"], { cwd });
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('"My App" is not a valid package name; the project is named my-app');
    const manifest = JSON.parse(await readFile(path.join(cwd, "My App", "package.json"), "utf8"));
    expect(manifest.name).toBe("my-app");
  });

  it("asks every question in the interactive flow and writes what was answered", async () => {
    const cwd = await freshDir();
    const down = "\x1b[B";
    const cli = interactiveCli(["--pm", "npm"], { cwd });
    await cli.waitFor("Where should the project go?");
    await cli.type("shop\r");
    await cli.waitFor("Which data patterns");
    // Untick the first two (cache, sessions) and keep the rest, then submit.
    await cli.type(" ");
    await cli.type(`${down} `);
    await cli.type("\r");
    await cli.waitFor("What should count rate-limited requests?");
    await cli.waitFor("exact and global"); // each choice says its trade-off
    await cli.type(down);
    await cli.waitFor("cheapest");
    await cli.type("\r"); // the Rate Limiting binding
    await cli.waitFor("Rate limit (requests/seconds)");
    await cli.type("20/30\r"); // the binding counts only in 10 or 60 s windows: refused, asked again
    await cli.waitFor("windows of 10 or 60 seconds");
    await cli.type("\x7f\x7f\x7f\x7f\x7f20/10\r");
    // Asked because flags and config are chosen, each choice with its trade-off.
    await cli.waitFor("How should the flags and config documents be saved?");
    await cli.waitFor("no save overwrites another");
    await cli.type(down);
    await cli.waitFor("can lose one");
    await cli.type("\r"); // straight to KV
    await cli.waitFor("Customise the namespaces");
    await cli.type("y"); // y and n answer a confirm at once
    // Every binding name is offered, defaults first.
    await cli.waitFor("Binding name of the Feature flags namespace");
    await cli.type("\r");
    await cli.waitFor("Binding name of the Configuration namespace");
    await cli.type("FLAGS\r"); // taken by flags: refused, asked again
    await cli.waitFor("FLAGS is already taken");
    await cli.type("\x7f\x7f\x7f\x7f\x7f\r");
    // No rate-limiting namespace with the binding backend, and counters keep nothing in KV.
    await cli.waitFor("Binding name of the User preferences namespace");
    await cli.type("USER_PREFS\r");
    // Only prefs is asked for a TTL: flags and config never expire, rate-limit counters follow their window.
    await cli.waitFor("Default TTL of USER_PREFS");
    await cli.type("30\r"); // below the KV minimum: refused, asked again
    await cli.waitFor("at least 60 seconds");
    await cli.type("\x7f\x7f90\r");
    await cli.waitFor("Extra namespaces");
    await cli.type("AUDIT=600\r");
    await cli.waitFor("Extra wrangler environments");
    await cli.type("staging\r");
    await cli.waitFor("Install dependencies with npm?");
    await cli.type("n");
    await cli.waitFor("Initialize a git repository?");
    await cli.type("n");
    const result = await cli.exit();
    expect(result.code, result.stderr).toBe(0);
    const project = path.join(cwd, "shop");
    const files = await readdir(path.join(project, "src", "lib"));
    expect(files).toContain("flags.ts");
    expect(files).not.toContain("sessions.ts");
    expect(files).not.toContain("cache.ts");
    const wrangler = await readFile(path.join(project, "wrangler.jsonc"), "utf8");
    expect(wrangler).toContain('"staging"');
    expect(wrangler).not.toContain('"SESSIONS"');
    const config = await readFile(path.join(project, "src", "config.ts"), "utf8");
    expect(config).toContain('"USER_PREFS": { feature: "prefs", ttl: 90 }');
    expect(config).toContain('"CONFIG": { feature: "config", ttl: 0 }');
    expect(config).toContain('"AUDIT": { feature: null, ttl: 600 }');
    expect(wrangler).toContain('"binding": "USER_PREFS"');
    expect(wrangler).toContain('"simple": { "limit": 20, "period": 10 }');
    // Saved straight to KV: no writer objects.
    expect(wrangler).not.toContain("Writer");
    expect(config).toContain('writes: "kv"');
    expect(result.stdout).not.toContain("Binding name of the Rate limiting namespace");
    expect(result.stdout).not.toContain("Binding name of the Counters and locks namespace");
    expect(result.stdout).not.toContain("Default TTL of FLAGS");
    expect(result.stdout).toContain("20 requests per 10 s");
    await expect(readdir(path.join(project, "node_modules"))).rejects.toThrow();
  });

  it("takes add and update as commands only in first place; a folder of that name is ./add", async () => {
    const cwd = await freshDir();
    const stray = await runCli(["--yes", "add", "--no-install", "--no-git"], { cwd });
    expect(stray.code).toBe(2);
    expect(stray.stderr).toContain('"add" is a command and goes first');
    expect(stray.stderr).toContain("./add");
    const folder = await runCli(["./add", "--yes", "--features", "cache", "--no-install", "--no-git"], { cwd });
    expect(folder.code, folder.stderr).toBe(0);
    expect(await readdir(path.join(cwd, "add"))).toContain("wrangler.jsonc");
  });

  it("Ctrl+C at a prompt exits 130 and leaves nothing on disk", async () => {
    const cwd = await freshDir();
    const cli = interactiveCli([], { cwd });
    await cli.waitFor("Where should the project go?");
    await cli.type("half-typed");
    await cli.type("\x03");
    const result = await cli.exit();
    expect(result.code).toBe(130);
    expect(result.stderr).toContain("Cancelled");
    expect(await readdir(cwd)).toEqual([]);
  });

  it("Ctrl+C after the directory question, deeper in the flow, also leaves nothing", async () => {
    const cwd = await freshDir();
    const cli = interactiveCli([], { cwd });
    await cli.waitFor("Where should the project go?");
    await cli.type("app\r");
    await cli.waitFor("Which data patterns");
    await cli.type("\x03");
    const result = await cli.exit();
    expect(result.code).toBe(130);
    expect(await readdir(cwd)).toEqual([]);
  });
});
