/**
 * A rate-limited route: GET /limited answers 200 until the client has used its
 * `limit` requests, then 429 with Retry-After. Which backend counts them, and how
 * exactly, is set in src/config.ts (`rateLimit.limiter`).
 */
import { rateLimit } from "../config";
import { HttpError, json, type Route } from "../http";
import { clientKey, rateLimitHeaders } from "../lib/rate-limit";

export const rateLimitRoutes: Route[] = [
  {
    method: "GET",
    path: "/limited",
    description: `Rate limited to ${rateLimit.limit} requests per ${rateLimit.window} s per client (${rateLimit.backend}), with X-RateLimit-* headers.`,
    async handle({ request, env }) {
      const result = await rateLimit.limiter(env).check(await clientKey(request));
      const headers = rateLimitHeaders(result);
      if (!result.allowed) {
        throw new HttpError(429, `Too many requests: try again in ${result.retryAfter ?? rateLimit.window} s.`, headers);
      }
      return json({ allowed: true, remaining: result.remaining ?? null }, { headers });
    },
  },
];
