/**
 * How steps run other programs: execa with a timeout, output captured, and the
 * failure turned into a short reason instead of an exception.
 */

export interface RunResult {
  ok: boolean;
  /** Why it failed, one line, when ok is false. */
  reason?: string;
  stdout: string;
  stderr: string;
}

export async function run(
  command: string,
  args: string[],
  options: {
    cwd: string;
    timeoutMs?: number;
    preferLocal?: boolean;
    env?: NodeJS.ProcessEnv;
    /** Aborting it stops the child (Ctrl+C while it runs). */
    signal?: AbortSignal;
  },
): Promise<RunResult> {
  // Loaded on first use: --help and --version never need it.
  const { execa } = await import("execa");
  try {
    const result = await execa(command, args, {
      cwd: options.cwd,
      timeout: options.timeoutMs,
      preferLocal: options.preferLocal,
      localDir: options.cwd,
      env: options.env,
      stdin: "ignore",
      cancelSignal: options.signal,
      reject: true,
    });
    return { ok: true, stdout: result.stdout, stderr: result.stderr };
  } catch (error) {
    const failure = error as { timedOut?: boolean; isCanceled?: boolean; code?: string; exitCode?: number; stdout?: string; stderr?: string; shortMessage?: string };
    const reason = failure.isCanceled
      ? "cancelled"
      : failure.timedOut
      ? `timed out after ${Math.round((options.timeoutMs ?? 0) / 1000)} s`
      : failure.code === "ENOENT"
        ? `${command} was not found on PATH`
        : `${command} exited with code ${failure.exitCode ?? "?"}`;
    return { ok: false, reason, stdout: String(failure.stdout ?? ""), stderr: String(failure.stderr ?? "") };
  }
}
