import { exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { preferenceDefaults } from "../../src/routes/prefs";

/** A request as `user`: through a session cookie when the project has sessions, else `?user=`. */
async function asUser(user: string): Promise<{ url: (path: string) => string; headers: Record<string, string> }> {
  const routes = await (await exports.default.fetch("http://example.com/")).json<{ routes: { path: string }[] }>();
  if (!routes.routes.some((route) => route.path === "/login")) {
    return { url: (path) => `http://example.com${path}?user=${encodeURIComponent(user)}`, headers: {} };
  }
  const login = await exports.default.fetch("http://example.com/login", {
    method: "POST",
    body: JSON.stringify({ userId: user }),
  });
  const cookie = (login.headers.get("Set-Cookie") ?? "").split(";")[0] ?? "";
  return { url: (path) => `http://example.com${path}`, headers: { Cookie: cookie } };
}

describe("preferences routes", () => {
  it("answers the defaults for a new user, then their changes merged over the defaults", async () => {
    const alice = await asUser("alice");
    const initial = await exports.default.fetch(alice.url("/prefs"), { headers: alice.headers });
    expect(await initial.json()).toEqual(preferenceDefaults);

    const put = await exports.default.fetch(alice.url("/prefs"), {
      method: "PUT",
      headers: alice.headers,
      body: JSON.stringify({ theme: "dark" }),
    });
    expect(put.status).toBe(200);
    const after = await exports.default.fetch(alice.url("/prefs"), { headers: alice.headers });
    expect(await after.json()).toEqual({ ...preferenceDefaults, theme: "dark" });

    const bob = await asUser("bob");
    const bobs = await exports.default.fetch(bob.url("/prefs"), { headers: bob.headers });
    expect(await bobs.json()).toEqual(preferenceDefaults);
  });

  it("refuses invalid changes with 400 and stores nothing", async () => {
    const carol = await asUser("carol");
    for (const changes of [{ pageSize: 1000 }, { theme: 42 }, { unknown: true }]) {
      const put = await exports.default.fetch(carol.url("/prefs"), {
        method: "PUT",
        headers: carol.headers,
        body: JSON.stringify(changes),
      });
      expect(put.status).toBe(400);
    }
    const after = await exports.default.fetch(carol.url("/prefs"), { headers: carol.headers });
    expect(await after.json()).toEqual(preferenceDefaults);
  });

  it("answers 401 when there is no user", async () => {
    expect((await exports.default.fetch("http://example.com/prefs")).status).toBe(401);
  });
});
