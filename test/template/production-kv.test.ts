import { env } from "cloudflare:workers";
import { beforeEach, describe, expect, it } from "vitest";
import { productionKV } from "../../templates/default/test/support/production-kv";

// The production-KV double's own tests. They run in this repository only: the
// generated project ships the double and uses it, and some cases here are heavy.

let clock: number;
const now = () => clock;

beforeEach(() => {
  clock = Date.UTC(2026, 11, 1);
});

describe("productionKV locations", () => {
  it("shows a write at once where it was made and elsewhere only after propagationMs", async () => {
    const prod = productionKV(env.TEST_KV, { now, propagationMs: 60_000 });
    const london = prod.at("london");
    const sydney = prod.at("sydney");
    expect(await sydney.get("k")).toBeNull();
    await london.put("k", "v1");
    expect(await london.get("k")).toBe("v1");
    // A cached "not found" in Sydney until the write arrives.
    expect(await sydney.get("k")).toBeNull();
    clock += 59_999;
    expect(await sydney.get("k")).toBeNull();
    clock += 1;
    expect(await sydney.get("k")).toBe("v1");
  });

  it("serves the previous value elsewhere, with its type and metadata, until a change propagates", async () => {
    const prod = productionKV(env.TEST_KV, { now, propagationMs: 5_000 });
    const london = prod.at("london");
    const sydney = prod.at("sydney");
    await london.put("k", JSON.stringify({ n: 1 }), { metadata: { v: 1 } });
    clock += 5_000;
    await london.put("k", JSON.stringify({ n: 2 }), { metadata: { v: 2 } });
    expect(await sydney.get("k", "json")).toEqual({ n: 1 });
    expect(await sydney.getWithMetadata("k", "json")).toMatchObject({ value: { n: 1 }, metadata: { v: 1 } });
    expect(new TextDecoder().decode((await sydney.get("k", "arrayBuffer"))!)).toBe('{"n":1}');
    expect(await sydney.get(["k"], "json")).toEqual(new Map([["k", { n: 1 }]]));
    expect(await london.get("k", "json")).toEqual({ n: 2 });

    clock += 5_000;
    expect(await sydney.get("k", "json")).toEqual({ n: 2 });
    await london.delete("k");
    expect(await london.get("k")).toBeNull();
    expect(await sydney.get("k", "json")).toEqual({ n: 2 });
    clock += 5_000;
    expect(await sydney.get("k")).toBeNull();
  });

  it("keeps each double's keys apart in a shared namespace", async () => {
    const first = productionKV(env.TEST_KV, { now }).at("a");
    const second = productionKV(env.TEST_KV, { now }).at("a");
    await first.put("shared-name", "first");
    expect(await second.get("shared-name")).toBeNull();
    expect((await first.list()).keys.map((key) => key.name)).toEqual(["shared-name"]);
    expect((await second.list()).keys).toEqual([]);
  });
});

describe("productionKV write rate", () => {
  it("refuses a second write to a key within one second, from any location, as KV does", async () => {
    const prod = productionKV(env.TEST_KV, { now });
    await prod.at("london").put("k", "1");
    clock += 999;
    await expect(prod.at("london").put("k", "2")).rejects.toThrow("KV PUT failed: 429 Too Many Requests");
    await expect(prod.at("sydney").delete("k")).rejects.toThrow("KV DELETE failed: 429 Too Many Requests");
    await prod.at("london").put("other", "fine");
    clock += 1;
    await prod.at("sydney").put("k", "3");
    expect(await prod.at("sydney").get("k")).toBe("3");
  });

  it("lets only one of two simultaneous writes through", async () => {
    const prod = productionKV(env.TEST_KV, { now });
    const results = await Promise.allSettled([prod.at("a").put("k", "a"), prod.at("b").put("k", "b")]);
    expect(results.map((result) => result.status).sort()).toEqual(["fulfilled", "rejected"]);
  });
});

describe("productionKV operation budget", () => {
  it("allows 1000 operations per invocation, counts a bulk get as one, and starts afresh per at()", async () => {
    const prod = productionKV(env.TEST_KV, { now });
    const invocation = prod.at("london");
    const hundredKeys = Array.from({ length: 100 }, (_, index) => `k${index}`);
    for (let round = 0; round < 9; round++) {
      await Promise.all(Array.from({ length: 111 }, () => invocation.get(hundredKeys)));
    }
    await invocation.get("one-more");
    await expect(invocation.get("k0")).rejects.toThrow("Too many API requests by single worker invocation.");
    expect(await prod.at("london").get("k0")).toBeNull();
  });

  it("takes a smaller budget for tests that want to reach it quickly", async () => {
    const invocation = productionKV(env.TEST_KV, { now, operationBudget: 2 }).at("x");
    await invocation.put("a", "1");
    await invocation.list();
    await expect(invocation.delete("a")).rejects.toThrow("Too many API requests");
  });
});

describe("productionKV size limits", () => {
  it("refuses a key over 512 bytes (414) and metadata over 1024 bytes (413)", async () => {
    // No prefix of the double's own here, so a key can use all 512 bytes of the real namespace.
    const kv = productionKV(env.TEST_KV, { now, prefix: "" }).at("x");
    await kv.put("é".repeat(256), "fits"); // 512 bytes
    clock += 1_000;
    await kv.delete("é".repeat(256));
    await expect(kv.put("k".repeat(513), "v")).rejects.toThrow(/414 UTF-8 encoded length of 513/);
    await expect(kv.get("k".repeat(513))).rejects.toThrow(/414/);
    await expect(kv.put("m", "v", { metadata: { text: "x".repeat(1020) } })).rejects.toThrow(
      /413 Metadata length of 1031 exceeds limit of 1024/,
    );
  });

  it("refuses a value over 25 MiB (413) and takes one of exactly 25 MiB", async () => {
    const kv = productionKV(env.TEST_KV, { now }).at("x");
    const limit = 25 * 1024 * 1024;
    await expect(kv.put("big", new Uint8Array(limit + 1))).rejects.toThrow(`413 Value length of ${limit + 1} exceeds limit of ${limit}.`);
    await kv.put("big", new Uint8Array(limit));
    expect(((await kv.get("big", "arrayBuffer")) as ArrayBuffer).byteLength).toBe(limit);
  });

  it("refuses a bulk get of more than 100 keys (400) or more than the bulk size in total (413)", async () => {
    const prod = productionKV(env.TEST_KV, { now, limits: { maxBulkReadBytes: 10 } });
    const kv = prod.at("x");
    await kv.put("a", "12345");
    await kv.put("b", "123456");
    await expect(kv.get(Array.from({ length: 101 }, (_, index) => `k${index}`))).rejects.toThrow(/400/);
    await expect(kv.get(["a", "b"])).rejects.toThrow(/413 Total size/);
    expect(await kv.get(["a"])).toEqual(new Map([["a", "12345"]]));
  });
});
