/**
 * Cookie sessions stored in KV.
 *
 * - The browser holds a random token (32 bytes, URL-safe). KV holds only the
 *   token's SHA-256, so someone who can read the namespace cannot take over a session.
 * - A session is three keys, read together in ONE bulk get (one KV operation):
 *   `session:{hash}` the record (user, data, createdAt), written by create and update;
 *   `session-expiry:{hash}` the sliding expiry, written by create and refresh;
 *   `session-revoked:{hash}` written only by destroy.
 *   Keeping them apart is what makes the session safe under production KV, where
 *   another location can read a copy up to a minute old and two requests can run at
 *   once: a refresh never rewrites the record, so it cannot drop data an `update`
 *   saved; and nothing else writes the revoked key, so a refresh or update that
 *   started from a stale copy cannot bring a logged-out session back.
 * - Sliding expiry costs a write only when less than `refreshThreshold` is left;
 *   other reads are that single bulk read. No session outlives `maxLifetime` after
 *   its creation, however often it is used. KV deletes expired keys lazily, so
 *   `get` checks the times itself.
 * - Each session also has an empty marker `user-session:{userId}:{hash}`, so
 *   `destroyAllForUser` lists one user's markers instead of scanning the namespace.
 * - `update` is read-modify-write of the data: two updates of one session at the
 *   same time (or within about a minute from two locations) can lose one of them,
 *   so keep session data to what one request changes. KV refuses a second write of
 *   the record within a second (429): an update in the same second as the login or
 *   another update throws, so pass the first data to `create`.
 * - Writes per request: login 3, a refresh 1, an update 1, a logout 1 write plus 3
 *   deletes. The Free plan allows 1,000 writes a day.
 *
 * Eventual consistency: a session created, refreshed or destroyed in one location
 * can take 60 seconds or more to be seen in others. A destroyed session can still be
 * read in other locations for up to about a minute; after that it stays dead.
 */
import { keys, sha256Hex } from "./keys";
import { isTooManyWrites, KVStore } from "./kv-store";

export interface Session<D> {
  userId: string;
  data: D;
  /** Times are ms since the epoch. */
  createdAt: number;
  /** When the session ends unless it slides again; never later than createdAt + maxLifetime. */
  expiresAt: number;
  /** True when this read slid the expiry: send `cookie(token, session)` so the browser's cookie keeps up. */
  refreshed: boolean;
}

export interface SessionCookieOptions {
  secure?: boolean;
  httpOnly?: boolean;
  sameSite?: "Strict" | "Lax" | "None";
  path?: string;
  domain?: string;
}

export interface SessionStoreOptions {
  /** Seconds a session lives after its last refresh (at least 60). Default one day. */
  ttl?: number;
  /** Refresh the expiry when fewer than this many seconds are left. Default half the ttl. */
  refreshThreshold?: number;
  /** Seconds after creation when a session ends however it is used (at least the ttl). Default 30 days. */
  maxLifetime?: number;
  /** Default `"__Host-session"`: browsers accept it only with Secure, Path=/ and no Domain. */
  cookieName?: string;
  /** Defaults: Secure, HttpOnly, SameSite=Lax, Path=/. */
  cookie?: SessionCookieOptions;
  /** The clock, in ms since the epoch. For tests. */
  now?: () => number;
}

/** What `session:{hash}` holds. */
interface SessionRecord<D> {
  userId: string;
  data: D;
  createdAt: number;
}

const DEFAULT_TTL_SECONDS = 86_400;
const DEFAULT_MAX_LIFETIME_SECONDS = 30 * 86_400;
const MIN_KV_TTL_SECONDS = 60;
const TOKEN_BYTES = 32;
/** 32 bytes in unpadded base64url are 43 characters. */
const TOKEN_PATTERN = /^[A-Za-z0-9_-]{43}$/;
/** A cookie name is an RFC 6265 token. */
const COOKIE_NAME_PATTERN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

export class SessionStore<D extends object = Record<string, unknown>> {
  readonly #store: KVStore;
  readonly #ttl: number;
  readonly #refreshThreshold: number;
  readonly #maxLifetime: number;
  readonly #cookieName: string;
  readonly #cookie: Required<Omit<SessionCookieOptions, "domain">> & { domain?: string };
  readonly #now: () => number;

