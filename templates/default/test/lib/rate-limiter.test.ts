import { env } from "cloudflare:workers";
import { beforeEach, describe, expect, it } from "vitest";
import { keys } from "../../src/lib/keys";
import { rateLimitHeaders } from "../../src/lib/rate-limit";
import { KVRateLimiter } from "../../src/lib/rate-limiter";
import { countingKV, type CountingKV } from "../support/counting-kv";
import { freshKV } from "../support/fresh-kv";
import { productionKV } from "../support/production-kv";
import { refusingWrites } from "../support/refusing-kv";

let kv: KVNamespace;
let counting: CountingKV;
let clock: number;
const now = () => clock;
// The start of a 60-second window; each test's clock starts a quarter second into it.
const WINDOW_START = Date.parse("2026-11-24T10:00:00Z");

beforeEach(() => {
  kv = freshKV(env.TEST_KV);
  counting = countingKV(kv);
  clock = WINDOW_START + 250;
});

describe("KVRateLimiter.check", () => {
  it("allows up to the limit in a window, then refuses with Retry-After", async () => {
    const limiter = new KVRateLimiter(counting.kv, { limit: 3, window: 60, now });
    const results = [];
    for (let i = 0; i < 4; i++) results.push(await limiter.check("1.2.3.4"));
    expect(results.map((result) => result.allowed)).toEqual([true, true, true, false]);
    expect(results.map((result) => result.remaining)).toEqual([2, 1, 0, 0]);
    const resetAt = WINDOW_START + 60_000;
    expect(results[3]).toEqual({ allowed: false, limit: 3, remaining: 0, resetAt, retryAfter: 60 });
  });

  it("rounds Retry-After up to whole seconds, never below 1", async () => {
    const limiter = new KVRateLimiter(counting.kv, { limit: 1, window: 60, now });
    await limiter.check("a");
    clock = WINDOW_START + 58_500;
    expect((await limiter.check("a")).retryAfter).toBe(2);
    clock = WINDOW_START + 59_999;
    expect((await limiter.check("a")).retryAfter).toBe(1);
  });

  it("costs at most 1 read and 1 write per check, and no write once refused", async () => {
    const limiter = new KVRateLimiter(counting.kv, { limit: 1, window: 60, now });
    await limiter.check("a");
    expect(counting.counts).toEqual({ reads: 1, writes: 1, deletes: 0, lists: 0 });
    counting.reset();
    await limiter.check("a");
    expect(counting.counts).toEqual({ reads: 1, writes: 0, deletes: 0, lists: 0 });
  });

  it("starts a fresh count when the window rolls over", async () => {
    const limiter = new KVRateLimiter(counting.kv, { limit: 2, window: 60, now });
    await limiter.check("a");
    await limiter.check("a");
    expect((await limiter.check("a")).allowed).toBe(false);
    clock = WINDOW_START + 60_000;
    const next = await limiter.check("a");
    expect(next).toEqual({ allowed: true, limit: 2, remaining: 1, resetAt: WINDOW_START + 120_000 });
  });

  it("counts each id separately, even ids that contain the key separator", async () => {
    const limiter = new KVRateLimiter(counting.kv, { limit: 1, window: 60, now });
    expect((await limiter.check("::1")).allowed).toBe(true);
    expect((await limiter.check(":")).allowed).toBe(true);
    expect((await limiter.check("::1")).allowed).toBe(false);
  });

  it("limits a client whose id is too long for a KV key instead of failing open", async () => {
    const errors: unknown[] = [];
    const limiter = new KVRateLimiter(counting.kv, { limit: 1, window: 60, now, onError: (e) => errors.push(e) });
    const longId = "x".repeat(2000);
    expect((await limiter.check(longId)).allowed).toBe(true);
    const second = await limiter.check(longId);
    expect(second.allowed).toBe(false);
    expect(second.failedOpen).toBeUndefined();
    expect((await limiter.check("x".repeat(1999))).allowed).toBe(true);
    expect(errors).toEqual([]);
  });

  it("keeps two limiters with different prefixes apart", async () => {
    const login = new KVRateLimiter(counting.kv, { limit: 1, window: 60, prefix: "login:", now });
    const api = new KVRateLimiter(counting.kv, { limit: 1, window: 60, prefix: "api:", now });
    await login.check("a");
    expect((await api.check("a")).allowed).toBe(true);
    expect((await login.check("a")).allowed).toBe(false);
  });
});

describe("KVRateLimiter counter keys", () => {
  it("expire after their window, never sooner than KV's 60-second minimum", async () => {
    // KV stamps expiry with the real clock, so this test's clock is the real time, held still.
    const start = Date.now();
    const frozen = () => start;
    const short = new KVRateLimiter(kv, { limit: 5, window: 10, now: frozen });
    const long = new KVRateLimiter(kv, { limit: 5, window: 3600, prefix: "long:", now: frozen });
    const shortResult = await short.check("a");
    const longResult = await long.check("a");
    const listed = new Map((await kv.list()).keys.map((key) => [key.name, key.expiration!]));
    const shortExpiry = listed.get(keys.rateLimit("a", Math.floor(start / 10_000)))!;
    const longExpiry = listed.get(`long:${keys.rateLimit("a", Math.floor(start / 3_600_000))}`)!;
    expect(shortExpiry).toBeGreaterThanOrEqual(Math.floor(shortResult.resetAt! / 1000));
    // KV stamps both keys with its own clock, which a busy machine can put seconds away
    // from this test's: compare the two keys with each other. The short window's key
    // lives KV's minimum 60 s (not 10), the long one until its window ends.
    const longTtl = Math.ceil((longResult.resetAt! - start) / 1000);
    expect(Math.abs(longExpiry - shortExpiry - (longTtl - 60))).toBeLessThanOrEqual(2);
  });
});

