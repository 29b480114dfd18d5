/**
 * Cookie sessions stored in KV.
 *
 * - The browser holds a random token (32 bytes, URL-safe). KV holds only the
 *   token's SHA-256, under `session:{hash}`, so someone who can read the
 *   namespace cannot take over a live session.
 * - KV deletes expired keys lazily, so `get` checks `expiresAt` itself.
 * - Sliding expiry costs a write only when less than `refreshThreshold` is left;
 *   other reads are a single KV read. `lastAccessedAt` moves only on those writes.
 * - Each session also has an empty marker `user-session:{userId}:{hash}`, so
 *   `destroyAllForUser` lists one user's markers instead of scanning the namespace.
 *   Markers rather than one index document per user: two logins at once cannot
 *   overwrite each other's entry, never hit the one-write-per-second limit on a
 *   shared key, and a user's session count has no document size limit.
 * - `update` is read-modify-write: two updates of one session at the same time
 *   can lose one of them, so keep session data to what one request changes.
 *
 * Eventual consistency: a session created, refreshed or destroyed in one location
 * can take 60 seconds or more to be seen in others. A log-out-everywhere within
 * a minute of a login elsewhere may miss that new session, and a destroyed session
 * can still be read in other locations for up to a minute.
 */
import { keys, sha256Hex } from "./keys";
import { KVStore } from "./kv-store";

export interface Session<D> {
  userId: string;
  data: D;
  /** All times are ms since the epoch. */
  createdAt: number;
  expiresAt: number;
  lastAccessedAt: number;
}

export interface SessionCookieOptions {
  secure?: boolean;
  httpOnly?: boolean;
  sameSite?: "Strict" | "Lax" | "None";
  path?: string;
  domain?: string;
}

export interface SessionStoreOptions {
  /** Session lifetime in seconds (at least 60). Default one day. */
  ttl?: number;
  /** Refresh the expiry when fewer than this many seconds are left. Default half the ttl. */
  refreshThreshold?: number;
  /** Default `"session"`. */
  cookieName?: string;
  /** Defaults: Secure, HttpOnly, SameSite=Lax, Path=/. */
  cookie?: SessionCookieOptions;
  /** The clock, in ms since the epoch. For tests. */
  now?: () => number;
}

const DEFAULT_TTL_SECONDS = 86_400;
const TOKEN_BYTES = 32;
/** 32 bytes in unpadded base64url are 43 characters. */
const TOKEN_PATTERN = /^[A-Za-z0-9_-]{43}$/;
/** A cookie name is an RFC 6265 token. */
const COOKIE_NAME_PATTERN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

export class SessionStore<D extends object = Record<string, unknown>> {
  readonly #store: KVStore;
  readonly #ttl: number;
  readonly #refreshThreshold: number;
  readonly #cookieName: string;
  readonly #cookie: Required<Omit<SessionCookieOptions, "domain">> & { domain?: string };
  readonly #now: () => number;

