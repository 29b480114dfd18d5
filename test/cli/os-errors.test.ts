import { chown, mkdir, mkdtemp, readdir, rm, stat, writeFile } from "node:fs/promises";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execa } from "execa";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { cliEnv, cliPath, runCli } from "../support/cli.js";

// Conditions a user can fix are one line naming the path and the fix, exit 1, and
// nothing of ours left behind; "Unexpected error" is only for bugs. A full disk and
// a read-only file system are real: a small tmpfs in a private mount namespace
// (unshare --map-root-user works without privileges).

let scratch: string;
beforeEach(async () => {
  scratch = await mkdtemp(join(tmpdir(), "kv-edge-os-errors-"));
});
afterEach(async () => {
  await rm(scratch, { recursive: true, force: true });
});

const baseArgs = ["--yes", "--no-install", "--no-git"];

function expectOneLine(result: { code: number | null; stdout: string; stderr: string }, pattern: RegExp) {
  expect(result.code, result.stdout + result.stderr).toBe(1);
  expect(result.stderr).toMatch(pattern);
  expect(result.stderr).not.toContain("Unexpected error");
  expect(result.stderr.trim().split("\n")).toHaveLength(1);
}

/** Runs the CLI with `mountPoint` replaced by a fresh tmpfs (mount options given), then lists what is left on it. */
async function onTmpfs(mountOptions: string, mountPoint: string, args: string[]) {
  const script = 'mount -t tmpfs -o "$1" tmpfs "$2" || exit 99; shift 2; "$@"; code=$?; echo "left:$(ls -A "$MOUNT_POINT" | tr "\\n" " ")"; exit $code';
  const result = await execa("unshare", ["-m", "--map-root-user", "sh", "-c", script, "sh", mountOptions, mountPoint, process.execPath, cliPath, ...args], {
    cwd: scratch,
    env: cliEnv({ CI: "1", MOUNT_POINT: mountPoint }),
    reject: false,
    timeout: 60_000,
  });
  return { code: result.exitCode ?? null, stdout: result.stdout, stderr: result.stderr };
}

describe("file-system conditions", () => {
  it("no space left (ENOSPC): names the target, rolls back", async () => {
    const disk = join(scratch, "disk");
    await mkdir(disk);
    const result = await onTmpfs("size=48k", disk, [join(disk, "app"), ...baseArgs]);
    expectOneLine(result, /^✖ no space left on the device that holds .*\/disk\/app; free some space and run again \(ENOSPC\)$/m);
    expect(result.stdout).toMatch(/left: ?$/m);
  });

  it("a read-only file system (EROFS)", async () => {
    const disk = join(scratch, "disk");
    await mkdir(disk);
    const result = await onTmpfs("ro,size=48k", disk, [join(disk, "app"), ...baseArgs]);
    expectOneLine(result, /^✖ .*\/disk\/app is on a read-only file system; choose a folder on a writable one \(EROFS\)$/m);
  });

  it("a name too long for the file system (ENAMETOOLONG)", async () => {
    const result = await runCli(["x".repeat(300), ...baseArgs], { cwd: scratch, env: cliEnv({ CI: "1" }) });
    expectOneLine(result, /a name in .*x{300} is too long for the file system .*\(ENAMETOOLONG\)$/m);
    expect(await readdir(scratch)).toEqual([]);
  });

  it("a path through a file (ENOTDIR)", async () => {
    await writeFile(join(scratch, "notes.txt"), "mine");
    const result = await runCli(["notes.txt/app", ...baseArgs], { cwd: scratch, env: cliEnv({ CI: "1" }) });
    expectOneLine(result, /a part of .*notes\.txt.* is a file, not a folder; move that file away or choose another directory \(ENOTDIR\)$/m);
    expect(await readdir(scratch)).toEqual(["notes.txt"]);
  });
});

describe("permissions", () => {
  // As root nothing is denied, so the CLI runs as nobody there.
  const asUser = (args: string[]) =>
    process.getuid?.() === 0 ? ["setpriv", ["--reuid=65534", "--regid=65534", "--clear-groups", process.execPath, cliPath, ...args]] as const : [process.execPath, [cliPath, ...args]] as const;
  async function runAsUser(args: string[], cwd: string) {
    const [command, argv] = asUser(args);
    const result = await execa(command, argv, { cwd, env: cliEnv({ CI: "1", HOME: scratch }), reject: false, timeout: 60_000 });
    return { code: result.exitCode ?? null, stdout: result.stdout, stderr: result.stderr };
  }

  it("a parent folder without write permission (EACCES) is named, with the fix", async () => {
    const locked = join(scratch, "locked");
    await mkdir(locked, { mode: 0o555 });
    await (await import("node:fs/promises")).chmod(scratch, 0o755);
    const result = await runAsUser(["app", ...baseArgs], locked);
    expectOneLine(result, /permission denied for .*locked\/app; choose a folder you can write to, or fix its permissions \(EACCES\)$/m);
    expect(await readdir(locked)).toEqual([]);
  });

  it("`.` in a writable folder whose parent is not writable: works, staging inside the target", async () => {
    const locked = join(scratch, "locked");
    const app = join(locked, "app");
    await mkdir(app, { recursive: true });
    if (process.getuid?.() === 0) await chown(app, 65534, 65534);
    await (await import("node:fs/promises")).chmod(locked, 0o555);
    await (await import("node:fs/promises")).chmod(scratch, 0o755);
    const before = await stat(app);
    const result = await runAsUser([".", ...baseArgs], app);
    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect((await stat(app)).ino).toBe(before.ino);
    expect((await readdir(app)).filter((name) => name.startsWith(".create-kv-edge-"))).toEqual([]);
    expect(await readdir(app)).toContain("wrangler.jsonc");
  });
});

describe("template hosts", () => {
  it("an HTTP 500 from the template host is one line with the status", async () => {
    const server = createServer((_request, response) => response.writeHead(500, { "content-type": "text/plain" }).end("boom"));
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/fork.tar.gz`;
    try {
      const result = await runCli(["app", ...baseArgs, "--template", url], {
        cwd: scratch,
        env: cliEnv({ CI: "1", XDG_CACHE_HOME: join(scratch, "cache") }),
      });
      expectOneLine(result, /The template host answered 500 Internal Server Error for http:\/\/127\.0\.0\.1:\d+\/fork\.tar\.gz; the server has a problem, retry later\./);
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it("a git repository that does not exist", async () => {
    const result = await runCli(["app", ...baseArgs, "--template", "git:./no-such-repository"], { cwd: scratch, env: cliEnv({ CI: "1" }) });
    expectOneLine(result, /git:\.\/no-such-repository/);
    expect((await readdir(scratch)).filter((name) => name === "app")).toEqual([]);
  });
});