  constructor(kv: KVNamespace, options: SessionStoreOptions = {}) {
    this.#now = options.now ?? Date.now;
    // A stored value that is not JSON reads as "no session"; nothing to report to the user.
    this.#store = new KVStore(kv, { now: this.#now, onError: () => {} });
    this.#ttl = options.ttl ?? DEFAULT_TTL_SECONDS;
    this.#refreshThreshold = options.refreshThreshold ?? Math.floor(this.#ttl / 2);
    this.#maxLifetime = options.maxLifetime ?? Math.max(DEFAULT_MAX_LIFETIME_SECONDS, this.#ttl);
    this.#cookieName = options.cookieName ?? "__Host-session";
    this.#cookie = { secure: true, httpOnly: true, sameSite: "Lax", path: "/", ...options.cookie };

    if (!Number.isInteger(this.#ttl) || this.#ttl < MIN_KV_TTL_SECONDS) {
      throw new Error(`Session ttl must be whole seconds, at least 60 (KV's minimum); got ${this.#ttl}`);
    }
    if (this.#refreshThreshold < 0 || this.#refreshThreshold > this.#ttl) {
      throw new Error(`refreshThreshold must be between 0 and the ttl (${this.#ttl}); got ${this.#refreshThreshold}`);
    }
    if (!Number.isInteger(this.#maxLifetime) || this.#maxLifetime < this.#ttl) {
      throw new Error(`maxLifetime must be whole seconds, at least the ttl (${this.#ttl}); got ${this.#maxLifetime}`);
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
    if (this.#cookieName.startsWith("__Host-") && (!this.#cookie.secure || this.#cookie.path !== "/" || this.#cookie.domain)) {
      throw new Error('Browsers accept a "__Host-" cookie only with Secure, Path=/ and no Domain');
    }
  }

  /** Starts a session: three KV writes (the record, its expiry and the per-user marker). */
  async create(userId: string, data: D = {} as D): Promise<{ token: string; session: Session<D> }> {
    const token = newToken();
    const hash = await sha256Hex(token);
    const now = this.#now();
    const record: SessionRecord<D> = { userId, data, createdAt: now };
    const expiresAt = Math.min(now + this.#ttl * 1000, this.#endOf(record));
    await Promise.all([
      this.#store.set(keys.session(hash), record, { ttl: this.#kvTtlUntil(this.#endOf(record)) }),
      this.#writeExpiry(hash, expiresAt),
      this.#store.setText(keys.userSession(userId, hash), "", { ttl: this.#kvTtlUntil(this.#endOf(record)) }),
    ]);
    return { token, session: { userId, data, createdAt: now, expiresAt, refreshed: false } };
  }

  /** The live session for a token, or null. One KV operation, plus one write when the expiry slides. */
  async get(token: string): Promise<Session<D> | null> {
    const found = await this.#read(token);
    if (found === null) return null;
    const { hash, session } = found;
    const now = this.#now();
    const slid = Math.min(now + this.#ttl * 1000, this.#endOf(session));
    if (session.expiresAt - now >= this.#refreshThreshold * 1000 || slid <= session.expiresAt) return session;
    try {
      await this.#writeExpiry(hash, slid);
    } catch {
      // A refused write (e.g. 429: another request slid it this second) only delays
      // the refresh to a later request; the session itself is still valid.
      return session;
    }
    return { ...session, expiresAt: slid, refreshed: true };
  }

  /** Merges `data` into the session's data (one read, one write); null when there is no live session. */
  async update(token: string, data: Partial<D>): Promise<Session<D> | null> {
    const found = await this.#read(token);
    if (found === null) return null;
    const { hash, session } = found;
    const record: SessionRecord<D> = { userId: session.userId, data: { ...session.data, ...data }, createdAt: session.createdAt };
    await this.#store.set(keys.session(hash), record, { ttl: this.#kvTtlUntil(this.#endOf(record)) });
    return { ...session, data: record.data };
  }

  /**
   * Ends a session, whatever its keys hold. The revoked marker is what makes it stick;
   * the deletes only free the space. A malformed token is ignored.
   */
  async destroy(token: string): Promise<void> {
    if (!TOKEN_PATTERN.test(token)) return;
    const hash = await sha256Hex(token);
    const stored = await this.#store.getMany<unknown>([keys.session(hash)]);
    const record = asRecord<D>(stored.get(keys.session(hash)));
    await this.#revoke(hash, record?.userId ?? null);
  }

  /**
   * Ends every session of a user and returns how many. Costs one list per 1000
   * sessions of this user plus four operations per session, whatever else the
   * namespace holds (an invocation may make 1000). Every revoked marker is written
   * before any delete, so past that budget only deletes fail, quietly (their keys
   * expire), and up to 999 sessions end in one call made with a fresh budget. See the
   * eventual-consistency note at the top of this file: a session created elsewhere in
   * the last minute may be missed.
   */
  async destroyAllForUser(userId: string): Promise<number> {
    // An empty hash part gives `user-session:{userId}:`, the prefix of this user's markers.
    const markerPrefix = keys.userSession(userId, "");
    const hashes: string[] = [];
    for await (const marker of this.#store.keys({ prefix: markerPrefix })) {
      hashes.push(marker.name.slice(markerPrefix.length));
    }
    await Promise.all(hashes.map((hash) => this.#revoke(hash, userId)));
    return hashes.length;
  }

  /**
   * A Set-Cookie header value that hands the token to the browser. Pass the
   * session to make the cookie last exactly as long as it: after `get` slides a
   * session's expiry (`session.refreshed`), sending `cookie(token, session)` again
   * keeps the two in step.
   */
  cookie(token: string, session?: Session<D>): string {
    const maxAge = session ? Math.max(0, Math.ceil((session.expiresAt - this.#now()) / 1000)) : this.#ttl;
    return this.#setCookie(token, maxAge);
  }

  /** A Set-Cookie header value that makes the browser forget the session. */
  clearCookie(): string {
    return this.#setCookie("", 0);
  }

  /**
   * The session token from the request's Cookie header: the first cookie of exactly
   * this name whose value is a well-formed token (browsers can send several of one
   * name, e.g. from different paths; a malformed one is skipped, not fatal).
   */
  tokenFrom(request: Request): string | null {
    const header = request.headers.get("Cookie");
    if (!header) return null;
    for (const pair of header.split(";")) {
      const separator = pair.indexOf("=");
      if (separator === -1) continue;
      if (pair.slice(0, separator).trim() !== this.#cookieName) continue;
      let value = pair.slice(separator + 1).trim();
      if (value.length >= 2 && value.startsWith('"') && value.endsWith('"')) value = value.slice(1, -1);
      if (TOKEN_PATTERN.test(value)) return value;
    }
    return null;
  }

  /** The session's three keys in one bulk read; null unless the session is live. Bad stored data reads as no session. */
  async #read(token: string): Promise<{ hash: string; session: Session<D> } | null> {
    if (!TOKEN_PATTERN.test(token)) return null;
    const hash = await sha256Hex(token);
    const stored = await this.#store.getMany<unknown>([keys.session(hash), keys.sessionExpiry(hash), keys.sessionRevoked(hash)]);
    if (stored.get(keys.sessionRevoked(hash)) !== null) return null;
    const record = asRecord<D>(stored.get(keys.session(hash)));
    const expiry = stored.get(keys.sessionExpiry(hash));
    if (record === null || typeof expiry !== "number" || !Number.isFinite(expiry)) return null;
    const expiresAt = Math.min(expiry, this.#endOf(record));
    if (expiresAt <= this.#now()) return null;
    return { hash, session: { ...record, expiresAt, refreshed: false } };
  }

  async #writeExpiry(hash: string, expiresAt: number): Promise<void> {
    await this.#store.set(keys.sessionExpiry(hash), expiresAt, { ttl: this.#kvTtlUntil(expiresAt) });
  }

  /** Marks the session revoked (kept for the longest a session can live), then deletes its other keys. */
  async #revoke(hash: string, userId: string | null): Promise<void> {
    try {
      await this.#store.setText(keys.sessionRevoked(hash), "1", { ttl: this.#maxLifetime });
    } catch (error) {
      // Only a logout writes this key: a 429 means another logout revoked it this second.
      if (!isTooManyWrites(error)) throw error;
    }
    const deletes = [this.#store.delete(keys.session(hash)), this.#store.delete(keys.sessionExpiry(hash))];
    if (userId !== null) deletes.push(this.#store.delete(keys.userSession(userId, hash)));
    // A refused delete (429 after a write this second) leaves a key that the revoked marker already makes harmless.
    await Promise.allSettled(deletes);
  }

  /** When a session ends at the latest: createdAt + maxLifetime. */
  #endOf(record: { createdAt: number }): number {
    return record.createdAt + this.#maxLifetime * 1000;
  }

  /** The KV expirationTtl that keeps a key until `time`: KV's minimum is 60 s; reads check the real times. */
  #kvTtlUntil(time: number): number {
    return Math.max(MIN_KV_TTL_SECONDS, Math.ceil((time - this.#now()) / 1000));
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

/** A stored session record, or null when the value is not one (a hand edit, a bad seed). */
function asRecord<D>(value: unknown): SessionRecord<D> | null {
  if (typeof value !== "object" || value === null) return null;
  const { userId, data, createdAt } = value as Record<string, unknown>;
  if (typeof userId !== "string" || typeof createdAt !== "number" || !Number.isFinite(createdAt)) return null;
  if (typeof data !== "object" || data === null || Array.isArray(data)) return null;
  return { userId, data: data as D, createdAt };
}

function newToken(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(TOKEN_BYTES));
  return btoa(String.fromCharCode(...bytes)).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
}
