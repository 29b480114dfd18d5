// The benchmark's scratch space: one temp folder per run, the peers installed into
// it from the npm registry at their pinned versions, and removed at the end.

import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { runOrThrow } from "./process.mjs";

const INSTALL_TIMEOUT_MS = 180_000;

export async function createWorkDir() {
  return mkdtemp(path.join(tmpdir(), "kv-edge-bench-"));
}

export async function removeWorkDir(dir) {
  await rm(dir, { recursive: true, force: true, maxRetries: 3 });
}

/**
 * The environment every measured child gets: ours without anything `npm run` adds
 * (npm_* and INIT_CWD describe this repository; npm_config_local_prefix would even
 * point a child's npm at it), npm as the package manager for everyone, and telemetry
 * off for everyone (nothing here may reach a host other than the npm registry).
 * Children's npm still reads the user's .npmrc itself.
 */
export function cleanEnv(extra = {}) {
  const env = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (/^npm_/i.test(name) || name === "INIT_CWD") continue;
    env[name] = value;
  }
  env.npm_config_user_agent = `npm/11 node/${process.version} ${process.platform} ${process.arch}`;
  env.CREATE_CLOUDFLARE_TELEMETRY_DISABLED = "1";
  env.WRANGLER_SEND_METRICS = "false";
  env.NO_COLOR = "1";
  return { ...env, ...extra };
}

/**
 * Installs every peer into `<dir>/peers` with one `npm install` and returns, per
 * peer, its package folder and the absolute path of its bin file (so it can be
 * spawned with node directly, not through npx).
 */
export async function installPeers(dir, peers) {
  const prefix = path.join(dir, "peers");
  await mkdir(prefix, { recursive: true });
  await writeFile(path.join(prefix, "package.json"), '{ "private": true }\n');
  const specs = peers.map((peer) => `${peer.name}@${peer.version}`);
  await runOrThrow(
    "npm",
    ["install", "--no-audit", "--no-fund", "--save-exact", "--prefix", prefix, ...specs],
    { cwd: prefix, env: cleanEnv(), timeoutMs: INSTALL_TIMEOUT_MS },
  );
  const installed = [];
  for (const peer of peers) {
    const packageDir = path.join(prefix, "node_modules", peer.name);
    installed.push({ ...peer, packageDir, bin: await binFile(packageDir) });
  }
  return installed;
}

/** The absolute path of a package's bin file (the one named after the package, else the first). */
export async function binFile(packageDir) {
  const manifest = JSON.parse(await readFile(path.join(packageDir, "package.json"), "utf8"));
  const bin =
    typeof manifest.bin === "string"
      ? manifest.bin
      : (manifest.bin?.[manifest.name] ?? Object.values(manifest.bin ?? {})[0]);
  if (!bin) throw new Error(`${manifest.name} has no bin in its package.json`);
  return path.join(packageDir, bin);
}
