import { env, exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import worker, { toErrorResponse } from "../../src/index";
import { KVValidationError } from "../../src/lib/kv-store";

type RouteList = { routes: { method: string; path: string }[] };
const noContext = { waitUntil() {}, passThroughOnException() {} } as unknown as ExecutionContext;

describe("router", () => {
  it("lists its routes at GET /", async () => {
    const response = await exports.default.fetch("http://example.com/");
    expect(response.status).toBe(200);
    const body = await response.json<{ routes: { method: string; path: string; description: string }[] }>();
    expect(body.routes).toContainEqual(expect.objectContaining({ method: "GET", path: "/" }));
    expect(body.routes.length).toBeGreaterThan(1);
  });

  it("answers an unknown route with a JSON 404", async () => {
    const response = await exports.default.fetch("http://example.com/no/such/route");
    expect(response.status).toBe(404);
    expect(response.headers.get("Content-Type")).toMatch(/^application\/json/);
    expect(await response.json()).toEqual({ error: expect.stringContaining("/no/such/route") });
  });

  it("answers a known path with the wrong method with 405 and Allow", async () => {
    const response = await exports.default.fetch("http://example.com/", { method: "DELETE" });
    expect(response.status).toBe(405);
    expect(response.headers.get("Allow")).toBe("GET");
  });

  it("turns KV's 429 into 503 with Retry-After: 1 and its 413 into 413, naming no key", async () => {
    const busy = toErrorResponse(new Error("KV PUT failed: 429 Too Many Requests (key prefs:alice)"));
    expect(busy.status).toBe(503);
    expect(busy.headers.get("Retry-After")).toBe("1");
    expect(await busy.text()).not.toContain("alice");
    const tooBig = toErrorResponse(new Error("KV PUT failed: 413 Value length of 26214401 exceeds limit (key prefs:alice)"));
    expect(tooBig.status).toBe(413);
    expect(await tooBig.text()).not.toContain("alice");
    expect(toErrorResponse(new KVValidationError("The value is too large", 413)).status).toBe(413);
  });

  it("serves no demo route without DEMO_ROUTES: they answer 404 and are not listed", async () => {
    const listed = async (response: Response) => (await response.json<RouteList>()).routes.map(({ method, path }) => `${method} ${path}`);
    const withDemos = await listed(await exports.default.fetch("http://example.com/"));
    const off = { ...env, DEMO_ROUTES: "" } as Env;
    const withoutDemos = await listed(await worker.fetch(new Request("http://example.com/"), off, noContext));
    for (const demo of ["POST /login", "GET /__kv/stats"]) expect(withoutDemos).not.toContain(demo);
    for (const route of withDemos.filter((route) => !withoutDemos.includes(route))) {
      const [method, path] = route.split(" ") as [string, string];
      const response = await worker.fetch(new Request(`http://example.com${path.replace(/:\w+/g, "x")}`, { method }), off, noContext);
      expect(response.status, route).toBe(404);
    }
  });
});
