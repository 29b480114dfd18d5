import { env, exports } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { flags } from "../../src/config";
import { FeatureFlags, FLAGS_KEY } from "../../src/lib/flags";
import { freshKV } from "../support/fresh-kv";
import { productionKV } from "../support/production-kv";
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

describe(`saving flags (${flags.writes})`, () => {
  if (flags.writes === "durable-object") {
    it("keeps every change when three requests save different flags at the same moment", async () => {
      // Three admin requests, each with its own FeatureFlags (as in three locations), save
      // at once. Writing KV themselves, each would read the document before the others
      // wrote, add its flag and put its copy back: the last put would win and two flags
      // would be lost. Through the FlagsWriter object the saves are applied one after
      // another to its own copy, and KV gets the document with all three.
      const names = ["saved-at-once-1", "saved-at-once-2", "saved-at-once-3"];
      await Promise.all(
        names.map((name) => new FeatureFlags(flags.namespace(env), { writer: flags.writer(env) }).set(name, { enabled: false })),
      );
      const stored = await flags.namespace(env).get<Record<string, unknown>>(FLAGS_KEY, "json");
      for (const name of names) expect(stored).toHaveProperty([name], { enabled: false });
    });
  } else {
    it("loses one of two saves made in two locations within KV's propagation delay (why durable-object exists)", async () => {
      // London saves a flag; five seconds later Sydney, which still reads the document
      // without it (KV shows a write elsewhere after ~60 s), saves another. Sydney's copy
      // replaces London's, and London's flag is gone everywhere.
      let clock = Date.parse("2026-11-24T10:00:00Z");
      const kv = productionKV(freshKV(env.TEST_KV), { now: () => clock });
      await new FeatureFlags(kv.at("london"), { writer: flags.writer(env) }).set("from-london", { enabled: true });
      clock += 5_000;
      await new FeatureFlags(kv.at("sydney"), { writer: flags.writer(env) }).set("from-sydney", { enabled: true });
      clock += 61_000;
      expect(await kv.at("paris").get(FLAGS_KEY, "json")).toEqual({ "from-sydney": { enabled: true } });
    });
  }
});
