/**
 * `<pm> install` in the new project, with the flags that let each package manager
 * create a first lockfile in CI too, and what a failed install shows: the package
 * manager's own reason (the last lines it printed).
 */
import type { PackageManager } from "../package-managers.js";
import { run, type RunResult } from "./run.js";

const INSTALL_TIMEOUT_MS = 15 * 60_000;
const REASON_LINES = 12;
/** `    at fn (file:1:2)`: a stack trace says nothing a user can act on. */
const STACK_FRAME = /^(npm error)?\s+at .+:\d+:\d+\)?$/;

export interface InstallOptions {
  /** Run no lifecycle script (the project's own or a dependency's): a fork without consent. */
  ignoreScripts?: boolean;
  /** Aborting it stops the install (Ctrl+C). */
  signal?: AbortSignal;
}

/**
 * With CI set, pnpm defaults to --frozen-lockfile and yarn to immutable installs:
 * both refuse to write the lockfile a new project does not have yet.
 */
export function installArgs(packageManager: PackageManager, options: InstallOptions = {}): string[] {
  const args = ["install"];
  if (packageManager === "pnpm") args.push("--no-frozen-lockfile");
  if (packageManager === "yarn") args.push("--no-immutable");
  // npm, pnpm, bun and yarn 1 take the flag; yarn 2+ refuses it and reads YARN_ENABLE_SCRIPTS.
  if (options.ignoreScripts && packageManager !== "yarn") args.push("--ignore-scripts");
  return args;
}

/** The install command as the user would type it to retry. */
export function installCommand(packageManager: PackageManager): string {
  return `${packageManager} install`;
}

/** `<pm> install` in the new project. A failure leaves the project as written. */
export function installDependencies(
  projectDir: string,
  packageManager: PackageManager,
  options: InstallOptions = {},
): Promise<RunResult> {
  const env = options.ignoreScripts ? { npm_config_ignore_scripts: "true", YARN_ENABLE_SCRIPTS: "false" } : {};
  return run(packageManager, installArgs(packageManager, options), {
    cwd: projectDir,
    timeoutMs: INSTALL_TIMEOUT_MS,
    env,
    signal: options.signal,
  });
}

/**
 * The last lines a failed command printed: its stderr, or its stdout when stderr is
 * empty (pnpm reports errors on stdout), without progress lines, stack frames and
 * blank lines.
 */
export function lastLines(result: Pick<RunResult, "stdout" | "stderr">, count = REASON_LINES): string[] {
  const text = result.stderr.trim() === "" ? result.stdout : result.stderr;
  return text
    .split(/\r?\n|\r/)
    .map((line) => line.trimEnd())
    .filter((line) => line.trim() !== "" && !/^Progress: resolved/.test(line) && !STACK_FRAME.test(line))
    .slice(-count);
}
