/**
 * Is the new project inside a monorepo workspace? Then the workspace owns the
 * lockfile, the install and the repository: we say so, install from its root (when
 * its globs cover the new folder) and write no lockfile or package-manager settings
 * of our own. npm, yarn and bun declare workspaces in package.json ("workspaces");
 * pnpm in pnpm-workspace.yaml ("packages").
 */
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import path from "node:path";
import type { PackageManager } from "../package-managers.js";

export interface Workspace {
  root: string;
  /** The file that declares the member globs, e.g. "pnpm-workspace.yaml". */
  file: string;
  packageManager: PackageManager;
  globs: string[];
  /** pnpm only: whether the root's pnpm-workspace.yaml approves esbuild's and workerd's builds. */
  approvesBuilds?: boolean;
}

/** The nearest workspace above `projectDir` (not counting projectDir itself), if any. */
export async function findWorkspace(projectDir: string): Promise<Workspace | undefined> {
  let dir = path.dirname(path.resolve(projectDir));
  for (;;) {
    const found = await workspaceAt(dir);
    if (found) return found;
    const parent = path.dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

async function workspaceAt(dir: string): Promise<Workspace | undefined> {
  const pnpmFile = path.join(dir, "pnpm-workspace.yaml");
  if (existsSync(pnpmFile)) {
    const yaml = await readFile(pnpmFile, "utf8");
    const globs = pnpmPackages(yaml);
    // A pnpm-workspace.yaml holding only settings (as our own projects have) declares no workspace.
    if (globs.length > 0) {
      const approvesBuilds = /^(allowBuilds|onlyBuiltDependencies)\s*:/m.test(yaml) && /\besbuild\b/.test(yaml) && /\bworkerd\b/.test(yaml);
      return { root: dir, file: "pnpm-workspace.yaml", packageManager: "pnpm", globs, approvesBuilds };
    }
  }
  const manifest = await readFile(path.join(dir, "package.json"), "utf8").catch(() => undefined);
  if (manifest === undefined) return undefined;
  let workspaces: unknown;
  try {
    workspaces = (JSON.parse(manifest) as { workspaces?: unknown }).workspaces;
  } catch {
    return undefined;
  }
  const globs = Array.isArray(workspaces)
    ? workspaces
    : (workspaces as { packages?: unknown } | undefined)?.packages;
  if (!Array.isArray(globs) || globs.length === 0) return undefined;
  return {
    root: dir,
    file: "package.json",
    packageManager: packageManagerOfRoot(dir),
    globs: globs.filter((glob): glob is string => typeof glob === "string"),
  };
}

/** Where the new folder sits in the workspace ("/"-separated) and whether the globs cover it. */
export function membership(workspace: Workspace, projectDir: string): { relative: string; covered: boolean } {
  const relative = path.relative(workspace.root, path.resolve(projectDir)).split(path.sep).join("/");
  return { relative, covered: coveredByGlobs(relative, workspace.globs) };
}

/**
 * Files a workspace member must not have: the settings that pnpm and yarn read only
 * at the workspace root (a pnpm-workspace.yaml would even make the folder a root).
 */
export const ROOT_ONLY_FILES = ["pnpm-workspace.yaml", ".yarnrc.yml"];

/** npm unless the root's lockfile says yarn or bun. */
function packageManagerOfRoot(dir: string): PackageManager {
  if (existsSync(path.join(dir, "yarn.lock"))) return "yarn";
  if (existsSync(path.join(dir, "bun.lock")) || existsSync(path.join(dir, "bun.lockb"))) return "bun";
  return "npm";
}

/** The `packages:` list of pnpm-workspace.yaml (block or flow style). */
export function pnpmPackages(yaml: string): string[] {
  const lines = yaml.split(/\r?\n/);
  const start = lines.findIndex((line) => /^packages\s*:/.test(line));
  if (start === -1) return [];
  const unquote = (value: string) => value.trim().replace(/^(['"])(.*)\1$/, "$2");
  const inline = /^packages\s*:\s*\[(.*)\]\s*$/.exec(lines[start] ?? "");
  if (inline) return inline[1]!.split(",").map(unquote).filter(Boolean);
  const globs: string[] = [];
  for (const line of lines.slice(start + 1)) {
    if (/^\s*(#.*)?$/.test(line)) continue;
    const item = /^\s+-\s*(.+?)\s*(#.*)?$/.exec(line);
    if (!item) break;
    globs.push(unquote(item[1]!));
  }
  return globs;
}

/**
 * Whether the folder at `relative` (from the workspace root, "/"-separated) is a
 * member: it matches a glob and no later "!" glob excludes it.
 */
export function coveredByGlobs(relative: string, globs: string[]): boolean {
  let covered = false;
  for (const glob of globs) {
    const negated = glob.startsWith("!");
    if (globToRegExp(negated ? glob.slice(1) : glob).test(relative)) covered = !negated;
  }
  return covered;
}

function globToRegExp(glob: string): RegExp {
  const clean = glob.replace(/^\.\//, "").replace(/\/+$/, "");
  let source = "";
  for (let i = 0; i < clean.length; i++) {
    const char = clean[i]!;
    if (char === "*" && clean[i + 1] === "*") {
      // "**/" matches any number of folders, "**" at the end anything.
      source += clean[i + 2] === "/" ? "(?:.*/)?" : ".*";
      i += clean[i + 2] === "/" ? 2 : 1;
    } else if (char === "*") source += "[^/]*";
    else if (char === "?") source += "[^/]";
    else source += char.replace(/[.+^${}()|[\]\\]/g, "\\$&");
  }
  return new RegExp(`^${source}$`);
}
