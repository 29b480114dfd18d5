// The Rate Limiting binding backend, through RATE_LIMIT_BINDING (limit 3 per 10 s) in
// test/template/wrangler.jsonc. Local workerd simulates the binding's counting.
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { BindingRateLimiter } from "../../../templates/default/src/lib/rate-limit-binding";

/** Local workerd counts in 10 s windows of the real clock: start well inside one. */
async function awayFromPeriodEnd(periodMs: number, marginMs: number): Promise<void> {
  const left = periodMs - (Date.now() % periodMs);
  if (left < marginMs) await new Promise((resolve) => setTimeout(resolve, left + 50));
}

describe("BindingRateLimiter", () => {
  it("allows the limit, then refuses with the whole period as Retry-After", async () => {
    await awayFromPeriodEnd(10_000, 3_000);
    const limiter = new BindingRateLimiter(env.RATE_LIMIT_BINDING, { limit: 3, period: 10 });
    const results = [];
    for (let i = 0; i < 4; i++) results.push(await limiter.check("binding-client"));
    expect(results.slice(0, 3)).toEqual([1, 2, 3].map(() => ({ allowed: true, limit: 3 })));
    expect(results[3]).toEqual({ allowed: false, limit: 3, remaining: 0, retryAfter: 10 });
  });
});
