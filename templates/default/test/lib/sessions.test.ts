import { env } from "cloudflare:workers";
import { beforeEach, describe, expect, it } from "vitest";
import { keys, sha256Hex } from "../../src/lib/keys";
import { SessionStore } from "../../src/lib/sessions";
import { countingKV, type CountingKV } from "../support/counting-kv";
import { freshKV } from "../support/fresh-kv";
import { refusingWrites } from "../support/refusing-kv";

const HOUR = 3_600_000;
let kv: KVNamespace;
let counting: CountingKV;
let clock: number;
const now = () => clock;

beforeEach(() => {
  kv = freshKV(env.TEST_KV);
  counting = countingKV(kv);
  clock = Date.now();
});

const cookieRequest = (cookie: string) => new Request("https://example.com/", { headers: { Cookie: cookie } });

describe("SessionStore create and get", () => {
  it("creates a session with at most 2 writes and reads it back", async () => {
    const sessions = new SessionStore<{ theme: string }>(counting.kv, { ttl: 3600, now });
    const { token, session } = await sessions.create("user-1", { theme: "dark" });
    expect(counting.counts.writes).toBeLessThanOrEqual(2);
    expect(counting.counts.reads).toBe(0);
    expect(session).toEqual({
      userId: "user-1",
      data: { theme: "dark" },
      createdAt: clock,
      expiresAt: clock + HOUR,
      lastAccessedAt: clock,
    });
    expect(await sessions.get(token)).toEqual(session);
  });

  it("makes URL-safe tokens of 32 random bytes, different every time", async () => {
    const sessions = new SessionStore(counting.kv);
    const tokens = await Promise.all(Array.from({ length: 20 }, (_, i) => sessions.create(`u${i}`)));
    for (const { token } of tokens) expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(new Set(tokens.map(({ token }) => token)).size).toBe(20);
  });

  it("never puts the raw token in KV: the key is its SHA-256", async () => {
    const sessions = new SessionStore(counting.kv);
    const { token } = await sessions.create("user-1");
    const names = (await kv.list()).keys.map((key) => key.name);
    const hash = await sha256Hex(token);
    expect(names).toContain(keys.session(hash));
    for (const name of names) expect(name).not.toContain(token);
    for (const name of names) expect(await kv.get(name)).not.toContain(token);
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
    expect(refreshed).toEqual({ ...session, expiresAt: clock + HOUR, lastAccessedAt: clock });
    expect(counting.counts.writes).toBeGreaterThan(0);

    clock += 50 * 60_000; // past the first expiry, within the refreshed one
    expect(await sessions.get(token)).toEqual(refreshed);
  });

  it("still returns the session when the refresh write is refused", async () => {
    const sessions = new SessionStore(counting.kv, { ttl: 3600, refreshThreshold: 600, now });
    const { token, session } = await sessions.create("user-1");
    clock += 55 * 60_000;
    const sameStoreRefusingWrites = new SessionStore(refusingWrites(kv), { ttl: 3600, refreshThreshold: 600, now });
    expect(await sameStoreRefusingWrites.get(token)).toEqual(session);
  });

  it("checks expiresAt itself, since KV expiry is lazy", async () => {
    const sessions = new SessionStore(counting.kv, { ttl: 3600, now });
    const { token } = await sessions.create("user-1");
    clock += HOUR;
    expect(await sessions.get(token)).toBeNull();
    // The KV entry is still there: only the module's own check ended the session.
    expect((await kv.list({ prefix: "session:" })).keys).toHaveLength(1);
  });

  it("rejects a ttl under KV's 60-second minimum and a threshold above the ttl", () => {
    expect(() => new SessionStore(counting.kv, { ttl: 30 })).toThrow(/at least 60/);
    expect(() => new SessionStore(counting.kv, { ttl: 600, refreshThreshold: 601 })).toThrow(/refreshThreshold/);
  });
});

describe("SessionStore update and destroy", () => {
  it("merges data, keeps the expiry and moves lastAccessedAt", async () => {
    // An interface, not a type alias: session data types need no index signature.
    interface Preferences {
      theme: string;
      lang: string;
    }
    const sessions = new SessionStore<Preferences>(counting.kv, { ttl: 3600, now });
    const { token, session } = await sessions.create("user-1", { theme: "dark", lang: "en" });
    clock += 5_000;
    const updated = await sessions.update(token, { lang: "fr" });
    expect(updated).toEqual({ ...session, data: { theme: "dark", lang: "fr" }, lastAccessedAt: clock });
    expect(await sessions.get(token)).toEqual(updated);
    expect(await sessions.update("B".repeat(43), { lang: "de" })).toBeNull();
  });

  it("destroy ends one session and removes its keys", async () => {
    const sessions = new SessionStore(counting.kv);
    const first = await sessions.create("user-1");
    const second = await sessions.create("user-1");
    await sessions.destroy(first.token);
    expect(await sessions.get(first.token)).toBeNull();
    expect(await sessions.get(second.token)).not.toBeNull();
    expect((await kv.list()).keys).toHaveLength(2);
  });

  // That the cost stays the same with hundreds of other users' sessions around is
  // proven in create-kv-edge's own template suite: it takes seconds to set up.
  it("destroyAllForUser ends only that user's sessions in O(k) operations", async () => {
    const sessions = new SessionStore(counting.kv);
    const mine = await Promise.all([1, 2, 3].map(() => sessions.create("alice")));
    const lookalike = await sessions.create("alice:2"); // escaping keeps this user apart
    counting.reset();
    expect(await sessions.destroyAllForUser("alice")).toBe(3);
    expect(counting.total()).toBeLessThanOrEqual(1 + 2 * 3);

    for (const { token } of mine) expect(await sessions.get(token)).toBeNull();
    expect(await sessions.get(lookalike.token)).not.toBeNull();
  });
});

describe("SessionStore cookies", () => {
  it("sets a secure, HttpOnly, Lax cookie for the session's lifetime by default", () => {
    const sessions = new SessionStore(counting.kv, { ttl: 7200 });
    expect(sessions.cookie("tok")).toBe("session=tok; Max-Age=7200; Path=/; Secure; HttpOnly; SameSite=Lax");
    expect(sessions.clearCookie()).toBe("session=; Max-Age=0; Path=/; Secure; HttpOnly; SameSite=Lax");
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
    expect(() => new SessionStore(counting.kv, { cookie: { path: "/; Domain=evil.test" } })).toThrow(/path/);
    expect(() => new SessionStore(counting.kv, { cookie: { domain: "a.test\r\nX: 1" } })).toThrow(/domain/);
  });

  it("reads the token from the Cookie header by exact name", async () => {
    const sessions = new SessionStore(counting.kv);
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
    const sessions = new SessionStore(counting.kv);
    expect(sessions.tokenFrom(new Request("https://example.com/"))).toBeNull();
    expect(sessions.tokenFrom(cookieRequest("session="))).toBeNull();
    expect(sessions.tokenFrom(cookieRequest("session"))).toBeNull();
    expect(sessions.tokenFrom(cookieRequest("session=abc; other=1"))).toBeNull();
    expect(sessions.tokenFrom(cookieRequest(`session=${"D".repeat(43)}x`))).toBeNull();
  });
});
