import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execa } from "execa";
import { parse as parseJsonc } from "jsonc-parser";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import packageJson from "../../package.json" with { type: "json" };
import { optionsOf } from "../../src/options/table.js";
import { cliEnv, runCli } from "../support/cli.js";
import { gitIdentity } from "../support/project.js";
import { manifestJson, writeFolder } from "../support/template-fixture.js";

// The built CLI's `update` against small projects (no install): a tiny git fork
// with two tags, the built-in template with --set, and the refusals.

let scratch: string;
let env: NodeJS.ProcessEnv;
beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), "kv-edge-cli-update-"));
  env = cliEnv({ CI: "1", ...(await gitIdentity(scratch)), XDG_CACHE_HOME: join(scratch, "cache") });
});
afterAll(() => rm(scratch, { recursive: true, force: true }));

const cli = (cwd: string, ...args: string[]) => runCli(args, { cwd, env, timeoutMs: 60_000 });
const git = (cwd: string, ...args: string[]) => execa("git", args, { cwd, env });

describe("update of a project made from a git fork", () => {
  const repo = () => join(scratch, "fork");
  const app = () => join(scratch, "fork-app");

  beforeAll(async () => {
    await writeFolder(repo(), {
      "template.json": manifestJson({ files: {} }),
      "package.json.hbs": '{\n  "name": {{json projectName}},\n  "private": true\n}\n',
      "src/team.ts.hbs": "// owner\nexport const TEAM = {{json vars.team}};\n",
      "src/untouched.ts": "export const version = 1;\n",
      "old/only.ts": "export {};\n",
    });
    await git(scratch, "init", "--quiet", "--initial-branch=main", repo());
    await git(repo(), "add", "-A");
    await git(repo(), "commit", "--quiet", "-m", "v1");
    await git(repo(), "tag", "v1");
    await writeFolder(repo(), {
      "package.json.hbs": '{\n  "name": {{json projectName}},\n  "private": true,\n  "type": "module"\n}\n',
      "src/untouched.ts": "export const version = 2;\n",
    });
    await rm(join(repo(), "old"), { recursive: true });
    await git(repo(), "add", "-A");
    await git(repo(), "commit", "--quiet", "-m", "v2");
    await git(repo(), "tag", "v2");

    const created = await cli(scratch, "fork-app", "--yes", "--no-install", "--template", "git:./fork#v1", "--var", "team=edge");
    expect(created.code, created.stderr).toBe(0);
    await writeFile(join(app(), "package.json"), '{\n  // ours\n  "name": "fork-app",\n  "private": true,\n  "scripts": { "hi": "echo hi" }\n}\n');
    await git(app(), "commit", "--quiet", "-am", "ours");
  });

  it("merges package.json by key, takes the untouched file, says to reinstall, and records v2", async () => {
    const result = await cli(app(), "update", "--to", "v2");
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/merged\s+package\.json/);
    expect(result.stdout).toMatch(/clean\s+src\/untouched\.ts/);
    expect(result.stdout).toContain("package.json changed: run npm install");
    const manifest = await readFile(join(app(), "package.json"), "utf8");
    expect(manifest).toContain("// ours");
    expect(manifest).toContain('"scripts": { "hi": "echo hi" }');
    expect(manifest).toMatch(/"type": "module"/);
    expect(await readFile(join(app(), "src/untouched.ts"), "utf8")).toBe("export const version = 2;\n");
    expect(result.stdout).toMatch(/removed\s+old\/only\.ts/);
    expect(existsSync(join(app(), "old"))).toBe(false);
    const record = JSON.parse(await readFile(join(app(), ".kv-edge.json"), "utf8"));
    expect(record.template.source).toBe("git:../fork#v2");
    expect(record.answers.vars).toEqual({ team: "edge" });
  });

  it("says up to date afterwards, and again when run twice", async () => {
    await git(app(), "add", "-A");
    await git(app(), "commit", "--quiet", "-m", "v2");
    const check = await cli(app(), "update", "--check", "--json");
    expect(check.code, check.stderr).toBe(0);
    expect(JSON.parse(check.stdout)).toMatchObject({ updateAvailable: false });
    const again = await cli(app(), "update");
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toContain("Up to date");
  });

  it("changes a template variable with --set var=", async () => {
    const result = await cli(app(), "update", "--set", "var=team=platform");
    expect(result.code, result.stderr).toBe(0);
    expect(await readFile(join(app(), "src/team.ts"), "utf8")).toBe('// owner\nexport const TEAM = "platform";\n');
  });

  it("works --offline from giget's cache of the recorded ref", async () => {
    await git(app(), "commit", "--quiet", "-am", "platform");
    // The recorded commit was never downloaded as such; the ref it came from (v2) was.
    await git(repo(), "tag", "-d", "v2");
    const result = await cli(app(), "update", "--offline", "--set", "var=team=offline");
    expect(result.code, result.stderr).toBe(0);
    expect(await readFile(join(app(), "src/team.ts"), "utf8")).toBe('// owner\nexport const TEAM = "offline";\n');
  });
});

