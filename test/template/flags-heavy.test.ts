// Moved here from templates/default/test/lib/flags.test.ts: the rollout's spread over
// 10 000 users, which takes a noticeable share of the generated project's `npm test`.
// It runs in this repository's CI; the generated project keeps the same check over
// 2 000 users through FeatureFlags.isEnabled, with a proportionally wider band.
import { describe, expect, it } from "vitest";
import { rolloutBucket } from "../../templates/default/src/lib/flags";

describe("FeatureFlags rollout at scale", () => {
  it("puts 10 000 users at 25 % between 23 % and 27 %", async () => {
    let enabled = 0;
    for (let i = 0; i < 10_000; i++) if ((await rolloutBucket("quarter", `user-${i}`)) < 25) enabled++;
    const share = enabled / 10_000;
    expect(share).toBeGreaterThanOrEqual(0.23);
    expect(share).toBeLessThanOrEqual(0.27);
  });
});
