import { env, exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { sessions } from "../../src/config";
import { keys, sha256Hex } from "../../src/lib/keys";
import { sessionUser } from "../../src/routes/sessions";

async function login(userId: unknown): Promise<Response> {
  return exports.default.fetch("http://example.com/login", {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ userId }),
  });
}

/** The `name=value` part of a Set-Cookie header, ready to send back as a Cookie header. */
function cookieOf(response: Response): string {
  const setCookie = response.headers.get("Set-Cookie") ?? "";
  return setCookie.split(";")[0] ?? "";
}

function me(cookie?: string): Promise<Response> {
  return exports.default.fetch("http://example.com/me", { headers: cookie ? { Cookie: cookie } : {} });
}

describe("session routes", () => {
  it("logs in, knows the user through the cookie, then logs out", async () => {
    const loggedIn = await login("alice");
    expect(loggedIn.status).toBe(201);
    expect(loggedIn.headers.get("Set-Cookie")).toMatch(/HttpOnly/i);
    const cookie = cookieOf(loggedIn);

    const current = await me(cookie);
    expect(current.status).toBe(200);
    expect(await current.json()).toMatchObject({ userId: "alice" });

    const loggedOut = await exports.default.fetch("http://example.com/logout", {
      method: "POST",
      headers: { Cookie: cookie },
    });
    expect(loggedOut.status).toBe(200);
    expect(loggedOut.headers.get("Set-Cookie")).toMatch(/Max-Age=0|Expires=Thu, 01 Jan 1970/i);
    expect((await me(cookie)).status).toBe(401);
  });

  it("never stores the raw session token in KV", async () => {
    const cookie = cookieOf(await login("bob"));
    const token = cookie.slice(cookie.indexOf("=") + 1);
    expect(token.length).toBeGreaterThanOrEqual(43);

    const stored = await sessions.namespace(env).list();
    expect(stored.keys.length).toBeGreaterThan(0);
    for (const { name } of stored.keys) {
      expect(name).not.toContain(token);
      expect(await sessions.namespace(env).get(name)).not.toContain(token);
    }
  });

  it("answers 401 without a cookie or with an unknown token", async () => {
    expect((await me()).status).toBe(401);
    expect((await me(cookieOf(await login("carol")).replace(/=.*/, "=not-a-real-token"))).status).toBe(401);
  });

  it("rejects a login without a usable userId", async () => {
    expect((await login("")).status).toBe(400);
    expect((await login(42)).status).toBe(400);
    const notJson = await exports.default.fetch("http://example.com/login", { method: "POST", body: "{" });
    expect(notJson.status).toBe(400);
    expect(await notJson.json()).toEqual({ error: expect.stringContaining("JSON") });
  });

  it("names the cookie __Host-session, and reads the first well-formed one of several", async () => {
    const loggedIn = await login("dave");
    expect(loggedIn.headers.get("Set-Cookie")).toMatch(/^__Host-session=[A-Za-z0-9_-]{43}; .*Path=\/; Secure/);
    const cookie = cookieOf(loggedIn);
    expect((await me(`__Host-session=broken; ${cookie}`)).status).toBe(200);
  });

  it("gives the router a renewed cookie when reading the user slid the session", async () => {
    const cookie = cookieOf(await login("erin"));
    const request = new Request("http://example.com/", { headers: { Cookie: cookie } });
    expect(await sessionUser(request, env)).toEqual({ userId: "erin", setCookie: null });
    // Leave the session one minute, less than the refresh threshold.
    const hash = await sha256Hex(cookie.slice(cookie.indexOf("=") + 1));
    await sessions.namespace(env).put(keys.sessionExpiry(hash), String(Date.now() + 60_000));
    const renewed = await sessionUser(request, env);
    expect(renewed?.setCookie).toMatch(new RegExp(`^__Host-session=.{43}; Max-Age=${sessions.ttl};`));
  });
});
