/// <reference types="@cloudflare/vitest-plugin/types" />
import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { beforeEach, describe, expect, it, vi } from "vitest";
import {
  bumpVersion,
  cacheAside,
  cacheStats,
  invalidate,
  invalidatePrefix,
  readThrough,
  refreshAhead,
  resetCacheStats,
  staleWhileRevalidate,
  versionedKey,
  warm,
  writeBehind,
  writeThrough,
} from "../../src/lib/cache";
import { keys } from "../../src/lib/keys";
import { productionKV } from "../support/production-kv";
import { KVStore, KVValidationError } from "../../src/lib/kv-store";
import { countingKV, type CountingKV } from "../support/counting-kv";
import { freshKV } from "../support/fresh-kv";

const SECOND = 1000;
/** This test's own empty namespace (test/support/fresh-kv.ts). */
let fresh: KVNamespace;
let counting: CountingKV;
let store: KVStore;
let clock: number;
const now = () => clock;

beforeEach(() => {
  fresh = freshKV(env.TEST_KV);
  counting = countingKV(fresh);
  store = new KVStore(counting.kv);
  clock = Date.now();
  resetCacheStats();
});

/** A load whose result the test hands over when it chooses, to see who waits for it. */
function pendingLoad<T>() {
  let release!: (value: T) => void;
  let markCalled!: () => void;
  /** Settles when the code under test has called the load. */
  const called = new Promise<void>((resolve) => (markCalled = resolve));
  const load = vi.fn(() => {
    markCalled();
    return new Promise<T>((resolve) => (release = resolve));
  });
  return { load, called, release: (value: T) => release(value) };
}

/** The real namespace with one of its methods failing, as KV does under a 429 or an outage. */
function failingKV(method: "get" | "put"): KVNamespace {
  const kv = fresh;
  const working = {
    get: kv.get.bind(kv),
    put: kv.put.bind(kv),
    delete: kv.delete.bind(kv),
    list: kv.list.bind(kv),
  };
  return {
    ...working,
    [method]: () => Promise.reject(new Error(`KV ${method} failed`)),
  } as unknown as KVNamespace;
}

/** The expiration (epoch seconds) KV holds for a key. */
async function kvExpiration(name: string): Promise<number | undefined> {
  const { keys: listed } = await fresh.list({ prefix: name });
  return listed.find((key) => key.name === name)?.expiration;
}

describe("cacheAside and readThrough", () => {
  it("loads on a miss, then answers from KV with exactly 1 read", async () => {
    const load = vi.fn(async () => ({ id: 7, name: "lamp" }));
    expect(await cacheAside(store, "cache:product:7", load, { ttl: 300 })).toEqual({ id: 7, name: "lamp" });
    expect(counting.counts).toMatchObject({ reads: 1, writes: 1 });

    counting.reset();
    expect(await cacheAside(store, "cache:product:7", load, { ttl: 300 })).toEqual({ id: 7, name: "lamp" });
    expect(load).toHaveBeenCalledTimes(1);
    expect(counting.total()).toBe(1);
    expect(counting.counts.reads).toBe(1);
    expect(cacheStats()).toMatchObject({ hits: 1, misses: 1, hitRate: 0.5 });
  });

  it("caches a null result, so a missing record is not loaded again", async () => {
    const load = vi.fn(async () => null);
    expect(await cacheAside(store, "cache:product:none", load, { ttl: 300 })).toBeNull();
    expect(await cacheAside(store, "cache:product:none", load, { ttl: 300 })).toBeNull();
    expect(load).toHaveBeenCalledTimes(1);
  });

  it("passes ttl to KV and refuses one under KV's 60 s minimum", async () => {
    await cacheAside(store, "a", async () => 1, { ttl: 120 });
    const expiration = await kvExpiration("a");
    expect(expiration).toBeGreaterThanOrEqual(Math.floor(Date.now() / 1000) + 118);
    expect(expiration).toBeLessThanOrEqual(Math.ceil(Date.now() / 1000) + 120);
    await expect(cacheAside(store, "b", async () => 1, { ttl: 30 })).rejects.toThrow(KVValidationError);
  });

  it("falls back to the source when KV reads fail, and counts the error", async () => {
    const onError = vi.fn();
    const broken = new KVStore(failingKV("get"));
    expect(await cacheAside(broken, "a", async () => "from source", { ttl: 300, onError })).toBe(
      "from source",
    );
    expect(onError).toHaveBeenCalledWith(expect.objectContaining({ message: "KV get failed" }), "a");
    expect(cacheStats()).toMatchObject({ misses: 1, errors: 1 });
  });

  it("treats a value it did not write (no cache entry) as a miss and replaces it", async () => {
    await store.set("k", "written by other code");
    expect(await cacheAside(store, "k", async () => "loaded", { ttl: 300 })).toBe("loaded");
    expect(await cacheAside(store, "k", async () => "never", { ttl: 300 })).toBe("loaded");
  });

  it("still answers when storing the loaded value fails", async () => {
    const broken = new KVStore(failingKV("put"));
    expect(await cacheAside(broken, "a", async () => "from source", { ttl: 300 })).toBe("from source");
    expect(cacheStats().errors).toBe(1);
  });

  it("readThrough binds the source once and hands it the key", async () => {
    const load = vi.fn(async (key: string) => `value of ${key}`);
    const read = readThrough(store, load, { ttl: 300 });
    expect(await read("k1")).toBe("value of k1");
    expect(await read("k2")).toBe("value of k2");
    expect(await read("k1")).toBe("value of k1");
    expect(load.mock.calls).toEqual([["k1"], ["k2"]]);
  });
});

