import { spawn } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join, relative } from "node:path";
import { execa } from "execa";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { cliEnv, cliPath, runCli } from "../support/cli.js";
import { gitIdentity } from "../support/project.js";
import { manifestJson } from "../support/template-fixture.js";

// SIGINT, SIGTERM and SIGHUP during the overwrite swap of a large fork, and a run
// killed outright (SIGKILL) followed by another run on the same target: every user
// file stays byte-identical and no working folder is left.

const FILE_COUNT = 4000;
const fileName = (index: number) => `src/part-${String(index % 40)}/file-${String(index).padStart(5, "0")}.ts`;

let scratch: string;
let fork: string;
let userFiles: string;
beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), "kv-edge-signals-"));
  fork = join(scratch, "fork");
  await mkdir(fork);
  await writeFile(join(fork, "template.json"), manifestJson({ features: ["cache"], files: {}, variables: [] }));
  for (let part = 0; part < 40; part++) await mkdir(join(fork, `src/part-${part}`), { recursive: true });
  const body = `export const fromTheFork = "${"x".repeat(2000)}";\n`;
  for (let index = 0; index < FILE_COUNT; index++) await writeFile(join(fork, fileName(index)), body);
  // The user's own versions of every file the fork writes, and one it does not.
  userFiles = join(scratch, "user-files");
  for (let part = 0; part < 40; part++) await mkdir(join(userFiles, `src/part-${part}`), { recursive: true });
  for (let index = 0; index < FILE_COUNT; index++) await writeFile(join(userFiles, fileName(index)), `mine ${index}\n`);
  await writeFile(join(userFiles, "notes.txt"), "my notes\n");
}, 120_000);
afterAll(async () => {
  await rm(scratch, { recursive: true, force: true });
}, 60_000);

let target: string;
beforeEach(async () => {
  target = join(await mkdtemp(join(scratch, "case-")), "app");
  await execa("cp", ["-a", userFiles, target]);
}, 60_000);

async function snapshot(dir: string): Promise<Map<string, string>> {
  const files = new Map<string, string>();
  const walk = async (folder: string) => {
    for (const entry of await readdir(folder, { withFileTypes: true })) {
      const path = join(folder, entry.name);
      if (entry.isDirectory()) await walk(path);
      else files.set(relative(dir, path), await readFile(path, "utf8"));
    }
  };
  await walk(dir);
  return files;
}

const leftovers = (dir: string) => readdirSync(dir).filter((name) => name.startsWith(".create-kv-edge-"));

