/**
 * pnpm, yarn (berry) and bun for end-to-end tests, installed from the npm registry
 * into a temporary prefix (npm's cache makes a second install quick). Returns the
 * environment that puts them first on PATH.
 */
import { execFile } from "node:child_process";
import { mkdir, symlink, writeFile } from "node:fs/promises";
import path from "node:path";
import { promisify } from "node:util";

export const TOOLS = { pnpm: "pnpm@12.23.0", pnpm10: "pnpm@10.25.0", yarn: "@yarnpkg/cli-dist@4.18.1", bun: "bun@1.4.5" };

export async function installPackageManagers(prefix: string): Promise<NodeJS.ProcessEnv> {
  const tools = path.join(prefix, "tools");
  await mkdir(tools, { recursive: true });
  // bun's package puts its binary in place with a postinstall script, which npm 11
  // runs only when allowed. pnpm 10 comes in under an alias so both versions fit.
  await writeFile(path.join(tools, "package.json"), JSON.stringify({ private: true, allowScripts: { bun: true } }));
  await promisify(execFile)(
    "npm",
    ["install", "--no-audit", "--no-fund", TOOLS.pnpm, `pnpm10@npm:${TOOLS.pnpm10}`, TOOLS.yarn, TOOLS.bun],
    { cwd: tools, timeout: 300_000 },
  );
  const bin = path.join(prefix, "bin");
  await mkdir(bin);
  const modules = path.join(tools, "node_modules");
  await symlink(path.join(modules, ".bin", "pnpm"), path.join(bin, "pnpm"));
  await symlink(path.join(modules, "pnpm10", "bin", "pnpm.cjs"), path.join(bin, "pnpm10"));
  await symlink(path.join(modules, ".bin", "yarn"), path.join(bin, "yarn"));
  await symlink(path.join(modules, ".bin", "bun"), path.join(bin, "bun"));
  const registry = (await promisify(execFile)("npm", ["config", "get", "registry"], { timeout: 30_000 })).stdout.trim();
  return {
    PATH: `${bin}${path.delimiter}${process.env.PATH}`,
    // yarn berry's default registry is its own mirror; the npm registry is the one we use.
    YARN_NPM_REGISTRY_SERVER: registry,
    YARN_ENABLE_TELEMETRY: "0",
  };
}
