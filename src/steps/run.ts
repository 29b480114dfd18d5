/**
 * How steps run other programs: execa with a time limit, an environment without
 * credentials (secrets.ts), output captured with every credential value replaced,
 * and the failure turned into a short reason instead of an exception.
 */
import { childEnv, redact } from "../secrets.js";

export interface RunResult {
  ok: boolean;
  /** Why it failed, one line, when ok is false. */
  reason?: string;
  /** The exit code, when the program ran and exited with one. */
  exitCode?: number;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  cwd: string;
  /** Every child has a time limit; the default is for short commands. */
  timeoutMs?: number;
  preferLocal?: boolean;
  /** Added to the scrubbed environment (never credentials: see secrets.ts). */
  env?: NodeJS.ProcessEnv;
  /** The environment that is scrubbed of credentials and given to the child; default ours. */
  baseEnv?: NodeJS.ProcessEnv;
  /** Aborting it stops the child (Ctrl+C while it runs). */
  signal?: AbortSignal;
}

const DEFAULT_TIMEOUT_MS = 60_000;

type Child = { pid?: number; kill: (signal?: NodeJS.Signals) => boolean };

/** Children still running, so that a signal can stop them (signals.ts). */
const running = new Set<Child>();

/** For a child started without run(): stopped with the others on a signal until the returned release is called. */
export function trackChild(child: Child): () => void {
  running.add(child);
  return () => running.delete(child);
}

/**
 * Stops every child we started and that is still running, with everything it
 * started: run() puts each child in a process group of its own, so an install
 * script that npm started goes too.
 */
export function stopChildren(signal: NodeJS.Signals = "SIGTERM"): void {
  for (const child of running) stopGroup(child, signal);
}

/** Stops a child and everything it started (its process group). */
function stopGroup(child: Child, signal: NodeJS.Signals): void {
  try {
    if (child.pid === undefined) throw new Error("no pid");
    process.kill(-child.pid, signal);
  } catch {
    child.kill(signal); // not a group leader (a child started without run()), or the group is gone
  }
}

/** After SIGTERM, how long a child gets to exit before the whole group gets SIGKILL. */
const FORCE_KILL_AFTER_MS = 3000;

export async function run(command: string, args: string[], options: RunOptions): Promise<RunResult> {
  // Loaded on first use: --help and --version never need it.
  const { execa } = await import("execa");
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const subprocess = execa(command, args, {
    cwd: options.cwd,
    preferLocal: options.preferLocal,
    localDir: options.cwd,
    env: { ...childEnv(options.baseEnv), ...options.env },
    extendEnv: false,
    stdin: "ignore",
    cancelSignal: options.signal,
    // A process group of its own, so stopChildren reaches the scripts it starts.
    detached: true,
    reject: true,
  });
  running.add(subprocess);
  // The time limit and an abort stop the whole group, not only the child: an install's
  // scripts, or the helper git starts to talk to a server, would outlive it otherwise.
  let timedOut = false;
  const timedOutReason = () => `timed out after ${Math.round(timeoutMs / 1000)} s`;
  let stopped = false;
  let forceKill: NodeJS.Timeout | undefined;
  const stop = () => {
    stopped = true;
    stopGroup(subprocess, "SIGTERM");
    forceKill ??= setTimeout(() => stopGroup(subprocess, "SIGKILL"), FORCE_KILL_AFTER_MS);
  };
  const timer = setTimeout(() => {
    timedOut = true;
    stop();
  }, timeoutMs);
  options.signal?.addEventListener("abort", stop, { once: true });
  try {
    const result = await subprocess;
    // Stopped at the time limit, a child may still exit 0 (wrangler's launcher does): it did not finish.
    if (timedOut) return { ok: false, reason: timedOutReason(), stdout: redact(result.stdout), stderr: redact(result.stderr) };
    return { ok: true, exitCode: 0, stdout: redact(result.stdout), stderr: redact(result.stderr) };
  } catch (error) {
    const failure = error as { isCanceled?: boolean; code?: string; exitCode?: number; stdout?: string; stderr?: string };
    const reason = failure.isCanceled
      ? "cancelled"
      : timedOut
      ? timedOutReason()
      : failure.code === "ENOENT"
        ? `${command} was not found on PATH`
        : `${command} exited with code ${failure.exitCode ?? "?"}`;
    return {
      ok: false,
      reason,
      ...(typeof failure.exitCode === "number" ? { exitCode: failure.exitCode } : {}),
      stdout: redact(String(failure.stdout ?? "")),
      stderr: redact(String(failure.stderr ?? "")),
    };
  } finally {
    clearTimeout(timer);
    clearTimeout(forceKill);
    options.signal?.removeEventListener("abort", stop);
    // Whatever of the group outlived the child goes now.
    if (stopped) stopGroup(subprocess, "SIGKILL");
    running.delete(subprocess);
  }
}
