import { env } from "cloudflare:workers";
import { beforeEach, describe, expect, it } from "vitest";
import { KVDataError, KVStore, KVValidationError } from "../../src/lib/kv-store";
import { countingKV, type CountingKV } from "../support/counting-kv";
import { freshKV } from "../support/fresh-kv";
import { productionKV } from "../support/production-kv";

/** This test's own empty namespace (test/support/fresh-kv.ts). */
let fresh: KVNamespace;
let counting: CountingKV;

beforeEach(() => {
  fresh = freshKV(env.TEST_KV);
  counting = countingKV(fresh);
});

describe("KVStore reads and writes", () => {
  it("round-trips JSON and text, and returns null for a missing key", async () => {
    const store = new KVStore(counting.kv);
    await store.set("user:1", { name: "Ada", roles: ["admin"] });
    await store.setText("greeting", "hello");
    expect(await store.get("user:1")).toEqual({ name: "Ada", roles: ["admin"] });
    expect(await store.getText("greeting")).toBe("hello");
    expect(await store.get("user:2")).toBeNull();
  });

  it("stores under its prefix and lists names relative to it", async () => {
    const store = new KVStore(counting.kv, { prefix: "app:" });
    await store.set("a", 1);
    await fresh.put("other:a", "1");
    expect(await fresh.get("app:a")).toBe("1");
    const page = await store.list();
    expect(page).toEqual({ keys: [{ name: "a" }], complete: true });
  });

  it("returns value and metadata together", async () => {
    const store = new KVStore(counting.kv);
    await store.set("doc", { v: 1 }, { metadata: { version: 3 } });
    expect(await store.getWithMetadata("doc")).toEqual({ value: { v: 1 }, metadata: { version: 3 }, cacheStatus: null });
    expect(await store.getWithMetadata("nothing")).toEqual({ value: null, metadata: null, cacheStatus: null });
  });

  it("passes a read cacheTtl through to KV", async () => {
    const optionsSeen: unknown[] = [];
    const get = fresh.get.bind(fresh) as (...args: unknown[]) => unknown;
    const recording = {
      get: (key: unknown, options: unknown) => {
        optionsSeen.push(options);
        return get(key, options);
      },
      put: fresh.put.bind(fresh),
    } as unknown as KVNamespace;
    const store = new KVStore(recording);
    await store.set("k", { v: 1 });
    expect(await store.get("k", { cacheTtl: 300 })).toEqual({ v: 1 });
    expect((await store.getMany(["k"], { cacheTtl: 30 })).get("k")).toEqual({ v: 1 });
    expect(await store.getText("k")).toBe('{"v":1}');
    expect(optionsSeen).toEqual([
      { type: "text", cacheTtl: 300 },
      { type: "text", cacheTtl: 30 },
      { type: "text" },
    ]);
  });

  it("deletes a key", async () => {
    const store = new KVStore(counting.kv);
    await store.set("k", 1);
    await store.delete("k");
    expect(await store.get("k")).toBeNull();
  });
});

describe("KVStore expiry", () => {
  it("applies defaultTtl, an explicit ttl, and ttl 0 as no expiry", async () => {
    const now = Date.now();
    const store = new KVStore(counting.kv, { defaultTtl: 300 });
    await store.set("default", 1);
    await store.set("explicit", 1, { ttl: 3600 });
    await store.set("forever", 1, { ttl: 0 });
    const expirations = new Map((await store.list()).keys.map((key) => [key.name, key.expiration]));
    const inSeconds = (name: string) => expirations.get(name)! - Math.floor(now / 1000);
    expect(inSeconds("default")).toBeGreaterThanOrEqual(299);
    expect(inSeconds("default")).toBeLessThanOrEqual(301);
    expect(inSeconds("explicit")).toBeGreaterThanOrEqual(3599);
    expect(inSeconds("explicit")).toBeLessThanOrEqual(3601);
    expect(expirations.get("forever")).toBeUndefined();
  });

  it("stores an absolute expiresAt as the key's expiration", async () => {
    const store = new KVStore(counting.kv);
    const expiresAt = Math.floor(Date.now() / 1000) + 600;
    await store.set("k", 1, { expiresAt });
    expect((await store.list()).keys).toEqual([{ name: "k", expiration: expiresAt }]);
  });
});

