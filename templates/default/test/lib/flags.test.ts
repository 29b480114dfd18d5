import { env } from "cloudflare:workers";
import { beforeEach, describe, expect, it } from "vitest";
import { applyFlagChanges, FeatureFlags, FlagConfigError, FLAGS_KEY, rolloutBucket, type FlagChanges, type FlagConfig } from "../../src/lib/flags";
import { countingKV, type CountingKV } from "../support/counting-kv";
import { freshKV } from "../support/fresh-kv";
import { productionKV } from "../support/production-kv";

/** This test's own empty namespace (test/support/fresh-kv.ts). */
let fresh: KVNamespace;
let counting: CountingKV;
let clock: number;
const now = () => clock;

beforeEach(() => {
  fresh = freshKV(env.TEST_KV);
  counting = countingKV(fresh);
  clock = Date.parse("2026-11-24T12:00:00Z");
});

const userIds = (count: number) => Array.from({ length: count }, (_, i) => `user-${i}`);

async function countEnabled(flags: FeatureFlags, name: string, ids: string[]): Promise<Set<string>> {
  const enabled = new Set<string>();
  for (const userId of ids) if (await flags.isEnabled(name, { userId })) enabled.add(userId);
  return enabled;
}

describe("FeatureFlags storage", () => {
  it("saves, reads and deletes flags in one document", async () => {
    const flags = new FeatureFlags(counting.kv, { now });
    await flags.set("new-ui", { enabled: true, description: "The new UI" });
    await flags.set("beta", { enabled: false });
    expect(await flags.get("new-ui")).toEqual({ enabled: true, description: "The new UI" });
    expect(Object.keys((await fresh.get(FLAGS_KEY, "json")) as object)).toEqual(["new-ui", "beta"]);

    await flags.delete("new-ui");
    expect(await flags.get("new-ui")).toBeNull();
    expect(await flags.get("beta")).toEqual({ enabled: false });
  });

  it("treats a missing flag as off, even one named like an Object method", async () => {
    const flags = new FeatureFlags(counting.kv);
    await flags.set("real", { enabled: true });
    expect(await flags.isEnabled("nope", { userId: "u" })).toBe(false);
    expect(await flags.get("toString")).toBeNull();
    expect(await flags.isEnabled("constructor")).toBe(false);
  });

  const invalid: [string, FlagConfig, RegExp][] = [
    ["a percentage above 100", { enabled: true, percentage: 101 }, /percentage must be a number from 0 to 100/],
    ["a negative percentage", { enabled: true, percentage: -1 }, /percentage/],
    ["a NaN percentage", { enabled: true, percentage: Number.NaN }, /percentage/],
    ["a date that is not ISO 8601", { enabled: true, startTime: "next tuesday" }, /startTime must be an ISO 8601/],
    ["an impossible date", { enabled: true, endTime: "2026-13-45" }, /endTime must be an ISO 8601/],
    ["a start after the end", { enabled: true, startTime: "2026-12-02", endTime: "2026-12-01" }, /before endTime/],
    ["a non-boolean enabled", { enabled: "yes" } as unknown as FlagConfig, /enabled must be true or false/],
    ["an allowlist of numbers", { enabled: true, allowlist: [1] } as unknown as FlagConfig, /allowlist/],
  ];
  for (const [what, config, message] of invalid) {
    it(`set rejects ${what} before touching KV`, async () => {
      const flags = new FeatureFlags(counting.kv);
      await expect(flags.set("f", config)).rejects.toThrow(FlagConfigError);
      await expect(flags.set("f", config)).rejects.toThrow(message);
      expect(counting.total()).toBe(0);
    });
  }
});

