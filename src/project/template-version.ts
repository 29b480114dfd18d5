/**
 * Which version of a template a project was made from, and how to name another
 * version of the same source: the digest of a loaded template, the commit a git:
 * source's ref points to, and the --template source rewritten for another ref.
 */
import { createHash } from "node:crypto";
import { isAbsolute, relative, resolve } from "node:path";
import { run } from "../steps/run.js";
import { builtinTemplateDigest } from "../template/precompiled.js";
import type { LoadedTemplate } from "../template/types.js";
import type { TemplateRecord } from "./record.js";

/**
 * What the record says about a template just loaded from `source` (undefined: the
 * built-in one). The commit of a git: source is looked up unless offline.
 */
export async function describeTemplate(
  source: string | undefined,
  template: LoadedTemplate,
  context: { cwd: string; projectDir: string; toolVersion: string; offline: boolean },
): Promise<TemplateRecord> {
  if (source === undefined) {
    // The build hashed the built-in template already (precompiled.ts); from src/ it is hashed here.
    return { source: "built-in", version: context.toolVersion, digest: builtinTemplateDigest ?? templateDigest(template) };
  }
  const digest = templateDigest(template);
  const commit = context.offline ? undefined : await resolveGitCommit(source, context.cwd);
  return {
    source: sourceFromProject(source, context.cwd, context.projectDir),
    ...(commit ? { commit } : {}),
    digest,
  };
}

/** sha256 over template.json and every file (path and bytes), independent of read order. */
export function templateDigest(template: LoadedTemplate): string {
  const hash = createHash("sha256");
  hash.update(`template.json\0${JSON.stringify(template.manifest)}\0`);
  const files = [...template.files].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  for (const file of files) {
    hash.update(`${file.path}\0${file.bytes.length}\0`);
    hash.update(file.bytes);
  }
  return `sha256:${hash.digest("hex")}`;
}

/** The parts of a git: source, git:<repository>[#ref][:subdir]. */
export interface GitSource {
  repository: string;
  ref?: string;
  subdir?: string;
}

export function parseGitSource(source: string): GitSource | undefined {
  if (!source.startsWith("git:")) return undefined;
  const rest = source.slice("git:".length);
  const hash = rest.indexOf("#");
  if (hash === -1) return { repository: rest };
  const repository = rest.slice(0, hash);
  const [ref, subdir] = splitOnce(rest.slice(hash + 1), ":");
  return { repository, ...(ref ? { ref } : {}), ...(subdir ? { subdir } : {}) };
}

export function formatGitSource({ repository, ref, subdir }: GitSource): string {
  if (ref === undefined && subdir === undefined) return `git:${repository}`;
  return `git:${repository}#${ref ?? ""}${subdir ? `:${subdir}` : ""}`;
}

const HOST_PREFIXES = ["gh:", "github:", "gitlab:", "bitbucket:", "sourcehut:"];

/**
 * The same source at another ref (`ref` undefined: the source's default ref).
 * Only git: and git-host sources have refs; a folder or tarball has none.
 */
export function sourceAtRef(source: string, ref: string | undefined): string | undefined {
  const git = parseGitSource(source);
  if (git) return formatGitSource({ ...git, ref });
  if (HOST_PREFIXES.some((prefix) => source.startsWith(prefix))) {
    const base = source.split("#")[0] ?? source;
    return ref === undefined ? base : `${base}#${ref}`;
  }
  return undefined;
}

/** True for a source that names a folder on disk rather than a download. */
export function isFolderSource(source: string): boolean {
  return source.startsWith(".") || source.startsWith("~") || isAbsolute(source);
}

/**
 * A relative folder or git: repository path, given from `cwd`, re-expressed from the
 * project folder, so that `update` run in the project finds the same template.
 */
export function sourceFromProject(source: string, cwd: string, projectDir: string): string {
  const fromProject = (path: string) => {
    const moved = relative(projectDir, resolve(cwd, path)) || ".";
    return moved.startsWith(".") ? moved : `./${moved}`;
  };
  if (source.startsWith(".")) return fromProject(source);
  const git = parseGitSource(source);
  if (git?.repository.startsWith(".")) return formatGitSource({ ...git, repository: fromProject(git.repository) });
  return source;
}

/**
 * The commit a git: source's ref (or the repository's default branch) points to,
 * through `git ls-remote`; undefined when git cannot tell (offline, no such ref).
 */
export async function resolveGitCommit(source: string, cwd: string): Promise<string | undefined> {
  const git = parseGitSource(source);
  if (!git) return undefined;
  const repository = git.repository.startsWith(".") ? resolve(cwd, git.repository) : git.repository;
  const ref = git.ref ?? "HEAD";
  if (/^[0-9a-f]{40}$/.test(ref)) return ref;
  const result = await run("git", ["ls-remote", "--", repository, ref, `${ref}^{}`], {
    cwd,
    timeoutMs: 30_000,
    env: { GIT_TERMINAL_PROMPT: "0" },
  });
  if (!result.ok) return undefined;
  const lines = result.stdout.split("\n").map((line) => line.split("\t"));
  // An annotated tag lists the tag object and then, with ^{} appended, its commit.
  const peeled = lines.find(([, name]) => name?.endsWith("^{}"));
  const exact = lines.find(([, name]) => name === ref || name === `refs/heads/${ref}` || name === `refs/tags/${ref}`);
  return (peeled ?? exact ?? lines[0])?.[0]?.trim() || undefined;
}

function splitOnce(text: string, separator: string): [string, string | undefined] {
  const index = text.indexOf(separator);
  return index === -1 ? [text, undefined] : [text.slice(0, index), text.slice(index + separator.length)];
}