describe("staleWhileRevalidate", () => {
  const options = { ttl: 10, staleTtl: 100, now };

  it("serves fresh, then stale at once while refreshing in the background, then the new value", async () => {
    await staleWhileRevalidate(store, "k", async () => "v1", options, createExecutionContext());

    clock += 5 * SECOND; // fresh: 1 read, no load
    counting.reset();
    const untouched = vi.fn(async () => "never");
    expect(await staleWhileRevalidate(store, "k", untouched, options, createExecutionContext())).toBe("v1");
    expect(untouched).not.toHaveBeenCalled();
    expect(counting.total()).toBe(1);

    clock += 10 * SECOND; // stale: the reader gets v1 while the load is still running
    counting.reset();
    const refresh = pendingLoad<string>();
    const ctx = createExecutionContext();
    expect(await staleWhileRevalidate(store, "k", refresh.load, options, ctx)).toBe("v1");
    expect(refresh.load).toHaveBeenCalledTimes(1);
    expect(counting.total()).toBe(1);

    refresh.release("v2");
    await waitOnExecutionContext(ctx);
    expect(counting.counts.writes).toBe(1);
    expect(await staleWhileRevalidate(store, "k", untouched, options, createExecutionContext())).toBe("v2");
    expect(cacheStats()).toMatchObject({ hits: 2, misses: 1, staleServes: 1, refreshes: 1, errors: 0 });
  });

  it("judges freshness by its own timestamp: past the stale window the reader waits for the source", async () => {
    await staleWhileRevalidate(store, "k", async () => "old", options, createExecutionContext());
    clock += 111 * SECOND; // KV still holds the entry (its expiry is real time), but it is too old
    expect(await fresh.get("k")).not.toBeNull();
    expect(await staleWhileRevalidate(store, "k", async () => "new", options, createExecutionContext())).toBe(
      "new",
    );
    expect(cacheStats()).toMatchObject({ misses: 2, staleServes: 0 });
  });

  it("keeps the entry in KV for the fresh and stale windows together, never under 60 s", async () => {
    const nowSeconds = Math.floor(Date.now() / 1000);
    await staleWhileRevalidate(
      store,
      "long",
      async () => 1,
      { ttl: 300, staleTtl: 600 },
      createExecutionContext(),
    );
    await staleWhileRevalidate(
      store,
      "short",
      async () => 1,
      { ttl: 5, staleTtl: 10 },
      createExecutionContext(),
    );
    expect((await kvExpiration("long"))! - nowSeconds).toBeGreaterThanOrEqual(899);
    expect((await kvExpiration("long"))! - nowSeconds).toBeLessThanOrEqual(901);
    expect((await kvExpiration("short"))! - nowSeconds).toBeGreaterThanOrEqual(59);
    expect((await kvExpiration("short"))! - nowSeconds).toBeLessThanOrEqual(61);
  });

  it("refreshes a key once per isolate however many stale hits arrive meanwhile", async () => {
    await staleWhileRevalidate(store, "k", async () => "v1", options, createExecutionContext());
    clock += 20 * SECOND;
    const refresh = pendingLoad<string>();
    const contexts = [createExecutionContext(), createExecutionContext(), createExecutionContext()];
    for (const ctx of contexts) {
      const storeOfThisRequest = new KVStore(counting.kv);
      expect(await staleWhileRevalidate(storeOfThisRequest, "k", refresh.load, options, ctx)).toBe("v1");
    }
    expect(refresh.load).toHaveBeenCalledTimes(1);
    refresh.release("v2");
    await Promise.all(contexts.map((ctx) => waitOnExecutionContext(ctx)));
    expect(cacheStats()).toMatchObject({ staleServes: 3, refreshes: 1 });

    // Once that refresh is over, the next stale hit may refresh again.
    clock += 20 * SECOND;
    const again = vi.fn(async () => "v3");
    const ctx = createExecutionContext();
    await staleWhileRevalidate(store, "k", again, options, ctx);
    await waitOnExecutionContext(ctx);
    expect(again).toHaveBeenCalledTimes(1);
  });

  it("reports a failed refresh and keeps serving the stale value", async () => {
    await staleWhileRevalidate(store, "k", async () => "v1", options, createExecutionContext());
    clock += 20 * SECOND;
    const onError = vi.fn();
    const ctx = createExecutionContext();
    const failing = async (): Promise<string> => {
      throw new Error("source down");
    };
    expect(await staleWhileRevalidate(store, "k", failing, { ...options, onError }, ctx)).toBe("v1");
    await waitOnExecutionContext(ctx);
    expect(onError).toHaveBeenCalledWith(expect.objectContaining({ message: "source down" }), "k");
    expect(cacheStats()).toMatchObject({ errors: 1, refreshes: 0 });
    expect(await staleWhileRevalidate(store, "k", failing, options, createExecutionContext())).toBe("v1");
  });

  it("refuses windows that are not positive numbers of seconds", async () => {
    const ctx = createExecutionContext();
    await expect(
      staleWhileRevalidate(store, "k", async () => 1, { ttl: 0, staleTtl: 10 }, ctx),
    ).rejects.toThrow(/^ttl must be above 0 seconds, got 0$/);
    await expect(
      staleWhileRevalidate(store, "k", async () => 1, { ttl: 10, staleTtl: -1 }, ctx),
    ).rejects.toThrow(/^staleTtl must be 0 or more seconds, got -1$/);
    expect(counting.total()).toBe(0);
  });
});