describe("KVValidationError, thrown before any KV call", () => {
  const clock = () => 1_800_000_000_000;
  const cases: [string, (store: KVStore) => Promise<unknown>, RegExp][] = [
    ["a ttl under 60 s", (s) => s.set("k", 1, { ttl: 59 }), /at least 60/],
    ["a fractional ttl", (s) => s.set("k", 1, { ttl: 90.5 }), /whole seconds/],
    ["an expiresAt under 60 s ahead", (s) => s.set("k", 1, { expiresAt: 1_800_000_000 + 59 }), /60 seconds from now/],
    ["both ttl and expiresAt", (s) => s.set("k", 1, { ttl: 60, expiresAt: 1_800_000_100 }), /not both/],
    ["an empty key", (s) => s.get(""), /empty/],
    ["the key '.'", (s) => s.set(".", 1), /"\." or "\.\."/],
    ["the key '..'", (s) => s.delete(".."), /"\." or "\.\."/],
    ["a key over 512 bytes", (s) => s.get("k".repeat(513)), /512 UTF-8 bytes/],
    ["a key over 512 bytes in multi-byte characters", (s) => s.get("é".repeat(257)), /514 bytes.*512/],
    ["metadata over 1024 bytes", (s) => s.set("k", 1, { metadata: { note: "x".repeat(1020) } }), /1024 bytes/],
    ["a list limit over 1000", (s) => s.list({ limit: 1001 }), /1000/],
    ["a key in a bulk read", (s) => s.getMany(["ok", ""]), /empty/],
    ["a value JSON cannot hold", (s) => s.set("k", undefined), /JSON/],
    ["a read cacheTtl under 30 s", (s) => s.get("k", { cacheTtl: 29 }), /cacheTtl.*at least 30/],
    ["a bulk read cacheTtl under 30 s", (s) => s.getMany(["k"], { cacheTtl: 29 }), /cacheTtl/],
    ["a value over 25 MiB", (s) => s.setText("k", "x".repeat(25 * 1024 * 1024 + 1)), /26214401 bytes.*at most 26214400/],
  ];

  for (const [what, call, message] of cases) {
    it(`rejects ${what}`, async () => {
      const store = new KVStore(counting.kv, { now: clock });
      // One call per case: the 25 MiB case costs a 25 MiB string and its encoding each time.
      const error = await call(store).then(() => null, (thrown: unknown) => thrown);
      expect(error).toBeInstanceOf(KVValidationError);
      expect((error as Error).message).toMatch(message);
      expect(counting.total()).toBe(0);
    });
  }

  // The two tests that fill KV's whole 512-byte key length write to TEST_KV itself:
  // a fresh namespace's own prefix would take part of the length.
  it("counts the prefix toward the 512-byte key limit", async () => {
    const store = new KVStore(env.TEST_KV, { prefix: "p:" });
    await expect(store.set("k".repeat(511), 1)).rejects.toThrow(/513 bytes with its prefix/);
    await store.set("k".repeat(510), 1);
    expect(await store.get("k".repeat(510))).toBe(1);
  });

  it("rejects a defaultTtl under 60 s when the store is made", () => {
    expect(() => new KVStore(counting.kv, { defaultTtl: 30 })).toThrow(/defaultTtl.*at least 60/);
  });

  it("accepts the exact limits", async () => {
    // The store's clock runs 2 s ahead and stands still: expiresAt is exactly at the
    // store's limit, yet safely past KV's own check, which uses the real clock.
    const aheadOfKV = Date.now() + 2_000;
    const counting = countingKV(env.TEST_KV);
    const store = new KVStore(counting.kv, { now: () => aheadOfKV });
    await store.set("a".repeat(512), 1, { ttl: 60 });
    await store.set("b", 1, { expiresAt: Math.ceil(aheadOfKV / 1000) + 60 });
    const metadata = { note: "x".repeat(1024 - '{"note":""}'.length) };
    await store.set("c", 1, { metadata });
    expect(counting.counts.writes).toBe(3);
  });
});

