/**
 * What every rate limiter in this project shares, whatever counts the requests:
 * the `RateLimiter` interface, its result, the response headers, and the client key.
 *
 * Three backends implement the interface. The project carries the one it was made
 * with (--rate-limit-backend), and `rateLimit.limiter` in src/config.ts uses it:
 * - `SlidingWindowRateLimiter` (rate-limit-object.ts): a Durable Object per client.
 *   Exact and global, and no burst of twice the limit across a window boundary.
 * - `BindingRateLimiter` (rate-limit-binding.ts): the Workers Rate Limiting binding.
 *   Cheap and fast, but counted per Cloudflare location and approximate.
 * - `KVRateLimiter` (rate-limiter.ts): fixed-window counters in KV. Exact only for a
 *   client in one location making at most one request a second: requests within one
 *   second count once, and each location counts on its own.
 * In a project made by create-kv-edge, `npm create kv-edge@latest -- update --set
 * rate-limit-backend=<backend>` switches: the file, the binding and src/config.ts.
 */
import { sha256Hex } from "./keys";

export type RateLimitBackend = "durable-object" | "binding" | "kv";

export interface RateLimitResult {
  allowed: boolean;
  limit: number;
  /** Requests left; undefined when the backend does not say (the Rate Limiting binding). */
  remaining?: number;
  /** When a request is next counted out of the window, in ms since the epoch; undefined when unknown. */
  resetAt?: number;
  /** Whole seconds to wait; set only when the request is refused. */
  retryAfter?: number;
  /** True when the backend failed and the request was let through uncounted. */
  failedOpen?: boolean;
}

export interface RateLimiter {
  /** Counts one request from `id` and says whether it may go ahead. */
  check(id: string): Promise<RateLimitResult>;
}

/** The X-RateLimit-* headers of a result (Reset in epoch seconds), and Retry-After when refused. */
export function rateLimitHeaders(result: RateLimitResult): Record<string, string> {
  const headers: Record<string, string> = { "X-RateLimit-Limit": String(result.limit) };
  if (result.remaining !== undefined) headers["X-RateLimit-Remaining"] = String(result.remaining);
  if (result.resetAt !== undefined) headers["X-RateLimit-Reset"] = String(Math.ceil(result.resetAt / 1000));
  if (result.retryAfter !== undefined) headers["Retry-After"] = String(result.retryAfter);
  return headers;
}

/**
 * Who a request counts against: its client address as Cloudflare reports it
 * (`CF-Connecting-IP`; absent in local tests, which all count as one client).
 * An IPv6 client usually owns a whole /64, so every address in it counts as one.
 * The address is hashed so it never shows up as a KV key or an object name (a
 * label, not anonymity: IPv4 addresses are few enough to hash them all).
 */
export async function clientKey(request: Request): Promise<string> {
  const address = request.headers.get("CF-Connecting-IP") ?? "anonymous";
  // An IPv4 address written as IPv6 (::ffff:192.0.2.1) is that IPv4 client.
  const ipv4 = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address)?.[1];
  return sha256Hex(ipv4 ?? (address.includes(":") ? ipv6Prefix64(address) : address));
}

/** The first four groups of an IPv6 address, written out in full: "2001:db8::1" -> "2001:0db8:0000:0000". */
export function ipv6Prefix64(address: string): string {
  const [head = "", tail] = address.toLowerCase().split("::");
  const headGroups = head === "" ? [] : head.split(":");
  const tailGroups = tail === undefined || tail === "" ? [] : tail.split(":");
  const zeros = Array<string>(Math.max(0, 8 - headGroups.length - tailGroups.length)).fill("0");
  const groups = tail === undefined ? headGroups : [...headGroups, ...zeros, ...tailGroups];
  return groups
    .slice(0, 4)
    .map((group) => group.padStart(4, "0"))
    .join(":");
}