describe("refreshAhead", () => {
  const options = { ttl: 100, refreshBefore: 20, now };

  it("serves without refreshing until the last refreshBefore seconds, then refreshes ahead of expiry", async () => {
    await refreshAhead(store, "k", async () => "v1", options, createExecutionContext());

    clock += 70 * SECOND; // 30 s left: a plain hit
    const early = vi.fn(async () => "early");
    const quiet = createExecutionContext();
    expect(await refreshAhead(store, "k", early, options, quiet)).toBe("v1");
    await waitOnExecutionContext(quiet);
    expect(early).not.toHaveBeenCalled();

    clock += 15 * SECOND; // 15 s left: still served, and reloaded in the background
    const refresh = pendingLoad<string>();
    const ctx = createExecutionContext();
    expect(await refreshAhead(store, "k", refresh.load, options, ctx)).toBe("v1");
    expect(refresh.load).toHaveBeenCalledTimes(1);
    refresh.release("v2");
    await waitOnExecutionContext(ctx);

    clock += 50 * SECOND; // past the first entry's ttl, but the refreshed one is fresh
    const late = vi.fn(async () => "late");
    expect(await refreshAhead(store, "k", late, options, createExecutionContext())).toBe("v2");
    expect(late).not.toHaveBeenCalled();
    expect(cacheStats()).toMatchObject({ hits: 3, misses: 1, refreshes: 1 });
  });

  it("treats an entry past its ttl as a miss", async () => {
    await refreshAhead(store, "k", async () => "v1", options, createExecutionContext());
    clock += 101 * SECOND;
    expect(await refreshAhead(store, "k", async () => "v2", options, createExecutionContext())).toBe("v2");
    expect(cacheStats()).toMatchObject({ hits: 0, misses: 2 });
  });

  it("refuses a refreshBefore that is not shorter than ttl", async () => {
    await expect(
      refreshAhead(store, "k", async () => 1, { ttl: 60, refreshBefore: 60 }, createExecutionContext()),
    ).rejects.toThrow(/refreshBefore \(60\) must be less than ttl \(60\)/);
  });
});

