/**
 * The generated project's vitest.config.ts hands the Workers test pool the bindings of
 * wrangler.jsonc through its own reader (templates/default/test/wrangler-options.ts)
 * instead of loading wrangler. These tests prove the reader gives Miniflare what
 * wrangler itself would, for every wrangler.jsonc that create and add write, and that
 * anything it does not know sends the file back to wrangler rather than missing a test.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { unstable_getMiniflareWorkerOptions, unstable_readConfig } from "wrangler";
import { parseFlags } from "../../src/options/parse.js";
import { resolveOptions } from "../../src/options/resolve.js";
import { addBindings, readWranglerConfig } from "../../src/project/wrangler-config.js";
import { buildRenderContext } from "../../src/template/context.js";
import { buildPlan } from "../../src/template/plan.js";
import { loadTemplate } from "../../src/template/source.js";
import { poolOptionsFrom } from "../../templates/default/test/wrangler-options.js";

const builtinDir = fileURLToPath(new URL("../../templates/default", import.meta.url));
const template = await loadTemplate(undefined, { cwd: "/tmp", builtinDir, version: "0.1.0" });
const dir = await mkdtemp(path.join(tmpdir(), "kv-edge-wrangler-options-"));
afterAll(() => rm(dir, { recursive: true, force: true }));

function renderedConfig(argv: string[]): string {
  const options = resolveOptions(parseFlags(["app", "--yes", "--envs", "staging", ...argv]), {}, { cwd: "/tmp" });
  const file = buildPlan(template, buildRenderContext(options)).find((entry) => entry.path === "wrangler.jsonc");
  return new TextDecoder().decode(file!.bytes);
}

/** What wrangler makes of the same text: the options the plugin would pass to Miniflare. */
async function wranglerView(text: string) {
  const configPath = path.join(dir, `wrangler-${Math.random().toString(36).slice(2)}.jsonc`);
  await writeFile(configPath, text);
  const { workerOptions, main } = unstable_getMiniflareWorkerOptions(unstable_readConfig({ config: configPath }), undefined);
  return {
    main: path.relative(dir, main!),
    miniflare: {
      compatibilityDate: workerOptions.compatibilityDate,
      compatibilityFlags: workerOptions.compatibilityFlags,
      bindings: workerOptions.bindings,
      kvNamespaces: Object.keys(workerOptions.kvNamespaces ?? {}),
      durableObjects: workerOptions.durableObjects,
      // Miniflare reads a Rate Limiting binding's namespace_id and simple; wrangler passes the whole entry.
      modulesRules: workerOptions.modulesRules,
      ratelimits: Object.fromEntries(
        Object.entries(workerOptions.ratelimits ?? {}).map(([name, { namespace_id, simple }]) => [name, { namespace_id, simple }]),
      ),
    },
  };
}

const variants = [
  ["all features", []],
  ["the Rate Limiting binding, KV document writes", ["--rate-limit-backend", "binding", "--document-writes", "kv"]],
  ["the KV rate limiter", ["--rate-limit-backend", "kv", "--rate-limit", "30/60", "--features", "ratelimit,cache"]],
  ["no Durable Object", ["--features", "cache,sessions", "--binding", "cache=EDGE_CACHE"]],
] as const;

describe("the test pool's options from wrangler.jsonc", () => {
  it.each(variants)("are wrangler's own for %s", async (_, argv) => {
    const text = renderedConfig([...argv]);
    expect(poolOptionsFrom(text)).toEqual(await wranglerView(text));
  });

  it("are wrangler's own after add binds a namespace, a Durable Object and a Rate Limiting binding", async () => {
    const config = readWranglerConfig("wrangler.jsonc", renderedConfig(["--features", "cache"]));
    const text = addBindings(config, () => ({
      kv: ["AUDIT"],
      durableObjects: [{ name: "COUNTERS", className: "CounterObject" }],
      rateLimits: [{ name: "RATE_LIMITER", namespaceId: "1001", limit: 50, period: 10 }],
    }));
    const options = poolOptionsFrom(text);
    expect(options?.miniflare.kvNamespaces).toContain("AUDIT");
    expect(options).toEqual(await wranglerView(text));
  });

  it("are wrangler's own after migrations that delete and rename classes", async () => {
    const text = `{
      "main": "src/index.ts",
      "compatibility_date": "2026-11-02",
      "durable_objects": { "bindings": [{ "name": "COUNTERS", "class_name": "Counter" }, { "name": "OLD", "class_name": "Legacy" }] },
      "migrations": [
        { "tag": "v1", "new_sqlite_classes": ["FlagsWriter", "CounterObject"], "new_classes": ["Legacy"] },
        { "tag": "v2", "deleted_classes": ["FlagsWriter"] },
        { "tag": "v3", "renamed_classes": [{ "from": "CounterObject", "to": "Counter" }] }
      ]
    }`;
    const options = poolOptionsFrom(text);
    expect(options?.miniflare.durableObjects).toEqual({
      COUNTERS: { className: "Counter", useSQLite: true },
      OLD: { className: "Legacy", useSQLite: false },
    });
    expect(options).toEqual(await wranglerView(text));
  });

  it("are wrangler's own for vars, compatibility flags, and comments and commas inside strings", async () => {
    const text = `{
      // a comment, "with quotes"
      "main": "src/index.ts", /* block */
      "compatibility_date": "2026-11-02",
      "compatibility_flags": ["nodejs_compat",],
      "vars": { "GREETING": "a // b /* c */ d,}", "LIMITS": { "max": 3 }, },
    }`;
    const options = poolOptionsFrom(text);
    expect(options?.miniflare.bindings).toEqual({ GREETING: "a // b /* c */ d,}", LIMITS: { max: 3 } });
    expect(options).toEqual(await wranglerView(text));
  });

  it("leave the file to wrangler when it holds anything else", () => {
    const base = renderedConfig([]).replace(/\}\s*$/, "");
    expect(poolOptionsFrom(`${base}, "r2_buckets": [{ "binding": "FILES", "bucket_name": "files" }] }`)).toBeUndefined();
    expect(poolOptionsFrom(`${base}, "define": { "DEBUG": "true" } }`)).toBeUndefined();
    const external = `{ "main": "a.ts", "compatibility_date": "2026-11-02", "durable_objects": { "bindings": [{ "name": "X", "class_name": "X", "script_name": "other" }] } }`;
    expect(poolOptionsFrom(external)).toBeUndefined();
    const transfer = `{ "main": "a.ts", "compatibility_date": "2026-11-02", "migrations": [{ "tag": "v1", "transferred_classes": [{ "from": "A", "from_script": "other", "to": "A" }] }] }`;
    expect(poolOptionsFrom(transfer)).toBeUndefined();
  });
});
