import { defineFeature } from "./unit.js";

/** The patterns src/lib/cache.ts offers for the demo route (--cache-pattern). */
export const CACHE_PATTERNS = ["cache-aside", "stale-while-revalidate", "refresh-ahead", "write-through"] as const;
export type CachePattern = (typeof CACHE_PATTERNS)[number];

/** One line per pattern, for the prompt. */
export const CACHE_PATTERN_HINTS: Record<CachePattern, string> = {
  "cache-aside": "on a miss, load from the origin and store it",
  "stale-while-revalidate": "serve stale at once, refresh in the background",
  "refresh-ahead": "refresh entries shortly before they expire",
  "write-through": "writes update the origin and KV together",
};

/** Patterns that serve an entry after it is stale: they need entries that expire. */
export const EXPIRING_CACHE_PATTERNS: readonly CachePattern[] = ["stale-while-revalidate", "refresh-ahead"];

export const cache = defineFeature({
  id: "cache",
  label: "Cache",
  hint: "cache-aside, stale-while-revalidate, write-through and more",
  binding: "CACHE",
  ttl: 300,
  keyPattern: "cache:{resource}:{id}",
  files: {
    lib: ["src/lib/cache.ts"],
    libTests: ["test/lib/cache.test.ts"],
    routes: ["src/routes/cache.ts"],
    routeTests: ["test/routes/cache.test.ts"],
    seed: [],
  },
  router: { module: "cache", routes: "cacheRoutes" },
  config: `export type CachePattern = "cache-aside" | "stale-while-revalidate" | "refresh-ahead" | "write-through";

/** Cached copies of slow data, under \`cache:{resource}:{id}\`. */
export const cache = {
  namespace: (env: Env): KVNamespace => env[{{json bindings.cache}}],
  /** How long a cached value counts as fresh. */
  ttl: namespaces[{{json bindings.cache}}].ttl,
  /** stale-while-revalidate: after \`ttl\`, serve the old value for this long while refreshing it. */
  staleTtl: 3600,
  /** refresh-ahead: refresh in the background when less than this is left (a minute, or half the TTL). */
  refreshBefore: Math.min(60, Math.floor(namespaces[{{json bindings.cache}}].ttl / 2)),
  /** The pattern GET /cached/:id uses. */
  pattern: {{json cachePattern}} as CachePattern,
};`,
  flags: ["cache-pattern"],
  paste: `import { cacheAside } from "{{importPath}}/cache";
import { keys } from "{{importPath}}/keys";
import { KVStore } from "{{importPath}}/kv-store";
// in fetch(request, env, ctx):
const cache = new KVStore(env.{{binding}}, { defaultTtl: {{ttl}} });
const item = await cacheAside(cache, keys.cache("item", id), () => loadItem(id), { ttl: {{ttl}} });`,
  docs: {
    keys: "`cache:{resource}:{id}`",
    routes: "`GET /cached/:id`, `PUT /cached/:id`, `GET /__kv/stats` (demo, DEMO_ROUTES only) | an item from a fake slow origin through {{cachePattern}}; the cache's hit rate in this isolate",
    tryIt: "curl -s localhost:8787/cached/42 && curl -s localhost:8787/__kv/stats",
    ttl: "**cache**: an entry is fresh for `cache.ttl` seconds (`src/config.ts`). With stale-while-revalidate it is then served stale for `cache.staleTtl` more while one background load refreshes it; with refresh-ahead a hit in the last `cache.refreshBefore` seconds refreshes it early. Freshness is judged by a timestamp stored with the value, not by KV's expiry.",
    module: `\`src/lib/cache.ts\` — cache-aside, read-through, stale-while-revalidate, refresh-ahead, write-through, write-behind, invalidation and warming, over a \`KVStore\`.

\`\`\`ts
const store = new KVStore(cache.namespace(env), { defaultTtl: cache.ttl });
const user = await cacheAside(store, keys.cache("user", id), () => loadUser(id), { ttl: 300 });
const page = await staleWhileRevalidate(store, keys.cache("page", slug), () => render(slug), { ttl: 60, staleTtl: 3600 }, ctx);
await invalidatePrefix(store, "cache:user:");        // at most 900 KV operations; resume with { cursor }
\`\`\`

A cache-aside miss whose load is slow can store a value older than a change made meanwhile (see \`cacheAside\`): cache under \`versionedKey\` and \`bumpVersion\` after a change where that matters. A bump is one write of a new random, time-ordered version, never a counter read back from KV.

A hit costs one KV read. \`GET /__kv/stats\` answers this isolate's hits, misses and stale serves: watch the hit rate while you tune TTLs. \`GET /cached/:id\` uses a **fake** slow origin (\`slowOrigin\` in \`src/routes/cache.ts\`): replace it with your database or API. Change the demo's pattern in \`src/config.ts\`.`,
  },
  summary: (settings) => [`cache pattern of the demo route: ${settings.cachePattern}`],
});