describe("writeThrough", () => {
  it("writes the source first, then KV", async () => {
    const seenInKV: unknown[] = [];
    const write = vi.fn(async () => {
      seenInKV.push(await store.get("k"));
    });
    await writeThrough(store, "k", { stock: 3 }, write, { ttl: 300 });
    expect(write).toHaveBeenCalledWith({ stock: 3 });
    expect(seenInKV).toEqual([null]);
    expect(await cacheAside(store, "k", async () => ({ stock: -1 }))).toEqual({ stock: 3 });
  });

  it("rejects and leaves KV untouched when the source fails", async () => {
    await writeThrough(store, "k", "old", async () => {}, { ttl: 300 });
    const before = await fresh.get("k");
    counting.reset();
    const failing = async () => {
      throw new Error("database refused");
    };
    await expect(writeThrough(store, "k", "new", failing, { ttl: 300 })).rejects.toThrow("database refused");
    expect(counting.counts.writes).toBe(0);
    expect(await fresh.get("k")).toBe(before);
  });

  it("rejects when KV fails after the source took the value, and counts the error", async () => {
    const write = vi.fn(async () => {});
    const broken = new KVStore(failingKV("put"));
    await expect(writeThrough(broken, "k", "new", write, { ttl: 300 })).rejects.toThrow("KV put failed");
    expect(write).toHaveBeenCalledWith("new");
    expect(cacheStats().errors).toBe(1);
  });
});

describe("writeBehind", () => {
  it("writes KV first and the source after the response, through waitUntil", async () => {
    const source = pendingLoad<void>();
    const ctx = createExecutionContext();
    await writeBehind(store, "k", "new", source.load, ctx, { ttl: 300 });
    // writeBehind has returned while the source write is still pending, and KV has the value.
    expect(source.load).toHaveBeenCalledWith("new");
    expect(await cacheAside(store, "k", async () => "stale source")).toBe("new");
    source.release();
    await waitOnExecutionContext(ctx);
    expect(cacheStats().errors).toBe(0);
  });

  it("reports a failed source write through the stats and onError", async () => {
    const onError = vi.fn();
    const ctx = createExecutionContext();
    const failing = async () => {
      throw new Error("database refused");
    };
    await writeBehind(store, "k", "new", failing, ctx, { ttl: 300, onError });
    await waitOnExecutionContext(ctx);
    expect(onError).toHaveBeenCalledWith(expect.objectContaining({ message: "database refused" }), "k");
    expect(cacheStats().errors).toBe(1);
  });

  it("rejects without touching the source when KV refuses the write", async () => {
    const write = vi.fn(async () => {});
    const broken = new KVStore(failingKV("put"));
    await expect(writeBehind(broken, "k", "new", write, createExecutionContext())).rejects.toThrow(
      "KV put failed",
    );
    expect(write).not.toHaveBeenCalled();
  });
});