describe("FeatureFlags evaluation", () => {
  it("kill switch: enabled false is off for everyone, allowlisted users included", async () => {
    const flags = new FeatureFlags(counting.kv);
    await flags.set("f", { enabled: false, allowlist: ["vip"], percentage: 100 });
    expect(await flags.isEnabled("f", { userId: "vip" })).toBe(false);
    expect(await flags.isEnabled("f")).toBe(false);
  });

  it("blocklist beats allowlist beats percentage", async () => {
    const flags = new FeatureFlags(counting.kv);
    await flags.set("f", { enabled: true, percentage: 0, allowlist: ["both", "allowed"], blocklist: ["both"] });
    expect(await flags.isEnabled("f", { userId: "both" })).toBe(false);
    expect(await flags.isEnabled("f", { userId: "allowed" })).toBe(true);
    expect(await flags.isEnabled("f", { userId: "someone" })).toBe(false);
    await flags.set("g", { enabled: true, blocklist: ["blocked"] });
    expect(await flags.isEnabled("g", { userId: "blocked" })).toBe(false);
    expect(await flags.isEnabled("g", { userId: "someone" })).toBe(true);
  });

  it("without a userId, only a full rollout is on", async () => {
    const flags = new FeatureFlags(counting.kv);
    await flags.set("everyone", { enabled: true });
    await flags.set("all", { enabled: true, percentage: 100 });
    await flags.set("most", { enabled: true, percentage: 99.99 });
    expect(await flags.isEnabled("everyone")).toBe(true);
    expect(await flags.isEnabled("all")).toBe(true);
    expect(await flags.isEnabled("most")).toBe(false);
  });

  it("is on only from startTime until endTime", async () => {
    const flags = new FeatureFlags(counting.kv, { now, cacheTtl: 0 });
    await flags.set("sale", { enabled: true, startTime: "2026-11-27T00:00:00Z", endTime: "2026-11-30T00:00:00Z" });
    expect(await flags.isEnabled("sale")).toBe(false);
    clock = Date.parse("2026-11-27T00:00:00Z");
    expect(await flags.isEnabled("sale")).toBe(true);
    clock = Date.parse("2026-11-29T23:59:59Z");
    expect(await flags.isEnabled("sale")).toBe(true);
    clock = Date.parse("2026-11-30T00:00:00Z");
    expect(await flags.isEnabled("sale")).toBe(false);
  });
});

describe("FeatureFlags rollout", () => {
  it("is deterministic per flag and user, across instances", async () => {
    await new FeatureFlags(fresh).set("f", { enabled: true, percentage: 50 });
    const ids = userIds(300);
    const first = await countEnabled(new FeatureFlags(fresh), "f", ids);
    const second = await countEnabled(new FeatureFlags(fresh), "f", ids);
    expect([...first]).toEqual([...second]);
    expect(await rolloutBucket("f", "user-1")).toBe(await rolloutBucket("f", "user-1"));
  });

  it("puts 2 000 users at 25 % between 22 % and 28 %", async () => {
    const flags = new FeatureFlags(fresh);
    await flags.set("quarter", { enabled: true, percentage: 25 });
    const share = (await countEnabled(flags, "quarter", userIds(2_000))).size / 2_000;
    expect(share).toBeGreaterThanOrEqual(0.22);
    expect(share).toBeLessThanOrEqual(0.28);
  });

  it("is monotonic: raising the percentage never turns a user off", async () => {
    // set() refreshes this instance's in-memory copy, so evaluations need no KV reads.
    const flags = new FeatureFlags(fresh);
    const ids = userIds(200);
    let previous = new Set<string>();
    for (const percentage of [0, 10, 30, 60, 100]) {
      await flags.set("grow", { enabled: true, percentage });
      const enabled = await countEnabled(flags, "grow", ids);
      for (const id of previous) expect(enabled.has(id)).toBe(true);
      expect(enabled.size).toBeGreaterThanOrEqual(previous.size);
      previous = enabled;
    }
    expect(previous.size).toBe(200);
  });

  it("rolls different flags out to different users", async () => {
    const ids = userIds(1000);
    const inA = new Set<string>();
    const inB = new Set<string>();
    for (const id of ids) {
      if ((await rolloutBucket("a", id)) < 50) inA.add(id);
      if ((await rolloutBucket("b", id)) < 50) inB.add(id);
    }
    const both = [...inA].filter((id) => inB.has(id)).length;
    expect(both).toBeGreaterThan(150);
    expect(both).toBeLessThan(350);
  });
});

