import { formatTtl, MIN_TTL } from "../ttl.js";
import { defineFeature } from "./unit.js";

export const ratelimit = defineFeature({
  id: "ratelimit",
  label: "Rate limiting",
  hint: "fixed-window counters per client, fail-open",
  binding: "RATE_LIMITS",
  ttl: 60,
  ttlFrom: {
    reason: "each counter expires at the end of its window (at least 60 s); set the window with --rate-limit",
    ttl: (settings) => Math.max(MIN_TTL, settings.rateLimit.window),
  },
  keyPattern: "ratelimit:{id}:{window}",
  files: {
    lib: ["src/lib/rate-limiter.ts"],
    libTests: ["test/lib/rate-limiter.test.ts"],
    routes: ["src/routes/ratelimit.ts"],
    routeTests: ["test/routes/ratelimit.test.ts"],
    seed: [],
  },
  router: { module: "ratelimit", routes: "rateLimitRoutes" },
  config: `/** Fixed-window rate limiting: \`limit\` requests per \`window\` seconds per client. */
export const rateLimit = {
  namespace: (env: Env): KVNamespace => env[{{json bindings.ratelimit}}],
  limit: {{json rateLimit.limit}},
  window: {{json rateLimit.window}},
};`,
  wrangler: `	// KV counters are approximate across locations (eventual consistency, one write
	// per second per key). For a strict limit, enable the Workers Rate Limiting binding
	// (period must be 10 or 60 seconds), then \`{{commands.run}} types\` and call
	// \`await env.RATE_LIMITER.limit({ key })\` -> { success }. See README.md.{{#if envs.length}}
	// Like every binding, it is not inherited: add the same block to each environment.{{/if}}
	// "ratelimits": [
	// 	{ "name": "RATE_LIMITER", "namespace_id": "1001", "simple": { "limit": {{json rateLimit.limit}}, "period": {{#if (eq rateLimit.window 10)}}10{{else}}60{{/if}} } }
	// ]`,
  flags: ["rate-limit"],
  paste: `import { RateLimiter } from "{{importPath}}/rate-limiter";
// in fetch(request, env, ctx):
const limiter = new RateLimiter(env.{{binding}}, { limit: {{rateLimit.limit}}, window: {{rateLimit.window}} });
const result = await limiter.check(request.headers.get("CF-Connecting-IP") ?? "unknown");
if (!result.allowed) return new Response("Slow down", { status: 429, headers: limiter.headers(result) });`,
  docs: {
    keys: "`ratelimit:{client}:{window}`",
    routes: "`GET /limited` | {{rateLimit.limit}} requests per {{rateLimit.window}} s per client, `X-RateLimit-*` headers, 429 with `Retry-After`",
    ttl: "**ratelimit**: one counter per client and window; it expires soon after its window ends (never under 60 s).",
    module: `\`src/lib/rate-limiter.ts\` — fixed-window counters in KV.

\`\`\`ts
const limiter = new RateLimiter(rateLimit.namespace(env), { limit: {{json rateLimit.limit}}, window: {{json rateLimit.window}} });
const result = await limiter.check(clientIp);     // at most one read and one write
if (!result.allowed) return new Response("Slow down", { status: 429, headers: limiter.headers(result) });
\`\`\`

KV counters are **approximate**: each location counts with its own view of the counter, and a refused or failed write lets the request through. KV also takes at most one write per second per key, so a client's counter grows by at most about one per second: a limit of more requests than the window has seconds (this project: {{rateLimit.limit}} per {{rateLimit.window}} s) is never reached in production, even though local tests reach it. For a strict limit, use the Workers Rate Limiting binding. \`wrangler.jsonc\` has it ready, commented out:

1. Uncomment the \`ratelimits\` block in \`wrangler.jsonc\` (\`period\` must be 10 or 60 seconds).
2. Run \`{{commands.run}} types\`, so \`env.RATE_LIMITER\` is typed.
3. In the route: \`const { success } = await env.RATE_LIMITER.limit({ key: clientIp }); if (!success) return new Response("Slow down", { status: 429 });\``,
    agentsRule: "Rate limits in KV are approximate and fail open; strict limits need the Rate Limiting binding (commented out in `wrangler.jsonc`).",
  },
  summary: ({ rateLimit: { limit, window } }) => [
    `rate limit: ${limit} requests per ${formatTtl(window)} per client (approximate across locations)`,
    // One write per second per key: a KV counter cannot count faster than that.
    ...(limit > window
      ? [`note: KV takes one write per second per key, so it cannot count past about ${window} requests in ${window} s; enforce ${limit} with the Rate Limiting binding (see README)`]
      : []),
  ],
});
