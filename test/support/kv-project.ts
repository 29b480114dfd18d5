import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { FakeCloudflare } from "./fake-cloudflare.js";

/**
 * A minimal generated project for running scripts/kv-namespaces.mjs with real
 * wrangler: the template's script, a wrangler.jsonc, a Worker to bundle, and
 * node_modules/wrangler linked to this repo's wrangler. Everything sits in one temp
 * folder, with a HOME of its own next to the project.
 */

const REPO = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
export const SCRIPT_SOURCE = join(REPO, "templates", "default", "scripts", "kv-namespaces.mjs");
export const REALISTIC_CONFIG = readFileSync(join(REPO, "test", "fixtures", "namespaces-wrangler.jsonc"), "utf8");

export interface KvProject {
  root: string;
  dir: string;
  home: string;
  configPath: string;
  readConfig(): string;
  remove(): void;
}

export function makeKvProject(wranglerJsonc: string, options: { withScript?: boolean; withWrangler?: boolean } = {}): KvProject {
  const root = mkdtempSync(join(tmpdir(), "kv-namespaces-"));
  const dir = join(root, "project");
  const home = join(root, "home");
  mkdirSync(join(dir, "src"), { recursive: true });
  mkdirSync(join(dir, "node_modules"), { recursive: true });
  mkdirSync(home);
  writeFileSync(join(dir, "package.json"), JSON.stringify({ name: "shop-api", private: true, type: "module" }));
  writeFileSync(join(dir, "wrangler.jsonc"), wranglerJsonc);
  writeFileSync(
    join(dir, "src", "index.ts"),
    'export default { async fetch(): Promise<Response> { return new Response("ok"); } };\n',
  );
  if (options.withWrangler !== false) {
    symlinkSync(join(REPO, "node_modules", "wrangler"), join(dir, "node_modules", "wrangler"), "dir");
  }
  if (options.withScript !== false) {
    mkdirSync(join(dir, "scripts"));
    cpSync(SCRIPT_SOURCE, join(dir, "scripts", "kv-namespaces.mjs"));
  }
  const configPath = join(dir, "wrangler.jsonc");
  return {
    root,
    dir,
    home,
    configPath,
    readConfig: () => readFileSync(configPath, "utf8"),
    remove: () => rmSync(root, { recursive: true, force: true }),
  };
}

/**
 * The whole environment wrangler runs with: nothing inherited but PATH, so no real
 * credentials or config of this machine can leak in. No banner: it would ask the npm
 * registry for wrangler's latest version.
 */
export function wranglerEnv(
  project: KvProject,
  fake: Pick<FakeCloudflare, "baseUrl" | "token" | "accountId">,
  options: { withAccountId?: boolean } = {},
): Record<string, string> {
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? "",
    HOME: project.home,
    XDG_CONFIG_HOME: join(project.home, ".config"),
    XDG_CACHE_HOME: join(project.home, ".cache"),
    CLOUDFLARE_API_BASE_URL: fake.baseUrl,
    CLOUDFLARE_API_TOKEN: fake.token,
    WRANGLER_SEND_METRICS: "false",
    WRANGLER_HIDE_BANNER: "true",
  };
  if (options.withAccountId !== false) env.CLOUDFLARE_ACCOUNT_ID = fake.accountId;
  return env;
}

/** Every file under `dir` (following no links) whose bytes contain `needle`. */
export function filesContaining(dir: string, needle: string): string[] {
  const found: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile()) continue;
    const path = join(entry.parentPath, entry.name);
    if (readFileSync(path).includes(needle)) found.push(path);
  }
  return found;
}
