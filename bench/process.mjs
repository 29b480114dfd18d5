// Runs one child process with a hard time limit and reports how long it took.
//
// Every child starts in its own process group (detached) so a timeout can stop the
// whole tree: npm, vitest and wrangler all start grandchildren (workerd among them)
// that a plain kill of the direct child would leave running.

import { spawn } from "node:child_process";
import { performance } from "node:perf_hooks";

const KILL_GRACE_MS = 3_000;
const OUTPUT_LIMIT = 256 * 1024;
const liveGroups = new Set();

/** Stops every child group still running: for Ctrl+C on the benchmark itself. */
export function stopAllChildren() {
  for (const pid of liveGroups) stopGroup(pid, "SIGKILL");
}

/**
 * Runs `command args` and resolves (never rejects) with
 * `{ ms, exitCode, signal, timedOut, stopped, stdout, stderr, error? }`.
 * `ms` is wall time from spawn to exit. stdin is closed, so nothing can wait on a prompt.
 * With `stopWhen`, the child's group is stopped as soon as its output so far passes
 * that test: `ms` is then the time until that output, and `stopped` is true.
 */
export function run(command, args, { cwd, env = process.env, timeoutMs, stopWhen }) {
  if (!timeoutMs) throw new Error(`run(${command}): a timeoutMs is required`);
  return new Promise((resolve) => {
    const started = performance.now();
    const child = spawn(command, args, {
      cwd,
      env,
      stdio: ["ignore", "pipe", "pipe"],
      detached: true,
    });
    if (child.pid) liveGroups.add(child.pid);
    const stdout = collect(child.stdout);
    const stderr = collect(child.stderr);
    let ms;
    let stopped = false;
    if (stopWhen) {
      child.stdout.on("data", () => {
        if (stopped || !stopWhen(stdout())) return;
        stopped = true;
        ms = performance.now() - started;
        stopGroup(child.pid, "SIGKILL");
      });
    }
    let timedOut = false;
    let killTimer;
    const timer = setTimeout(() => {
      timedOut = true;
      stopGroup(child.pid, "SIGTERM");
      killTimer = setTimeout(() => stopGroup(child.pid, "SIGKILL"), KILL_GRACE_MS);
    }, timeoutMs);

    // Time is taken at exit; the result waits for "close" so all output is read.
    // Grandchildren that outlive the child (and hold its pipes open) are stopped.
    let exitCode = null;
    let signal = null;
    const finish = (error) => {
      clearTimeout(timer);
      clearTimeout(killTimer);
      ms ??= performance.now() - started;
      resolve({ ms, exitCode, signal, timedOut, stopped, stdout: stdout(), stderr: stderr(), error });
    };
    child.on("exit", (code, exitSignal) => {
      ms ??= performance.now() - started;
      exitCode = code;
      signal = exitSignal;
      stopGroup(child.pid, "SIGKILL");
      liveGroups.delete(child.pid);
    });
    child.on("error", (error) => finish(error));
    child.on("close", () => finish());
  });
}

/** Like run(), but throws with the tail of the output when the child did not exit 0. */
export async function runOrThrow(command, args, options) {
  const result = await run(command, args, options);
  if (result.exitCode !== 0) throw new Error(describeFailure(command, args, result));
  return result;
}

/** One paragraph saying how a child failed, with the end of what it printed. */
export function describeFailure(command, args, result) {
  const how = result.error
    ? `could not start (${result.error.message})`
    : result.timedOut
      ? `timed out after ${Math.round(result.ms / 1000)} s`
      : `exited with ${result.exitCode ?? result.signal}`;
  // npm's warnings (about this machine's config, install scripts) are not why it failed.
  const output = `${result.stdout}\n${result.stderr}`
    .split("\n")
    .filter((line) => !line.startsWith("npm warn"))
    .slice(-40)
    .join("\n")
    .trim();
  return `\`${[command, ...args].join(" ")}\` ${how}\n${output}`;
}

function stopGroup(pid, signal) {
  if (!pid) return;
  try {
    process.kill(-pid, signal);
  } catch {
    // The group is already gone.
  }
}

function collect(stream) {
  let text = "";
  stream.setEncoding("utf8");
  stream.on("data", (chunk) => {
    if (text.length < OUTPUT_LIMIT) text += chunk;
  });
  return () => text;
}
