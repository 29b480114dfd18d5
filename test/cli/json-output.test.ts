/**
 * --json, for scripts and coding agents: stdout is exactly one JSON document that
 * names every file written (or, with --dry-run, every file that would be), the
 * namespaces, settings, steps and next commands; the human text is on stderr.
 */
import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cliEnv, runCli } from "../support/cli.js";

let root: string;
beforeAll(async () => {
  root = await mkdtemp(path.join(tmpdir(), "kv-edge-json-"));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((entry) => entry.isFile())
    .map((entry) => path.relative(dir, path.join(entry.parentPath, entry.name)).split(path.sep).join("/"))
    .sort();
}

const args = ["--features", "cache,sessions", "--envs", "staging", "--no-install", "--no-git", "--pm", "pnpm", "--json"];

describe("--json", () => {
  it("prints one document naming every written file, the namespaces, settings, steps and next commands", async () => {
    const result = await runCli(["agent-app", ...args], { cwd: root, env: cliEnv({ CI: "true" }) });
    expect(result.code, result.stderr).toBe(0);
    const report = JSON.parse(result.stdout);
    expect(report.outcome).toBe("done");
    expect(report.exitCode).toBe(0);
    expect(report.project).toMatchObject({ name: "agent-app", directory: path.join(root, "agent-app"), packageManager: "pnpm" });
    const written = await filesUnder(path.join(root, "agent-app"));
    expect(report.files.map((file: { path: string }) => file.path).sort()).toEqual(written);
    expect(report.namespaces.map((namespace: { binding: string }) => namespace.binding)).toEqual(["CACHE", "SESSIONS"]);
    expect(report.namespaces[0].declared).toEqual([
      { env: null, id: null, previewId: null },
      { env: "staging", id: null, previewId: null },
    ]);
    expect(report.settings).toMatchObject({ features: ["cache", "sessions"], envs: ["staging"], session: { ttl: 86400 } });
    expect(report.steps).toEqual([
      { step: "install", status: "skipped", detail: "--no-install" },
      { step: "namespaces", status: "skipped" },
      { step: "git", status: "skipped", detail: "--no-git" },
    ]);
    expect(report.next).toContain("pnpm install");
    // The human summary is still there, on stderr.
    expect(result.stderr).toContain("Wrote");
    expect(result.stderr).toContain("KV namespaces");
  });

  it("with --dry-run, names every file that would be written and writes none", async () => {
    const result = await runCli(["planned-app", ...args, "--dry-run"], { cwd: root, env: cliEnv({ CI: "true" }) });
    expect(result.code, result.stderr).toBe(0);
    const report = JSON.parse(result.stdout);
    expect(report.outcome).toBe("dry-run");
    const paths: string[] = report.files.map((file: { path: string }) => file.path);
    for (const expected of ["package.json", "wrangler.jsonc", "pnpm-workspace.yaml", "src/lib/cache.ts", "AGENTS.md", "CLAUDE.md"]) {
      expect(paths).toContain(expected);
    }
    expect(report.files.every((file: { bytes: number }) => file.bytes > 0)).toBe(true);
    expect(report.steps).toEqual([]);
    expect(await readdir(root)).not.toContain("planned-app");
    expect(result.stderr).toContain("Dry run: nothing was written");
  });

  it("answers a usage error in JSON too", async () => {
    const result = await runCli(["bad-app", "--yes", "--ttl", "cache=5", "--json"], { cwd: root, env: cliEnv({ CI: "true" }) });
    expect(result.code).toBe(2);
    const report = JSON.parse(result.stdout);
    expect(report).toMatchObject({ outcome: "failed", exitCode: 2 });
    expect(report.error).toContain("--ttl");
  });
});
