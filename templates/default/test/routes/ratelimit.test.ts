import { exports } from "cloudflare:workers";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { rateLimit } from "../../src/config";

const windowMs = rateLimit.window * 1000;

function limited(clientIp: string): Promise<Response> {
  return exports.default.fetch("http://example.com/limited", { headers: { "CF-Connecting-IP": clientIp } });
}

async function useUp(clientIp: string): Promise<void> {
  for (let used = 1; used <= rateLimit.limit; used++) await limited(clientIp);
}

describe("rate-limited route", () => {
  // Windows are fixed slices of the clock: start each test just after a window begins,
  // so no test crosses into the next window by accident. The Worker runs in this
  // isolate, so it sees the same clock.
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(Math.ceil(Date.now() / windowMs) * windowMs + 1000);
  });
  afterEach(() => {
    vi.useRealTimers();
  });

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
    expect(refused.headers.get("Retry-After")).toBe(String(rateLimit.window - 1));
    expect(Number(refused.headers.get("X-RateLimit-Reset"))).toBe(Math.ceil(Date.now() / windowMs) * rateLimit.window);
  });

  it("counts each client on its own", async () => {
    await useUp("203.0.113.2");
    expect((await limited("203.0.113.2")).status).toBe(429);
    expect((await limited("203.0.113.3")).status).toBe(200);
  });

  it("lets the client in again when the next window starts", async () => {
    await useUp("203.0.113.4");
    expect((await limited("203.0.113.4")).status).toBe(429);
    vi.setSystemTime(Date.now() + windowMs);
    expect((await limited("203.0.113.4")).status).toBe(200);
  });
});
