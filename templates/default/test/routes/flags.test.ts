import { env, exports } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { flags } from "../../src/config";
import { FeatureFlags } from "../../src/lib/flags";
import seed from "../../seed/flags.json";

async function enabledFor(user?: string): Promise<string[]> {
  const query = user === undefined ? "" : `?user=${encodeURIComponent(user)}`;
  const response = await exports.default.fetch(`http://example.com/flags${query}`);
  expect(response.status).toBe(200);
  return (await response.json<{ enabled: string[] }>()).enabled;
}

describe("flags route, with the flags from seed/flags.json", () => {
  // Written exactly as `wrangler kv bulk put seed/flags.json` writes them, before the
  // first request: the route keeps the flags in memory for a while.
  beforeAll(async () => {
    for (const entry of seed) await flags.namespace(env).put(entry.key, entry.value);
  });

  it("stores the seed in the document FeatureFlags reads", async () => {
    const featureFlags = new FeatureFlags(flags.namespace(env), { cacheTtl: 0 });
    expect(await featureFlags.get("gradual-rollout")).toMatchObject({ percentage: 25 });
  });

  it("lists the flags that are on for the user named by ?user=", async () => {
    const alice = await enabledFor("alice");
    expect(alice).toEqual(expect.arrayContaining(["new-dashboard", "beta-search"]));
    expect(alice).not.toContain("legacy-export");

    const bob = await enabledFor("bob");
    expect(bob).toContain("new-dashboard");
    expect(bob).not.toContain("beta-search");
    expect(bob).not.toContain("gradual-rollout");
  });

  it("agrees with FeatureFlags on the percentage rollout", async () => {
    const featureFlags = new FeatureFlags(flags.namespace(env), { cacheTtl: 0 });
    for (const user of ["user-1", "user-2", "user-3", "user-4", "user-5", "user-6"]) {
      const expected = await featureFlags.isEnabled("gradual-rollout", { userId: user });
      expect((await enabledFor(user)).includes("gradual-rollout")).toBe(expected);
    }
  });

  it("without a user, lists only the flags that are on for everyone", async () => {
    expect(await enabledFor()).toEqual(["new-dashboard"]);
  });
});
