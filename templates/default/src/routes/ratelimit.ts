/**
 * A rate-limited route: GET /limited answers 200 until the client has used its
 * `limit` requests in the current window, then 429 with Retry-After.
 *
 * KV counters are approximate across locations; for a strict limit use the Workers
 * Rate Limiting binding (commented out in wrangler.jsonc, see README.md).
 */
import { rateLimit } from "../config";
import { HttpError, json, type Route } from "../http";
import { RateLimiter } from "../lib/rate-limiter";

/** Who is counted: the client's IP as Cloudflare reports it (absent locally in tests). */
function clientId(request: Request): string {
  return request.headers.get("CF-Connecting-IP") ?? "anonymous";
}

export const rateLimitRoutes: Route[] = [
  {
    method: "GET",
    path: "/limited",
    description: `Rate limited to ${rateLimit.limit} requests per ${rateLimit.window} s per client, with X-RateLimit-* headers.`,
    async handle({ request, env }) {
      const limiter = new RateLimiter(rateLimit.namespace(env), { limit: rateLimit.limit, window: rateLimit.window });
      const result = await limiter.check(clientId(request));
      const headers = limiter.headers(result);
      if (!result.allowed) {
        throw new HttpError(429, `Too many requests: try again in ${result.retryAfter ?? rateLimit.window} s.`, headers);
      }
      return json({ allowed: true, remaining: result.remaining }, { headers });
    },
  },
];
