import { env } from "cloudflare:workers";
import { expect, test } from "vitest";
import { cacheAside, staleWhileRevalidate } from "../../templates/default/src/lib/cache.ts";
import { KVStore } from "../../templates/default/src/lib/kv-store.ts";
import { countingKV } from "../../templates/default/test/support/counting-kv.ts";
import { record, total } from "./record.js";

/** A ctx whose waitUntil work the test can await. */
function testContext() {
  const pending = [];
  return { waitUntil: (promise) => pending.push(promise), settled: () => Promise.all(pending) };
}

test("cache-aside hit", async () => {
  const counting = countingKV(env.BENCH_KV);
  const store = new KVStore(counting.kv);
  const load = async () => ({ answer: 42 });
  await cacheAside(store, "cache:aside", load, { ttl: 300 });

  counting.reset();
  expect(await cacheAside(store, "cache:aside", load, { ttl: 300 })).toEqual({ answer: 42 });
  record("cache-aside hit", counting.counts, "1 read", counting.counts.reads === 1 && total(counting.counts) === 1);
});

test("stale-while-revalidate fresh hit", async () => {
  const counting = countingKV(env.BENCH_KV);
  const store = new KVStore(counting.kv);
  const ctx = testContext();
  const load = async () => ({ answer: 42 });
  await staleWhileRevalidate(store, "cache:swr", load, { ttl: 300, staleTtl: 600 }, ctx);
  await ctx.settled();

  counting.reset();
  expect(await staleWhileRevalidate(store, "cache:swr", load, { ttl: 300, staleTtl: 600 }, ctx)).toEqual({
    answer: 42,
  });
  await ctx.settled();
  record(
    "stale-while-revalidate hit",
    counting.counts,
    "1 read",
    counting.counts.reads === 1 && total(counting.counts) === 1,
  );
});
