import { env } from "cloudflare:workers";
import { expect, test } from "vitest";
import { KVStore } from "../../templates/default/src/lib/kv-store.ts";
import { countingKV } from "../../templates/default/test/support/counting-kv.ts";
import { record, total } from "./record.js";

test("getMany of 250 keys", async () => {
  const counting = countingKV(env.BENCH_KV);
  const store = new KVStore(counting.kv, { prefix: "bench" });
  const names = Array.from({ length: 250 }, (_, index) => `item-${index}`);
  await Promise.all(names.slice(0, 10).map((name) => store.set(name, { name })));

  counting.reset();
  const values = await store.getMany(names);
  expect(values.size).toBe(250);
  expect(values.get("item-0")).toEqual({ name: "item-0" });
  expect(values.get("item-249")).toBeNull();
  record("getMany of 250 keys", counting.counts, "3 operations", total(counting.counts) === 3);
});