  constructor(kv: KVNamespace, options: SessionStoreOptions = {}) {
    this.#now = options.now ?? Date.now;
    this.#store = new KVStore(kv, { now: this.#now });
    this.#ttl = options.ttl ?? DEFAULT_TTL_SECONDS;
    this.#refreshThreshold = options.refreshThreshold ?? Math.floor(this.#ttl / 2);
    this.#cookieName = options.cookieName ?? "session";
    this.#cookie = { secure: true, httpOnly: true, sameSite: "Lax", path: "/", ...options.cookie };

    if (!Number.isInteger(this.#ttl) || this.#ttl < 60) {
      throw new Error(`Session ttl must be whole seconds, at least 60 (KV's minimum); got ${this.#ttl}`);
    }
    if (this.#refreshThreshold < 0 || this.#refreshThreshold > this.#ttl) {
      throw new Error(`refreshThreshold must be between 0 and the ttl (${this.#ttl}); got ${this.#refreshThreshold}`);
    }
    if (!COOKIE_NAME_PATTERN.test(this.#cookieName)) {
      throw new Error(`Cookie name "${this.#cookieName}" is not a valid cookie name`);
    }
    for (const [attribute, value] of [["path", this.#cookie.path], ["domain", this.#cookie.domain]]) {
      if (value !== undefined && /[;\x00-\x1f\x7f]/.test(value)) {
        throw new Error(`Cookie ${attribute} must not contain ";" or control characters`);
      }
    }
    if (this.#cookie.sameSite === "None" && !this.#cookie.secure) {
      throw new Error("Browsers reject SameSite=None cookies without Secure");
    }
  }

  /** Starts a session: two KV writes (the session and its per-user marker). */
  async create(userId: string, data: D = {} as D): Promise<{ token: string; session: Session<D> }> {
    const token = newToken();
    const now = this.#now();
    const session: Session<D> = {
      userId,
      data,
      createdAt: now,
      expiresAt: now + this.#ttl * 1000,
      lastAccessedAt: now,
    };
    await this.#write(await sha256Hex(token), session, { withMarker: true });
    return { token, session };
  }

  /** The live session for a token, or null. One KV read, plus writes only when refreshing. */
  async get(token: string): Promise<Session<D> | null> {
    const found = await this.#read(token);
    if (!found) return null;
    const { hash, session } = found;
    const now = this.#now();
    if (session.expiresAt - now >= this.#refreshThreshold * 1000) return session;
    const refreshed = { ...session, expiresAt: now + this.#ttl * 1000, lastAccessedAt: now };
    try {
      await this.#write(hash, refreshed, { withMarker: true });
    } catch {
      // A refused write (e.g. 429, one write per second per key) only delays the
      // refresh to a later request; the session itself is still valid.
      return session;
    }
    return refreshed;
  }

  /** Merges `data` into the session's data; null when there is no live session. */
  async update(token: string, data: Partial<D>): Promise<Session<D> | null> {
    const found = await this.#read(token);
    if (!found) return null;
    const updated = { ...found.session, data: { ...found.session.data, ...data }, lastAccessedAt: this.#now() };
    await this.#write(found.hash, updated, { withMarker: false });
    return updated;
  }

  async destroy(token: string): Promise<void> {
    if (!TOKEN_PATTERN.test(token)) return;
    const hash = await sha256Hex(token);
    const session = await this.#store.get<Session<D>>(keys.session(hash));
    await this.#store.delete(keys.session(hash));
    if (session) await this.#store.delete(keys.userSession(session.userId, hash));
  }

  /**
   * Ends every session of a user and returns how many. Costs one list per 1000
   * sessions of this user plus two deletes per session, whatever else the
   * namespace holds. See the eventual-consistency note at the top of this file.
   */
  async destroyAllForUser(userId: string): Promise<number> {
    // An empty hash part gives `user-session:{userId}:`, the prefix of this user's markers.
    const markerPrefix = keys.userSession(userId, "");
    const hashes: string[] = [];
    for await (const marker of this.#store.keys({ prefix: markerPrefix })) {
      hashes.push(marker.name.slice(markerPrefix.length));
    }
    await Promise.all(
      hashes.flatMap((hash) => [
        this.#store.delete(keys.session(hash)),
        this.#store.delete(keys.userSession(userId, hash)),
      ]),
    );
    return hashes.length;
  }

  /**
   * A Set-Cookie header value that hands the token to the browser. Pass the
   * session to make the cookie last exactly as long as it: after `get` slides a
   * session's expiry, sending `cookie(token, session)` again keeps the two in step.
   */
  cookie(token: string, session?: Session<D>): string {
    const maxAge = session ? Math.max(0, Math.ceil((session.expiresAt - this.#now()) / 1000)) : this.#ttl;
    return this.#setCookie(token, maxAge);
  }

  /** A Set-Cookie header value that makes the browser forget the session. */
  clearCookie(): string {
    return this.#setCookie("", 0);
  }

  /** The session token from the request's Cookie header, matching the cookie name exactly. */
  tokenFrom(request: Request): string | null {
    const header = request.headers.get("Cookie");
    if (!header) return null;
    for (const pair of header.split(";")) {
      const separator = pair.indexOf("=");
      if (separator === -1) continue;
      if (pair.slice(0, separator).trim() !== this.#cookieName) continue;
      let value = pair.slice(separator + 1).trim();
      if (value.length >= 2 && value.startsWith('"') && value.endsWith('"')) value = value.slice(1, -1);
      return TOKEN_PATTERN.test(value) ? value : null;
    }
    return null;
  }

  async #read(token: string): Promise<{ hash: string; session: Session<D> } | null> {
    if (!TOKEN_PATTERN.test(token)) return null;
    const hash = await sha256Hex(token);
    const session = await this.#store.get<Session<D>>(keys.session(hash));
    if (!session || session.expiresAt <= this.#now()) return null;
    return { hash, session };
  }

  /**
   * Writes the session (and its marker) so that KV drops them around the time
   * the session ends. KV's expiry cannot be under 60 s; the extra time is harmless
   * because reads check `expiresAt`.
   */
  async #write(hash: string, session: Session<D>, { withMarker }: { withMarker: boolean }): Promise<void> {
    const ttl = Math.max(60, Math.ceil((session.expiresAt - this.#now()) / 1000));
    const writes = [this.#store.set(keys.session(hash), session, { ttl })];
    if (withMarker) writes.push(this.#store.setText(keys.userSession(session.userId, hash), "", { ttl }));
    await Promise.all(writes);
  }

  #setCookie(value: string, maxAge: number): string {
    const parts = [`${this.#cookieName}=${value}`, `Max-Age=${maxAge}`, `Path=${this.#cookie.path}`];
    if (this.#cookie.domain) parts.push(`Domain=${this.#cookie.domain}`);
    if (this.#cookie.secure) parts.push("Secure");
    if (this.#cookie.httpOnly) parts.push("HttpOnly");
    parts.push(`SameSite=${this.#cookie.sameSite}`);
    return parts.join("; ");
  }
}

function newToken(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(TOKEN_BYTES));
  return btoa(String.fromCharCode(...bytes)).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
}
