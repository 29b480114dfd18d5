import { env } from "cloudflare:workers";
import { beforeEach, describe, expect, it } from "vitest";
import { keys, sha256Hex } from "../../src/lib/keys";
import { SessionStore } from "../../src/lib/sessions";
import { countingKV, type CountingKV } from "../support/counting-kv";
import { freshKV } from "../support/fresh-kv";
import { productionKV } from "../support/production-kv";
import { refusingWrites } from "../support/refusing-kv";

const HOUR = 3_600_000;
/** This test's own empty namespace (test/support/fresh-kv.ts). */
let fresh: KVNamespace;
let counting: CountingKV;
let clock: number;
const now = () => clock;

beforeEach(() => {
  fresh = freshKV(env.TEST_KV);
  counting = countingKV(fresh);
  clock = Date.now();
});

const cookieRequest = (cookie: string) => new Request("https://example.com/", { headers: { Cookie: cookie } });

describe("SessionStore create and get", () => {
  it("creates a session with 3 writes and reads it back", async () => {
    const sessions = new SessionStore<{ theme: string }>(counting.kv, { ttl: 3600, now });
    const { token, session } = await sessions.create("user-1", { theme: "dark" });
    expect(counting.counts.writes).toBe(3);
    expect(counting.counts.reads).toBe(0);
    expect(session).toEqual({
      userId: "user-1",
      data: { theme: "dark" },
      createdAt: clock,
      expiresAt: clock + HOUR,
      refreshed: false,
    });
    expect(await sessions.get(token)).toEqual(session);
  });

  it("makes URL-safe tokens of 32 random bytes, different every time", async () => {
    const sessions = new SessionStore(counting.kv);
    const tokens = await Promise.all(Array.from({ length: 3 }, (_, i) => sessions.create(`u${i}`)));
    for (const { token } of tokens) expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(new Set(tokens.map(({ token }) => token)).size).toBe(3);
  });

  it("never puts the raw token in KV: the key is its SHA-256", async () => {
    const sessions = new SessionStore(counting.kv);
    const { token } = await sessions.create("user-1");
    const names = (await fresh.list()).keys.map((key) => key.name);
    const hash = await sha256Hex(token);
    expect(names).toContain(keys.session(hash));
    for (const name of names) expect(name).not.toContain(token);
    for (const name of names) expect(await fresh.get(name)).not.toContain(token);
  });

  it("returns null for an unknown, malformed or empty token without trouble", async () => {
    const sessions = new SessionStore(counting.kv);
    expect(await sessions.get("A".repeat(43))).toBeNull();
    counting.reset();
    expect(await sessions.get("not a token")).toBeNull();
    expect(await sessions.get("")).toBeNull();
    expect(counting.total()).toBe(0);
  });
});

describe("SessionStore expiry", () => {
  it("reads with 1 KV read and no write while more than refreshThreshold is left", async () => {
    const sessions = new SessionStore(counting.kv, { ttl: 3600, refreshThreshold: 600, now });
    const { token, session } = await sessions.create("user-1");
    counting.reset();
    clock += 50 * 60_000; // 10 minutes left, exactly the threshold
    expect(await sessions.get(token)).toEqual(session);
    expect(counting.counts).toEqual({ reads: 1, writes: 0, deletes: 0, lists: 0 });
  });

  it("slides the expiry, with a write, once less than refreshThreshold is left", async () => {
    const sessions = new SessionStore(counting.kv, { ttl: 3600, refreshThreshold: 600, now });
    const { token, session } = await sessions.create("user-1");
    clock += 55 * 60_000;
    counting.reset();
    const refreshed = await sessions.get(token);
    expect(refreshed).toEqual({ ...session, expiresAt: clock + HOUR, refreshed: true });
    expect(counting.counts.writes).toBeGreaterThan(0);

    clock += 50 * 60_000; // past the first expiry, within the refreshed one
    expect(await sessions.get(token)).toEqual({ ...refreshed, refreshed: false });
  });

  it("still returns the session when the refresh write is refused", async () => {
    const sessions = new SessionStore(counting.kv, { ttl: 3600, refreshThreshold: 600, now });
    const { token, session } = await sessions.create("user-1");
    clock += 55 * 60_000;
    const sameStoreRefusingWrites = new SessionStore(refusingWrites(fresh), { ttl: 3600, refreshThreshold: 600, now });
    expect(await sameStoreRefusingWrites.get(token)).toEqual(session);
  });

  it("checks expiresAt itself, since KV expiry is lazy", async () => {
    const sessions = new SessionStore(counting.kv, { ttl: 3600, now });
    const { token } = await sessions.create("user-1");
    clock += HOUR;
    expect(await sessions.get(token)).toBeNull();
    // The KV entry is still there: only the module's own check ended the session.
    expect((await fresh.list({ prefix: "session:" })).keys).toHaveLength(1);
    expect((await fresh.list({ prefix: "session-expiry:" })).keys).toHaveLength(1);
  });

  it("rejects a ttl under KV's 60-second minimum and a threshold above the ttl", () => {
    expect(() => new SessionStore(counting.kv, { ttl: 30 })).toThrow(/at least 60/);
    expect(() => new SessionStore(counting.kv, { ttl: 600, refreshThreshold: 601 })).toThrow(/refreshThreshold/);
  });
});

