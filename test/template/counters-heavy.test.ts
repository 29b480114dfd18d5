// Moved here from templates/default/test/lib/counters.test.ts: 100 simultaneous
// increments of one counter, the largest share of that file's time in the generated
// project's `npm test`. It runs in this repository's CI; the generated project keeps
// the same test with 20 callers (the Durable Object serialises them either way).
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { Counters } from "../../templates/default/src/lib/counters";

describe("Counters at scale", () => {
  it("counts 100 simultaneous increments as exactly 100", async () => {
    const counters = new Counters(env.COUNTERS);
    const results = await Promise.all(Array.from({ length: 100 }, () => counters.increment("burst-100")));
    expect(await counters.get("burst-100")).toBe(100);
    // Every caller saw a different value: no two increments read the same count.
    expect(new Set(results).size).toBe(100);
  });
});
