/**
 * `create-kv-edge update` end to end, with the built CLI and real git: a team's fork
 * of the built-in template in a local git repository (subfolder kv/, tags v1 and
 * v2), a project created from v1, edited by hand and committed, then updated to v2.
 *
 * v2, against the user's edits:
 *   src/index.ts       template and user edit different lines      -> merged
 *   src/per-isolate.ts template and user edit the same line        -> conflict, exit 1
 *   src/lib/greeting.ts + its test  new in v2                      -> added
 *   docs/legacy.md     removed in v2, never touched by the user    -> removed
 *   docs/notes.md      removed in v2, edited by the user           -> kept
 *   AGENTS.md          changed in v2, deleted by the user          -> stays deleted
 *   wrangler.jsonc     v2 adds "workers_dev" where the user added a commented "vars"
 *                      (a text conflict; merged by key, comments kept)
 * After the conflict is resolved the project's own npm test passes. Then
 * `update --set session-ttl=7200` changes the config module and keeps the user's edits.
 */
import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { cp, mkdir, mkdtemp, readdir, readFile, rm, unlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cliEnv, repoRoot, runCli } from "../support/cli.js";
import { gitIdentity, runIn } from "../support/project.js";

let root: string;
let env: NodeJS.ProcessEnv;
const repo = () => path.join(root, "acme-templates");
const project = () => path.join(root, "app");
const git = (cwd: string, ...args: string[]) => execa("git", args, { cwd, env });
const update = (...args: string[]) => runCli(["update", ...args], { cwd: project(), env, timeoutMs: 120_000 });
const read = (file: string) => readFile(path.join(project(), file), "utf8");

/** Replaces text in a file and fails loudly when the text is not there. */
async function edit(file: string, from: string, to: string): Promise<void> {
  const text = await readFile(file, "utf8");
  if (!text.includes(from)) throw new Error(`${file} does not contain ${JSON.stringify(from)}`);
  await writeFile(file, text.replace(from, to));
}

/** sha256 of every file under the project except .git: "nothing changed" as one value. */
async function treeHash(dir: string): Promise<string> {
  const hash = createHash("sha256");
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  const files = entries
    .filter((entry) => entry.isFile())
    .map((entry) => path.relative(dir, path.join(entry.parentPath, entry.name)))
    .filter((file) => !file.split(path.sep).includes(".git") && !file.split(path.sep).includes("node_modules"))
    .sort();
  for (const file of files) hash.update(`${file}\0`).update(await readFile(path.join(dir, file)));
  return hash.digest("hex");
}

const USER_404 = "Nothing here: ${request.method} ${url.pathname}. GET / lists the routes.";
const USER_VARS = '\t// Ours: the greeting shown on the home page.\n\t"vars": { "GREETING": "hello" },\n';

