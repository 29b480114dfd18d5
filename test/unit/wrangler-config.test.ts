import { parse as parseJsonc } from "jsonc-parser";
import { parse as parseToml } from "smol-toml";
import { describe, expect, it } from "vitest";
import { addBindings, readWranglerConfig, type SectionAdditions, type WranglerConfig } from "../../src/project/wrangler-config.js";

const none: SectionAdditions = { kv: [], durableObjects: [], rateLimits: [] };
const addKvBindings = (config: WranglerConfig, kv: string[]) => addBindings(config, () => ({ ...none, kv }));

/** Only insertions: every byte of `before` is still in `after`, in order. */
function expectOnlyInsertions(before: string, after: string) {
  let rest = after;
  for (const char of before) {
    const at = rest.indexOf(char);
    expect(at).toBeGreaterThanOrEqual(0);
    rest = rest.slice(at + 1);
  }
}

const jsonc = `// My worker
{
	"name": "shop", // the Worker name
	"main": "src/index.ts",
	"compatibility_date": "2026-11-02",
	/* block comment */
	"vars": { "GREETING": "hi" },
	"kv_namespaces": [
		{ "binding": "CACHE" }, // kept
	],
	"env": {
		"staging": {
			"vars": { "GREETING": "hello" },
			"kv_namespaces": [{ "binding": "CACHE" }],
		},
		"production": {},
	},
}
`;

describe("readWranglerConfig", () => {
  it("finds the entry module, the environments and every binding name", () => {
    const config = readWranglerConfig("wrangler.jsonc", jsonc);
    expect(config.main).toBe("src/index.ts");
    expect(config.envs).toEqual(["staging", "production"]);
    expect([...config.bindings].sort()).toEqual(["CACHE", "GREETING"]);
  });

  it("counts Durable Object and rate limit names as bindings", () => {
    const config = readWranglerConfig(
      "wrangler.json",
      JSON.stringify({ durable_objects: { bindings: [{ name: "LIMITER", class_name: "Limiter" }] }, ratelimits: [{ name: "RL", namespace_id: "1" }], r2_buckets: [{ binding: "FILES" }] }),
    );
    expect([...config.bindings].sort()).toEqual(["FILES", "LIMITER", "RL"]);
  });

  it("refuses a config that does not parse, naming the file", () => {
    expect(() => readWranglerConfig("wrangler.jsonc", "{ nope")).toThrow(/wrangler.jsonc: not valid JSON/);
    expect(() => readWranglerConfig("wrangler.toml", "name = ")).toThrow(/wrangler.toml: not valid TOML/);
  });
});

