// The Durable Object limiter, through the RATE_LIMITER binding of test/template/wrangler.jsonc.
// (A generated project tests whichever backend it uses in test/routes/ratelimit.test.ts.)
import { env } from "cloudflare:workers";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { SlidingWindowRateLimiter } from "../../../templates/default/src/lib/rate-limit-object";

const START = Date.parse("2026-11-24T10:00:00Z");
let client = 0;
/** A fresh client (and so a fresh object) per test. */
const nextClient = () => `client-${++client}`;

beforeEach(() => {
  vi.useFakeTimers({ toFake: ["Date"] });
  vi.setSystemTime(START);
});
afterEach(() => {
  vi.useRealTimers();
});

describe("SlidingWindowRateLimiter", () => {
  it("lets exactly the limit through out of 150 simultaneous requests", async () => {
    const limiter = new SlidingWindowRateLimiter(env.RATE_LIMITER, { limit: 100, window: 60 });
    const id = nextClient();
    const results = await Promise.all(Array.from({ length: 150 }, () => limiter.check(id)));
    expect(results.filter((result) => result.allowed)).toHaveLength(100);
    expect(results.filter((result) => result.allowed).map((result) => result.remaining).sort((a, b) => a! - b!)).toEqual(
      Array.from({ length: 100 }, (_, index) => index),
    );
  });

  it("refuses with Retry-After until the oldest request leaves the window", async () => {
    const limiter = new SlidingWindowRateLimiter(env.RATE_LIMITER, { limit: 2, window: 60 });
    const id = nextClient();
    await limiter.check(id);
    vi.setSystemTime(START + 10_000);
    await limiter.check(id);
    vi.setSystemTime(START + 20_500);
    expect(await limiter.check(id)).toEqual({ allowed: false, limit: 2, remaining: 0, resetAt: START + 60_000, retryAfter: 40 });
    vi.setSystemTime(START + 60_000);
    expect(await limiter.check(id)).toEqual({ allowed: true, limit: 2, remaining: 0, resetAt: START + 70_000 });
  });

  it("never lets twice the limit through around a window boundary", async () => {
    // A fixed 60 s window would allow 3 at 0:59 and 3 more at 1:00.
    const limiter = new SlidingWindowRateLimiter(env.RATE_LIMITER, { limit: 3, window: 60 });
    const id = nextClient();
    vi.setSystemTime(START + 59_000);
    const before = await Promise.all([1, 2, 3].map(() => limiter.check(id)));
    vi.setSystemTime(START + 60_000);
    const after = await Promise.all([1, 2, 3].map(() => limiter.check(id)));
    expect(before.every((result) => result.allowed)).toBe(true);
    expect(after.some((result) => result.allowed)).toBe(false);
    vi.setSystemTime(START + 119_000);
    expect((await limiter.check(id)).allowed).toBe(true);
  });

  it("counts each client in its own object", async () => {
    const limiter = new SlidingWindowRateLimiter(env.RATE_LIMITER, { limit: 1, window: 10 });
    const [a, b] = [nextClient(), nextClient()];
    expect((await limiter.check(a)).allowed).toBe(true);
    expect((await limiter.check(a)).allowed).toBe(false);
    expect((await limiter.check(b)).allowed).toBe(true);
  });
});
