/**
 * pnpm, yarn (berry) and bun, each installed from the npm registry into one temporary
 * prefix for the run: the built CLI scaffolds one project per package manager (in
 * parallel), installs it with that package manager, and the project's own `test`
 * and `typecheck` scripts pass. pnpm 10.26+ refuses an install whose dependencies'
 * builds are not approved, so this also proves the generated approval is read.
 * (npm is covered by every other e2e file.)
 */
import { mkdtemp, readFile, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cliEnv, runCli } from "../support/cli.js";
import { installPackageManagers } from "../support/package-managers.js";
import { runIn } from "../support/project.js";

let root: string;
/** PATH with the registry-installed pnpm, yarn and bun first. */
let toolEnv: NodeJS.ProcessEnv;

beforeAll(async () => {
  root = await mkdtemp(path.join(tmpdir(), "kv-edge-e2e-pm-"));
  toolEnv = await installPackageManagers(root);
}, 600_000);

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

/** The three projects are scaffolded and installed in parallel (mostly network). */
let scaffolds: Record<"pnpm" | "yarn" | "bun", Promise<string>>;

async function scaffold(name: string, packageManager: string) {
  const result = await runCli([name, "--pm", packageManager, "--features", "cache,flags", "--envs", "staging", "--no-git"], {
    cwd: root,
    env: cliEnv({ ...toolEnv, CI: "true" }),
    timeoutMs: 600_000,
  });
  expect(result.code, result.stderr + result.stdout).toBe(0);
  expect(result.stdout).toContain("Installed dependencies");
  return path.join(root, name);
}

/**
 * The tests run one project at a time: workerd test runs side by side on two cores
 * would measure the machine, not the package manager.
 */
async function passesTestAndTypecheck(project: string, packageManager: string) {
  const typecheck = await runIn(project, packageManager, ["run", "typecheck"], 300_000, toolEnv);
  expect(typecheck.code, typecheck.output).toBe(0);
  // @types/node is in the project: wrangler has nothing left to ask for.
  expect(typecheck.output).not.toContain("Action required");
  // The toolkit's tests that walk 1000-key pages outlast their own 30 s limit when the
  // machine is busy; this test is about the package manager, so give them room.
  const test = await runIn(project, packageManager, ["run", "test", "--testTimeout=300000", "--hookTimeout=300000"], 900_000, toolEnv);
  expect(test.code, test.output).toBe(0);
}

describe("package managers other than npm", () => {
  beforeAll(() => {
    scaffolds = { pnpm: scaffold("with-pnpm", "pnpm"), yarn: scaffold("with-yarn", "yarn"), bun: scaffold("with-bun", "bun") };
    // Each test awaits its own; none is left unhandled meanwhile.
    for (const pending of Object.values(scaffolds)) pending.catch(() => {});
  });

  it("pnpm 12: approves exactly esbuild's and workerd's builds, installs, tests and type-checks", async () => {
    const project = await scaffolds.pnpm;
    const workspace = await readFile(path.join(project, "pnpm-workspace.yaml"), "utf8");
    expect(workspace).toMatch(/^allowBuilds:\n {2}esbuild: true\n {2}workerd: true$/m);
    await stat(path.join(project, "pnpm-lock.yaml"));
    const manifest = JSON.parse(await readFile(path.join(project, "package.json"), "utf8"));
    expect(manifest.allowScripts).toBeUndefined();
    await passesTestAndTypecheck(project, "pnpm");
  });

  it("yarn berry: installs into node_modules (vitest's vite peer included), tests and type-checks", async () => {
    const project = await scaffolds.yarn;
    expect(await readFile(path.join(project, ".yarnrc.yml"), "utf8")).toContain("nodeLinker: node-modules");
    await stat(path.join(project, "yarn.lock"));
    await stat(path.join(project, "node_modules", "vite"));
    await passesTestAndTypecheck(project, "yarn");
  });

  it("bun: trusts esbuild's and workerd's scripts, installs, tests and type-checks", async () => {
    const project = await scaffolds.bun;
    const manifest = JSON.parse(await readFile(path.join(project, "package.json"), "utf8"));
    expect(manifest.trustedDependencies).toEqual(["esbuild", "workerd"]);
    await passesTestAndTypecheck(project, "bun");
  });

  it("npm 11: installs without warning about install scripts (allowScripts approves the two it needs)", async () => {
    const result = await runCli(["with-npm", "--pm", "npm", "--features", "cache", "--no-git", "--no-install"], {
      cwd: root,
      env: cliEnv({ CI: "true" }),
    });
    expect(result.code, result.stderr).toBe(0);
    const install = await runIn(path.join(root, "with-npm"), "npm", ["install", "--no-audit", "--no-fund"], 600_000);
    expect(install.code, install.output).toBe(0);
    expect(install.output).not.toContain("install-scripts");
  });

  it("pnpm 10.25 (before allowBuilds) installs the same project: it reads onlyBuiltDependencies", async () => {
    // The project is written for pnpm, then installed by the older pnpm, which would
    // warn about the builds it ignored if it did not read the approval.
    const result = await runCli(["with-pnpm10", "--pm", "pnpm", "--features", "cache", "--no-git", "--no-install"], {
      cwd: root,
      env: cliEnv({ ...toolEnv, CI: "true" }),
    });
    expect(result.code, result.stderr).toBe(0);
    const install = await runIn(path.join(root, "with-pnpm10"), "pnpm10", ["install", "--no-frozen-lockfile"], 600_000, toolEnv);
    expect(install.code, install.output).toBe(0);
    // Without onlyBuiltDependencies pnpm 10.25 ends with "Ignored build scripts: esbuild, workerd".
    // (Whether the scripts print anything depends on pnpm's side-effects cache.)
    expect(install.output).not.toMatch(/Ignored build scripts/i);
  });
});
