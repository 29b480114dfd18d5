/**
 * Fixed-window rate limiting with KV counters: one key per client per window,
 * `ratelimit:{id}:{window number}`, that expires after its window (never sooner
 * than KV's 60-second minimum). A check is at most one read and one write.
 *
 * What it guarantees (test/lib/rate-limiter.test.ts replays each case under the
 * production-KV double): a soft limit for clients that wait between requests,
 * little against a flood.
 * - One location, at most one request a second: exactly `limit` per window.
 * - Requests within the same second all read the same count and all pass: KV keeps
 *   one of their writes and refuses the others with 429, which this limiter lets
 *   through uncounted (it fails open rather than break your route) and reports. So
 *   the count rises by at most one a second, and a client sending many requests at
 *   once gets every one through until about `limit` seconds into the window, then
 *   none until the window ends. (A limit above one request per second of window
 *   could never be reached: the project refuses it for this backend.)
 * - Each location reads its own copy, up to a minute stale, so a client spread over
 *   k locations gets up to `limit` x k per window (more when writes meet a 429).
 * - A fixed window lets up to twice the limit through around a window boundary.
 * For an exact limit use the Durable Object backend (`--rate-limit-backend durable-object`).
 */
import { keys, sha256Hex } from "./keys";
import { KVStore } from "./kv-store";
import type { RateLimiter, RateLimitResult } from "./rate-limit";

export interface RateLimiterOptions {
  /** Requests allowed per window. */
  limit: number;
  /** Window length in whole seconds. */
  window: number;
  /** Prepended to every counter key, e.g. `"api:"` to keep two limiters apart. */
  prefix?: string;
  /** Called when KV refuses or fails a read or write and the request is let through. Default: console.warn. */
  onError?: (error: unknown) => void;
  /** The clock, in ms since the epoch. For tests. */
  now?: () => number;
}

export class KVRateLimiter implements RateLimiter {
  readonly #store: KVStore;
  readonly #limit: number;
  readonly #windowMs: number;
  readonly #onError: (error: unknown) => void;
  readonly #now: () => number;

  constructor(kv: KVNamespace, options: RateLimiterOptions) {
    if (!Number.isInteger(options.limit) || options.limit < 1) {
      throw new Error(`Rate limit must be a whole number of requests, at least 1; got ${options.limit}`);
    }
    if (!Number.isInteger(options.window) || options.window < 1) {
      throw new Error(`Rate limit window must be whole seconds, at least 1; got ${options.window}`);
    }
    this.#store = new KVStore(kv, { prefix: options.prefix });
    this.#limit = options.limit;
    this.#windowMs = options.window * 1000;
    this.#onError = options.onError ?? ((error) => console.warn("Rate limiter failed open:", error));
    this.#now = options.now ?? Date.now;
  }

  /** Counts one request from `id` and says whether it may go ahead. Never throws for KV errors. */
  async check(id: string): Promise<RateLimitResult> {
    const window = await this.#window(id);
    let count: number;
    try {
      count = (await this.#store.get<number>(window.key)) ?? 0;
    } catch (error) {
      return this.#failOpen(error, window.resetAt, 0);
    }
    // A refused request is not written: the count stays at the limit until the window ends.
    if (count >= this.#limit) return this.#refused(window.resetAt);
    try {
      await this.#store.set(window.key, count + 1, { ttl: window.ttl });
    } catch (error) {
      return this.#failOpen(error, window.resetAt, count + 1);
    }
    return { allowed: true, limit: this.#limit, remaining: this.#limit - count - 1, resetAt: window.resetAt };
  }

  /** Where `id` stands in the current window, without counting a request: `allowed` says whether the next one would be. */
  async status(id: string): Promise<RateLimitResult> {
    const window = await this.#window(id);
    const count = (await this.#store.get<number>(window.key)) ?? 0;
    if (count >= this.#limit) return this.#refused(window.resetAt);
    return { allowed: true, limit: this.#limit, remaining: this.#limit - count, resetAt: window.resetAt };
  }

  /** Forgets `id`'s requests in the current window. */
  async reset(id: string): Promise<void> {
    await this.#store.delete((await this.#window(id)).key);
  }

  /**
   * The current fixed window for `id`: its counter key, when it ends, and the
   * key's TTL, which outlives the window and is never under KV's 60-second minimum.
   */
  async #window(id: string): Promise<{ key: string; resetAt: number; ttl: number }> {
    const now = this.#now();
    const index = Math.floor(now / this.#windowMs);
    const resetAt = (index + 1) * this.#windowMs;
    const ttl = Math.max(60, Math.ceil((resetAt - now) / 1000));
    return { key: keys.rateLimit(await shortId(id), index), resetAt, ttl };
  }

  #refused(resetAt: number): RateLimitResult {
    const retryAfter = Math.max(1, Math.ceil((resetAt - this.#now()) / 1000));
    return { allowed: false, limit: this.#limit, remaining: 0, resetAt, retryAfter };
  }

  #failOpen(error: unknown, resetAt: number, count: number): RateLimitResult {
    this.#onError(error);
    const remaining = Math.max(0, this.#limit - count);
    return { allowed: true, limit: this.#limit, remaining, resetAt, failedOpen: true };
  }
}

/** Ids up to this many UTF-8 bytes are used as they are; longer ones are hashed. */
const MAX_PLAIN_ID_BYTES = 256;

/**
 * An id that always fits in a KV key (512 bytes at most). Ids often come from
 * the request (an IP, an API key, a header), and a key that is too long would make
 * every check fail, and so fail open, letting that client through unlimited.
 */
async function shortId(id: string): Promise<string> {
  if (new TextEncoder().encode(id).byteLength <= MAX_PLAIN_ID_BYTES) return id;
  return `sha256-${await sha256Hex(id)}`;
}
