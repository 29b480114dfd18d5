import { parse as parseToml } from "smol-toml";
import { describe, expect, it } from "vitest";
import { addKvBindings, readWranglerConfig } from "../../src/project/wrangler-config.js";

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
