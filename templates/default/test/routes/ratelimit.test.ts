import { exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { rateLimit } from "../../src/config";

function limited(clientIp: string): Promise<Response> {
  return exports.default.fetch("http://example.com/limited", { headers: { "CF-Connecting-IP": clientIp } });
}

describe("rate-limited route", () => {
  it(`allows ${rateLimit.limit} requests per window, then answers 429 with Retry-After`, async () => {
    for (let used = 1; used <= rateLimit.limit; used++) {
      const response = await limited("203.0.113.1");
      expect(response.status).toBe(200);
      expect(response.headers.get("X-RateLimit-Limit")).toBe(String(rateLimit.limit));
      expect(response.headers.get("X-RateLimit-Remaining")).toBe(String(rateLimit.limit - used));
    }

    const refused = await limited("203.0.113.1");
    expect(refused.status).toBe(429);
    expect(await refused.json()).toEqual({ error: expect.stringContaining("Too many requests") });
    const retryAfter = Number(refused.headers.get("Retry-After"));
    expect(Number.isInteger(retryAfter)).toBe(true);
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(rateLimit.window);
    const resetAt = Number(refused.headers.get("X-RateLimit-Reset"));
    expect(resetAt).toBeGreaterThan(Date.now() / 1000 - 1);
  });

  it("counts each client on its own", async () => {
    for (let used = 1; used <= rateLimit.limit; used++) await limited("203.0.113.2");
    expect((await limited("203.0.113.2")).status).toBe(429);
    expect((await limited("203.0.113.3")).status).toBe(200);
  });
});
