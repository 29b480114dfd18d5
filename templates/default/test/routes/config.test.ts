import { env, exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { appConfigDefaults, config, type AppConfig } from "../../src/config";
import { ConfigStore, ConfigValidationError } from "../../src/lib/config-store";
import { keys } from "../../src/lib/keys";
import { freshKV } from "../support/fresh-kv";
import { productionKV } from "../support/production-kv";
import seed from "../../seed/config.json";

describe("config route", () => {
  it("answers the defaults merged with what KV holds, as the seed file stores it", async () => {
    // Write the seed exactly as `wrangler kv bulk put seed/config.json` would.
    for (const entry of seed) await config.namespace(env).put(entry.key, entry.value);
    expect(seed.map((entry) => entry.key)).toEqual([keys.config("app")]);

    const response = await exports.default.fetch("http://example.com/config");
    expect(response.status).toBe(200);
    const body = await response.json<Record<string, unknown>>();
    expect(body).toEqual({ ...appConfigDefaults, ...JSON.parse(seed[0]!.value) });
    expect(body.siteName).not.toBe(appConfigDefaults.siteName);
  });
});

describe(`saving the configuration (${config.writes})`, () => {
  if (config.writes === "durable-object") {
    it("keeps every change when three requests save different settings at the same moment", async () => {
      // Three admin requests, each with its own ConfigStore (as in three locations), save
      // at once. Writing KV themselves, each would start from the document before the
      // others' saves and the last put would win. Through the ConfigWriter object the
      // saves are applied in turn, and KV gets a document with all three.
      const store = () => new ConfigStore<AppConfig>(config.namespace(env), { defaults: appConfigDefaults, writer: config.writer(env) });
      await Promise.all([
        store().update({ announcement: "Saved at once" }),
        store().update({ maxUploadMb: 42 }),
        store().update({ maintenance: true }),
      ]);
      const stored = await config.namespace(env).get(keys.config("app"), "json");
      expect(stored).toMatchObject({ announcement: "Saved at once", maxUploadMb: 42, maintenance: true });
    });

    it("refuses a save that breaks a check across settings, in the writer, with ConfigValidationError", async () => {
      const store = new ConfigStore<AppConfig>(config.namespace(env), { defaults: appConfigDefaults, writer: config.writer(env) });
      await expect(store.update({ maxUploadMb: 0 })).rejects.toBeInstanceOf(ConfigValidationError);
      expect(await config.namespace(env).get(keys.config("app"), "json")).toMatchObject({ maxUploadMb: 42 });
    });
  } else {
    it("loses one of two saves made in two locations within KV's propagation delay (why durable-object exists)", async () => {
      // London saves a setting; five seconds later Sydney, still reading the document
      // without it, saves another. Sydney's copy replaces London's everywhere.
      let clock = Date.parse("2026-11-24T10:00:00Z");
      const kv = productionKV(freshKV(env.TEST_KV), { now: () => clock });
      const store = (location: string) =>
        new ConfigStore<AppConfig>(kv.at(location), { defaults: appConfigDefaults, now: () => clock, writer: config.writer(env) });
      await store("london").update({ announcement: "From London" });
      clock += 5_000;
      await store("sydney").update({ maxUploadMb: 42 });
      clock += 61_000;
      expect(await kv.at("paris").get(keys.config("app"), "json")).toEqual({ maxUploadMb: 42 });
    });
  }
});