describe("KVStore bulk reads", () => {
  it("reads 250 keys in 3 operations and answers every key", async () => {
    const store = new KVStore(counting.kv, { prefix: "bulk:" });
    const names = Array.from({ length: 250 }, (_, i) => `item-${i}`);
    // A few stored keys are enough: a bulk read costs one operation per 100 keys asked for, found or not.
    await Promise.all(["item-0", "item-150", "item-248"].map((name) => store.set(name, { name })));
    counting.reset();

    const values = await store.getMany<{ name: string }>(names);

    expect(counting.total()).toBe(3);
    expect(values.size).toBe(250);
    expect(values.get("item-0")).toEqual({ name: "item-0" });
    expect(values.get("item-1")).toBeNull();
    expect(values.get("item-150")).toEqual({ name: "item-150" });
    expect(values.get("item-248")).toEqual({ name: "item-248" });
  });

  it("makes no KV call for an empty list", async () => {
    const store = new KVStore(counting.kv);
    expect((await store.getMany([])).size).toBe(0);
    expect(counting.total()).toBe(0);
  });
});

describe("KVStore listing", () => {
  it("pages with limit and cursor, and keys() walks every page", async () => {
    const store = new KVStore(counting.kv, { prefix: "l:" });
    await Promise.all(Array.from({ length: 12 }, (_, i) => store.set(`n${String(i).padStart(2, "0")}`, i)));
    const first = await store.list({ limit: 5 });
    expect(first.complete).toBe(false);
    expect(first.keys.map((key) => key.name)).toEqual(Array.from({ length: 5 }, (_, i) => `n0${i}`));
    const second = await store.list({ limit: 5, cursor: first.cursor });
    expect(second.keys[0]!.name).toBe("n05");

    const all: string[] = [];
    for await (const key of store.keys()) all.push(key.name);
    expect(all).toHaveLength(12);
  });


  it("deleteByPrefix removes only that prefix and says how many", async () => {
    const store = new KVStore(counting.kv);
    await Promise.all(["a:1", "a:2", "a:3", "b:1"].map((name) => store.set(name, 1)));
    expect(await store.deleteByPrefix("a:")).toEqual({ deleted: 3, complete: true });
    expect((await store.list()).keys.map((key) => key.name)).toEqual(["b:1"]);
  });
});

describe("KVStore getOrSet", () => {
  it("loads once, then serves the stored value", async () => {
    const store = new KVStore(counting.kv);
    let loads = 0;
    const load = async () => ({ loaded: ++loads });
    expect(await store.getOrSet("k", load, { ttl: 120 })).toEqual({ loaded: 1 });
    expect(await store.getOrSet("k", load)).toEqual({ loaded: 1 });
    expect(loads).toBe(1);
    expect((await store.list()).keys[0]!.expiration).toBeGreaterThan(Date.now() / 1000 + 100);
  });
});

