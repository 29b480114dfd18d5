import { formatTtl, MIN_TTL } from "../ttl.js";
import { defineFeature, type RateLimitBackend } from "./unit.js";

const BACKEND_SUMMARY: Record<RateLimitBackend, string> = {
  "durable-object": "exact and global (a Durable Object per client, sliding window)",
  binding: "approximate (the Rate Limiting binding counts per location)",
  kv: "approximate (KV counters; a burst within one second counts once, and each location counts on its own)",
};

export const ratelimit = defineFeature({
  id: "ratelimit",
  label: "Rate limiting",
  hint: "per client: exact in a Durable Object, or the Rate Limiting binding, or KV counters",
  // The KV namespace of --rate-limit-backend kv; the other backends keep nothing in KV.
  binding: "RATE_LIMITS",
  hasNamespace: (settings) => settings.rateLimitBackend === "kv",
  ttl: 60,
  ttlFrom: {
    reason: "each counter expires at the end of its window (at least 60 s); set the window with --rate-limit",
    ttl: (settings) => Math.max(MIN_TTL, settings.rateLimit.window),
  },
  keyPattern: "ratelimit:{id}:{window}",
  files: {
    lib: ["src/lib/rate-limit.ts", "src/lib/rate-limit-object.ts", "src/lib/rate-limit-binding.ts", "src/lib/rate-limiter.ts"],
    libTests: ["test/lib/rate-limit.test.ts", "test/lib/rate-limiter.test.ts"],
    routes: ["src/routes/ratelimit.ts"],
    routeTests: ["test/routes/ratelimit.test.ts"],
    seed: [],
    byChoice: {
      "rate-limit-backend": {
        "durable-object": ["src/lib/rate-limit-object.ts"],
        binding: ["src/lib/rate-limit-binding.ts"],
        kv: ["src/lib/rate-limiter.ts", "test/lib/rate-limiter.test.ts"],
      },
    },
  },
  router: { module: "ratelimit", routes: "rateLimitRoutes" },
  flags: ["rate-limit", "rate-limit-backend"],
  paste: `import { clientKey, rateLimitHeaders } from "{{importPath}}/rate-limit";
{{#if (eq rateLimitBackend "kv")}}
import { KVRateLimiter } from "{{importPath}}/rate-limiter";
{{else}}
{{#if (eq rateLimitBackend "binding")}}
import { BindingRateLimiter } from "{{importPath}}/rate-limit-binding";
{{else}}
import { SlidingWindowRateLimiter } from "{{importPath}}/rate-limit-object";
{{/if}}
{{/if}}
// in fetch(request, env, ctx):
{{#if (eq rateLimitBackend "kv")}}
const limiter = new KVRateLimiter(env.{{binding}}, { limit: {{rateLimit.limit}}, window: {{rateLimit.window}} });
{{else}}
{{#if (eq rateLimitBackend "binding")}}
const limiter = new BindingRateLimiter(env.RATE_LIMITER, { limit: {{rateLimit.limit}}, period: {{rateLimit.window}} });
{{else}}
const limiter = new SlidingWindowRateLimiter(env.RATE_LIMITER, { limit: {{rateLimit.limit}}, window: {{rateLimit.window}} });
{{/if}}
{{/if}}
const result = await limiter.check(await clientKey(request));
if (!result.allowed) return new Response("Slow down", { status: 429, headers: rateLimitHeaders(result) });`,
  classes: [
    {
      name: "SlidingWindowLimiter",
      module: "./lib/rate-limit-object",
      binding: "RATE_LIMITER",
      objects: "one object per client (hashed address)",
      docs: {
        guarantee: "in any window, never more than the limit of one client's requests pass, wherever they arrive; checks never interleave",
        cost: "one call per rate-limited request; up to `limit` rows read and one written; an idle client's rows are deleted after its window",
        scaling: "one object per client, so clients never slow each other; one client is bounded by what one object serves (about a thousand calls a second)",
      },
      when: (settings) => settings.rateLimitBackend === "durable-object",
    },
  ],
  configImports: `{{#if (eq rateLimit.backend "durable-object")}}
import { SlidingWindowRateLimiter } from "./lib/rate-limit-object";
{{/if}}
{{#if (eq rateLimit.backend "binding")}}
import { BindingRateLimiter } from "./lib/rate-limit-binding";
{{/if}}
{{#if (eq rateLimit.backend "kv")}}
import { KVRateLimiter } from "./lib/rate-limiter";
{{/if}}
import type { RateLimitBackend, RateLimiter } from "./lib/rate-limit";`,
  config: `/**
 * Rate limiting: \`limit\` requests per \`window\` seconds per client. \`limiter(env)\` is
 * the one place that picks what counts them (src/lib/rate-limit.ts compares the three).
 */
export const rateLimit = {
  limit: {{json rateLimit.limit}},
  window: {{json rateLimit.window}},
{{#if (eq rateLimit.backend "durable-object")}}
  /** A Durable Object per client: exact and global, a sliding window. */
  backend: "durable-object" as RateLimitBackend,
  limiter: (env: Env): RateLimiter =>
    new SlidingWindowRateLimiter(env.RATE_LIMITER, { limit: rateLimit.limit, window: rateLimit.window }),
{{/if}}
{{#if (eq rateLimit.backend "binding")}}
  /** The Rate Limiting binding (\`ratelimits\` in wrangler.jsonc): per location and approximate. */
  backend: "binding" as RateLimitBackend,
  limiter: (env: Env): RateLimiter => new BindingRateLimiter(env.RATE_LIMITER, { limit: rateLimit.limit, period: {{json rateLimit.window}} }),
{{/if}}
{{#if (eq rateLimit.backend "kv")}}
  /** Fixed-window KV counters: approximate, at most about one request per second per client. */
  backend: "kv" as RateLimitBackend,
  namespace: (env: Env): KVNamespace => env[{{json bindings.ratelimit}}],
  limiter: (env: Env): RateLimiter =>
    new KVRateLimiter(rateLimit.namespace(env), { limit: rateLimit.limit, window: rateLimit.window }),
{{/if}}
};`,
  docs: {
    keys: "`ratelimit:{client}:{window}`",
    routes:
      "`GET /limited` | {{rateLimit.limit}} requests per {{rateLimit.window}} s per client ({{rateLimit.backend}}), `X-RateLimit-*` headers, 429 with `Retry-After`",
    ttl: `{{#if (eq rateLimit.backend "kv")}}**ratelimit**: one counter per client and window; it expires soon after its window ends (never under 60 s).{{else}}**ratelimit**: nothing in KV: the {{#if (eq rateLimit.backend "binding")}}Rate Limiting binding{{else}}\`RATE_LIMITER\` Durable Object{{/if}} counts.{{/if}}`,
    module: `\`src/lib/rate-limit.ts\` — one \`RateLimiter\` interface for three backends. The project carries the one it uses ({{rateLimit.backend}}), and \`rateLimit.limiter(env)\` in \`src/config.ts\` builds it.

\`\`\`ts
const result = await rateLimit.limiter(env).check(await clientKey(request)); // hashed address; an IPv6 /64 is one client
if (!result.allowed) return new Response("Slow down", { status: 429, headers: rateLimitHeaders(result) });
\`\`\`

| backend | guarantee | cost per check | choose it for |
|---|---|---|---|
| \`durable-object\` (\`rate-limit-object.ts\`) | exact and global: in any {{rateLimit.window}} s, never more than {{rateLimit.limit}} requests of one client pass (a sliding window: no double burst around a window boundary) | one call to the client's Durable Object, up to \`limit\` rows read and one written | limits that must hold |
| \`binding\` (\`rate-limit-binding.ts\`) | approximate: the Workers Rate Limiting binding counts per Cloudflare location and is permissive; a 10 or 60 s period only; no remaining count | next to nothing | cheap abuse protection |
| \`kv\` (\`rate-limiter.ts\`) | approximate: exact only for a client in one location making at most one request a second; requests within the same second all pass and count once (KV takes one write per second per key; the limiter lets the refused writes through), so a flood passes whole until about \`limit\` seconds into the window; each location counts on its own (up to \`limit\` x locations); a fixed window lets twice the limit through around a boundary | one KV read and one write | slowing polite clients at low rates, not stopping abuse |

To switch, run \`npm create kv-edge@latest -- update --set rate-limit-backend=<backend>\`: it swaps the backend's file, the binding in \`wrangler.jsonc\` (a Durable Object class gets a migration) and \`rateLimit.limiter\`; then run \`{{commands.run}} types\`.`,
    agentsRule:
      "Rate limits: this project counts with the `{{rateLimit.backend}}` backend (`rateLimit.limiter` in `src/config.ts`). Only `durable-object` is exact; the Rate Limiting binding is per location and approximate (period 10 or 60 s); KV counters are approximate: requests within one second count once (a flood passes until the count reaches the limit), each location counts on its own, and they fail open.",
  },
  summary: (settings) => [
    `rate limit: ${settings.rateLimit.limit} requests per ${formatTtl(settings.rateLimit.window)} per client, ${BACKEND_SUMMARY[settings.rateLimitBackend]}`,
  ],
});
