import { exports } from "cloudflare:workers";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { rateLimit } from "../../src/config";

const windowMs = rateLimit.window * 1000;

// The Worker runs in this isolate and builds its limiter from `rateLimit` on every
// request, so the tests lower the limit to a few requests: the route behaves the same
// at any limit, and using up 100 per test would be most of the suite's time. The Rate
// Limiting binding takes its limit from wrangler.jsonc, so it is tested at that one.
const configuredLimit = rateLimit.limit;
const limit = rateLimit.backend === "binding" ? configuredLimit : 5;

function limited(clientIp: string): Promise<Response> {
  return exports.default.fetch("http://example.com/limited", { headers: { "CF-Connecting-IP": clientIp } });
}

async function useUp(clientIp: string): Promise<void> {
  for (let used = 1; used <= limit; used++) await limited(clientIp);
}

describe(`rate-limited route (${rateLimit.backend})`, () => {
  beforeEach(async () => {
    rateLimit.limit = limit;
    if (rateLimit.backend === "binding") {
      // The binding counts in periods of the real clock, which a test cannot move:
      // start well inside one, so no test crosses into the next by accident.
      const left = windowMs - (Date.now() % windowMs);
      if (left < Math.min(windowMs / 3, 10_000)) await new Promise((resolve) => setTimeout(resolve, left + 100));
    } else {
      // The Worker and its Durable Objects run in this isolate, so they see this clock.
      vi.useFakeTimers({ toFake: ["Date"] });
      vi.setSystemTime(Math.ceil(Date.now() / windowMs) * windowMs + 1000);
    }
  }, 30_000);
  afterEach(() => {
    rateLimit.limit = configuredLimit;
    vi.useRealTimers();
  });

  it(`allows ${limit} requests, then answers 429 with Retry-After`, async () => {
    for (let used = 1; used <= limit; used++) {
      const response = await limited("203.0.113.1");
      expect(response.status).toBe(200);
      expect(response.headers.get("X-RateLimit-Limit")).toBe(String(limit));
      if (rateLimit.backend !== "binding") {
        expect(response.headers.get("X-RateLimit-Remaining")).toBe(String(limit - used));
      }
    }

    const refused = await limited("203.0.113.1");
    expect(refused.status).toBe(429);
    expect(await refused.json()).toEqual({ error: expect.stringContaining("Too many requests") });
    const retryAfter = Number(refused.headers.get("Retry-After"));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(rateLimit.window);
  });

  it("counts each client on its own", async () => {
    await useUp("203.0.113.2");
    expect((await limited("203.0.113.2")).status).toBe(429);
    expect((await limited("203.0.113.3")).status).toBe(200);
  });

  it("counts every address of one IPv6 /64 as one client", async () => {
    await useUp("2001:db8:5:6::1");
    expect((await limited("2001:db8:5:6:ffff::2")).status).toBe(429);
    expect((await limited("2001:db8:5:7::1")).status).toBe(200);
  });

  if (rateLimit.backend !== "binding") {
    it("lets the client in again a window later", async () => {
      await useUp("203.0.113.4");
      expect((await limited("203.0.113.4")).status).toBe(429);
      vi.setSystemTime(Date.now() + windowMs);
      expect((await limited("203.0.113.4")).status).toBe(200);
    });
  }

  if (rateLimit.backend === "durable-object") {
    // Exact under concurrency: the client's object counts one request at a time.
    // (A KV counter lets a whole simultaneous burst through: every request reads the same count.)
    const burst = 4 * limit;
    it(`lets exactly ${limit} of ${burst} simultaneous requests through`, async () => {
      const responses = await Promise.all(Array.from({ length: burst }, () => limited("203.0.113.5")));
      const statuses = responses.map((response) => response.status);
      expect(statuses.filter((status) => status === 200)).toHaveLength(limit);
      expect(statuses.filter((status) => status !== 200).every((status) => status === 429)).toBe(true);
    });

    it("slides: the limit used at the end of a window still counts at the start of the next", async () => {
      // A fixed window would allow the limit again from the first millisecond of the next window.
      const windowEnd = Math.ceil(Date.now() / windowMs) * windowMs;
      const quarter = windowMs / 4;
      vi.setSystemTime(windowEnd - quarter);
      await useUp("203.0.113.6");
      vi.setSystemTime(windowEnd + quarter);
      const refused = await limited("203.0.113.6");
      expect(refused.status).toBe(429);
      expect(refused.headers.get("Retry-After")).toBe(String(Math.ceil((windowMs - 2 * quarter) / 1000)));
      vi.setSystemTime(windowEnd - quarter + windowMs);
      expect((await limited("203.0.113.6")).status).toBe(200);
    });
  }
});