describe("addKvBindings", () => {
  it("JSONC: adds each binding at the top level and in every environment, and keeps every other byte", () => {
    const config = readWranglerConfig("wrangler.jsonc", jsonc);
    const text = addKvBindings(config, ["SESSIONS", "FLAGS"]);
    for (const kept of ["// My worker", "// the Worker name", "/* block comment */", '{ "binding": "CACHE" }, // kept', '"GREETING": "hello"']) {
      expect(text).toContain(kept);
    }
    const after = readWranglerConfig("wrangler.jsonc", text);
    expect([...after.bindings].sort()).toEqual(["CACHE", "FLAGS", "GREETING", "SESSIONS"]);
    // Only insertions: removing the added text gives the original back.
    let rest = text;
    for (const piece of jsonc.split("")) {
      const at = rest.indexOf(piece);
      expect(at).toBeGreaterThanOrEqual(0);
      rest = rest.slice(at + 1);
    }
    // production had no kv_namespaces: it gets a list of its own.
    expect(text).toMatch(/"production": \{\s*"kv_namespaces": \[/);
  });

  it("JSON without kv_namespaces: creates the list", () => {
    const config = readWranglerConfig("wrangler.json", '{\n  "name": "x",\n  "main": "src/index.ts"\n}\n');
    const text = addKvBindings(config, ["CACHE"]);
    expect(JSON.parse(text)).toEqual({ name: "x", main: "src/index.ts", kv_namespaces: [{ binding: "CACHE" }] });
    expect(text).toContain('\n  "kv_namespaces"');
  });

  it("TOML: appends tables, keeps the file as it was above them, and the result parses", () => {
    const toml = `name = "shop" # the Worker
main = "src/index.ts"

[vars]
GREETING = "hi"

[[kv_namespaces]]
binding = "CACHE"

[env.staging]
vars = { GREETING = "hello" }
`;
    const config = readWranglerConfig("wrangler.toml", toml);
    const text = addKvBindings(config, ["FLAGS"]);
    expect(text.startsWith(toml)).toBe(true);
    const data = parseToml(text) as { kv_namespaces: { binding: string }[]; env: { staging: { kv_namespaces: { binding: string }[] } }; vars: unknown };
    expect(data.kv_namespaces.map((entry) => entry.binding)).toEqual(["CACHE", "FLAGS"]);
    expect(data.env.staging.kv_namespaces).toEqual([{ binding: "FLAGS" }]);
    expect(data.vars).toEqual({ GREETING: "hi" });
  });

  it("TOML: an inline kv_namespaces array is refused with what to add by hand", () => {
    const config = readWranglerConfig("wrangler.toml", 'name = "x"\nkv_namespaces = [{ binding = "CACHE" }]\n');
    expect(() => addKvBindings(config, ["FLAGS"])).toThrow(/inline array\? Add \{ binding = "FLAGS" \}/);
  });
});

describe("addBindings: Durable Objects and Rate Limiting", () => {
  const counters = { name: "COUNTERS", className: "CounterObject" };

  it("JSONC: binds the class everywhere, appends a migration with a new tag, keeps every comment and the old migration", () => {
    const withMigrations = jsonc
      .replace('"vars": { "GREETING": "hi" },', '"vars": { "GREETING": "hi" },\n\t// history: never edited\n\t"migrations": [{ "tag": "v1", "new_classes": ["Old"] }],')
      .replace('"kv_namespaces": [{ "binding": "CACHE" }],', '"kv_namespaces": [{ "binding": "CACHE" }],\n\t\t\t"migrations": [{ "tag": "v1", "new_classes": ["Old"] }, { "tag": "v3" }],');
    const config = readWranglerConfig("wrangler.jsonc", withMigrations);
    expect([...config.classes]).toEqual(["Old"]);
    const text = addBindings(config, () => ({ ...none, durableObjects: [counters] }));
    expectOnlyInsertions(withMigrations, text);
    expect(text).toContain('// history: never edited\n\t"migrations": [{ "tag": "v1", "new_classes": ["Old"] }, { "tag": "v2", "new_sqlite_classes": ["CounterObject"] }],');
    const data = parseJsonc(text) as Record<string, any>;
    const binding = [{ name: "COUNTERS", class_name: "CounterObject" }];
    expect(data.durable_objects.bindings).toEqual(binding);
    expect(data.env.staging.durable_objects.bindings).toEqual(binding);
    expect(data.env.production.durable_objects.bindings).toEqual(binding);
    // staging has a history of its own (v1, v3): the next free tag is v4, not a second v3.
    expect(data.env.staging.migrations.at(-1)).toEqual({ tag: "v4", new_sqlite_classes: ["CounterObject"] });
    // production has no migrations of its own: it inherits the top level's, which a list of its own would replace.
    expect(data.env.production.migrations).toBeUndefined();
    expect(readWranglerConfig("wrangler.jsonc", text).classes).toEqual(new Set(["Old", "CounterObject"]));
  });

  it("JSONC: a Rate Limiting binding with each section's own namespace_id", () => {
    const config = readWranglerConfig("wrangler.jsonc", jsonc);
    const text = addBindings(config, (env) => ({ ...none, rateLimits: [{ name: "RATE_LIMITER", namespaceId: env ?? "top", limit: 10, period: 60 }] }));
    expectOnlyInsertions(jsonc, text);
    const data = parseJsonc(text) as Record<string, any>;
    expect(data.ratelimits).toEqual([{ name: "RATE_LIMITER", namespace_id: "top", simple: { limit: 10, period: 60 } }]);
    expect(data.env.staging.ratelimits[0].namespace_id).toBe("staging");
    expect(data.env.production.ratelimits[0].namespace_id).toBe("production");
  });

  it("TOML: appends the binding and migration tables at the top level and per environment, and the result parses", () => {
    const toml = `name = "shop" # the Worker
main = "src/index.ts"

[[migrations]]
tag = "v1"
new_classes = ["Old"]

[env.staging]
vars = { GREETING = "hello" }

[[env.staging.migrations]]
tag = "v1"
new_classes = ["Old"]

[env.production]
name = "shop-production"
`;
    const config = readWranglerConfig("wrangler.toml", toml);
    const text = addBindings(config, () => ({ ...none, kv: ["COUNTS"], durableObjects: [counters] }));
    expect(text.startsWith(toml)).toBe(true);
    expect(text).toContain('[[env.staging.durable_objects.bindings]]\nname = "COUNTERS"\nclass_name = "CounterObject"\n');
    const data = parseToml(text) as Record<string, any>;
    expect(data.migrations).toEqual([{ tag: "v1", new_classes: ["Old"] }, { tag: "v2", new_sqlite_classes: ["CounterObject"] }]);
    expect(data.env.staging.migrations.at(-1)).toEqual({ tag: "v2", new_sqlite_classes: ["CounterObject"] });
    expect(data.env.production.migrations).toBeUndefined();
    for (const section of [data, data.env.staging, data.env.production]) {
      expect(section.durable_objects.bindings).toEqual([{ name: "COUNTERS", class_name: "CounterObject" }]);
      expect(section.kv_namespaces).toEqual([{ binding: "COUNTS" }]);
    }
  });

  it("changes nothing when there is nothing to add", () => {
    const config = readWranglerConfig("wrangler.jsonc", jsonc);
    expect(addBindings(config, () => none)).toBe(jsonc);
  });
});