describe("KVStore under production KV (the production double)", () => {
  it("accepts a read cacheTtl of 30 s, KV's minimum since January 2026", async () => {
    const kv = productionKV(fresh).at("here");
    const store = new KVStore(kv);
    await store.set("k", { v: 1 });
    expect(await store.get("k", { cacheTtl: 30 })).toEqual({ v: 1 });
  });

  it("passes KV's cacheStatus through getWithMetadata", async () => {
    const reporting = {
      getWithMetadata: async () => ({ value: '{"v":1}', metadata: null, cacheStatus: "HIT" }),
    } as unknown as KVNamespace;
    expect(await new KVStore(reporting).getWithMetadata("k")).toEqual({ value: { v: 1 }, metadata: null, cacheStatus: "HIT" });
  });

  it("reads a value that is not JSON as missing and reports it, without failing the rest of a bulk read", async () => {
    const kv = productionKV(fresh).at("here");
    await kv.put("good", '{"v":1}');
    await kv.put("bad", "{not json");
    const reported: string[] = [];
    const store = new KVStore(kv, { onError: (error, key) => reported.push(`${key}: ${(error as Error).name}`) });
    expect(await store.getMany(["good", "bad", "missing"])).toEqual(
      new Map([["good", { v: 1 }], ["bad", null], ["missing", null]]),
    );
    expect(await store.get("bad")).toBeNull();
    expect(reported).toEqual(["bad: KVDataError", "bad: KVDataError"]);
    expect(new KVDataError("x")).toBeInstanceOf(Error);
  });

  it("splits a bulk read whose values pass KV's total size limit instead of failing (413)", async () => {
    // The double's bulk limit is lowered to 10 bytes so the case needs no megabytes;
    // test/template/kv-store-heavy.test.ts does it with production's 25 MiB.
    const prod = productionKV(fresh, { limits: { maxBulkReadBytes: 10 } });
    const kv = prod.at("here");
    await kv.put("a", '"12345"');
    await kv.put("b", '"123456"');
    await kv.put("c", '"1"');
    const counting = countingKV(kv);
    const values = await new KVStore(counting.kv).getMany(["a", "b", "c"]);
    expect(values).toEqual(new Map([["a", "12345"], ["b", "123456"], ["c", "1"]]));
    expect(counting.counts.reads).toBeLessThanOrEqual(5);
  });

  it("getOrSet: two requests that miss a key in the same second both answer what they loaded (KV refuses one write, 429)", async () => {
    const prod = productionKV(fresh);
    let loads = 0;
    const load = async () => ({ loaded: ++loads });
    const answers = await Promise.all([new KVStore(prod.at("a")).getOrSet("k", load), new KVStore(prod.at("b")).getOrSet("k", load)]);
    expect(answers).toEqual([{ loaded: 1 }, { loaded: 2 }]);
    expect(await new KVStore(prod.at("a")).get("k")).toEqual({ loaded: 1 });
  });

  it("deleteByPrefix throws when a key was written in the last second (429), and a call a second later finishes", async () => {
    let clock = Date.now();
    const prod = productionKV(fresh, { now: () => clock });
    await Promise.all(["a", "b", "c"].map((id) => prod.at("edge").put(`gone:${id}`, "1")));
    clock += 1_000;
    await prod.at("edge").put("gone:b", "2"); // refilled this second, e.g. a cache entry
    await expect(new KVStore(prod.at("edge")).deleteByPrefix("gone:")).rejects.toThrow(/429/);
    expect((await prod.at("edge").list()).keys.map((key) => key.name)).toEqual(["gone:b"]);
    clock += 1_000;
    expect(await new KVStore(prod.at("edge")).deleteByPrefix("gone:")).toEqual({ deleted: 1, complete: true });
  });

  it("deleteByPrefix stays under its operation budget and resumes from the cursor it returns", async () => {
    let clock = Date.now();
    // A budget of 3 is one list and 2 deletes per invocation: 5 keys take 3 invocations.
    const prod = productionKV(fresh, { operationBudget: 3, now: () => clock });
    const setup = prod.at("edge", { operationBudget: Infinity });
    await Promise.all(Array.from({ length: 5 }, (_, index) => setup.put(`gone:${index}`, "1")));
    await setup.put("kept", "1");
    clock += 1_000; // KV takes one write per second per key: the deletes come a second later

    let result = await new KVStore(prod.at("edge")).deleteByPrefix("gone:", { budget: 3 });
    expect(result).toMatchObject({ deleted: 2, complete: false });
    let invocations = 1;
    while (!result.complete) {
      invocations++;
      const next = await new KVStore(prod.at("edge")).deleteByPrefix("gone:", {
        budget: 3,
        cursor: result.cursor,
      });
      result = { ...next, deleted: result.deleted + next.deleted };
    }
    expect(result.deleted).toBe(5);
    expect(invocations).toBe(3);
    expect((await prod.at("edge").list()).keys.map((key) => key.name)).toEqual(["kept"]);
  });
});