describe("invalidation", () => {
  it("by key", async () => {
    await cacheAside(store, "k", async () => "v1", { ttl: 300 });
    await invalidate(store, "k");
    expect(await cacheAside(store, "k", async () => "v2", { ttl: 300 })).toBe("v2");
  });

  it("by prefix, deleting only the keys under it", async () => {
    await warm(
      store,
      [keys.cache("product", "1"), keys.cache("product", "2"), keys.cache("user", "1")],
      async (key) => key,
      { ttl: 300 },
    );
    expect(await invalidatePrefix(store, "cache:product:")).toEqual({ deleted: 2, complete: true });
    const left = (await fresh.list()).keys.map((key) => key.name);
    expect(left).toEqual([keys.cache("user", "1")]);
    await expect(invalidatePrefix(store, "")).rejects.toThrow(/non-empty prefix/);
  });

  it("by prefix, under an operation budget, resuming from the cursor it returns", async () => {
    await Promise.all(["1", "2", "3", "4", "5"].map((id) => store.set(keys.cache("part", id), id)));
    const first = await invalidatePrefix(store, "cache:part:", { budget: 3 });
    expect(first).toMatchObject({ deleted: 2, complete: false });
    const rest = await invalidatePrefix(store, "cache:part:", { budget: 10, cursor: first.cursor });
    expect(rest).toEqual({ deleted: 3, complete: true });
  });

  it("by version bump: every key of the group misses at once, for 1 KV write", async () => {
    const key = keys.cache("product", "1");
    const load = vi.fn(async () => `loaded ${load.mock.calls.length}`);
    const read = async () =>
      cacheAside(store, await versionedKey(store, "products", key, { now }), load, { ttl: 300 });
    expect(await read()).toBe("loaded 1");
    expect(await read()).toBe("loaded 1");

    counting.reset();
    expect(await bumpVersion(store, "products", { now })).toMatch(/^[0-9a-z]+-[0-9a-z]+$/);
    expect(counting.counts).toEqual({ reads: 0, writes: 1, deletes: 0, lists: 0 });
    expect(await read()).toBe("loaded 2");
    expect(load).toHaveBeenCalledTimes(2);
  });

  it("keeps a group's version in memory for a minute, then sees another isolate's bump", async () => {
    const key = keys.cache("order", "1");
    expect(await versionedKey(store, "orders", key, { now })).toBe(`${key}:v0`);
    await fresh.put("cache-version:orders", "1"); // what bumpVersion in another isolate leaves in KV

    counting.reset();
    expect(await versionedKey(store, "orders", key, { now })).toBe(`${key}:v0`);
    expect(counting.total()).toBe(0);
    clock += 60 * SECOND;
    expect(await versionedKey(store, "orders", key, { now })).toBe(`${key}:v1`);
    expect(counting.counts.reads).toBe(1);
  });

  it("two bumps at once give two different versions (no read-modify-write of a counter)", async () => {
    const [first, second] = await Promise.all([bumpVersion(store, "together", { now }), bumpVersion(store, "together", { now })]);
    expect(first).not.toBe(second);
  });

  it("a bump in a location that still sees an old version never reuses a version (production double)", async () => {
    const prod = productionKV(fresh, { now });
    const london = new KVStore(prod.at("london"));
    const sydney = new KVStore(prod.at("sydney"));
    const key = keys.cache("product", "7");
    const versions = [await bumpVersion(london, "stale-group", { now })];
    clock += SECOND;
    versions.push(await bumpVersion(london, "stale-group", { now }));
    clock += SECOND;
    // Sydney has seen neither bump yet; its own bump must still be a version never used.
    versions.push(await bumpVersion(sydney, "stale-group", { now }));
    expect(new Set(versions).size).toBe(3);
    clock += 60 * SECOND;
    expect(await versionedKey(london, "stale-group", key, { now })).toBe(`${key}:v${versions[2]}`);
  });
});