describe("KVRateLimiter fails open", () => {
  it("allows and reports the request when KV refuses the write", async () => {
    const errors: unknown[] = [];
    const limiter = new KVRateLimiter(refusingWrites(kv), { limit: 5, window: 60, now, onError: (e) => errors.push(e) });
    const result = await limiter.check("a");
    expect(result).toEqual({ allowed: true, limit: 5, remaining: 4, resetAt: WINDOW_START + 60_000, failedOpen: true });
    expect(String(errors[0])).toMatch(/429/);
  });

  it("allows and reports the request when the read fails", async () => {
    const errors: unknown[] = [];
    const broken = {
      get: async () => {
        throw new Error("KV GET failed");
      },
    } as unknown as KVNamespace;
    const limiter = new KVRateLimiter(broken, { limit: 5, window: 60, now, onError: (e) => errors.push(e) });
    const result = await limiter.check("a");
    expect(result.allowed).toBe(true);
    expect(result.failedOpen).toBe(true);
    expect(errors).toHaveLength(1);
  });
});

describe("KVRateLimiter status, reset and headers", () => {
  it("status reports without consuming, reset clears the window", async () => {
    const limiter = new KVRateLimiter(counting.kv, { limit: 2, window: 60, now });
    await limiter.check("a");
    counting.reset();
    const status = await limiter.status("a");
    expect(status).toEqual({ allowed: true, limit: 2, remaining: 1, resetAt: WINDOW_START + 60_000 });
    expect(counting.counts.writes).toBe(0);
    expect(await limiter.status("a")).toEqual(status);

    await limiter.check("a");
    expect((await limiter.status("a")).allowed).toBe(false);
    await limiter.reset("a");
    expect((await limiter.status("a")).remaining).toBe(2);
  });

  it("builds headers with epoch-second reset and Retry-After only when refused", async () => {
    const limiter = new KVRateLimiter(counting.kv, { limit: 1, window: 60, now });
    const allowed = await limiter.check("a");
    expect(rateLimitHeaders(allowed)).toEqual({
      "X-RateLimit-Limit": "1",
      "X-RateLimit-Remaining": "0",
      "X-RateLimit-Reset": String((WINDOW_START + 60_000) / 1000),
    });
    clock += 20_000;
    const refused = await limiter.check("a");
    expect(rateLimitHeaders(refused)).toEqual({
      "X-RateLimit-Limit": "1",
      "X-RateLimit-Remaining": "0",
      "X-RateLimit-Reset": String((WINDOW_START + 60_000) / 1000),
      "Retry-After": "40",
    });
  });

  it("rejects a limit or window that is not a positive whole number", () => {
    expect(() => new KVRateLimiter(counting.kv, { limit: 0, window: 60 })).toThrow(/limit/);
    expect(() => new KVRateLimiter(counting.kv, { limit: 10, window: 0.5 })).toThrow(/window/);
  });
});

describe("KVRateLimiter under production KV (the production double): the bounds its doc comment states", () => {
  /** One request: its own invocation in `location`, checked against a fresh limiter as a Worker would make it. */
  const checkFrom = (prod: ReturnType<typeof productionKV>, location: string) =>
    new KVRateLimiter(prod.at(location), { limit: 2, window: 60, now, onError: () => {} }).check("client");

  it("requests within one second all pass and count once; from then on the count rises one a second", async () => {
    const prod = productionKV(kv, { now });
    const allowedEachSecond: number[] = [];
    for (let second = 0; second < 4; second++) {
      // Five requests at once: all read the same count; KV keeps one write and refuses the rest (429).
      const results = await Promise.all(Array.from({ length: 5 }, () => checkFrom(prod, "london")));
      allowedEachSecond.push(results.filter((result) => result.allowed).length);
      if (second === 0) expect(results.filter((result) => result.failedOpen)).toHaveLength(4);
      clock += 1_000;
    }
    // Limit 2: the flood passes whole for 2 seconds (10 requests), then is refused to the window's end.
    expect(allowedEachSecond).toEqual([5, 5, 0, 0]);
  });

  it("each location counts on its own: paced requests from two locations get limit x 2 per window", async () => {
    const prod = productionKV(kv, { now });
    const allowed: Record<string, boolean[]> = { london: [], sydney: [] };
    // One request a second, taking turns, so no two writes meet KV's one-write-per-second rule.
    for (let turn = 0; turn < 6; turn++) {
      const location = turn % 2 === 0 ? "london" : "sydney";
      allowed[location]!.push((await checkFrom(prod, location)).allowed);
      clock += 1_000;
    }
    expect(allowed).toEqual({ london: [true, true, false], sydney: [true, true, false] });
  });

  it("a fixed window lets twice the limit through around its boundary", async () => {
    const prod = productionKV(kv, { now });
    clock = WINDOW_START + 58_000;
    const allowed: boolean[] = [];
    for (let request = 0; request < 5; request++) {
      allowed.push((await checkFrom(prod, "london")).allowed);
      clock += 1_000;
    }
    // 58 s and 59 s fill the first window; 60 s and 61 s start the next one: 4 in 4 seconds.
    expect(allowed).toEqual([true, true, true, true, false]);
  });
});