describe("update --help", () => {
  it("lists every option of the update command, and only those", async () => {
    const result = await cli(scratch, "update", "--help");
    expect(result.code).toBe(0);
    expect(result.stdout).toContain("Usage: create-kv-edge update [options]");
    for (const option of optionsOf("update")) expect(result.stdout).toContain(`--${option.name}`);
    expect(result.stdout).not.toContain("--template");
  });
});

describe("update of a built-in project", () => {
  const app = () => join(scratch, "plain-app");
  beforeAll(async () => {
    const created = await cli(scratch, "plain-app", "--yes", "--no-install", "--features", "cache,sessions");
    expect(created.code, created.stderr).toBe(0);
  });

  it("is up to date with this version, offline", async () => {
    const result = await cli(app(), "update", "--check", "--offline");
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toBe(`Up to date: built-in ${packageJson.version}\n`);
  });

  it("refuses a --set that breaks a rule, naming it, and writes nothing", async () => {
    const result = await cli(app(), "update", "--set", "session-refresh=90000");
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/--session-refresh 90000: must be less than the session TTL/);
    expect((await git(app(), "status", "--porcelain")).stdout).toBe("");
  });

  it("refuses another version's built-in template and an unknown --set", async () => {
    const other = await cli(app(), "update", "--to", "9.9.9");
    expect(other.code).toBe(2);
    expect(other.stderr).toContain("run npm create kv-edge@9.9.9 -- update");
    const unknown = await cli(app(), "update", "--set", "template=gh:x/y");
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/--set template=gh:x\/y: give <option>=<value> with one of features, ttl/);
  });

  it("names the wrong field of a hand-edited record", async () => {
    const file = join(app(), ".kv-edge.json");
    const original = await readFile(file, "utf8");
    await writeFile(file, original.replace('"ttl": 86400,', '"ttl": "1 day",'));
    const result = await cli(app(), "update", "--check", "--offline");
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('.kv-edge.json: answers.session.ttl must be a whole number >= 60, got "1 day"');
    await writeFile(file, original);
  });

  it("refuses to run outside a project, and outside git without --allow-dirty", async () => {
    const none = await cli(scratch, "update");
    expect(none.code).toBe(1);
    expect(none.stderr).toMatch(/No \.kv-edge\.json in .*run update inside a project made by create-kv-edge/);

    const loose = join(scratch, "no-git-app");
    expect((await cli(scratch, "no-git-app", "--yes", "--no-install", "--no-git", "--features", "cache")).code).toBe(0);
    const refused = await cli(loose, "update", "--set", "ttl=cache=600");
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/not in a git repository.*--allow-dirty/);
    const allowed = await cli(loose, "update", "--set", "ttl=cache=600", "--allow-dirty");
    expect(allowed.code, allowed.stderr).toBe(0);
    expect(await readFile(join(loose, "src/config.ts"), "utf8")).toContain("600");
  });
});

describe("update --set keeps every other recorded answer", () => {
  it("a changed session TTL keeps the recorded --session-max-lifetime", async () => {
    const created = await cli(scratch, "lifetime-app", "--yes", "--no-install", "--no-git", "--features", "sessions", "--session-max-lifetime", "604800");
    expect(created.code, created.stderr).toBe(0);
    const app = join(scratch, "lifetime-app");
    const result = await cli(app, "update", "--allow-dirty", "--set", "session-ttl=7200");
    expect(result.code, result.stderr).toBe(0);
    const config = await readFile(join(app, "src/config.ts"), "utf8");
    expect(config).toMatch(/maxLifetime: 604800/);
    expect(config).toMatch(/ttl: 7200/);
    expect(JSON.parse(await readFile(join(app, ".kv-edge.json"), "utf8")).answers.session).toEqual({
      ttl: 7200,
      refreshThreshold: 3600,
      maxLifetime: 604800,
    });
  });
});