/** Starts the CLI and sends `signal` as soon as `ready()` is true (polled every few ms). */
function runAndSignal(args: string[], signal: NodeJS.Signals, ready: () => boolean, where = { cwd: scratch, env: cliEnv({ CI: "1" }) }) {
  const child = spawn(process.execPath, [cliPath, ...args], { ...where, stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  child.stdout.on("data", (chunk) => (output += chunk));
  child.stderr.on("data", (chunk) => (output += chunk));
  let sent = false;
  const poll = setInterval(() => {
    if (!sent && ready()) {
      sent = true;
      child.kill(signal);
    }
  }, 2);
  const killer = setTimeout(() => child.kill("SIGKILL"), 50_000);
  return new Promise<{ code: number | null; signal: NodeJS.Signals | null; output: string; sent: boolean }>((resolve) =>
    child.on("close", (code, exitSignal) => {
      clearInterval(poll);
      clearTimeout(killer);
      resolve({ code, signal: exitSignal, output, sent });
    }),
  );
}

/** True once the swap into `dir` has begun: the journal is written right before the first move. */
const swapStarted = (dir = target) => () => leftovers(dir).some((name) => existsSync(join(dir, name, "journal.json")));

const overwriteArgs = () => [target, "--yes", "--overwrite", "--no-install", "--no-git", "--template", "./fork"];

describe("a signal during the overwrite swap", () => {
  for (const [signal, code] of [["SIGTERM", 143], ["SIGHUP", 129], ["SIGINT", 130]] as const) {
    it(`${signal}: rolls back, exits ${code}, every user file byte-identical, no working folder`, async () => {
      const before = await snapshot(target);
      const result = await runAndSignal(overwriteArgs(), signal, swapStarted());
      expect(result.sent, result.output).toBe(true);
      expect(result.code, result.output).toBe(code);
      expect(result.output).toContain("Cancelled; nothing was written.");
      expect(leftovers(target)).toEqual([]);
      expect(leftovers(dirname(target))).toEqual([]);
      expect(await snapshot(target)).toEqual(before);
    });
  }
});

describe("a signal while update writes", () => {
  // A project made from tag v1 of a git fork of UPDATE_FILE_COUNT files; v2 changes every one of them.
  // Fewer files than above: update fetches both versions and checks git status, each a pass over every file.
  const UPDATE_FILE_COUNT = 1000;
  let env: NodeJS.ProcessEnv;
  let made: string;
  let project: string;
  const git = (cwd: string, ...args: string[]) => execa("git", args, { cwd, env });

  beforeAll(async () => {
    env = cliEnv({ CI: "1", ...(await gitIdentity(scratch)), XDG_CACHE_HOME: join(scratch, "cache") });
    const gitFork = join(scratch, "git-fork");
    await mkdir(gitFork);
    await writeFile(join(gitFork, "template.json"), manifestJson({ features: ["cache"], files: {}, variables: [] }));
    for (let part = 0; part < 40; part++) await mkdir(join(gitFork, `src/part-${part}`), { recursive: true });
    for (let index = 0; index < UPDATE_FILE_COUNT; index++) await writeFile(join(gitFork, fileName(index)), `export const version = 1; // ${index}\n`);
    await git(scratch, "init", "--quiet", "--initial-branch=main", gitFork);
    await git(gitFork, "add", "-A");
    await git(gitFork, "commit", "--quiet", "-m", "v1");
    await git(gitFork, "tag", "v1");
    for (let index = 0; index < UPDATE_FILE_COUNT; index++) await writeFile(join(gitFork, fileName(index)), `export const version = 2; // ${index}\n`);
    await git(gitFork, "commit", "--quiet", "-am", "v2");
    await git(gitFork, "tag", "v2");
    made = join(scratch, "made-from-v1");
    const created = await runCli(["made-from-v1", "--yes", "--no-install", "--template", "git:./git-fork#v1"], { cwd: scratch, env, timeoutMs: 100_000 });
    expect(created.code, created.stdout + created.stderr).toBe(0);
  }, 200_000);

  beforeEach(async () => {
    // Each case updates its own copy of the committed project (the fork stays where the record says: ../git-fork).
    project = join(scratch, `update-case-${Math.random().toString(36).slice(2, 8)}`);
    await execa("cp", ["-a", made, project]);
  }, 60_000);

  /** Every file but git's own (git status refreshes its index). */
  const projectFiles = async () => {
    const files = await snapshot(project);
    for (const name of files.keys()) if (name.startsWith(".git/")) files.delete(name);
    return files;
  };

  for (const [signal, code] of [["SIGTERM", 143], ["SIGHUP", 129], ["SIGINT", 130]] as const) {
    it(`${signal} during the swap: rolls back, exits ${code}, every file byte-identical, git clean, no working folder`, async () => {
      const before = await projectFiles();
      const result = await runAndSignal(["update", "--to", "v2"], signal, swapStarted(project), { cwd: project, env });
      expect(result.sent, result.output).toBe(true);
      expect(result.code, result.output).toBe(code);
      expect(result.output).toContain("Cancelled; nothing was written.");
      expect(leftovers(project)).toEqual([]);
      expect(await projectFiles()).toEqual(before);
      expect((await git(project, "status", "--porcelain")).stdout).toBe("");
    }, 120_000);
  }

  it("SIGKILL mid-swap: the next update puts the files back first, then updates", async () => {
    const first = fileName(0);
    const moving = () => leftovers(project).some((name) => existsSync(join(project, name, "backup", first)));
    const killed = await runAndSignal(["update", "--to", "v2"], "SIGKILL", moving, { cwd: project, env });
    expect(killed.signal, killed.output).toBe("SIGKILL");
    expect(leftovers(project)).toHaveLength(1);

    // A dry run writes nothing, so it leaves the leftover alone, but says the files are half-written.
    const dryRun = await runCli(["update", "--to", "v2", "--dry-run", "--allow-dirty"], { cwd: project, env, timeoutMs: 100_000 });
    expect(dryRun.stderr).toMatch(/A killed run left .*: the files here are half-written/);
    expect(leftovers(project)).toHaveLength(1);

    // The leftover would make the tree dirty; it is undone before git status is asked.
    const next = await runCli(["update", "--to", "v2"], { cwd: project, env, timeoutMs: 100_000 });
    expect(next.code, next.stdout + next.stderr).toBe(0);
    expect(next.stderr).toMatch(/Rolled back an interrupted run in .*: put back \d+ files? it had replaced/);
    expect(leftovers(project)).toEqual([]);
    expect(await readFile(join(project, first), "utf8")).toBe("export const version = 2; // 0\n");
    const last = UPDATE_FILE_COUNT - 1;
    expect(await readFile(join(project, fileName(last)), "utf8")).toBe(`export const version = 2; // ${last}\n`);
  }, 200_000);

  it("SIGKILL mid-swap, then add: add undoes the leftover before it reads the project", async () => {
    const before = await projectFiles();
    const first = fileName(0);
    const moving = () => leftovers(project).some((name) => existsSync(join(project, name, "backup", first)));
    const killed = await runAndSignal(["update", "--to", "v2"], "SIGKILL", moving, { cwd: project, env });
    expect(killed.signal, killed.output).toBe("SIGKILL");
    // This fork has no wrangler config, so add stops there: after it has put the project back.
    const next = await runCli(["add", "cache", "--yes"], { cwd: project, env, timeoutMs: 60_000 });
    expect(next.stderr).toMatch(/Rolled back an interrupted run in .*: put back \d+ files? it had replaced/);
    expect(next.code, next.stdout + next.stderr).toBe(1);
    expect(leftovers(project)).toEqual([]);
    expect(await projectFiles()).toEqual(before);
  }, 120_000);
});

describe("a run killed outright", () => {
  it("mid-swap: the next run on the target puts every user file back and removes the working folder", async () => {
    const before = await snapshot(target);
    // Once the first user file has gone to backup/ (files move in byte order).
    const first = fileName(0);
    const moving = () => leftovers(target).some((name) => existsSync(join(target, name, "backup", first)));
    const killed = await runAndSignal(overwriteArgs(), "SIGKILL", moving);
    expect(killed.signal, killed.output).toBe("SIGKILL");
    expect(leftovers(target)).toHaveLength(1);
    // The kill left damage: the user's copy of that file is gone from its place.
    expect(await readFile(join(target, first), "utf8").catch(() => "missing")).not.toBe("mine 0\n");

    // Without --overwrite the next run refuses the folder, but first undoes the killed one.
    const next = await runCli(overwriteArgs().filter((arg) => arg !== "--overwrite"), { cwd: scratch, env: cliEnv({ CI: "1" }), timeoutMs: 50_000 });
    expect(next.code, next.stdout + next.stderr).toBe(1);
    expect(next.stderr).toMatch(/Rolled back an interrupted run in .*: put back \d+ files? it had replaced/);
    expect(next.stderr).toContain("is not empty");
    expect(leftovers(target)).toEqual([]);
    expect(await snapshot(target)).toEqual(before);
  });

  it("while staging a new folder: the next run removes the leftover and writes the project", async () => {
    const fresh = join(scratch, "fresh-app");
    const staging = () => leftovers(scratch).length > 0;
    const args = ["fresh-app", "--yes", "--no-install", "--no-git", "--template", "./fork"];
    const killed = await runAndSignal(args, "SIGKILL", staging);
    expect(killed.signal, killed.output).toBe("SIGKILL");
    expect(existsSync(fresh)).toBe(false);
    expect(leftovers(scratch)).toHaveLength(1);

    const next = await runCli(args, { cwd: scratch, env: cliEnv({ CI: "1" }), timeoutMs: 50_000 });
    expect(next.code, next.stdout + next.stderr).toBe(0);
    expect(next.stderr).toContain("left by an interrupted run");
    expect(leftovers(scratch)).toEqual([]);
    expect(await readFile(join(fresh, fileName(FILE_COUNT - 1)), "utf8")).toContain("fromTheFork");
    await rm(fresh, { recursive: true, force: true });
  });
});

describe("writing into a folder that exists", () => {
  it("keeps the folder itself: inode and mode", async () => {
    const empty = await mkdtemp(join(scratch, "empty-"));
    await (await import("node:fs/promises")).chmod(empty, 0o750);
    const before = await stat(empty);
    const result = await runCli([".", "--yes", "--no-install", "--no-git", "--template", "../fork"], { cwd: empty, env: cliEnv({ CI: "1" }), timeoutMs: 50_000 });
    expect(result.code, result.stdout + result.stderr).toBe(0);
    const after = await stat(empty);
    expect([after.ino, after.mode, after.uid, after.gid]).toEqual([before.ino, before.mode, before.uid, before.gid]);
    expect(existsSync(join(empty, fileName(7)))).toBe(true);
    expect(leftovers(empty)).toEqual([]);
    await rm(empty, { recursive: true, force: true });
  });
});

describe("a signal after the project is written", () => {
  it("SIGTERM during install stops the install, keeps the complete project, says so, exits 143", async () => {
    const slowFork = join(scratch, "slow-fork");
    await mkdir(join(slowFork, "src"), { recursive: true });
    await writeFile(join(slowFork, "template.json"), manifestJson({ features: ["cache"], files: {}, variables: [] }));
    await writeFile(join(slowFork, "src/index.ts"), "export default {};\n");
    // An install script that would write a marker after 20 s, unless it is stopped first.
    const sleeper = `node -e \\"setTimeout(() => require('fs').writeFileSync('../too-late.txt', 'x'), 20000)\\"`;
    await writeFile(join(slowFork, "package.json.hbs"), `{ "name": {{json projectName}}, "private": true, "scripts": { "preinstall": "${sleeper}" } }\n`);
    let output = "";
    const child = spawn(process.execPath, [cliPath, "slow-app", "--yes", "--no-git", "--trust-template-scripts", "--template", "./slow-fork"], {
      cwd: scratch,
      env: cliEnv({ CI: "1" }),
      stdio: ["ignore", "pipe", "pipe"],
    });
    child.stdout.on("data", (chunk) => {
      output += chunk;
      if (output.includes("Installing dependencies")) setTimeout(() => child.kill("SIGTERM"), 1500);
    });
    child.stderr.on("data", (chunk) => (output += chunk));
    const code = await new Promise<number | null>((resolve) => child.on("close", resolve));
    expect(code, output).toBe(143);
    expect(output).toMatch(/Cancelled while installing dependencies: every project file is written, .* Finish with: cd slow-app && npm install/);
    expect(await readFile(join(scratch, "slow-app/src/index.ts"), "utf8")).toBe("export default {};\n");
    expect(leftovers(join(scratch, "slow-app"))).toEqual([]);
    // The install (and its script) was stopped with us: the marker never appears.
    await new Promise((resolve) => setTimeout(resolve, 21_000));
    expect(existsSync(join(scratch, "too-late.txt"))).toBe(false);
  }, 90_000);
});

describe("a template that yields no files", () => {
  it("is an error before anything is touched: an existing empty folder stays as it was", async () => {
    const emptyFork = join(scratch, "empty-fork");
    await mkdir(join(emptyFork, "src"), { recursive: true });
    await writeFile(join(emptyFork, "template.json"), manifestJson({ features: ["cache", "sessions"], files: { sessions: ["src/"] }, variables: [] }));
    await writeFile(join(emptyFork, "src/sessions.ts"), "export {};\n");
    const empty = await mkdtemp(join(scratch, "empty-target-"));
    const before = await stat(empty);
    const result = await runCli([empty, "--yes", "--no-install", "--no-git", "--features", "cache", "--template", "./empty-fork"], {
      cwd: scratch,
      env: cliEnv({ CI: "1" }),
    });
    expect(result.code).toBe(1);
    expect(result.stderr).toBe('✖ the template ./empty-fork yields no files for the features cache; nothing was written. Check the "files" of its template.json\n');
    expect((await stat(empty)).ino).toBe(before.ino);
    expect(await readdir(empty)).toEqual([]);
  });
});
