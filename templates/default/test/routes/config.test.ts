import { env, exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { config } from "../../src/config";
import { keys } from "../../src/lib/keys";
import { appConfigDefaults } from "../../src/routes/config";
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