describe("FeatureFlags operation budget", () => {
  it("a second isEnabled within cacheTtl makes no KV operation; after it, one read", async () => {
    await new FeatureFlags(fresh).set("f", { enabled: true });
    const flags = new FeatureFlags(counting.kv, { cacheTtl: 30, now });
    expect(await flags.isEnabled("f")).toBe(true);
    expect(counting.total()).toBe(1);
    counting.reset();
    clock += 29_000;
    expect(await flags.isEnabled("f")).toBe(true);
    expect(await flags.isEnabled("missing")).toBe(false);
    expect(counting.total()).toBe(0);
    clock += 1_000;
    await flags.isEnabled("f");
    expect(counting.counts).toEqual({ reads: 1, writes: 0, deletes: 0, lists: 0 });
  });

  it("sees another instance's change once its cache expires", async () => {
    const admin = new FeatureFlags(fresh);
    await admin.set("f", { enabled: true });
    const flags = new FeatureFlags(fresh, { cacheTtl: 60, now });
    expect(await flags.isEnabled("f")).toBe(true);
    await admin.set("f", { enabled: false });
    expect(await flags.isEnabled("f")).toBe(true);
    clock += 60_000;
    expect(await flags.isEnabled("f")).toBe(false);
  });

  it("enabledFlags with 50 flags costs at most 2 KV operations", async () => {
    const flags: Record<string, FlagConfig> = {};
    for (let i = 0; i < 50; i++) flags[`flag-${i}`] = { enabled: i % 2 === 0 };
    flags["half"] = { enabled: true, percentage: 50, allowlist: ["me"] };
    await fresh.put(FLAGS_KEY, JSON.stringify(flags));

    const evaluated = await new FeatureFlags(counting.kv).enabledFlags({ userId: "me" });
    expect(counting.total()).toBeLessThanOrEqual(2);
    expect(evaluated).toHaveLength(26);
    expect(evaluated).toContain("flag-0");
    expect(evaluated).toContain("half");
    expect(evaluated).not.toContain("flag-1");
  });
});