beforeAll(async () => {
  root = await mkdtemp(path.join(tmpdir(), "kv-edge-e2e-update-"));
  env = cliEnv({ CI: "true", ...(await gitIdentity(root)), XDG_CACHE_HOME: path.join(root, "cache") });
  const fork = path.join(repo(), "kv");

  // v1: the built-in template plus two documents.
  await cp(path.join(repoRoot, "templates/default"), fork, {
    recursive: true,
    filter: (source) => !source.split(path.sep).includes("node_modules"),
  });
  await mkdir(path.join(fork, "docs"));
  await writeFile(path.join(fork, "docs/legacy.md"), "# Legacy notes\n");
  await writeFile(path.join(fork, "docs/notes.md"), "# Team notes\n\nWrite here.\n");
  await git(root, "init", "--quiet", "--initial-branch=main", repo());
  await git(repo(), "add", "-A");
  await git(repo(), "commit", "--quiet", "-m", "v1");
  await git(repo(), "tag", "-a", "v1", "-m", "v1");

  // v2.
  await edit(path.join(fork, "src/index.ts.hbs"), 'description: "This list of routes."', 'description: "Every route of this Worker."');
  await edit(path.join(fork, "src/per-isolate.ts"), " * Stores that keep something in memory", " * Stores that hold state in memory");
  await writeFile(path.join(fork, "src/lib/greeting.ts"), 'export const greeting = (name: string): string => `hello, ${name}`;\n');
  await writeFile(
    path.join(fork, "test/lib/greeting.test.ts"),
    'import { expect, it } from "vitest";\nimport { greeting } from "../../src/lib/greeting";\n\nit("greets", () => {\n  expect(greeting("kv")).toBe("hello, kv");\n});\n',
  );
  await unlink(path.join(fork, "docs/legacy.md"));
  await unlink(path.join(fork, "docs/notes.md"));
  await edit(path.join(fork, "AGENTS.md.hbs"), "\n", "\n<!-- v2 of the team's template -->\n");
  await edit(path.join(fork, "wrangler.jsonc.hbs"), '\t"observability": { "enabled": true }{{', '\t"workers_dev": true,\n\t"observability": { "enabled": true }{{');
  await git(repo(), "add", "-A");
  await git(repo(), "commit", "--quiet", "-m", "v2");
  await git(repo(), "tag", "v2");

  // The project, from v1, then the user's own work, committed.
  const created = await runCli(
    ["app", "--yes", "--no-install", "--features", "cache,sessions", "--template", "git:./acme-templates#v1:kv"],
    { cwd: root, env, timeoutMs: 120_000 },
  );
  expect(created.code, created.stderr + created.stdout).toBe(0);
  await edit(path.join(project(), "src/index.ts"), "No route for ${request.method} ${url.pathname}. GET / lists them.", USER_404);
  await edit(path.join(project(), "src/per-isolate.ts"), " * Stores that keep something in memory", " * Stores that cache what they read in memory");
  await edit(path.join(project(), "wrangler.jsonc"), '\t"observability": { "enabled": true },\n', `\t"observability": { "enabled": true },\n${USER_VARS}`);
  await writeFile(path.join(project(), "docs/notes.md"), "# Team notes\n\nDeploy on Tuesdays.\n");
  await unlink(path.join(project(), "AGENTS.md"));
  await git(project(), "add", "-A");
  await git(project(), "commit", "--quiet", "-m", "our changes");
}, 300_000);

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe("update from v1 to v2 of a git fork", () => {
  it("--check says an update exists (exit 1) and names both versions", async () => {
    const result = await update("--check");
    expect(result.code, result.stderr).toBe(1);
    expect(result.stdout).toMatch(/Update available: git:\.\.\/acme-templates#v1:kv \([0-9a-f]{7}\) -> git:\.\.\/acme-templates#:kv \([0-9a-f]{7}\)/);
  });

  it("--dry-run prints each file's outcome and changes no byte", async () => {
    const before = await treeHash(project());
    const result = await update("--to", "v2", "--dry-run", "--json");
    expect(result.code, result.stderr).toBe(0);
    const plan = JSON.parse(result.stdout);
    const outcomes = Object.fromEntries(plan.files.map((file: { path: string; outcome: string }) => [file.path, file.outcome]));
    expect(outcomes).toMatchObject({
      "src/index.ts": "merged",
      "src/per-isolate.ts": "conflict",
      "src/lib/greeting.ts": "added",
      "test/lib/greeting.test.ts": "added",
      "docs/legacy.md": "removed",
      "docs/notes.md": "kept",
      "AGENTS.md": "kept",
      "wrangler.jsonc": "merged",
    });
    expect(plan).toMatchObject({ written: false, conflicts: ["src/per-isolate.ts"] });
    expect(await treeHash(project())).toBe(before);
  });

  it("refuses a dirty tree without --allow-dirty, and writes nothing", async () => {
    await writeFile(path.join(project(), "scratch.txt"), "work in progress\n");
    const before = await treeHash(project());
    const result = await update("--to", "v2");
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/uncommitted changes \(scratch\.txt\).*--allow-dirty/);
    expect(await treeHash(project())).toBe(before);
    await unlink(path.join(project(), "scratch.txt"));
  });

  it("merges v2 into the user's work: clean merges, one conflict (exit 1), added, removed, kept", async () => {
    const result = await update("--to", "v2");
    expect(result.code, result.stdout + result.stderr).toBe(1);
    expect(result.stderr).toContain("1 file(s) have conflicts: src/per-isolate.ts");

    const index = await read("src/index.ts");
    expect(index).toContain('description: "Every route of this Worker."');
    expect(index).toContain(USER_404);
    expect(index).not.toContain("<<<<<<<");

    expect(await read("src/per-isolate.ts")).toMatch(
      /<<<<<<< yours\n \* Stores that cache what they read in memory[^\n]*\n=======\n \* Stores that hold state in memory[^\n]*\n>>>>>>> template /,
    );

    const wrangler = await read("wrangler.jsonc");
    expect(wrangler).toContain(USER_VARS);
    expect(wrangler).toMatch(/"workers_dev": true/);
    expect(wrangler).toContain("// The workerd release that the pinned wrangler ships.");
    expect(wrangler).not.toContain("<<<<<<<");

    expect(await read("src/lib/greeting.ts")).toContain("hello, ${name}");
    expect(existsSync(path.join(project(), "docs/legacy.md"))).toBe(false);
    expect(await read("docs/notes.md")).toContain("Deploy on Tuesdays.");
    expect(existsSync(path.join(project(), "AGENTS.md"))).toBe(false);

    const record = JSON.parse(await read(".kv-edge.json"));
    expect(record.template.source).toBe("git:../acme-templates#v2:kv");
    expect(record.template.commit).toBe((await git(repo(), "rev-parse", "v2^{commit}")).stdout.trim());
  });

  it("after the conflict is resolved, --check says up to date and the project's npm test passes", async () => {
    const conflicted = await read("src/per-isolate.ts");
    const resolved = conflicted.replace(/<<<<<<< yours\n([^\n]*\n)=======\n[^\n]*\n>>>>>>> [^\n]*\n/, "$1");
    expect(resolved).not.toMatch(/<<<<<<<|>>>>>>>/);
    await writeFile(path.join(project(), "src/per-isolate.ts"), resolved);
    await git(project(), "add", "-A");
    await git(project(), "commit", "--quiet", "-m", "update to v2");

    const check = await update("--check");
    expect(check.code, check.stdout + check.stderr).toBe(0);
    expect(check.stdout).toContain("Up to date");

    const install = await runIn(project(), "npm", ["install", "--no-audit", "--no-fund"], 600_000);
    expect(install.code, install.output).toBe(0);
    // The project's own suite, with room for a loaded machine (its 10 s hook limit is
    // for an idle one: clearing a 1000-key namespace was seen to take longer here).
    const test = await runIn(project(), "npm", ["test", "--", "--hookTimeout=120000", "--testTimeout=120000"], 600_000);
    expect(test.code, test.output).toBe(0);
    expect(test.output).toContain("greeting.test.ts");
  });

  it("--set session-ttl=7200 changes the config module and keeps the user's edits", async () => {
    await git(project(), "add", "-A");
    await git(project(), "commit", "--quiet", "--allow-empty", "-m", "after install");
    expect((await read("src/config.ts"))).toContain("86400");
    const result = await update("--set", "session-ttl=7200");
    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect(result.stdout).toMatch(/clean\s+src\/config\.ts/);
    const config = await read("src/config.ts");
    expect(config).toContain("7200");
    expect(config).not.toContain("86400");
    expect(await read("src/index.ts")).toContain(USER_404);
    expect(await read("wrangler.jsonc")).toContain(USER_VARS);
    const record = JSON.parse(await read(".kv-edge.json"));
    expect(record.answers.session.ttl).toBe(7200);
    expect(record.template.source).toBe("git:../acme-templates#v2:kv");
  });
});
