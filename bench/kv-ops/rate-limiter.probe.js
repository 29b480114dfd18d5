import { env } from "cloudflare:workers";
import { expect, test } from "vitest";
import { KVRateLimiter } from "../../templates/default/src/lib/rate-limiter.ts";
import { countingKV } from "../../templates/default/test/support/counting-kv.ts";
import { record } from "./record.js";

test("KV rate limit check on a client already counted", async () => {
  const counting = countingKV(env.BENCH_KV);
  const limiter = new KVRateLimiter(counting.kv, { limit: 10, window: 60 });
  await limiter.check("client-1");

  counting.reset();
  const result = await limiter.check("client-1");
  expect(result.allowed).toBe(true);
  const { reads, writes, deletes, lists } = counting.counts;
  record(
    "rate limit check (kv backend)",
    counting.counts,
    "at most 1 read and 1 write",
    reads <= 1 && writes <= 1 && deletes === 0 && lists === 0,
  );
});
