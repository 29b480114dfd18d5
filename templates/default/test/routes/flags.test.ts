import { env, exports } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { flags } from "../../src/config";
import { FeatureFlags } from "../../src/lib/flags";

async function enabledFor(user?: string): Promise<string[]> {
  const query = user === undefined ? "" : `?user=${encodeURIComponent(user)}`;
  const response = await exports.default.fetch(`http://example.com/flags${query}`);
  expect(response.status).toBe(200);
  return (await response.json<{ enabled: string[] }>()).enabled;
}

describe("flags route", () => {
  // The route keeps the flags in memory for a while, so write them all before the first request.
  beforeAll(async () => {
    const store = new FeatureFlags(flags.namespace(env));
    await store.set("everyone", { enabled: true });
    await store.set("killed", { enabled: false, percentage: 100 });
    await store.set("beta", { enabled: true, percentage: 0, allowlist: ["alice"] });
    await store.set("not-bob", { enabled: true, blocklist: ["bob"] });
  });

  it("lists the flags that are on for the user named by ?user=", async () => {
    expect((await enabledFor("alice")).sort()).toEqual(["beta", "everyone", "not-bob"]);
    expect((await enabledFor("bob")).sort()).toEqual(["everyone"]);
  });

  it("without a user, lists only the flags that are on for everyone", async () => {
    expect((await enabledFor()).sort()).toEqual(["everyone", "not-bob"]);
  });
});
