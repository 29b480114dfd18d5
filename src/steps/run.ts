/**
 * How steps run other programs: execa with a timeout, output captured, and the
 * failure turned into a short reason instead of an exception.
 */

export interface RunResult {
  ok: boolean;
  /** Why it failed, one line, when ok is false. */
  reason?: string;
  /** The exit code, when the program ran and exited with one. */
  exitCode?: number;
  stdout: string;
  stderr: string;
}

export async function run(
  command: string,
  args: string[],
  options: { cwd: string; timeoutMs?: number; preferLocal?: boolean; env?: NodeJS.ProcessEnv },
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
      reject: true,
    });
    return { ok: true, exitCode: 0, stdout: result.stdout, stderr: result.stderr };
  } catch (error) {
    const failure = error as { timedOut?: boolean; code?: string; exitCode?: number; stdout?: string; stderr?: string; shortMessage?: string };
    const reason = failure.timedOut
      ? `timed out after ${Math.round((options.timeoutMs ?? 0) / 1000)} s`
      : failure.code === "ENOENT"
        ? `${command} was not found on PATH`
        : `${command} exited with code ${failure.exitCode ?? "?"}`;
    return {
      ok: false,
      reason,
      ...(typeof failure.exitCode === "number" ? { exitCode: failure.exitCode } : {}),
      stdout: String(failure.stdout ?? ""),
      stderr: String(failure.stderr ?? ""),
    };
  }
}
