import { env, exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import worker from "../../src/index";
import { counterRoutes } from "../../src/routes/counters";

const request = (method: string, path: string, body?: unknown) =>
  exports.default.fetch(`http://example.com${path}`, {
    method,
    ...(body === undefined ? {} : { headers: { "content-type": "application/json" }, body: JSON.stringify(body) }),
  });

describe("counter routes", () => {
  it("count 10 simultaneous increments as exactly 10", async () => {
    const responses = await Promise.all(Array.from({ length: 10 }, () => request("POST", "/counters/visits")));
    expect(responses.every((response) => response.status === 200)).toBe(true);
    expect(await (await request("GET", "/counters/visits")).json()).toEqual({ name: "visits", value: 10 });
  });

  it("add any whole amount and refuse anything else", async () => {
    expect(await (await request("POST", "/counters/stock", { by: 5 })).json()).toEqual({ name: "stock", value: 5 });
    expect(await (await request("POST", "/counters/stock", { by: -2 })).json()).toEqual({ name: "stock", value: 3 });
    expect((await request("POST", "/counters/stock", { by: 1.5 })).status).toBe(400);
    // An empty body (what curl -X POST and wrangler dev send) means "by 1"; a body that is not JSON is refused.
    const empty = await exports.default.fetch("http://example.com/counters/stock", { method: "POST", body: "" });
    expect(await empty.json()).toEqual({ name: "stock", value: 4 });
    expect((await exports.default.fetch("http://example.com/counters/stock", { method: "POST", body: "nope" })).status).toBe(400);
  });
});

describe("lock routes", () => {
  it("grant a lock to one caller, refuse the rest with 409, and release it with the token", async () => {
    const attempts = await Promise.all(Array.from({ length: 10 }, () => request("POST", "/locks/nightly", { ttlMs: 60_000 })));
    const granted = attempts.filter((response) => response.status === 200);
    expect(granted).toHaveLength(1);
    expect(attempts.filter((response) => response.status === 409)).toHaveLength(9);
    const { token } = (await granted[0]!.json()) as { token: number };

    expect((await request("DELETE", `/locks/nightly?token=${token + 1}`)).status).toBe(409);
    expect((await request("DELETE", `/locks/nightly?token=${token}`)).status).toBe(200);
    const next = (await (await request("POST", "/locks/nightly")).json()) as { token: number };
    expect(next.token).toBeGreaterThan(token);
  });
});

describe("without DEMO_ROUTES", () => {
  it("every counter and lock route answers 404 and counts nothing", async () => {
    const off = { ...env, DEMO_ROUTES: "" } as Env;
    const noContext = { waitUntil() {}, passThroughOnException() {} } as unknown as ExecutionContext;
    for (const route of counterRoutes) {
      const path = route.path.replace(":name", "off");
      const response = await worker.fetch(new Request(`http://example.com${path}?token=1`, { method: route.method }), off, noContext);
      expect(response.status, `${route.method} ${route.path}`).toBe(404);
    }
    expect(await (await request("GET", "/counters/off")).json()).toEqual({ name: "off", value: 0 });
  });
});
