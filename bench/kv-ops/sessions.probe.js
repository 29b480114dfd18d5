import { env } from "cloudflare:workers";
import { expect, test } from "vitest";
import { SessionStore } from "../../templates/default/src/lib/sessions.ts";
import { countingKV } from "../../templates/default/test/support/counting-kv.ts";
import { record, total } from "./record.js";

test("session create and get", async () => {
  const counting = countingKV(env.BENCH_KV);
  const sessions = new SessionStore(counting.kv, { ttl: 3600, refreshThreshold: 600 });

  const { token } = await sessions.create("user-1", { theme: "dark" });
  // Issue 3 allowed 2 writes; the sessions that survive stale reads in other locations
  // write 3 (the record, its expiry and the per-user marker: src/lib/sessions.ts).
  record("session create", counting.counts, "3 writes (issue 3: 2, before the per-user marker)", counting.counts.writes <= 3 && total(counting.counts) === 3);

  counting.reset();
  const session = await sessions.get(token);
  expect(session?.userId).toBe("user-1");
  const { reads, writes } = counting.counts;
  record(
    "session get, more than refreshThreshold left",
    counting.counts,
    "1 read, 0 writes",
    reads === 1 && writes === 0 && total(counting.counts) === 1,
  );
});

test("destroyAllForUser costs the same whatever else the namespace holds", async () => {
  const counting = countingKV(env.BENCH_KV);
  const sessions = new SessionStore(counting.kv);
  const sessionsPerUser = 3;

  // Log out everywhere for a user with 3 sessions, first among 10 other sessions,
  // then among 60: the operation count must not grow with the namespace.
  const costs = [];
  for (const [round, others] of [10, 60].entries()) {
    const userId = `leaver-${round}`;
    for (let index = 0; index < others; index += 1) await sessions.create(`other-${round}-${index}`);
    for (let index = 0; index < sessionsPerUser; index += 1) await sessions.create(userId);
    counting.reset();
    expect(await sessions.destroyAllForUser(userId)).toBe(sessionsPerUser);
    costs.push({ others, counts: { ...counting.counts } });
  }
  for (const { others, counts } of costs) {
    record(
      `destroyAllForUser, k = ${sessionsPerUser} sessions among ${others} others`,
      counts,
      "O(k), independent of N",
      total(counts) === total(costs[0].counts),
    );
  }
});
