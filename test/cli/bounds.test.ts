import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readdir, rm, truncate, writeFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execa } from "execa";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { cliEnv, cliPath, runCli } from "../support/cli.js";
import { manifestJson, writeFolder } from "../support/template-fixture.js";

// Everything is bounded: a stalled template server, a fork's regular expression, a
// fork's size, and the number of files open at once.

let scratch: string;
beforeEach(async () => {
  scratch = await mkdtemp(join(tmpdir(), "kv-edge-bounds-"));
  await mkdir(join(scratch, "tmp"));
});
afterEach(async () => {
  await rm(scratch, { recursive: true, force: true });
});

const baseArgs = ["--yes", "--no-install", "--no-git"];

/** A server on 127.0.0.1 that accepts every request and never answers. */
async function stalledServer(): Promise<{ url: string; requests: () => number; openConnections: () => number; close: () => Promise<void> }> {
  let count = 0;
  const open = new Set<Socket>();
  const server: Server = createServer(() => {
    count++;
  });
  server.on("connection", (socket) => {
    open.add(socket);
    socket.on("close", () => open.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/fork.tar.gz`,
    requests: () => count,
    openConnections: () => open.size,
    close: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

/** Download folders in the TMPDIR the CLI runs with (Node keeps its compile cache there too). */
const ourTemporaryFolders = async () => (await readdir(join(scratch, "tmp"))).filter((name) => name.startsWith("create-kv-edge-template-"));

const downloadEnv = (extra: NodeJS.ProcessEnv = {}) =>
  cliEnv({ CI: "1", TMPDIR: join(scratch, "tmp"), XDG_CACHE_HOME: join(scratch, "cache"), ...extra });

describe("a template server that never answers", () => {
  it("fails within the documented limit, with progress lines, and leaves no temporary folder", async () => {
    const server = await stalledServer();
    try {
      const started = Date.now();
      const result = await runCli(["app", ...baseArgs, "--template", server.url], {
        cwd: scratch,
        env: downloadEnv({ CREATE_KV_EDGE_DOWNLOAD_TIMEOUT: "7" }),
        timeoutMs: 40_000,
      });
      const seconds = (Date.now() - started) / 1000;
      expect(result.code, result.stderr).toBe(1);
      expect(result.stderr).toMatch(/… still downloading http:\/\/127\.0\.0\.1:\d+\/fork\.tar\.gz \(\d+ s; the limit is 7 s\)/);
      expect(result.stderr).toMatch(/✖ Could not download .* within 7 s: the server stopped answering or the connection is too slow\. .*CREATE_KV_EDGE_DOWNLOAD_TIMEOUT=<seconds>/);
      expect(result.stderr).not.toContain("Unexpected error");
      expect(seconds).toBeLessThan(30);
      expect(server.requests()).toBeGreaterThan(0);
      expect(await ourTemporaryFolders()).toEqual([]);
      expect(existsSync(join(scratch, "app"))).toBe(false);
    } finally {
      await server.close();
    }
  });

  it("SIGTERM during the download exits 143 and removes the temporary folder", async () => {
    const server = await stalledServer();
    try {
      const child = spawn(process.execPath, [cliPath, "app", ...baseArgs, "--template", server.url], { cwd: scratch, env: downloadEnv(), stdio: "ignore" });
      const deadline = Date.now() + 20_000;
      while (server.requests() === 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
      expect(await ourTemporaryFolders()).toHaveLength(1);
      child.kill("SIGTERM");
      const code = await new Promise<number | null>((resolve) => child.on("close", resolve));
      expect(code).toBe(143);
      expect(await ourTemporaryFolders()).toEqual([]);
    } finally {
      await server.close();
    }
  });

  it("a download folder left by a killed run is removed by the next download", async () => {
    const server = await stalledServer();
    try {
      const child = spawn(process.execPath, [cliPath, "app", ...baseArgs, "--template", server.url], { cwd: scratch, env: downloadEnv(), stdio: "ignore" });
      const deadline = Date.now() + 20_000;
      while (server.requests() === 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
      child.kill("SIGKILL");
      await new Promise((resolve) => child.on("close", resolve));
      expect(await ourTemporaryFolders()).toHaveLength(1);
      const next = await runCli(["app", ...baseArgs, "--template", server.url], {
        cwd: scratch,
        env: downloadEnv({ CREATE_KV_EDGE_DOWNLOAD_TIMEOUT: "2" }),
        timeoutMs: 30_000,
      });
      expect(next.code).toBe(1);
      expect(await ourTemporaryFolders()).toEqual([]);
    } finally {
      await server.close();
    }
  });
});

describe("a git: template server that never answers", () => {
  it("stops git and its helpers at the limit, removes the partial clone, and says so in one line", async () => {
    const server = await stalledServer();
    const repository = server.url.replace("/fork.tar.gz", "/acme/fork.git");
    try {
      const result = await runCli(["app", ...baseArgs, "--template", `git:${repository}`], {
        cwd: scratch,
        env: downloadEnv({ CREATE_KV_EDGE_DOWNLOAD_TIMEOUT: "3" }),
        timeoutMs: 40_000,
      });
      expect(result.code, result.stderr).toBe(1);
      expect(result.stderr).toBe(
        `✖ Could not download git:${repository} within 3 s: the server stopped answering or the connection is too slow. ` +
          "Retry, use --offline for a cached copy, or allow more time with CREATE_KV_EDGE_DOWNLOAD_TIMEOUT=<seconds>.\n",
      );
      expect(server.requests()).toBeGreaterThan(0);
      // git's helper (git-remote-http) held the connection: it is closed once that process is gone.
      const deadline = Date.now() + 5000;
      while (server.openConnections() > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
      expect(server.openConnections()).toBe(0);
      const gitStillRunning = await execa("pgrep", ["-f", repository], { reject: false });
      expect(gitStillRunning.stdout).toBe("");
      // No partial clone, ours or giget's, and nothing half-written in the cache.
      expect((await readdir(join(scratch, "tmp"))).filter((name) => /^(create-kv-edge-|giget-)/.test(name))).toEqual([]);
      const cached = await readdir(join(scratch, "cache"), { recursive: true }).catch(() => [] as string[]);
      expect(cached.filter((name) => name.endsWith(".tar.gz"))).toEqual([]);
      expect(existsSync(join(scratch, "app"))).toBe(false);
    } finally {
      await server.close();
    }
  });
});

describe("a fork's regular expression", () => {
  const fork = (pattern: string) =>
    writeFolder(join(scratch, "fork"), {
      "template.json": manifestJson({ features: ["cache"], files: {}, variables: [{ name: "team", message: "Team?", type: "text", pattern }] }),
      "src/team.ts.hbs": "export const TEAM = {{json vars.team}};\n",
    });

  it("a nested quantifier is refused when the manifest is read", async () => {
    await fork("(a+)+");
    const result = await runCli(["app", ...baseArgs, "--template", "./fork", "--var", `team=${"a".repeat(40)}!`], { cwd: scratch, env: cliEnv({ CI: "1" }) });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('"variables[0].pattern" repeats a group that itself repeats, e.g. (a+)+');
  });

  it("any other pattern that backtracks for ever is stopped after a second", async () => {
    await fork("(a|a)*b");
    const started = Date.now();
    const result = await runCli(["app", ...baseArgs, "--template", "./fork", "--var", `team=${"a".repeat(40)}`], { cwd: scratch, env: cliEnv({ CI: "1" }), timeoutMs: 20_000 });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/the template's pattern \(a\|a\)\*b took more than 1 s to check/);
    expect(Date.now() - started).toBeLessThan(15_000);
    expect(existsSync(join(scratch, "app"))).toBe(false);
  });
});

describe("a fork's size", () => {
  it("a folder over the size limit is refused before its contents are read", async () => {
    await writeFolder(join(scratch, "fork"), { "template.json": manifestJson({ features: ["cache"], files: {}, variables: [] }) });
    // Sparse: 200 MB on paper, nothing on disk. Reading it would take 200 MB of memory.
    await writeFile(join(scratch, "fork/huge.bin"), "");
    await truncate(join(scratch, "fork/huge.bin"), 200 * 1024 * 1024);
    const result = await runCli(["app", ...baseArgs, "--template", "./fork"], { cwd: scratch, env: cliEnv({ CI: "1" }) });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("Template ./fork holds 200 MB of files, more than the 100 MB a template may have");
  });

  it("a fork of 300 files scaffolds with 256 open files allowed", async () => {
    const files: Record<string, string> = { "template.json": manifestJson({ features: ["cache"], files: {}, variables: [] }) };
    for (let index = 0; index < 300; index++) files[`src/generated/file-${index}.ts`] = `export const n = ${index};\n`;
    await writeFolder(join(scratch, "fork"), files);
    const result = await execa("sh", ["-c", 'ulimit -n 256 && exec "$@"', "sh", process.execPath, cliPath, "app", ...baseArgs, "--template", "./fork"], {
      cwd: scratch,
      env: cliEnv({ CI: "1" }),
      reject: false,
      timeout: 60_000,
    });
    expect(result.exitCode, result.stderr).toBe(0);
    expect((await readdir(join(scratch, "app/src/generated"))).length).toBe(300);
  });
});

describe("values past what the generated project can do", () => {
  it.each([
    [["--session-ttl", "2147483648"], "--session-ttl 2147483648: must be whole seconds, at least 60 and at most 34560000 (400 days)"],
    [["--ttl", "cache=99999999999"], "--ttl cache=99999999999: a TTL is at most 34560000 seconds (400 days), or 0 for no expiry"],
    [["--rate-limit", "100000/60"], "--rate-limit 100000/60: the number of requests must be at least 1 and at most 1000"],
  ])("%j is a usage error (exit 2) before anything is written", async (flags, message) => {
    const result = await runCli(["app", ...baseArgs, ...flags], { cwd: scratch, env: cliEnv({ CI: "1" }) });
    expect(result.code).toBe(2);
    expect(result.stderr).toBe(`✖ ${message}\n`);
    expect(existsSync(join(scratch, "app"))).toBe(false);
  });
});