describe("update --set rate-limit-backend", () => {
  it("changes the recorded backend", async () => {
    const created = await cli(scratch, "backend-app", "--yes", "--no-install", "--no-git", "--features", "ratelimit", "--rate-limit-backend", "durable-object");
    expect(created.code, created.stderr).toBe(0);
    const app = join(scratch, "backend-app");
    const result = await cli(app, "update", "--allow-dirty", "--set", "rate-limit=60/60", "--set", "rate-limit-backend=kv");
    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(await readFile(join(app, ".kv-edge.json"), "utf8")).answers.rateLimitBackend).toBe("kv");
    expect(await readFile(join(app, "wrangler.jsonc"), "utf8")).toContain("RATE_LIMITS");
  });
});

describe("update --set document-writes", () => {
  it("changes how flags and config are saved: the writer objects go, the answer is recorded", async () => {
    const created = await cli(scratch, "writes-app", "--yes", "--no-install", "--no-git", "--features", "flags,config");
    expect(created.code, created.stderr).toBe(0);
    const app = join(scratch, "writes-app");
    expect(await readFile(join(app, "wrangler.jsonc"), "utf8")).toContain('"FlagsWriter"');
    const result = await cli(app, "update", "--allow-dirty", "--set", "document-writes=kv");
    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(await readFile(join(app, ".kv-edge.json"), "utf8")).answers.documentWrites).toBe("kv");
    const wrangler = parseJsonc(await readFile(join(app, "wrangler.jsonc"), "utf8"));
    expect(wrangler.durable_objects).toBeUndefined();
    // v1 may be deployed: it stays as it was, and a new migration deletes the classes.
    expect(wrangler.migrations).toEqual([
      { tag: "v1", new_sqlite_classes: ["FlagsWriter", "ConfigWriter"] },
      { tag: "v2", deleted_classes: ["FlagsWriter", "ConfigWriter"] },
    ]);
    expect(result.stdout).toContain("v2 appended: deletes FlagsWriter, ConfigWriter");
    expect(await readFile(join(app, "src/config.ts"), "utf8")).toContain('writes: "kv"');
    // A project that saves straight to KV carries no writer code, and its stores need none.
    expect(existsSync(join(app, "src/lib/document-writer.ts"))).toBe(false);
    expect(await readFile(join(app, "src/config.ts"), "utf8")).not.toContain("document-writer");

    const back = await cli(app, "update", "--allow-dirty", "--set", "document-writes=durable-object");
    expect(back.code, back.stderr).toBe(0);
    // The writer objects adopt KV's copy where they run: a save made elsewhere in the last minute could be lost.
    expect(back.stderr).toContain("flags and config: each writer object starts from KV's copy");
    expect(back.stderr).toContain("make the first save at least a minute after the last save made the old way");
    expect(result.stderr).not.toContain("writer object starts from");
    const again = parseJsonc(await readFile(join(app, "wrangler.jsonc"), "utf8"));
    expect(again.durable_objects.bindings.map((binding: { class_name: string }) => binding.class_name)).toEqual(["FlagsWriter", "ConfigWriter"]);
    expect(again.migrations.at(-1)).toEqual({ tag: "v3", new_sqlite_classes: ["FlagsWriter", "ConfigWriter"] });
    expect(existsSync(join(app, "src/lib/document-writer.ts"))).toBe(true);
  });
});

describe("update of a project made from a folder that changed since", () => {
  it("says the base version cannot be fetched, and writes nothing", async () => {
    const folder = join(scratch, "folder-fork");
    await writeFolder(folder, { "template.json": manifestJson({ files: {} }), "src/a.ts": "export const a = 1;\n" });
    const created = await cli(scratch, "folder-app", "--yes", "--no-install", "--template", "./folder-fork");
    expect(created.code, created.stderr).toBe(0);
    const app = join(scratch, "folder-app");
    expect(JSON.parse(await readFile(join(app, ".kv-edge.json"), "utf8")).template.source).toBe("../folder-fork");
    await writeFile(join(folder, "src/a.ts"), "export const a = 2;\n");

    const check = await cli(app, "update", "--check");
    expect(check.code).toBe(1);
    expect(check.stdout).toContain("Update available: ../folder-fork -> ../folder-fork");
    const result = await cli(app, "update");
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/cannot be fetched as it was: its files no longer match template\.digest/);
    expect(await readFile(join(app, "src/a.ts"), "utf8")).toBe("export const a = 1;\n");
    expect((await git(app, "status", "--porcelain")).stdout).toBe("");
  });
});
