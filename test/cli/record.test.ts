import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import packageJson from "../../package.json" with { type: "json" };
import { parseRecord } from "../../src/project/record.js";
import { templateDigest } from "../../src/project/template-version.js";
import { compatibilityDate, versions } from "../../src/versions.js";
import { cliEnv, runCli } from "../support/cli.js";
import { manifestJson, writeFolder } from "../support/template-fixture.js";

// The built CLI writes .kv-edge.json into every project it creates: the template
// source and version, every answer, the toolchain it rendered with, and no secret.

const TOKEN = "ghp_record-test-token-never-written";
let scratch: string;
beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), "kv-edge-record-"));
});
afterAll(() => rm(scratch, { recursive: true, force: true }));

const create = (args: string[]) =>
  runCli([...args, "--yes", "--no-install", "--no-git"], {
    cwd: scratch,
    env: cliEnv({ CI: "1", GIGET_AUTH: TOKEN, XDG_CACHE_HOME: join(scratch, "cache") }),
  });

describe(".kv-edge.json", () => {
  it("records the built-in template's version and every answer", async () => {
    const result = await create([
      "built-in-app",
      "--features",
      "cache,sessions",
      "--ttl",
      "cache=600",
      "--session-ttl",
      "7200",
      "--binding",
      "cache=PAGES",
      "--namespace",
      "AUDIT=3600",
      "--envs",
      "staging",
      "--cache-pattern",
      "cache-aside",
    ]);
    expect(result.code, result.stderr).toBe(0);
    const text = await readFile(join(scratch, "built-in-app", ".kv-edge.json"), "utf8");
    const record = parseRecord(text);
    expect(record.toolVersion).toBe(packageJson.version);
    expect(record.template).toMatchObject({ source: "built-in", version: packageJson.version });
    // The build hashed the built-in template: the same digest update computes from its files.
    const { loadTemplate } = await import("../../src/template/source.js");
    const builtinDir = fileURLToPath(new URL("../../templates/default", import.meta.url));
    const builtin = await loadTemplate(undefined, { cwd: scratch, builtinDir, version: packageJson.version });
    expect(record.template.digest).toBe(templateDigest(builtin));
    expect(record.answers).toEqual({
      projectName: "built-in-app",
      features: ["cache", "sessions"],
      namespaces: [
        { binding: "PAGES", feature: "cache", ttl: 600 },
        { binding: "SESSIONS", feature: "sessions", ttl: 7200 },
        { binding: "AUDIT", feature: null, ttl: 3600 },
      ],
      session: { ttl: 7200, refreshThreshold: 3600, maxLifetime: 2592000 },
      rateLimit: { limit: 100, window: 60 },
      rateLimitBackend: "durable-object",
      documentWrites: "durable-object",
      cachePattern: "cache-aside",
      envs: ["staging"],
      packageManager: "npm",
      vars: {},
    });
    expect(record.toolchain).toEqual({ compatibilityDate, versions: { ...versions } });
  });

  it("records a git: fork relative to the project, with the commit its tag points to, and never the token", async () => {
    const repo = join(scratch, "fork-repo");
    await writeFolder(join(repo, "kv"), {
      "template.json": manifestJson(),
      "package.json.hbs": '{ "name": {{json projectName}}, "private": true }\n',
      "src/team.ts.hbs": "export const TEAM = {{json vars.team}};\n",
    });
    const git = (...args: string[]) => execa("git", args, { cwd: repo });
    await git("init", "--quiet");
    await git("add", "-A");
    await git("commit", "--quiet", "-m", "v1");
    await git("tag", "-a", "v1", "-m", "first release");
    const commit = (await git("rev-parse", "HEAD")).stdout.trim();

    const result = await create(["apps/fork-app", "--template", "git:./fork-repo#v1:kv", "--var", "team=edge"]);
    expect(result.code, result.stderr).toBe(0);
    const text = await readFile(join(scratch, "apps", "fork-app", ".kv-edge.json"), "utf8");
    expect(text).not.toContain(TOKEN);
    const record = parseRecord(text);
    expect(record.template.source).toBe("git:../../fork-repo#v1:kv");
    expect(record.template.commit).toBe(commit);
    expect(record.template).not.toHaveProperty("version");
    expect(record.answers.vars).toEqual({ team: "edge" });
    expect(record.answers.features).toEqual(["cache", "sessions"]);

    // The digest is that of the template as loaded: the same folder read again matches.
    const { loadTemplate } = await import("../../src/template/source.js");
    const loaded = await loadTemplate(join(repo, "kv"), { cwd: scratch, builtinDir: "", version: packageJson.version });
    expect(record.template.digest).toBe(templateDigest(loaded));
  });

  it("is listed by --dry-run and not written", async () => {
    const result = await create(["dry-app", "--dry-run"]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain(".kv-edge.json");
    expect(existsSync(join(scratch, "dry-app"))).toBe(false);
  });
});
