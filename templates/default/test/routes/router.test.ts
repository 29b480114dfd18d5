import { exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";

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
});
