import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  describeTemplate,
  resolveGitCommit,
  sourceAtRef,
  sourceFromProject,
  templateDigest,
} from "../../src/project/template-version.js";
import type { LoadedTemplate } from "../../src/template/types.js";

const manifest = { name: "t", description: "d", minVersion: "0.1.0", features: ["cache" as const], files: {}, filesByChoice: {}, variables: [] };
const file = (path: string, text: string) => ({ path, bytes: new TextEncoder().encode(text) });
const template = (files: LoadedTemplate["files"]): LoadedTemplate => ({ source: "x", manifest, files });

describe("templateDigest", () => {
  it("depends on paths and bytes, not on the order files were read in", () => {
    const a = template([file("a.ts", "1"), file("b.ts", "2")]);
    expect(templateDigest(a)).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(templateDigest(template([file("b.ts", "2"), file("a.ts", "1")]))).toBe(templateDigest(a));
    expect(templateDigest(template([file("a.ts", "1"), file("b.ts", "3")]))).not.toBe(templateDigest(a));
    expect(templateDigest(template([file("a.ts", "1"), file("c.ts", "2")]))).not.toBe(templateDigest(a));
    expect(templateDigest({ ...a, manifest: { ...manifest, minVersion: "0.2.0" } })).not.toBe(templateDigest(a));
  });
});

describe("sources", () => {
  it("move a relative folder or git: path from where create ran to the project folder", () => {
    expect(sourceFromProject("./forks/kv", "/work", "/work/apps/app")).toBe("../../forks/kv");
    expect(sourceFromProject("git:./repo#v1:kv", "/work", "/work/app")).toBe("git:../repo#v1:kv");
    expect(sourceFromProject("git:/abs/repo#v1", "/work", "/work/app")).toBe("git:/abs/repo#v1");
    expect(sourceFromProject("gh:acme/t#v1", "/work", "/work/app")).toBe("gh:acme/t#v1");
    expect(sourceFromProject("./app/tpl", "/work", "/work/app")).toBe("./tpl");
  });

  it("name the same source at another ref, keeping the subfolder", () => {
    expect(sourceAtRef("git:../repo#v1:kv", "v2")).toBe("git:../repo#v2:kv");
    expect(sourceAtRef("git:../repo#v1:kv", undefined)).toBe("git:../repo#:kv");
    expect(sourceAtRef("git:../repo#v1", undefined)).toBe("git:../repo");
    expect(sourceAtRef("git:https://example.com/r.git", "v2")).toBe("git:https://example.com/r.git#v2");
    expect(sourceAtRef("gh:acme/t/kv#v1", "v2")).toBe("gh:acme/t/kv#v2");
    expect(sourceAtRef("gh:acme/t/kv#v1", undefined)).toBe("gh:acme/t/kv");
    expect(sourceAtRef("https://example.com/t.tar.gz", "v2")).toBeUndefined();
    expect(sourceAtRef("./fork", "v2")).toBeUndefined();
  });
});

describe("resolveGitCommit with a real repository", () => {
  let repo: string;
  const git = (...args: string[]) => execa("git", args, { cwd: repo });
  const head = async () => (await git("rev-parse", "HEAD")).stdout.trim();
  let first: string;
  let second: string;

  beforeAll(async () => {
    repo = await mkdtemp(join(tmpdir(), "kv-edge-version-"));
    await git("init", "--quiet", "--initial-branch=main");
    await writeFile(join(repo, "a.txt"), "1\n");
    await git("add", "-A");
    await git("commit", "--quiet", "-m", "one");
    first = await head();
    await git("tag", "-a", "v1", "-m", "annotated v1");
    await writeFile(join(repo, "a.txt"), "2\n");
    await git("commit", "--quiet", "-am", "two");
    second = await head();
    await git("tag", "v2");
  });
  afterAll(() => rm(repo, { recursive: true, force: true }));

  it("peels an annotated tag, reads a light tag and the default branch", async () => {
    expect(await resolveGitCommit(`git:${repo}#v1`, "/")).toBe(first);
    expect(await resolveGitCommit(`git:${repo}#v2:sub`, "/")).toBe(second);
    expect(await resolveGitCommit(`git:${repo}`, "/")).toBe(second);
    expect(await resolveGitCommit(`git:${repo}#main`, "/")).toBe(second);
  });

  it("resolves a relative repository against the given folder, and says nothing for an unknown ref", async () => {
    expect(await resolveGitCommit(`git:./${repo.split("/").pop()}#v1`, tmpdir())).toBe(first);
    expect(await resolveGitCommit(`git:${repo}#no-such-ref`, "/")).toBeUndefined();
    expect(await resolveGitCommit("gh:acme/t#v1", "/")).toBeUndefined();
  });

  it("describes a git: template with its commit, a built-in one with the tool version", async () => {
    const loaded = template([file("a.ts", "1")]);
    const context = { cwd: tmpdir(), projectDir: join(tmpdir(), "app"), toolVersion: "0.1.0", offline: false };
    expect(await describeTemplate(undefined, loaded, context)).toEqual({
      source: "built-in",
      version: "0.1.0",
      digest: templateDigest(loaded),
    });
    const name = repo.split("/").pop();
    expect(await describeTemplate(`git:./${name}#v1`, loaded, context)).toEqual({
      source: `git:../${name}#v1`,
      commit: first,
      digest: templateDigest(loaded),
    });
    expect(await describeTemplate(`git:./${name}#v1`, loaded, { ...context, offline: true })).not.toHaveProperty("commit");
  });
});
