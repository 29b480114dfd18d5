import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { KVStore } from "../../templates/default/src/lib/kv-store";
import { countingKV } from "../../templates/default/test/support/counting-kv";
import { productionKV } from "../../templates/default/test/support/production-kv";

// KVStore cases too heavy for the generated project's own `npm test`: production's real
// limits (25 MiB of values in one bulk read, 1000 operations per invocation, 1000 keys
// per list page). Writing and then clearing 1000+ keys in every generated project made
// its tests slow and, on a busy machine, flaky.
// Every invocation here runs in one location ("edge"), and the clock moves past KV's
// one-write-per-second limit between writing a key and deleting it.

let clock = Date.UTC(2026, 11, 1);
const now = () => clock;
const HEAVY = { timeout: 180_000 };

async function putMany(kv: KVNamespace, names: string[]): Promise<void> {
  for (let start = 0; start < names.length; start += 100) {
    await Promise.all(names.slice(start, start + 100).map((name) => kv.put(name, "1")));
  }
}

describe("KVStore at production's limits", () => {
  it("reads 30 values of 1 MiB (over the 25 MiB bulk limit) by splitting the bulk read", HEAVY, async () => {
    const prod = productionKV(env.TEST_KV, { now });
    const setup = prod.at("edge", { operationBudget: Infinity });
    const big = JSON.stringify("x".repeat(1024 * 1024));
    const names = Array.from({ length: 30 }, (_, i) => `big-${i}`);
    for (const name of names) await setup.put(name, big);
    await expect(setup.get(names, "text")).rejects.toThrow(/413/);

    const counting = countingKV(prod.at("edge"));
    const values = await new KVStore(counting.kv).getMany<string>(names);
    expect([...values.values()].map((value) => value?.length)).toEqual(names.map(() => 1024 * 1024));
    expect(counting.counts.reads).toBe(3);
  });

  it("deleteByPrefix over 1500 keys never passes 1000 operations in one invocation", HEAVY, async () => {
    const prod = productionKV(env.TEST_KV, { now });
    await putMany(prod.at("edge", { operationBudget: Infinity }), Array.from({ length: 1500 }, (_, i) => `k:${String(i).padStart(4, "0")}`));
    clock += 1_000;
    const first = await new KVStore(prod.at("edge")).deleteByPrefix("k:");
    expect(first).toMatchObject({ deleted: 899, complete: false });
    const second = await new KVStore(prod.at("edge")).deleteByPrefix("k:", { cursor: first.cursor });
    expect(second).toEqual({ deleted: 601, complete: true });
    expect((await prod.at("edge").list()).keys).toEqual([]);
  });

  it("keys() walks more than one 1000-key page, one list operation per page", HEAVY, async () => {
    const prod = productionKV(env.TEST_KV, { now });
    await putMany(prod.at("edge", { operationBudget: Infinity }), Array.from({ length: 1001 }, (_, i) => `big:${String(i).padStart(4, "0")}`));
    const counting = countingKV(prod.at("edge"));
    let seen = 0;
    for await (const _key of new KVStore(counting.kv).keys({ prefix: "big:" })) seen++;
    expect(seen).toBe(1001);
    expect(counting.counts.lists).toBe(2);
  });
});
