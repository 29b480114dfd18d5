import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { coveredByGlobs, findWorkspace, pnpmPackages } from "../../src/steps/workspace.js";

describe("workspace globs", () => {
  it("reads pnpm-workspace.yaml's packages in block and flow style, quoted or not", () => {
    expect(pnpmPackages("packages:\n  - 'apps/*'\n  - \"packages/**\" # all\n  - tools\nallowBuilds:\n  esbuild: true\n")).toEqual([
      "apps/*",
      "packages/**",
      "tools",
    ]);
    expect(pnpmPackages("packages: ['apps/*', libs/*]\n")).toEqual(["apps/*", "libs/*"]);
    expect(pnpmPackages("allowBuilds:\n  esbuild: true\n")).toEqual([]);
  });

  it("matches *, ** and exclusions the way package managers do", () => {
    expect(coveredByGlobs("apps/web", ["apps/*"])).toBe(true);
    expect(coveredByGlobs("apps/web/inner", ["apps/*"])).toBe(false);
    expect(coveredByGlobs("apps/web/inner", ["apps/**"])).toBe(true);
    expect(coveredByGlobs("tools/kv", ["./tools/kv/"])).toBe(true);
    expect(coveredByGlobs("apps/legacy", ["apps/*", "!apps/legacy"])).toBe(false);
    expect(coveredByGlobs("services/api", ["apps/*", "packages/*"])).toBe(false);
  });
});

describe("findWorkspace", () => {
  let root: string;
  beforeAll(async () => {
    root = await mkdtemp(path.join(tmpdir(), "kv-edge-ws-"));
  });
  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it("finds the nearest npm, yarn or pnpm workspace root above the project, and none elsewhere", async () => {
    const npm = path.join(root, "npm-mono");
    await mkdir(path.join(npm, "apps"), { recursive: true });
    await writeFile(path.join(npm, "package.json"), JSON.stringify({ private: true, workspaces: ["apps/*"] }));
    expect(await findWorkspace(path.join(npm, "apps", "kv"))).toEqual({
      root: npm,
      file: "package.json",
      packageManager: "npm",
      globs: ["apps/*"],
    });

    const yarn = path.join(root, "yarn-mono");
    await mkdir(yarn);
    await writeFile(path.join(yarn, "package.json"), JSON.stringify({ workspaces: { packages: ["services/*"] } }));
    await writeFile(path.join(yarn, "yarn.lock"), "");
    expect(await findWorkspace(path.join(yarn, "services", "kv"))).toMatchObject({ packageManager: "yarn", globs: ["services/*"] });

    const pnpm = path.join(root, "pnpm-mono");
    await mkdir(pnpm);
    await writeFile(path.join(pnpm, "pnpm-workspace.yaml"), "packages:\n  - 'apps/*'\n");
    expect(await findWorkspace(path.join(pnpm, "apps", "kv"))).toMatchObject({ root: pnpm, packageManager: "pnpm", approvesBuilds: false });
    await writeFile(path.join(pnpm, "pnpm-workspace.yaml"), "packages:\n  - 'apps/*'\nallowBuilds:\n  esbuild: true\n  workerd: true\n");
    expect(await findWorkspace(path.join(pnpm, "apps", "kv"))).toMatchObject({ approvesBuilds: true });

    // A pnpm-workspace.yaml with only settings, and a package.json without workspaces, are no workspace.
    const plain = path.join(root, "plain");
    await mkdir(plain);
    await writeFile(path.join(plain, "pnpm-workspace.yaml"), "allowBuilds:\n  esbuild: true\n");
    await writeFile(path.join(plain, "package.json"), JSON.stringify({ name: "x" }));
    expect(await findWorkspace(path.join(plain, "kv"))).toBeUndefined();
  });
});