describe("FeatureFlags under production KV (the production double)", () => {
  const errors: string[] = [];
  const onError = (error: unknown) => errors.push(String(error));
  beforeEach(() => {
    errors.length = 0;
  });

  it("treats a hand-written flag that does not validate as OFF and reports it", async () => {
    const kv = productionKV(fresh, { now }).at("edge");
    await kv.put(
      FLAGS_KEY,
      JSON.stringify({
        quoted: { enabled: "false" },
        "bad-start": { enabled: true, startTime: "next tuesday" },
        good: { enabled: true },
      }),
    );
    const flags = new FeatureFlags(kv, { now, onError });
    expect(await flags.isEnabled("quoted")).toBe(false);
    expect(await flags.isEnabled("bad-start")).toBe(false);
    expect(await flags.get("quoted")).toBeNull();
    expect(await flags.enabledFlags()).toEqual(["good"]);
    expect(errors.join("\n")).toMatch(/"quoted": enabled must be true or false/);
    expect(errors.join("\n")).toMatch(/"bad-start": startTime must be an ISO 8601/);
  });

  it("reads a document that is not JSON, or not an object, as every flag off, without throwing", async () => {
    const kv = productionKV(fresh, { now }).at("edge");
    await kv.put(FLAGS_KEY, "{oops");
    const flags = new FeatureFlags(kv, { now, cacheTtl: 0, onError });
    expect(await flags.isEnabled("anything")).toBe(false);
    expect(await flags.enabledFlags()).toEqual([]);
    clock += 1_000;
    await kv.put(FLAGS_KEY, "[1, 2]");
    expect(await flags.enabledFlags()).toEqual([]);
    expect(errors.length).toBeGreaterThanOrEqual(2);
  });

  it("serves the last good copy when a KV read fails (stale-if-error)", async () => {
    const kv = productionKV(fresh, { now }).at("edge");
    await kv.put(FLAGS_KEY, JSON.stringify({ f: { enabled: true } }));
    let failing = false;
    const flaky = {
      get: (...args: Parameters<KVNamespace["get"]>) => (failing ? Promise.reject(new Error("KV GET failed: 500")) : kv.get(...args)),
    } as unknown as KVNamespace;
    const flags = new FeatureFlags(flaky, { now, cacheTtl: 60, onError });
    expect(await flags.isEnabled("f")).toBe(true);
    failing = true;
    clock += 61_000;
    expect(await flags.isEnabled("f")).toBe(true);
    expect(errors).toEqual(["Error: KV GET failed: 500"]);
  });

  it("update saves several flags in one read and one write, keeping the others", async () => {
    const prod = productionKV(fresh, { now });
    const flags = new FeatureFlags(prod.at("edge"), { now });
    await flags.set("kept", { enabled: true });
    clock += 1_000;
    const counting = countingKV(prod.at("edge"));
    await new FeatureFlags(counting.kv, { now }).update({ a: { enabled: true }, b: { enabled: false, percentage: 5 }, kept: null });
    expect(counting.counts).toEqual({ reads: 1, writes: 1, deletes: 0, lists: 0 });
    expect(await new FeatureFlags(prod.at("edge"), { now }).enabledFlags()).toEqual(["a"]);
  });

  it("without a writer, two saves from two locations within a minute lose one; a minute apart, both stay", async () => {
    const prod = productionKV(fresh, { now });
    const save = (location: string, changes: FlagChanges) => new FeatureFlags(prod.at(location), { now }).update(changes);
    const enabledInParis = () => new FeatureFlags(prod.at("paris"), { now }).enabledFlags();
    await save("london", { a: { enabled: true } });
    clock += 30_000;
    await save("sydney", { b: { enabled: true } }); // Sydney's copy has no "a" yet: the last write wins
    clock += 61_000;
    expect(await enabledInParis()).toEqual(["b"]);
    await save("london", { c: { enabled: true } }); // a minute after Sydney's save, London's copy has it
    clock += 61_000;
    expect(await enabledInParis()).toEqual(["b", "c"]);
  });

  it("a change reaches a reader in another location within its cacheTtl plus KV's propagation", async () => {
    const prod = productionKV(fresh, { now });
    const start = clock;
    const reader = new FeatureFlags(prod.at("sydney"), { now, cacheTtl: 60 });
    expect(await reader.isEnabled("f")).toBe(false); // kept in memory for 60 s
    clock = start + 1_000;
    await new FeatureFlags(prod.at("london"), { now }).set("f", { enabled: true });
    clock = start + 60_000; // memory expired, but Sydney's KV has not seen the save yet: kept again
    expect(await reader.isEnabled("f")).toBe(false);
    clock = start + 1_000 + 60_000 + 60_000; // the save + propagation + cacheTtl
    expect(await reader.isEnabled("f")).toBe(true);
  });

  it("refuses a second write to the flags document within a second with KV's 429", async () => {
    const flags = new FeatureFlags(productionKV(fresh, { now }).at("edge"), { now });
    await flags.set("a", { enabled: true });
    await expect(flags.set("b", { enabled: true })).rejects.toThrow(/429/);
    clock += 1_000;
    await flags.set("b", { enabled: true });
    expect(await flags.enabledFlags()).toEqual(["a", "b"]);
  });

  it("applyFlagChanges is pure: it checks every change, keeps other flags and never changes its input", () => {
    const current = { kept: { enabled: "hand-edited" }, gone: { enabled: true } };
    const next = applyFlagChanges(current, { gone: null, added: { enabled: true } });
    expect(next).toEqual({ kept: { enabled: "hand-edited" }, added: { enabled: true } });
    expect(current).toEqual({ kept: { enabled: "hand-edited" }, gone: { enabled: true } });
    expect(() => applyFlagChanges({}, { x: { enabled: 1 } as unknown as FlagConfig, y: { enabled: true, percentage: 200 } })).toThrow(
      /"x": enabled.*; Flag "y": percentage/,
    );
  });
});