describe("SessionStore update and destroy", () => {
  it("merges data and keeps the expiry", async () => {
    // An interface, not a type alias: session data types need no index signature.
    interface Preferences {
      theme: string;
      lang: string;
    }
    const sessions = new SessionStore<Preferences>(counting.kv, { ttl: 3600, now });
    const { token, session } = await sessions.create("user-1", { theme: "dark", lang: "en" });
    clock += 5_000;
    const updated = await sessions.update(token, { lang: "fr" });
    expect(updated).toEqual({ ...session, data: { theme: "dark", lang: "fr" } });
    expect(await sessions.get(token)).toEqual(updated);
    expect(await sessions.update("B".repeat(43), { lang: "de" })).toBeNull();
  });

  it("destroy ends one session, removes its keys and leaves only the revoked marker", async () => {
    const sessions = new SessionStore(counting.kv);
    const first = await sessions.create("user-1");
    const second = await sessions.create("user-1");
    await sessions.destroy(first.token);
    expect(await sessions.get(first.token)).toBeNull();
    expect(await sessions.get(second.token)).not.toBeNull();
    const left = (await fresh.list()).keys.map((key) => key.name.split(":")[0]);
    expect(left.sort()).toEqual(["session", "session-expiry", "session-revoked", "user-session"]);
  });

  // That the cost stays the same with hundreds of other users' sessions around is
  // proven in create-kv-edge's own template suite: it takes seconds to set up.
  it("destroyAllForUser ends only that user's sessions in O(k) operations", async () => {
    const sessions = new SessionStore(counting.kv);
    const mine = await Promise.all([1, 2].map(() => sessions.create("alice")));
    const lookalike = await sessions.create("alice:2"); // escaping keeps this user apart
    counting.reset();
    expect(await sessions.destroyAllForUser("alice")).toBe(2);
    expect(counting.total()).toBeLessThanOrEqual(1 + 4 * 2);

    for (const { token } of mine) expect(await sessions.get(token)).toBeNull();
    expect(await sessions.get(lookalike.token)).not.toBeNull();
  });
});

