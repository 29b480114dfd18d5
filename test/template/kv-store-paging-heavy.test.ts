// Moved here from templates/default/test/lib/kv-store.test.ts: it proves the toolkit
// at scale (over a thousand keys), which takes seconds in local workerd. It runs in
// this repository's CI, not in every generated project's `npm test`.
import { env } from "cloudflare:workers";
import { beforeEach, describe, expect, it } from "vitest";
import { KVStore } from "../../templates/default/src/lib/kv-store";
import { countingKV, type CountingKV } from "../../templates/default/test/support/counting-kv";
import { freshKV } from "../../templates/default/test/support/fresh-kv";

let kv: KVNamespace;
let counting: CountingKV;

beforeEach(() => {
  kv = freshKV(env.TEST_KV);
  counting = countingKV(kv);
});

describe("KVStore listing at scale", () => {
  it("walks more than one 1000-key page", async () => {
    const store = new KVStore(counting.kv);
    const names = Array.from({ length: 1001 }, (_, i) => `big:${String(i).padStart(4, "0")}`);
    for (let i = 0; i < names.length; i += 100) {
      await Promise.all(names.slice(i, i + 100).map((name) => kv.put(name, "1")));
    }
    counting.reset();
    let seen = 0;
    for await (const _key of store.keys({ prefix: "big:" })) seen++;
    expect(seen).toBe(1001);
    expect(counting.counts.lists).toBe(2);
  });
});
