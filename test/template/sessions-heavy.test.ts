// Moved here from templates/default/test/lib/sessions.test.ts: it proves the
// O(k) budget of destroyAllForUser with 200 other sessions in the namespace, which
// takes seconds in local workerd. It runs in this repository's CI; the generated
// project keeps the same test without the 200 others.
import { env } from "cloudflare:workers";
import { beforeEach, describe, expect, it } from "vitest";
import { SessionStore } from "../../templates/default/src/lib/sessions";
import { countingKV, type CountingKV } from "../../templates/default/test/support/counting-kv";
import { freshKV } from "../../templates/default/test/support/fresh-kv";

let counting: CountingKV;

beforeEach(() => {
  counting = countingKV(freshKV(env.TEST_KV));
});

describe("SessionStore at scale", () => {
  it("destroyAllForUser ends only that user's sessions in O(k) operations, independent of N", async () => {
    const sessions = new SessionStore(counting.kv);
    const mine = await Promise.all([1, 2, 3].map(() => sessions.create("alice")));
    const lookalike = await sessions.create("alice:2"); // escaping keeps this user apart
    counting.reset();
    expect(await sessions.destroyAllForUser("alice")).toBe(3);
    const opsWithFewOthers = counting.total();

    for (const { token } of mine) expect(await sessions.get(token)).toBeNull();
    expect(await sessions.get(lookalike.token)).not.toBeNull();

    // Same k = 3 with 200 more sessions of other users in the namespace.
    await Promise.all(Array.from({ length: 200 }, (_, i) => sessions.create(`other-${i}`)));
    await Promise.all([1, 2, 3].map(() => sessions.create("alice")));
    counting.reset();
    expect(await sessions.destroyAllForUser("alice")).toBe(3);
    expect(counting.total()).toBe(opsWithFewOthers);
    expect(counting.total()).toBeLessThanOrEqual(1 + 4 * 3);
  });
});
