import type { PackageManager } from "../package-managers.js";
import { run, type RunResult } from "./run.js";

export interface InstallOptions {
  /** Run no lifecycle script (the project's own or a dependency's): a fork without consent. */
  ignoreScripts?: boolean;
}

/** `<pm> install` in the new project. A failure leaves the project as written. */
export function installDependencies(
  projectDir: string,
  packageManager: PackageManager,
  options: InstallOptions = {},
): Promise<RunResult> {
  const args = ["install"];
  // npm, pnpm, bun and yarn 1 take the flag; yarn 2+ refuses it and reads YARN_ENABLE_SCRIPTS.
  if (options.ignoreScripts && packageManager !== "yarn") args.push("--ignore-scripts");
  const env = options.ignoreScripts ? { npm_config_ignore_scripts: "true", YARN_ENABLE_SCRIPTS: "false" } : {};
  return run(packageManager, args, { cwd: projectDir, timeoutMs: 15 * 60_000, env });
}
