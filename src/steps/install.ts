import type { PackageManager } from "../package-managers.js";
import { run, type RunResult } from "./run.js";

/** `<pm> install` in the new project. A failure leaves the project as written. */
export function installDependencies(projectDir: string, packageManager: PackageManager): Promise<RunResult> {
  return run(packageManager, ["install"], { cwd: projectDir, timeoutMs: 15 * 60_000 });
}
