import { run, type RunResult } from "./run.js";

/** `wrangler types` with the project's own wrangler: writes worker-configuration.d.ts (Env). */
export function generateTypes(projectDir: string): Promise<RunResult> {
  return run("wrangler", ["types"], {
    cwd: projectDir,
    preferLocal: true,
    timeoutMs: 2 * 60_000,
    env: { WRANGLER_SEND_METRICS: "false" },
  });
}
