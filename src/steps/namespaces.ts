import { existsSync } from "node:fs";
import { join } from "node:path";
import { credentialedEnv, redact } from "../secrets.js";
import { run, trackChild } from "./run.js";

/**
 * The --create-namespaces step. The work itself is done by the generated project's
 * own scripts/kv-namespaces.mjs (also `npm run kv:namespaces`), so the scaffolder and
 * the user run the same code. This step only runs it and relays its lines.
 */

const SCRIPT = join("scripts", "kv-namespaces.mjs");
const WHOAMI_TIMEOUT_MS = 15_000;
/** The script has its own per-call limit (KV_NAMESPACES_TIMEOUT); this bounds the whole run. */
const SCRIPT_TIMEOUT_MS = 10 * 60_000;

export interface NamespacesResult {
  /** false when any namespace could not be created; the project is complete either way. */
  ok: boolean;
  /** What the script printed, one entry per line. */
  lines: string[];
}

export async function createNamespaces(
  projectDir: string,
  options: {
    timeoutMs?: number;
    onLine?: (line: string) => void;
    /** The environment wrangler runs with (credentials, CLOUDFLARE_API_BASE_URL); default process.env. */
    env?: NodeJS.ProcessEnv;
    /** Aborting it stops the script (Ctrl+C); the IDs it wrote so far stay. */
    signal?: AbortSignal;
  } = {},
): Promise<NamespacesResult> {
  if (!existsSync(join(projectDir, SCRIPT))) {
    const line = `This template has no ${SCRIPT}, so no KV namespaces were created.`;
    options.onLine?.(line);
    return { ok: false, lines: [line] };
  }
  // The one child that gets Cloudflare credentials; whatever it prints is filtered.
  const env = credentialedEnv(options.env ?? process.env);
  if (options.timeoutMs !== undefined) {
    env.KV_NAMESPACES_TIMEOUT = String(options.timeoutMs / 1000);
  }
  // Loaded on first use, as in run.ts: a scaffold that starts no child never pays for execa.
  const { execa } = await import("execa");
  const subprocess = execa(process.execPath, [SCRIPT], {
    cwd: projectDir,
    env,
    extendEnv: false,
    stdin: "ignore",
    all: true,
    cancelSignal: options.signal,
    reject: false,
    timeout: SCRIPT_TIMEOUT_MS,
  });
  const release = trackChild(subprocess);
  const lines: string[] = [];
  for await (const raw of subprocess.iterable({ from: "all" })) {
    const line = redact(raw, { ...process.env, ...env });
    lines.push(line);
    options.onLine?.(line);
  }
  const result = await subprocess;
  release();
  return { ok: result.exitCode === 0, lines };
}

/**
 * Whether wrangler can reach the user's account without asking them to log in: an API
 * token in the environment, or the project's `wrangler whoami --json` succeeds (it
 * exits non-zero when nobody is logged in).
 */
export async function isAuthenticated(
  projectDir: string,
  env: NodeJS.ProcessEnv = process.env,
  timeoutMs = WHOAMI_TIMEOUT_MS,
): Promise<boolean> {
  if (env.CLOUDFLARE_API_TOKEN) return true;
  const wrangler = join(projectDir, "node_modules", "wrangler", "bin", "wrangler.js");
  if (!existsSync(wrangler)) return false;
  // whoami reads wrangler's own login; it needs no token (one in env is answered above).
  // Through run(): at the time limit the node process wrangler's launcher starts is stopped too.
  const result = await run(process.execPath, [wrangler, "whoami", "--json"], {
    cwd: projectDir,
    timeoutMs,
    baseEnv: env,
    env: { WRANGLER_HIDE_BANNER: "true" },
  });
  return result.ok;
}
