/**
 * Helpers for end-to-end tests: run commands inside a generated project, count
 * workerd binaries, and start `wrangler dev` on a free loopback port.
 */
import { spawn } from "node:child_process";
import { readdir, stat, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import path from "node:path";
import { execa } from "execa";

/** Runs a command in a project; never throws, so tests can show the output on failure. */
export async function runIn(dir: string, command: string, args: string[], timeoutMs = 300_000, env: NodeJS.ProcessEnv = {}) {
  const result = await execa(command, args, {
    cwd: dir,
    reject: false,
    timeout: timeoutMs,
    all: true,
    stdin: "ignore",
    env: { WRANGLER_SEND_METRICS: "false", NO_COLOR: "1", CI: "true", ...env },
  });
  return { code: result.exitCode, output: result.all ?? "" };
}

/**
 * The distinct workerd executables under node_modules (each is ~150 MB). A binary
 * hard-linked under two names is one copy on disk, so copies are counted by inode;
 * small files named workerd (JavaScript launchers) are not binaries.
 */
export async function workerdBinaries(projectDir: string): Promise<string[]> {
  const entries = await readdir(path.join(projectDir, "node_modules"), { recursive: true, withFileTypes: true });
  const byInode = new Map<string, string>();
  for (const entry of entries) {
    if (!entry.isFile() || entry.name !== "workerd") continue;
    const file = path.join(entry.parentPath, entry.name);
    const stats = await stat(file);
    if (stats.size > 10 * 1024 * 1024) byInode.set(`${stats.dev}:${stats.ino}`, file);
  }
  return [...byInode.values()];
}

/** A git config with an identity, so the scaffolder's first commit works on any machine. */
export async function gitIdentity(dir: string): Promise<NodeJS.ProcessEnv> {
  const file = path.join(dir, "gitconfig");
  await writeFile(file, "[user]\n\tname = kv-edge test\n\temail = test@kv-edge.invalid\n");
  return { GIT_CONFIG_GLOBAL: file, GIT_CONFIG_NOSYSTEM: "1" };
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => (typeof address === "object" && address ? resolve(address.port) : reject(new Error("no port"))));
    });
  });
}

/**
 * Starts `wrangler dev` on 127.0.0.1 in its own process group (workerd children
 * were seen to outlive a plain SIGTERM), waits until it answers, and returns a
 * stop() that ends the whole group, escalating to SIGKILL.
 */
export async function startWranglerDev(projectDir: string) {
  const port = await freePort();
  const child = spawn(
    path.join(projectDir, "node_modules", ".bin", "wrangler"),
    ["dev", "--ip", "127.0.0.1", "--port", String(port), "--inspector-port", String(await freePort())],
    { cwd: projectDir, detached: true, stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, WRANGLER_SEND_METRICS: "false", NO_COLOR: "1", CI: "true" } },
  );
  let output = "";
  child.stdout?.on("data", (chunk) => (output += chunk));
  child.stderr?.on("data", (chunk) => (output += chunk));
  const exited = new Promise<void>((resolve) => child.on("exit", () => resolve()));

  const stop = async () => {
    if (child.exitCode !== null || child.pid === undefined) return;
    const signalGroup = (signal: NodeJS.Signals) => {
      try {
        process.kill(-child.pid!, signal);
      } catch {
        // already gone
      }
    };
    signalGroup("SIGTERM");
    const gone = await Promise.race([exited.then(() => true), new Promise((resolve) => setTimeout(() => resolve(false), 5_000))]);
    if (!gone) signalGroup("SIGKILL");
    await exited;
  };

  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 90_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) break;
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(2_000) });
      if (response.ok) return { url, stop, output: () => output };
    } catch {
      // not up yet
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  await stop();
  throw new Error(`wrangler dev did not answer on ${url}:\n${output}`);
}
