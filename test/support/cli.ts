/**
 * Runs the built CLI (index.js -> dist/cli.js) as a child process, the way a user
 * does, with a bounded run time. `npm test` builds dist/ first.
 */
import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

export const repoRoot = fileURLToPath(new URL("../..", import.meta.url));
export const cliPath = fileURLToPath(new URL("../../index.js", import.meta.url));

if (!existsSync(new URL("../../dist/cli.js", import.meta.url))) {
  throw new Error("dist/cli.js is missing: run `npm run build` (npm test does it first)");
}

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface CliOptions {
  cwd: string;
  env?: NodeJS.ProcessEnv;
  timeoutMs?: number;
  node?: string;
}

/** A clean environment: no CI detection from the outer run unless asked, no color. */
export function cliEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: "1", ...extra };
  for (const key of Object.keys(env)) if (env[key] === undefined) delete env[key];
  return env;
}

export function runCli(args: string[], options: CliOptions): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(options.node ?? process.execPath, [cliPath, ...args], {
      cwd: options.cwd,
      env: options.env ?? cliEnv(),
      stdio: ["pipe", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk) => (stdout += chunk));
    child.stderr.on("data", (chunk) => (stderr += chunk));
    child.stdin.end();
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`create-kv-edge ${args.join(" ")} did not finish in ${options.timeoutMs ?? 30_000} ms\n${stdout}\n${stderr}`));
    }, options.timeoutMs ?? 30_000);
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/**
 * Drives the interactive flow over pipes (with --interactive): waits for each
 * question to appear, then types the answer. "\r" submits (as Enter does on a
 * terminal), "\x03" is Ctrl+C.
 */
export function interactiveCli(args: string[], options: CliOptions) {
  // --interactive last: a command (add) must come first.
  const child = spawn(options.node ?? process.execPath, [cliPath, ...args, "--interactive"], {
    cwd: options.cwd,
    env: options.env ?? cliEnv(),
    stdio: ["pipe", "pipe", "pipe"],
  });
  return drive(child);
}

/**
 * The same, on a real pseudo-terminal (util-linux `script`), for what only a terminal
 * does: raw mode, Ctrl+C typed as "\x03" turned into SIGINT, Ctrl+D that ends no stream.
 * Everything the CLI prints arrives on stdout. A pseudo-terminal behind a pipe starts
 * 0 columns wide: stty sizes it first.
 */
export function terminalCli(args: string[], options: CliOptions) {
  const command = [options.node ?? process.execPath, cliPath, ...args].map((arg) => JSON.stringify(arg)).join(" ");
  const child = spawn("script", ["-qfec", `stty cols 100 rows 40; ${command}`, "/dev/null"], {
    cwd: options.cwd,
    env: options.env ?? cliEnv({ CI: undefined }),
    stdio: ["pipe", "pipe", "pipe"],
  });
  return drive(child);
}

function drive(child: ChildProcessWithoutNullStreams) {
  let stdout = "";
  let stderr = "";
  let seen = 0;
  child.stdout.on("data", (chunk) => (stdout += chunk));
  child.stderr.on("data", (chunk) => (stderr += chunk));
  const exited = new Promise<CliResult>((resolve) => child.on("close", (code) => resolve({ code, stdout, stderr })));

  return {
    /** Waits until `text` appears in the output after what was already seen. */
    async waitFor(text: string, timeoutMs = 15_000): Promise<void> {
      const deadline = Date.now() + timeoutMs;
      while (Date.now() < deadline) {
        const at = stdout.indexOf(text, seen);
        if (at !== -1) {
          seen = at + text.length;
          return;
        }
        if (child.exitCode !== null) break;
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
      child.kill("SIGKILL");
      throw new Error(`never saw ${JSON.stringify(text)}; output so far:\n${stdout}\n${stderr}`);
    },
    /** Types keys, then pauses briefly so the prompt handles them before the next ones. */
    async type(keys: string): Promise<void> {
      child.stdin.write(keys);
      await new Promise((resolve) => setTimeout(resolve, 60));
    },
    async exit(timeoutMs = 30_000): Promise<CliResult> {
      const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
      const result = await exited;
      clearTimeout(timer);
      return result;
    },
  };
}
