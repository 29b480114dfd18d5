/**
 * `create-kv-edge add` with the built CLI, without installs: what it writes, what it
 * refuses, and that a refusal or a dry run leaves the project byte for byte as it was.
 * (test/e2e/add.test.ts installs the results and runs their tests and dry deploys.)
 */
import { cp, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { parse as parseJsonc } from "jsonc-parser";
import { parse as parseToml } from "smol-toml";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { optionsOf } from "../../src/options/table.js";
import { readWranglerConfig } from "../../src/project/wrangler-config.js";
import { interactiveCli, runCli } from "../support/cli.js";
import { hashTree } from "../support/tree.js";

const fixtures = path.join(import.meta.dirname, "..", "fixtures");
let root: string;
let index = 0;

beforeAll(async () => {
  root = await mkdtemp(path.join(tmpdir(), "kv-edge-add-"));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

/** A fresh copy of a checked-in fixture project. */
async function fixture(name: string): Promise<string> {
  const dir = path.join(root, `${name}-${++index}`);
  await cp(path.join(fixtures, name), dir, { recursive: true });
  return dir;
}

/** A fresh project made by create-kv-edge itself (no install, no git). */
async function ownProject(...args: string[]): Promise<string> {
  const cwd = path.join(root, `own-${++index}`);
  await mkdir(cwd);
  const result = await runCli(["app", "--yes", "--no-install", "--no-git", ...args], { cwd });
  expect(result.code, result.stderr).toBe(0);
  return path.join(cwd, "app");
}

const read = (dir: string, file: string) => readFile(path.join(dir, file), "utf8");
const add = (dir: string, ...args: string[]) => runCli(["add", ...args], { cwd: dir });

describe("create-kv-edge add", () => {
  it("--help lists its own options", async () => {
    const result = await runCli(["add", "--help"], { cwd: root });
    expect(result.code).toBe(0);
    expect(result.stdout).toContain("Usage: create-kv-edge add <feature...>");
    for (const option of optionsOf("add")) expect(result.stdout).toContain(`--${option.name}`);
    expect(result.stdout).not.toContain("--template");
  });

  it("a project made by create-kv-edge: new files, the routes and config regenerated, the user's edits kept", async () => {
    const project = await ownProject("--features", "cache", "--envs", "staging");
    const wrangler = (await read(project, "wrangler.jsonc")).replace(
      '"observability": { "enabled": true },',
      '"observability": { "enabled": true },\n\t// my comment\n\t"vars": { "GREETING": "hi" },',
    );
    await writeFile(path.join(project, "wrangler.jsonc"), wrangler);
    const index = `${await read(project, "src/index.ts")}// my edit\n`;
    await writeFile(path.join(project, "src/index.ts"), index);

    // Flags saved straight to KV: no writer object, so src/index.ts has nothing new to export.
    const result = await add(project, "sessions", "flags", "--document-writes", "kv", "--yes");
    expect(result.code, result.stderr).toBe(0);
    expect(await read(project, "src/index.ts")).toBe(index);
    const after = await read(project, "wrangler.jsonc");
    expect(after).toContain('\t// my comment\n\t"vars": { "GREETING": "hi" },');
    const config = readWranglerConfig("wrangler.jsonc", after);
    expect([...config.bindings].sort()).toEqual(["CACHE", "FLAGS", "GREETING", "SESSIONS"]);
    expect(after.match(/"binding": "SESSIONS"/g)).toHaveLength(2); // top level and staging
    const routes = await read(project, "src/routes/index.ts");
    expect(routes).toContain('import { sessionRoutes, sessionUser } from "./sessions";');
    expect(routes).toContain("...flagRoutes,");
    expect(await read(project, "src/config.ts")).toContain('"SESSIONS": { feature: "sessions", ttl: 86400 }');
    expect(await read(project, "src/lib/sessions.ts")).toContain("export class SessionStore");
    expect(JSON.parse(await read(project, "package.json")).scripts["kv:seed"]).toContain("--binding FLAGS");
    const record = JSON.parse(await read(project, ".kv-edge.json"));
    expect(record.answers.features).toEqual(["cache", "sessions", "flags"]);
    // Adding again is refused: the record knows.
    const again = await add(project, "flags", "--yes");
    expect(again.code).toBe(1);
    expect(again.stderr).toContain("already has flags");
  });

  it("a generated file the user changed is a conflict: exit 1, the path listed, nothing written; --overwrite replaces it and says so", async () => {
    const project = await ownProject("--features", "cache");
    await writeFile(path.join(project, "src/config.ts"), `${await read(project, "src/config.ts")}export const mine = 1;\n`);
    const before = await hashTree(project);
    const refused = await add(project, "prefs", "--yes");
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain("src/config.ts (changed since it was generated)");
    expect(await hashTree(project)).toBe(before);

    const replaced = await add(project, "prefs", "--yes", "--overwrite");
    expect(replaced.code, replaced.stderr).toBe(0);
    expect(replaced.stderr).toContain("Replaced src/config.ts (changed since it was generated)");
    expect(await read(project, "src/config.ts")).not.toContain("export const mine");
  });

  it("a Worker it did not make: library files under src/kv, the entry module untouched, the lines to paste printed", async () => {
    const project = await fixture("c3-hello-world");
    const entry = await read(project, "src/index.ts");
    const config = await read(project, "wrangler.jsonc");
    const result = await add(project, "cache", "sessions", "--yes");
    expect(result.code, result.stderr).toBe(0);
    expect(await read(project, "src/index.ts")).toBe(entry);
    for (const file of ["kv-store.ts", "keys.ts", "cache.ts", "sessions.ts"]) {
      expect(await read(project, `src/kv/${file}`)).toBe(await readFile(path.join(import.meta.dirname, "../../templates/default/src/lib", file), "utf8"));
    }
    const after = await read(project, "wrangler.jsonc");
    expect(after.startsWith(config.slice(0, config.indexOf('"upload_source_maps": true')))).toBe(true);
    expect(after).toContain('// "services": [ {  "binding": "MY_SERVICE",  "service": "my-service" }]');
    expect([...readWranglerConfig("wrangler.jsonc", after).bindings].sort()).toEqual(["CACHE", "SESSIONS"]);
    expect(result.stdout).toContain("Paste into src/index.ts");
    expect(result.stdout).toContain('import { SessionStore } from "./kv/sessions";');
    expect(result.stdout).toContain("new SessionStore(env.SESSIONS, { ttl: 86400, refreshThreshold: 3600, maxLifetime: 2592000 })");
    // It uses @cloudflare/vitest-plugin: the features' tests come along, on the features' own bindings.
    const test = await read(project, "test/kv/sessions.test.ts");
    expect(test).toContain('from "../../src/kv/sessions"');
    expect(test).toContain('from "./support/fresh-kv"');
    expect(test).toContain("env.SESSIONS");
    expect(test).not.toContain("TEST_KV");
    expect(await read(project, "test/kv/support/counting-kv.ts")).toContain("export function countingKV");
    expect(await read(project, "test/kv/support/fresh-kv.ts")).toContain("export function freshKV");
  });

  it("a Worker it did not make gets only the rate-limit backend chosen, with only that backend's tests", async () => {
    const exists = (project: string, file: string) => read(project, file).then(() => true, () => false);
    const withObject = await fixture("c3-hello-world");
    const byObject = await add(withObject, "ratelimit", "--yes");
    expect(byObject.code, byObject.stderr).toBe(0);
    expect(await exists(withObject, "src/kv/rate-limit-object.ts")).toBe(true);
    expect(await exists(withObject, "test/kv/rate-limit.test.ts")).toBe(true);
    for (const other of ["src/kv/rate-limit-binding.ts", "src/kv/rate-limiter.ts", "test/kv/rate-limiter.test.ts"]) {
      expect(await exists(withObject, other), other).toBe(false);
    }
    const withKv = await fixture("c3-hello-world");
    const byKv = await add(withKv, "ratelimit", "--rate-limit-backend", "kv", "--rate-limit", "60/60", "--yes");
    expect(byKv.code, byKv.stderr).toBe(0);
    expect(await exists(withKv, "src/kv/rate-limit-object.ts")).toBe(false);
    expect(await read(withKv, "src/kv/rate-limiter.ts")).toContain("export class KVRateLimiter");
    // Its test runs on the namespace this add just bound.
    expect(await read(withKv, "test/kv/rate-limiter.test.ts")).toContain("env.RATE_LIMITS");
    expect([...readWranglerConfig("wrangler.jsonc", await read(withKv, "wrangler.jsonc")).bindings]).toEqual(["RATE_LIMITS"]);
  });

  it("--dir puts the library elsewhere and the paste lines follow it", async () => {
    const project = await fixture("c3-hello-world");
    const result = await add(project, "flags", "--dir", "src/lib/edge", "--yes");
    expect(result.code, result.stderr).toBe(0);
    expect(await read(project, "src/lib/edge/flags.ts")).toContain("export class FeatureFlags");
    expect(result.stdout).toContain('import { FeatureFlags } from "./lib/edge/flags";');
    const outside = await add(project, "cache", "--dir", "../elsewhere", "--yes");
    expect(outside.code).toBe(2);
    expect(outside.stderr).toContain("--dir ../elsewhere: must be a folder inside the project");
  });

  it("a file in the way is a conflict: exit 1 with the path, and the tree is byte for byte as before", async () => {
    const project = await fixture("c3-hello-world");
    await mkdir(path.join(project, "src/kv"));
    await writeFile(path.join(project, "src/kv/sessions.ts"), "// mine\n");
    const before = await hashTree(project);
    const result = await add(project, "sessions", "--yes");
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("src/kv/sessions.ts (exists with other content)");
    expect(result.stderr).toContain("nothing was written");
    expect(await hashTree(project)).toBe(before);
  });

  it("--dry-run prints the plan and writes nothing; --json prints it as JSON", async () => {
    const project = await fixture("c3-hello-world");
    const before = await hashTree(project);
    const dry = await add(project, "ratelimit", "--dry-run");
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stdout).toContain("create    src/kv/rate-limit-object.ts");
    expect(dry.stdout).toContain("RATE_LIMITER -> class SlidingWindowLimiter (ratelimit) in top level");
    expect(dry.stdout).toContain("Dry run: nothing was written.");
    const json = await add(project, "ratelimit", "prefs", "--json", "--dry-run");
    expect(json.code, json.stderr).toBe(0);
    const plan = JSON.parse(json.stdout);
    expect(plan).toMatchObject({ kind: "worker", config: "wrangler.jsonc", features: ["ratelimit", "prefs"], dependencies: [], entry: "src/index.ts" });
    expect(plan.files).toContainEqual({ path: "src/kv/preferences.ts", action: "create" });
    // The default backend keeps nothing in KV: the limiter is a Durable Object.
    expect(plan.namespaces.map((namespace: { binding: string }) => namespace.binding)).toEqual(["PREFS"]);
    expect(plan.durableObjects).toEqual([{ binding: "RATE_LIMITER", className: "SlidingWindowLimiter", feature: "ratelimit", where: ["top level"] }]);
    expect(await hashTree(project)).toBe(before);
  });

  it("a feature with a Durable Object class: binding and migration in the config, the export line to paste", async () => {
    const project = await fixture("c3-hello-world");
    const config = await read(project, "wrangler.jsonc");
    const result = await add(project, "counters", "--yes");
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain("COUNTERS -> class CounterObject (counters) in top level");
    expect(result.stdout).toContain('export { CounterObject } from "./kv/counters";');
    expect(result.stdout).not.toContain("KV bindings added"); // counters keep nothing in KV
    expect(result.stdout).not.toContain("creates the new KV namespaces");
    const after = await read(project, "wrangler.jsonc");
    expect(after.startsWith(config.slice(0, config.indexOf('"upload_source_maps": true')))).toBe(true);
    expect(after).toContain('\t"durable_objects": {\n\t\t"bindings": [\n\t\t\t{ "name": "COUNTERS", "class_name": "CounterObject" }\n\t\t]\n\t},');
    expect(after).toContain('\t"migrations": [\n\t\t{ "tag": "v1", "new_sqlite_classes": ["CounterObject"] }\n\t]');
    expect(await read(project, "src/kv/counters.ts")).toContain("export class CounterObject");
  });

  it("refuses a Durable Object class or binding name the config already has, naming it", async () => {
    const project = await fixture("c3-hello-world");
    const migrated = (await read(project, "wrangler.jsonc")).replace(
      '"upload_source_maps": true',
      '"upload_source_maps": true,\n\t"migrations": [{ "tag": "v1", "new_sqlite_classes": ["SlidingWindowLimiter"] }]',
    );
    await writeFile(path.join(project, "wrangler.jsonc"), migrated);
    const before = await hashTree(project);
    const refused = await add(project, "ratelimit", "--yes");
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain("wrangler.jsonc already has a Durable Object class named SlidingWindowLimiter, which ratelimit defines");
    await writeFile(path.join(project, "wrangler.jsonc"), migrated.replace('"migrations": [{ "tag": "v1", "new_sqlite_classes": ["SlidingWindowLimiter"] }]', '"vars": { "COUNTERS": "1" }'));
    const taken = await add(project, "counters", "--yes");
    expect(taken.code).toBe(1);
    expect(taken.stderr).toContain("wrangler.jsonc already has a binding named COUNTERS, which counters needs");
    await writeFile(path.join(project, "wrangler.jsonc"), migrated);
    expect(await hashTree(project)).toBe(before);
  });

  it("a project made by create-kv-edge gets a Durable Object: config in each env, a new migration after the old, the class exported", async () => {
    const project = await ownProject("--features", "ratelimit", "--envs", "staging");
    const result = await add(project, "counters", "--yes");
    expect(result.code, result.stderr).toBe(0);
    const data = parseJsonc(await read(project, "wrangler.jsonc")) as Record<string, any>;
    for (const section of [data, data.env.staging]) {
      expect(section.durable_objects.bindings.map((entry: { name: string }) => entry.name)).toEqual(["RATE_LIMITER", "COUNTERS"]);
      expect(section.migrations).toEqual([
        { tag: "v1", new_sqlite_classes: ["SlidingWindowLimiter"] },
        { tag: "v2", new_sqlite_classes: ["CounterObject"] },
      ]);
    }
    expect(await read(project, "src/index.ts")).toContain('export { CounterObject } from "./lib/counters";');
  });

  it("flags and config get their writer objects: bindings, one appended migration, the classes exported, the answer recorded", async () => {
    const project = await ownProject("--features", "counters", "--envs", "staging");
    const result = await add(project, "flags", "config", "--yes");
    expect(result.code, result.stderr).toBe(0);
    const data = parseJsonc(await read(project, "wrangler.jsonc")) as Record<string, any>;
    for (const section of [data, data.env.staging]) {
      expect(section.durable_objects.bindings.map((entry: { name: string }) => entry.name)).toEqual(["COUNTERS", "FLAGS_WRITER", "CONFIG_WRITER"]);
      expect(section.migrations).toEqual([
        { tag: "v1", new_sqlite_classes: ["CounterObject"] },
        { tag: "v2", new_sqlite_classes: ["FlagsWriter", "ConfigWriter"] },
      ]);
    }
    const index = await read(project, "src/index.ts");
    expect(index).toContain('export { FlagsWriter } from "./config";');
    expect(index).toContain('export { ConfigWriter } from "./config";');
    expect(await read(project, "src/config.ts")).toContain("export class ConfigWriter extends DocumentWriter");
    expect(JSON.parse(await read(project, ".kv-edge.json")).answers.documentWrites).toBe("durable-object");
  });

  it("--document-writes: one answer for both documents, and only where flags or config is added", async () => {
    const project = await ownProject("--features", "flags", "--document-writes", "kv");
    const before = await hashTree(project);
    const other = await add(project, "config", "--document-writes", "durable-object", "--yes");
    expect(other.code).toBe(2);
    expect(other.stderr).toContain("this project's flags already saves with kv");
    expect(other.stderr).toContain("update --set document-writes=durable-object");
    const unrelated = await add(project, "cache", "--document-writes", "kv", "--yes");
    expect(unrelated.code).toBe(2);
    expect(unrelated.stderr).toContain("--document-writes sets flags and config, which are not being added");
    expect(await hashTree(project)).toBe(before);
    // The recorded answer carries over: config joins flags in saving straight to KV.
    const result = await add(project, "config", "--yes");
    expect(result.code, result.stderr).toBe(0);
    expect(await read(project, "wrangler.jsonc")).not.toContain("Writer");
  });

  it("ratelimit with the Rate Limiting binding: a ratelimits entry per section, each with its own namespace_id", async () => {
    const project = await fixture("toml-worker");
    const before = await read(project, "wrangler.toml");
    const result = await add(project, "ratelimit", "--rate-limit-backend", "binding", "--rate-limit", "100/60", "--yes");
    expect(result.code, result.stderr).toBe(0);
    const after = await read(project, "wrangler.toml");
    expect(after.startsWith(before)).toBe(true);
    const data = parseToml(after) as Record<string, any>;
    const [top, staging] = [data.ratelimits, data.env.staging.ratelimits];
    expect(top).toEqual([{ name: "RATE_LIMITER", namespace_id: expect.stringMatching(/^\d+$/), simple: { limit: 100, period: 60 } }]);
    expect(staging).toEqual([{ ...top[0], namespace_id: expect.stringMatching(/^\d+$/) }]);
    expect(staging[0].namespace_id).not.toBe(top[0].namespace_id);
    expect(data.durable_objects).toBeUndefined();
  });

  it("refuses a binding name the config already has, naming it; --binding picks another", async () => {
    const project = await fixture("c3-hello-world");
    const config = (await read(project, "wrangler.jsonc")).replace('"upload_source_maps": true', '"upload_source_maps": true,\n\t"vars": { "CACHE": "x" }');
    await writeFile(path.join(project, "wrangler.jsonc"), config);
    const refused = await add(project, "cache", "--yes");
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain("wrangler.jsonc already has a binding named CACHE; pick another name with --binding cache=NAME");
    const renamed = await add(project, "cache", "--binding", "cache=EDGE_CACHE", "--yes");
    expect(renamed.code, renamed.stderr).toBe(0);
    expect(renamed.stdout).toContain("new KVStore(env.EDGE_CACHE");
  });

  it("wrangler.toml: appends tables at the top level and per environment; the rest stays as it was", async () => {
    const project = await fixture("toml-worker");
    const before = await read(project, "wrangler.toml");
    const result = await add(project, "flags", "--yes");
    expect(result.code, result.stderr).toBe(0);
    const after = await read(project, "wrangler.toml");
    expect(after.startsWith(before)).toBe(true);
    const data = parseToml(after) as { kv_namespaces: unknown; env: { staging: { kv_namespaces: unknown } }; vars: unknown };
    expect(data.kv_namespaces).toEqual([{ binding: "FLAGS" }]);
    expect(data.env.staging.kv_namespaces).toEqual([{ binding: "FLAGS" }]);
    expect(data.vars).toEqual({ GREETING: "hello" });
    // No @cloudflare/vitest-plugin here: no tests, and the summary says why.
    expect(result.stdout).toContain("tests: not added (the project does not use @cloudflare/vitest-plugin)");
    await expect(read(project, "test/kv/flags.test.ts")).rejects.toThrow();
  });

  it("asks for --yes without a terminal, and says where no Worker is", async () => {
    const project = await fixture("c3-hello-world");
    const before = await hashTree(project);
    const unconfirmed = await add(project, "cache");
    expect(unconfirmed.code).toBe(2);
    expect(unconfirmed.stderr).toContain("pass --yes to apply it, or --dry-run");
    expect(unconfirmed.stdout).toContain("create    src/kv/cache.ts"); // the plan, as README says
    expect(await hashTree(project)).toBe(before);
    const empty = path.join(root, `empty-${++index}`);
    await mkdir(empty);
    const nothing = await add(empty, "cache", "--yes");
    expect(nothing.code).toBe(1);
    expect(nothing.stderr).toContain("has no wrangler.jsonc, wrangler.json, wrangler.toml");
    const elsewhere = await runCli(["add", "cache", "--cwd", project, "--dry-run"], { cwd: empty });
    expect(elsewhere.code, elsewhere.stderr).toBe(0);
    expect(elsewhere.stdout).toContain(`Adding cache to ${project}`);
    const missing = await runCli(["add", "cache", "--cwd", "./no-such-worker", "--yes"], { cwd: empty });
    expect(missing.code).toBe(1);
    expect(missing.stderr).toBe("✖ --cwd ./no-such-worker: there is no such folder; pass the folder of your Worker project\n");
    expect(await readdir(empty)).toEqual([]);
  });

  it("on a terminal, shows the plan and asks; no writes nothing, yes applies it", async () => {
    const project = await fixture("c3-hello-world");
    const before = await hashTree(project);
    const declined = interactiveCli(["add", "prefs"], { cwd: project });
    await declined.waitFor("create    src/kv/preferences.ts");
    await declined.waitFor("Apply these changes?");
    await declined.type("n");
    const no = await declined.exit();
    expect(no.code, no.stderr).toBe(0);
    expect(no.stdout).toContain("Nothing was written.");
    expect(await hashTree(project)).toBe(before);

    const accepted = interactiveCli(["add", "prefs"], { cwd: project });
    await accepted.waitFor("Apply these changes?");
    await accepted.type("y");
    const yes = await accepted.exit();
    expect(yes.code, yes.stderr).toBe(0);
    expect(await read(project, "src/kv/preferences.ts")).toContain("export class PreferencesStore");
  });

  it("refuses a setting of a feature that is not being added", async () => {
    const project = await fixture("c3-hello-world");
    const result = await add(project, "cache", "--session-ttl", "600", "--yes");
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("--session-ttl sets sessions, which is not being added");
  });
});