describe("cache-aside's race: a slow load that ends after the source changed", () => {
  it("stores the old value, served until the entry's ttl ends (KV expires it then)", async () => {
    const key = keys.cache("race", "plain");
    const slow = pendingLoad<string>();
    const reading = cacheAside(store, key, slow.load, { ttl: 120 });
    await slow.called;
    // The load has read "old" from the source; then the source changes and the key is
    // invalidated, while nothing is cached yet; then the load ends and stores "old".
    await invalidate(store, key);
    slow.release("old");
    expect(await reading).toBe("old");
    expect(await cacheAside(store, key, async () => "new", { ttl: 120 })).toBe("old");
    // The bound: KV drops the entry ttl seconds after the late write.
    const writtenAt = Math.floor(Date.now() / 1000);
    expect((await kvExpiration(key))! - writtenAt).toBeGreaterThanOrEqual(118);
    expect((await kvExpiration(key))! - writtenAt).toBeLessThanOrEqual(121);
  });

  it("an invalidation in one location reaches another within KV's propagation (production double)", async () => {
    const prod = productionKV(fresh, { now });
    const key = keys.cache("race", "elsewhere");
    const readIn = (location: string, load: () => Promise<string>) => cacheAside(new KVStore(prod.at(location)), key, load, { ttl: 300 });
    await readIn("london", async () => "old");
    clock += 61 * SECOND; // Sydney has the entry too
    expect(await readIn("sydney", async () => "never")).toBe("old");
    await invalidate(new KVStore(prod.at("london")), key);
    clock += SECOND; // London's refill is a write too: KV takes one a second per key
    expect(await readIn("london", async () => "new")).toBe("new");
    expect(await readIn("sydney", async () => "never")).toBe("old"); // not seen there yet
    clock += 60 * SECOND;
    expect(await readIn("sydney", async () => "never")).toBe("new");
  });

  it("is closed by versionedKey: bump the version instead of invalidating, and the late load lands under a key nobody reads", async () => {
    const key = keys.cache("race", "versioned");
    const read = async (load: () => Promise<string>) => cacheAside(store, await versionedKey(store, "race-group", key, { now }), load, { ttl: 120 });
    const slow = pendingLoad<string>();
    const reading = read(slow.load);
    await slow.called;
    await bumpVersion(store, "race-group", { now });
    slow.release("old");
    expect(await reading).toBe("old"); // the request that read the source before the change
    expect(await read(async () => "new")).toBe("new");
    expect(await read(async () => "never")).toBe("new");
  });
});

describe("warm", () => {
  it("stores every key so the first reads are fresh hits", async () => {
    const names = ["a", "b", "c", "d", "e", "f", "g", "h"];
    const result = await warm(store, names, async (key) => key.toUpperCase(), { ttl: 300, now });
    expect(result).toEqual({ warmed: names, failed: [] });
    expect(counting.counts.writes).toBe(names.length);
    const neverCalled = vi.fn(async () => "x");
    for (const name of names) {
      expect(
        await staleWhileRevalidate(
          store,
          name,
          neverCalled,
          { ttl: 10, staleTtl: 10, now },
          createExecutionContext(),
        ),
      ).toBe(name.toUpperCase());
    }
    expect(neverCalled).not.toHaveBeenCalled();
  });

  it("reports keys whose load fails and stores the rest", async () => {
    const onError = vi.fn();
    const load = async (key: string) => {
      if (key === "bad") throw new Error("no such record");
      return key;
    };
    expect(await warm(store, ["ok", "bad", "fine"], load, { ttl: 300, onError })).toEqual({
      warmed: ["ok", "fine"],
      failed: ["bad"],
    });
    expect(onError).toHaveBeenCalledWith(expect.objectContaining({ message: "no such record" }), "bad");
    expect(cacheStats().errors).toBe(1);
    expect(await fresh.get("bad")).toBeNull();
  });

  it("refuses more keys than one invocation may write", async () => {
    const tooMany = Array.from({ length: 1001 }, (_, i) => `k${i}`);
    await expect(warm(store, tooMany, async () => 1)).rejects.toThrow(/at most 1000 KV operations/);
    expect(counting.total()).toBe(0);
  });
});

describe("cacheStats", () => {
  it("counts per isolate until reset, with the hit rate", async () => {
    expect(cacheStats()).toEqual({
      hits: 0,
      misses: 0,
      staleServes: 0,
      refreshes: 0,
      errors: 0,
      hitRate: null,
    });
    await cacheAside(store, "k", async () => 1, { ttl: 300 });
    await cacheAside(store, "k", async () => 1, { ttl: 300 });
    await cacheAside(store, "k", async () => 1, { ttl: 300 });
    await cacheAside(store, "k", async () => 1, { ttl: 300 });
    expect(cacheStats()).toEqual({
      hits: 3,
      misses: 1,
      staleServes: 0,
      refreshes: 0,
      errors: 0,
      hitRate: 0.75,
    });
    resetCacheStats();
    expect(cacheStats().hits).toBe(0);
  });
});
