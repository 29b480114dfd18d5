/**
 * Key builders: the one place that decides how keys in this project look.
 *
 * Every key is `kind:part[:part]`. A part is escaped so that it never contains
 * the `:` separator (`:` becomes `%3A`, and `%` itself becomes `%25`), which makes
 * the mapping one-to-one: `cache("a:b", "c")` and `cache("a", "b:c")` are
 * different keys. Keys are compared byte for byte and listed in byte order, so
 * the kind prefix is also what `list({ prefix })` walks.
 *
 * KV allows at most 512 UTF-8 bytes per key; KVStore checks that when the key is used.
 */

/** Escapes one key part so it cannot contain the `:` separator. */
export function keyPart(value: string | number): string {
  return String(value).replaceAll("%", "%25").replaceAll(":", "%3A");
}

/**
 * The SHA-256 of a string as 64 hex characters: a fixed-length key part for
 * values that are secret (session tokens) or may be too long for a key.
 */
export async function sha256Hex(text: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return [...new Uint8Array(digest)].map((byte) => byte.toString(16).padStart(2, "0")).join("");
}

function join(kind: string, ...parts: (string | number)[]): string {
  return [kind, ...parts.map(keyPart)].join(":");
}

export const keys = {
  /** `user:{id}` */
  user: (id: string) => join("user", id),
  /** `session:{hash}`: a session's record (user, data). `hash` is the SHA-256 of the token, never the token itself. */
  session: (hash: string) => join("session", hash),
  /** `session-expiry:{hash}`: a session's sliding expiry, kept apart so a refresh never rewrites the record. */
  sessionExpiry: (hash: string) => join("session-expiry", hash),
  /** `session-revoked:{hash}`: written only by a logout, so no late refresh or update can bring the session back. */
  sessionRevoked: (hash: string) => join("session-revoked", hash),
  /** `cache:{resource}:{id}` */
  cache: (resource: string, id: string) => join("cache", resource, id),
  /** `config:{key}` */
  config: (key: string) => join("config", key),
  /** `flag:{name}` */
  flag: (name: string) => join("flag", name),
  /** `ratelimit:{id}:{window}`: `window` is the window's number, so each window gets its own counter. */
  rateLimit: (id: string, window: string | number) => join("ratelimit", id, window),
  /**
   * `user-session:{userId}:{hash}`: an empty marker per live session, so one user's
   * sessions can be listed by the prefix `userSession(userId, "")` without a scan.
   */
  userSession: (userId: string, hash: string) => join("user-session", userId, hash),
  /** `prefs:{userId}` */
  prefs: (userId: string) => join("prefs", userId),
} as const;
