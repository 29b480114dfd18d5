import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

/**
 * Vitest global setup: writes worker-configuration.d.ts (gitignored) with
 * `wrangler types` when it is missing, so a clean clone can type-check the
 * template (`npm run typecheck`) after its first `npm test`.
 */
export default function generateTypes(): void {
  const typesFile = fileURLToPath(new URL("./worker-configuration.d.ts", import.meta.url));
  if (existsSync(typesFile)) return;
  const wrangler = fileURLToPath(new URL("../../node_modules/wrangler/bin/wrangler.js", import.meta.url));
  execFileSync(
    process.execPath,
    [wrangler, "types", typesFile, "--config", fileURLToPath(new URL("./wrangler.jsonc", import.meta.url))],
    { stdio: "pipe", timeout: 120_000, env: { ...process.env, WRANGLER_SEND_METRICS: "false" } },
  );
}
