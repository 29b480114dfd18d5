import { env } from "cloudflare:workers";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { Counters } from "../../src/lib/counters";

// Every test uses names of its own: the objects live for the whole run, shared by every test file.
let counters: Counters;
beforeEach(() => {
  counters = new Counters(env.COUNTERS);
});

describe("Counters.increment", () => {
  // The same case with 100 callers runs in this toolkit's own CI (test/template/counters-heavy.test.ts).
  it("counts 20 simultaneous increments as exactly 20", async () => {
    const results = await Promise.all(Array.from({ length: 20 }, () => counters.increment("burst")));
    expect(await counters.get("burst")).toBe(20);
    // Every caller saw a different value: no two increments read the same count.
    expect(new Set(results).size).toBe(20);
  });

  it("adds any amount, negative too, and starts from 0", async () => {
    expect(await counters.get("inventory")).toBe(0);
    expect(await counters.increment("inventory", 10)).toBe(10);
    expect(await counters.increment("inventory", -3)).toBe(7);
    expect(await counters.get("inventory")).toBe(7);
  });

  it("keeps names apart and resets one to 0", async () => {
    await counters.increment("a", 5);
    await counters.increment("b", 2);
    await counters.reset("a");
    expect(await counters.get("a")).toBe(0);
    expect(await counters.get("b")).toBe(2);
  });
});

describe("Counters.lock", () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(Date.parse("2026-11-24T10:00:00Z"));
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it("grants one of many simultaneous lock calls", async () => {
    const results = await Promise.all(Array.from({ length: 20 }, () => counters.lock("job", 30_000)));
    expect(results.filter((result) => result.acquired)).toHaveLength(1);
    expect(results.find((result) => !result.acquired)).toEqual({ acquired: false, retryAfterMs: 30_000 });
  });

  it("frees the lock on unlock, for the holder only", async () => {
    const first = await counters.lock("report", 10_000);
    if (!first.acquired) throw new Error("expected the lock");
    expect(await counters.unlock("report", first.token + 1)).toBe(false);
    expect((await counters.lock("report", 10_000)).acquired).toBe(false);
    expect(await counters.unlock("report", first.token)).toBe(true);
    const second = await counters.lock("report", 10_000);
    expect(second).toMatchObject({ acquired: true, token: first.token + 1 });
  });

  it("expires a lease, and fences the old holder out with a higher token", async () => {
    const first = await counters.lock("import", 5_000);
    if (!first.acquired) throw new Error("expected the lock");
    expect(first.expiresAt).toBe(Date.now() + 5_000);

    vi.setSystemTime(Date.now() + 4_999);
    expect(await counters.lock("import", 5_000)).toEqual({ acquired: false, retryAfterMs: 1 });

    vi.setSystemTime(Date.now() + 1);
    const second = await counters.lock("import", 5_000);
    if (!second.acquired) throw new Error("expected the expired lease to be free");
    expect(second.token).toBeGreaterThan(first.token);
    // The first holder's lease ran out: it can no longer release what the second holds.
    expect(await counters.unlock("import", first.token)).toBe(false);
    expect((await counters.lock("import", 5_000)).acquired).toBe(false);
  });
});
