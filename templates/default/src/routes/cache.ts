/**
 * A cached route: GET /cached/:id reads through the cache pattern chosen in
 * src/config.ts; PUT /cached/:id changes the origin and keeps the cache right.
 * GET /__kv/stats shows this isolate's hit rate, to tune TTLs by (a demo route: only
 * with DEMO_ROUTES set).
 *
 * `slowOrigin` below is a FAKE: an in-memory store with a delay, standing in for
 * the database or API you would cache. Replace it with your own data source.
 */
import { cache } from "../config";
import { HttpError, json, readJsonObject, type Route } from "../http";
import { cacheAside, cacheStats, invalidate, refreshAhead, staleWhileRevalidate, writeThrough } from "../lib/cache";
import { keys } from "../lib/keys";
import { KVStore } from "../lib/kv-store";
import { perIsolate } from "../per-isolate";

interface Item {
  id: string;
  value: string;
  /** When the origin produced this copy: it stays the same while the cache serves it. */
  generatedAt: string;
}

/** FAKE origin: pretend each read and write is a slow database query (the tests make it instant). */
export const slowOrigin = {
  delayMs: 50,
  items: new Map<string, string>(),
  async load(id: string): Promise<Item> {
    await new Promise((resolve) => setTimeout(resolve, this.delayMs));
    return { id, value: this.items.get(id) ?? `value of ${id}`, generatedAt: new Date().toISOString() };
  },
  async save(item: Item): Promise<void> {
    await new Promise((resolve) => setTimeout(resolve, this.delayMs));
    this.items.set(item.id, item.value);
  },
};

function itemKey(id: string): string {
  return keys.cache("items", id);
}

// One store per isolate, so a key being refreshed in the background is refreshed once.
const cacheStore = perIsolate((namespace) => new KVStore(namespace, { defaultTtl: cache.ttl }));

export const cacheRoutes: Route[] = [
  {
    method: "GET",
    path: "/cached/:id",
    description: `An item from a slow (fake) origin, cached in KV with ${cache.pattern}.`,
    async handle({ env, ctx, params }) {
      const id = params.id ?? "";
      const store = cacheStore(cache.namespace(env));
      const load = () => slowOrigin.load(id);
      // With a TTL of 0 (never expires) nothing is ever stale, so every pattern is cache-aside.
      const pattern = cache.ttl === 0 ? "cache-aside" : cache.pattern;
      switch (pattern) {
        case "stale-while-revalidate":
          return json(await staleWhileRevalidate(store, itemKey(id), load, { ttl: cache.ttl, staleTtl: cache.staleTtl }, ctx));
        case "refresh-ahead":
          return json(await refreshAhead(store, itemKey(id), load, { ttl: cache.ttl, refreshBefore: cache.refreshBefore }, ctx));
        case "cache-aside":
        case "write-through":
          return json(await cacheAside(store, itemKey(id), load, { ttl: cache.ttl }));
      }
    },
  },
  {
    method: "PUT",
    path: "/cached/:id",
    description: 'Change an item at the origin: body {"value": "..."}; the cache follows.',
    async handle({ request, env, params }) {
      const id = params.id ?? "";
      const { value } = await readJsonObject(request);
      if (typeof value !== "string") throw new HttpError(400, "value must be a string.");
      const item: Item = { id, value, generatedAt: new Date().toISOString() };
      const store = cacheStore(cache.namespace(env));
      if (cache.pattern === "write-through") {
        // The origin first, then KV: a failed origin write leaves the cache untouched.
        await writeThrough(store, itemKey(id), item, (saved) => slowOrigin.save(saved), { ttl: cache.ttl });
      } else {
        // With a read pattern, writes go to the origin and the cached copy is dropped;
        // the next read loads it again. Other locations may serve the old copy for up to
        // a minute while the delete propagates.
        await slowOrigin.save(item);
        await invalidate(store, itemKey(id));
      }
      return json(item);
    },
  },
  {
    method: "GET",
    path: "/__kv/stats",
    description: "Demo: cache hits, misses and stale serves counted in this isolate.",
    demo: true,
    handle: () => json(cacheStats()),
  },
];
