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
  for (const child of running) {
    try {
      if (child.pid === undefined) throw new Error("no pid");
      process.kill(-child.pid, signal);
    } catch {
      child.kill(signal); // not a group leader (a child started without run())
    }
  }
}

export async function run(command: string, args: string[], options: RunOptions): Promise<RunResult> {
  // Loaded on first use: --help and --version never need it.
  const { execa } = await import("execa");
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const subprocess = execa(command, args, {
    cwd: options.cwd,
    timeout: timeoutMs,
    preferLocal: options.preferLocal,
    localDir: options.cwd,
    env: { ...childEnv(), ...options.env },
    extendEnv: false,
    stdin: "ignore",
    cancelSignal: options.signal,
    // A process group of its own, so stopChildren reaches the scripts it starts.
    detached: true,
    reject: true,
  });
  running.add(subprocess);
  try {
    const result = await subprocess;
    return { ok: true, exitCode: 0, stdout: redact(result.stdout), stderr: redact(result.stderr) };
  } catch (error) {
    const failure = error as { timedOut?: boolean; isCanceled?: boolean; code?: string; exitCode?: number; stdout?: string; stderr?: string };
    const reason = failure.isCanceled
      ? "cancelled"
      : failure.timedOut
      ? `timed out after ${Math.round(timeoutMs / 1000)} s`
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
    running.delete(subprocess);
  }
}
