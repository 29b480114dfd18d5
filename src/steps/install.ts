/**
 * `<pm> install` in the new project, with the flags that let each package manager
 * create a first lockfile in CI too, and the message for a failed or cancelled
 * install: pnpm's or npm's own reason (the last lines it printed) and the command
 * that retries it.
 */
import type { PackageManager } from "../features.js";
import { run, type RunResult } from "./run.js";

const INSTALL_TIMEOUT_MS = 15 * 60_000;
const REASON_LINES = 12;
/** `    at fn (file:1:2)`: a stack trace says nothing a user can act on. */
const STACK_FRAME = /^(npm error)?\s+at .+:\d+:\d+\)?$/;

/**
 * With CI set, pnpm defaults to --frozen-lockfile and yarn to immutable installs:
 * both refuse to write the lockfile a new project does not have yet.
 */
export function installArgs(packageManager: PackageManager): string[] {
  switch (packageManager) {
    case "pnpm":
      return ["install", "--no-frozen-lockfile"];
    case "yarn":
      return ["install", "--no-immutable"];
    default:
      return ["install"];
  }
}

/** The install command as the user would type it to retry. */
export function installCommand(packageManager: PackageManager): string {
  return `${packageManager} install`;
}

export function installDependencies(
  projectDir: string,
  packageManager: PackageManager,
  options: { signal?: AbortSignal } = {},
): Promise<RunResult> {
  return run(packageManager, installArgs(packageManager), {
    cwd: projectDir,
    timeoutMs: INSTALL_TIMEOUT_MS,
    signal: options.signal,
  });
}

/**
 * The last lines a failed command printed: its stderr, or its stdout when stderr is
 * empty (pnpm reports errors on stdout), without progress bars and blank lines.
 */
export function lastLines(result: Pick<RunResult, "stdout" | "stderr">, count = REASON_LINES): string[] {
  const text = result.stderr.trim() === "" ? result.stdout : result.stderr;
  return text
    .split(/\r?\n|\r/)
    .map((line) => line.trimEnd())
    .filter((line) => line.trim() !== "" && !/^Progress: resolved/.test(line) && !STACK_FRAME.test(line))
    .slice(-count);
}
