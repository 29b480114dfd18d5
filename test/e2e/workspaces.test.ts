/**
 * Inside a monorepo workspace: the built CLI says it found one, writes no lockfile
 * (nor pnpm-workspace.yaml) of its own, installs from the workspace root when the
 * globs cover the new folder, says how to add it when they do not, and leaves git
 * to the workspace. npm and pnpm (12, from the registry) fixtures.
 */
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cliEnv, runCli } from "../support/cli.js";
import { installPackageManagers } from "../support/package-managers.js";

let root: string;
let toolEnv: NodeJS.ProcessEnv;

beforeAll(async () => {
  root = await mkdtemp(path.join(tmpdir(), "kv-edge-e2e-ws-"));
  toolEnv = await installPackageManagers(path.join(root, "pm"));
}, 600_000);
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

async function fixture(name: string, files: Record<string, string>): Promise<string> {
  const dir = path.join(root, name);
  for (const [file, text] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(dir, file)), { recursive: true });
    await writeFile(path.join(dir, file), text);
  }
  return dir;
}

const scaffold = (cwd: string, directory: string, extra: string[] = []) =>
  runCli([directory, "--yes", "--features", "cache", "--json", ...extra], {
    cwd,
    env: cliEnv({ ...toolEnv, CI: "true" }),
    timeoutMs: 600_000,
  });

describe.concurrent("inside a workspace", () => {
  it("npm: installs from the root into its lockfile, none in the project, and no git", async () => {
    const mono = await fixture("npm-mono", { "package.json": JSON.stringify({ private: true, workspaces: ["apps/*"] }) });
    const result = await scaffold(mono, "apps/kv");
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toContain(`Inside the npm workspace at ${mono} (package.json)`);
    expect(result.stderr).toContain("Its globs (apps/*) cover apps/kv.");
    expect(result.stderr).toContain(`Installing dependencies with npm from the workspace root ${mono}`);
    expect(existsSync(path.join(mono, "apps", "kv", "package-lock.json"))).toBe(false);
    expect(JSON.parse(await readFile(path.join(mono, "package-lock.json"), "utf8")).packages["apps/kv"]).toBeDefined();
    expect(existsSync(path.join(mono, "apps", "kv", ".git"))).toBe(false);
    const report = JSON.parse(result.stdout);
    expect(report.workspace).toMatchObject({ root: mono, packageManager: "npm", relative: "apps/kv", covered: true });
    expect(report.steps).toContainEqual({ step: "install", status: "done" });
    expect(report.steps).toContainEqual({ step: "git", status: "skipped", detail: `inside the workspace at ${mono}` });
  });

  it("pnpm: uses pnpm, installs from the root, and writes neither pnpm-lock.yaml nor pnpm-workspace.yaml in the project", async () => {
    const mono = await fixture("pnpm-mono", {
      "package.json": JSON.stringify({ private: true }),
      "pnpm-workspace.yaml": "packages:\n  - 'apps/*'\nallowBuilds:\n  esbuild: true\n  workerd: true\n",
    });
    // --pm npm is overruled: the workspace decides.
    const result = await scaffold(mono, "apps/kv", ["--pm", "npm"]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toContain(`Inside the pnpm workspace at ${mono} (pnpm-workspace.yaml)`);
    expect(result.stderr).toContain("--pm npm: the workspace uses pnpm, so the project does too");
    for (const file of ["pnpm-lock.yaml", "pnpm-workspace.yaml", "package-lock.json"]) {
      expect(existsSync(path.join(mono, "apps", "kv", file)), file).toBe(false);
    }
    expect(await readFile(path.join(mono, "pnpm-lock.yaml"), "utf8")).toContain("apps/kv:");
    expect(existsSync(path.join(mono, "apps", "kv", "node_modules", "wrangler"))).toBe(true);
    expect(await readFile(path.join(mono, "apps", "kv", "AGENTS.md"), "utf8")).toContain("pnpm run test");
  });

  it("a folder the globs do not cover: says so with the one command, installs nothing", async () => {
    const mono = await fixture("npm-uncovered", { "package.json": JSON.stringify({ private: true, workspaces: ["apps/*"] }) });
    const result = await scaffold(mono, "tools/kv");
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toContain(
      `The workspace's globs (apps/*) do not cover tools/kv: add "tools/kv" to "workspaces" in ${path.join(mono, "package.json")}, then run: npm install`,
    );
    expect(existsSync(path.join(mono, "package-lock.json"))).toBe(false);
    expect(existsSync(path.join(mono, "tools", "kv", "package-lock.json"))).toBe(false);
    expect(JSON.parse(result.stdout).steps).toContainEqual({
      step: "install",
      status: "skipped",
      detail: "the workspace's globs do not cover the project",
    });
  });
});