describe("SessionStore cookies", () => {
  it("sets a secure, HttpOnly, Lax cookie for the session's lifetime by default", () => {
    const sessions = new SessionStore(counting.kv, { ttl: 7200 });
    expect(sessions.cookie("tok")).toBe("__Host-session=tok; Max-Age=7200; Path=/; Secure; HttpOnly; SameSite=Lax");
    expect(sessions.clearCookie()).toBe("__Host-session=; Max-Age=0; Path=/; Secure; HttpOnly; SameSite=Lax");
  });

  it("honours the cookie name and attributes", () => {
    const sessions = new SessionStore(counting.kv, {
      ttl: 60,
      cookieName: "sid",
      cookie: { sameSite: "Strict", path: "/app", domain: "example.com", httpOnly: false },
    });
    expect(sessions.cookie("tok")).toBe("sid=tok; Max-Age=60; Path=/app; Domain=example.com; Secure; SameSite=Strict");
  });

  it("gives the cookie the session's remaining lifetime when passed the session", async () => {
    const sessions = new SessionStore(counting.kv, { ttl: 3600, now });
    const { token, session } = await sessions.create("user-1");
    clock += 600_500;
    expect(sessions.cookie(token, session)).toMatch(/; Max-Age=3000;/);
  });

  it("refuses SameSite=None without Secure, an invalid cookie name, and attribute injection", () => {
    expect(() => new SessionStore(counting.kv, { cookie: { sameSite: "None", secure: false } })).toThrow(/Secure/);
    expect(() => new SessionStore(counting.kv, { cookieName: "a b" })).toThrow(/cookie name/);
    expect(() => new SessionStore(counting.kv, { cookieName: "a=b" })).toThrow(/cookie name/);
    expect(() => new SessionStore(counting.kv, { cookieName: "s", cookie: { path: "/; Domain=evil.test" } })).toThrow(/path/);
    expect(() => new SessionStore(counting.kv, { cookieName: "s", cookie: { domain: "a.test\r\nX: 1" } })).toThrow(/domain/);
    expect(() => new SessionStore(counting.kv, { cookie: { domain: "example.com" } })).toThrow(/__Host-/);
    expect(() => new SessionStore(counting.kv, { cookie: { path: "/app" } })).toThrow(/__Host-/);
  });

  it("reads the token from the Cookie header by exact name", async () => {
    const sessions = new SessionStore(counting.kv, { cookieName: "session" });
    const { token } = await sessions.create("user-1");
    const other = "C".repeat(43);
    expect(sessions.tokenFrom(cookieRequest(`session=${token}`))).toBe(token);
    expect(sessions.tokenFrom(cookieRequest(`theme=dark; session=${token}; lang=en`))).toBe(token);
    expect(sessions.tokenFrom(cookieRequest(`xsession=${other}; session=${token}`))).toBe(token);
    expect(sessions.tokenFrom(cookieRequest(`session_old=${other}`))).toBeNull();
    expect(sessions.tokenFrom(cookieRequest(`xsession=${other}`))).toBeNull();
    expect(sessions.tokenFrom(cookieRequest(`session="${token}"`))).toBe(token);
    expect(sessions.tokenFrom(cookieRequest(`  session = ${token} `))).toBe(token);
  });

  it("returns null for a missing header, an empty or malformed value", () => {
    const sessions = new SessionStore(counting.kv, { cookieName: "session" });
    expect(sessions.tokenFrom(new Request("https://example.com/"))).toBeNull();
    expect(sessions.tokenFrom(cookieRequest("session="))).toBeNull();
    expect(sessions.tokenFrom(cookieRequest("session"))).toBeNull();
    expect(sessions.tokenFrom(cookieRequest("session=abc; other=1"))).toBeNull();
    expect(sessions.tokenFrom(cookieRequest(`session=${"D".repeat(43)}x`))).toBeNull();
  });
});

describe("SessionStore under production KV (the production double)", () => {
  const options = { ttl: 3600, refreshThreshold: 600, now };

  it("a logout sticks although a request in another location slides the session from a stale copy", async () => {
    const prod = productionKV(fresh, { now });
    const { token } = await new SessionStore(prod.at("london"), options).create("alice");
    clock += 55 * 60_000; // a refresh is due
    await new SessionStore(prod.at("london"), options).destroy(token);
    clock += 1_000; // past KV's one write per second per key
    // Sydney has not seen the logout yet: it reads the old session and slides it.
    expect(await new SessionStore(prod.at("sydney"), options).get(token)).not.toBeNull();
    clock += 60_000; // everything has propagated everywhere
    expect(await new SessionStore(prod.at("london"), options).get(token)).toBeNull();
    expect(await new SessionStore(prod.at("sydney"), options).get(token)).toBeNull();
  });

  it("a logout sticks even when a stale location both slides and updates the session", async () => {
    const prod = productionKV(fresh, { now });
    const { token } = await new SessionStore(prod.at("london"), options).create("alice", { n: 1 });
    clock += 55 * 60_000;
    await new SessionStore(prod.at("london"), options).destroy(token);
    const sydney = new SessionStore(prod.at("sydney"), options);
    clock += 1_000;
    expect(await sydney.get(token)).not.toBeNull();
    clock += 1_000;
    await sydney.update(token, { n: 2 });
    clock += 60_000;
    expect(await new SessionStore(prod.at("paris"), options).get(token)).toBeNull();
  });

  it("a refresh never drops data that an update in another location saved", async () => {
    const prod = productionKV(fresh, { now });
    const { token } = await new SessionStore<{ cart: string[] }>(prod.at("london"), options).create("alice", { cart: [] });
    clock += 55 * 60_000;
    await new SessionStore<{ cart: string[] }>(prod.at("london"), options).update(token, { cart: ["book"] });
    clock += 1_000;
    // Sydney still has the old record and slides the expiry.
    expect(await new SessionStore<{ cart: string[] }>(prod.at("sydney"), options).get(token)).not.toBeNull();
    clock += 60_000;
    const later = await new SessionStore<{ cart: string[] }>(prod.at("paris"), options).get(token);
    expect(later?.data).toEqual({ cart: ["book"] });
  });

  it("ends a session at maxLifetime however often it is used", async () => {
    const prod = productionKV(fresh, { now });
    const store = () => new SessionStore(prod.at("edge"), { ttl: 3600, refreshThreshold: 3000, maxLifetime: 2 * 3600, now });
    const { token, session } = await store().create("alice");
    // Used every 50 minutes, so each read slides it (10 minutes left < refreshThreshold):
    // the second slide would reach 160 minutes without the cap.
    for (let step = 1; step <= 2; step++) {
      clock = session.createdAt + step * 50 * 60_000;
      expect(await store().get(token)).not.toBeNull();
    }
    expect((await store().get(token))?.expiresAt).toBe(session.createdAt + 2 * 3600_000);
    clock = session.createdAt + 2 * 3600_000;
    expect(await store().get(token)).toBeNull();
  });

  it("reads a corrupt stored value as no session, and destroy still works", async () => {
    const prod = productionKV(fresh, { now });
    const kv = prod.at("edge");
    const sessions = new SessionStore(kv, options);
    const { token } = await sessions.create("alice");
    const hash = await sha256Hex(token);
    clock += 1_000;
    await kv.put(keys.session(hash), "{not json");
    expect(await sessions.get(token)).toBeNull();
    expect(await sessions.update(token, {})).toBeNull();
    await sessions.destroy(token);

    const other = await sessions.create("bob");
    clock += 1_000;
    await kv.put(keys.session(await sha256Hex(other.token)), JSON.stringify({ userId: 42, data: {}, createdAt: clock }));
    expect(await sessions.get(other.token)).toBeNull();
  });

  it("a get is one KV operation when no refresh is due, and a refresh writes only the expiry", async () => {
    const prod = productionKV(fresh, { now });
    const { token } = await new SessionStore(prod.at("edge"), options).create("alice");
    const reading = countingKV(prod.at("edge"));
    expect(await new SessionStore(reading.kv, options).get(token)).not.toBeNull();
    expect(reading.total()).toBe(1);
    clock += 55 * 60_000;
    const refreshing = countingKV(prod.at("edge"));
    expect((await new SessionStore(refreshing.kv, options).get(token))?.refreshed).toBe(true);
    expect(refreshing.counts).toEqual({ reads: 1, writes: 1, deletes: 0, lists: 0 });
  });

  it("two simultaneous refreshes: one meets KV's 429, and both requests keep their session", async () => {
    const prod = productionKV(fresh, { now });
    const { token } = await new SessionStore(prod.at("edge"), options).create("alice");
    clock += 55 * 60_000;
    const both = await Promise.all([
      new SessionStore(prod.at("edge"), options).get(token),
      new SessionStore(prod.at("edge"), options).get(token),
    ]);
    expect(both.map((session) => session?.userId)).toEqual(["alice", "alice"]);
    expect(both.filter((session) => session?.refreshed)).toHaveLength(1);
  });

  it("an update in the same second as the login meets KV's 429; a second later it saves", async () => {
    const prod = productionKV(fresh, { now });
    const { token } = await new SessionStore(prod.at("edge"), options).create("alice", { n: 1 });
    await expect(new SessionStore(prod.at("edge"), options).update(token, { n: 2 })).rejects.toThrow(/429/);
    clock += 1_000;
    expect((await new SessionStore(prod.at("edge"), options).update(token, { n: 2 }))?.data).toEqual({ n: 2 });
  });

  it("destroyAllForUser past the invocation's operation budget still ends every session (the deletes left over expire)", async () => {
    // A budget of 6: one list and three revoked markers fit; most of the nine deletes do not.
    const prod = productionKV(fresh, { now, operationBudget: 6 });
    const setup = new SessionStore(prod.at("edge", { operationBudget: Infinity }), options);
    const tokens = await Promise.all([1, 2, 3].map(async () => (await setup.create("alice")).token));
    clock += 1_000;
    expect(await new SessionStore(prod.at("edge"), options).destroyAllForUser("alice")).toBe(3);
    for (const token of tokens) expect(await new SessionStore(prod.at("edge"), options).get(token)).toBeNull();
  });

  it("two logouts of one session at once both succeed (the second meets KV's 429 on the revoked marker)", async () => {
    const prod = productionKV(fresh, { now });
    const { token } = await new SessionStore(prod.at("edge"), options).create("alice");
    clock += 1_000;
    await Promise.all([
      new SessionStore(prod.at("edge"), options).destroy(token),
      new SessionStore(prod.at("edge"), options).destroy(token),
    ]);
    expect(await new SessionStore(prod.at("edge"), options).get(token)).toBeNull();
  });

  it("takes the first well-formed token when the browser sends several cookies of the name", async () => {
    const sessions = new SessionStore(productionKV(fresh, { now }).at("edge"), options);
    const { token } = await sessions.create("alice");
    expect(sessions.tokenFrom(cookieRequest(`__Host-session=garbage; __Host-session=${token}`))).toBe(token);
  });
});
