import { env } from "cloudflare:workers";
import { beforeEach, describe, expect, it, vi } from "vitest";
import { ConfigStore, ConfigValidationError } from "../../src/lib/config-store";
import { keys } from "../../src/lib/keys";
import { countingKV, type CountingKV } from "../support/counting-kv";
import { freshKV } from "../support/fresh-kv";
import { productionKV } from "../support/production-kv";

const defaults = {
  siteName: "Acme",
  maxUploadMb: 10,
  maintenance: false,
  allowedOrigins: ["https://acme.test"],
};
const validate = (config: typeof defaults) =>
  config.maxUploadMb > 100 ? ["maxUploadMb must be at most 100"] : [];

/** This test's own empty namespace (test/support/fresh-kv.ts). */
let fresh: KVNamespace;
let counting: CountingKV;
let clock: number;
const now = () => clock;
const newConfig = (kv: KVNamespace = counting.kv) => new ConfigStore(kv, { defaults, validate, now });

beforeEach(() => {
  fresh = freshKV(env.TEST_KV);
  counting = countingKV(fresh);
  clock = Date.now();
});

describe("ConfigStore reads", () => {
  it("gives the defaults when nothing is stored", async () => {
    expect(await newConfig().get()).toEqual(defaults);
    expect(counting.total()).toBe(1);
  });

  it("keeps the whole configuration in one document: every setting for 1 read, an update in 1 write", async () => {
    const config = newConfig();
    await config.update({ siteName: "Acme Shop", maxUploadMb: 50, maintenance: true });
    expect(counting.counts.writes).toBe(1);
    expect((await fresh.list()).keys.map((key) => key.name)).toEqual([keys.config("app")]);

    counting.reset();
    expect(await newConfig().get()).toEqual({
      ...defaults,
      siteName: "Acme Shop",
      maxUploadMb: 50,
      maintenance: true,
    });
    expect(counting.total()).toBe(1);
  });

  it("answers from memory within cacheTtl, then reads KV again and sees another isolate's change", async () => {
    const config = newConfig();
    expect(await config.value("siteName")).toBe("Acme");
    await newConfig(fresh).update({ siteName: "Changed elsewhere" });

    counting.reset();
    expect(await config.value("siteName")).toBe("Acme");
    expect(counting.total()).toBe(0);
    clock += 60_000;
    expect(await config.value("siteName")).toBe("Changed elsewhere");
    expect(counting.total()).toBe(1);
  });

  it("stores documents by name under keys.config(name)", async () => {
    await new ConfigStore(counting.kv, { defaults, name: "billing" }).update({ siteName: "Billing" });
    expect(await fresh.get(keys.config("billing"), "json")).toEqual({ siteName: "Billing" });
    expect(await newConfig().value("siteName")).toBe("Acme");
  });

  it("uses the default for a hand-written value of the wrong type, ignores unknown settings, and warns", async () => {
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    await fresh.put(
      keys.config("app"),
      JSON.stringify({ siteName: "Seeded", maxUploadMb: "lots", retired: 1 }),
    );
    expect(await newConfig().get()).toEqual({ ...defaults, siteName: "Seeded" });
    expect(warn).toHaveBeenCalledWith(expect.stringContaining('"maxUploadMb" must be a number, got "lots"'));
    expect(warn).toHaveBeenCalledTimes(1);
    warn.mockRestore();
  });

  it("uses the defaults when the stored document fails validate", async () => {
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    await fresh.put(keys.config("app"), JSON.stringify({ siteName: "Seeded", maxUploadMb: 500 }));
    expect(await newConfig().get()).toEqual(defaults);
    expect(warn).toHaveBeenCalledWith(expect.stringContaining("maxUploadMb must be at most 100"));
    warn.mockRestore();
  });
});

describe("ConfigStore updates", () => {
  it("stores only the changed settings and returns the merged configuration", async () => {
    const config = newConfig();
    expect(await config.update({ maintenance: true })).toEqual({ ...defaults, maintenance: true });
    expect(await config.update({ maxUploadMb: 20 })).toEqual({
      ...defaults,
      maintenance: true,
      maxUploadMb: 20,
    });
    expect(await fresh.get(keys.config("app"), "json")).toEqual({ maintenance: true, maxUploadMb: 20 });
  });

  it("refuses wrong types and unknown settings, naming every problem, and writes nothing", async () => {
    const config = newConfig();
    const bad = {
      maxUploadMb: "10",
      maintenance: 1,
      colour: "red",
      allowedOrigins: "*",
    } as unknown as Partial<typeof defaults>;
    const error = await config.update(bad).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ConfigValidationError);
    expect((error as ConfigValidationError).problems).toEqual([
      '"maxUploadMb" must be a number, got "10"',
      '"maintenance" must be a boolean, got 1',
      '"colour" is not a known setting',
      '"allowedOrigins" must be an array, got "*"',
    ]);
    expect((error as Error).message).toMatch(/^Invalid configuration: /);
    expect(counting.counts.writes).toBe(0);
  });

  it("refuses a change that fails validate and keeps the stored configuration", async () => {
    const config = newConfig();
    await config.update({ maxUploadMb: 50 });
    await expect(config.update({ maxUploadMb: 101 })).rejects.toThrow(
      "Invalid configuration: maxUploadMb must be at most 100",
    );
    expect(await newConfig().value("maxUploadMb")).toBe(50);
  });

  it("refuses numbers JSON cannot hold", async () => {
    await expect(newConfig().update({ maxUploadMb: Number.NaN })).rejects.toThrow(
      '"maxUploadMb" must be a finite number',
    );
  });

  it("returns a setting to its default when it is set to undefined, and reset clears them all", async () => {
    const config = newConfig();
    await config.update({ siteName: "Shop", maintenance: true });
    expect(await config.update({ siteName: undefined })).toEqual({ ...defaults, maintenance: true });
    expect(await fresh.get(keys.config("app"), "json")).toEqual({ maintenance: true });
    await config.reset();
    expect(await config.get()).toEqual(defaults);
    expect(await newConfig().get()).toEqual(defaults);
    expect(await fresh.get(keys.config("app"))).toBeNull();
  });
});

describe("ConfigStore under production KV (the production double)", () => {
  it("reads a stored document that is not JSON as the defaults, reporting it instead of throwing", async () => {
    const kv = productionKV(fresh).at("edge");
    await kv.put(keys.config("app"), "{not json");
    const problems: string[] = [];
    const config = new ConfigStore(kv, { defaults, onError: (error) => problems.push(error.message) });
    expect(await config.get()).toEqual(defaults);
    expect(problems).toEqual([expect.stringContaining("not JSON")]);
  });

  it("serves the last good copy when a KV read fails (stale-if-error)", async () => {
    let clock = Date.now();
    const kv = productionKV(fresh).at("edge");
    await kv.put(keys.config("app"), JSON.stringify({ siteName: "Shop" }));
    let failing = false;
    const flaky = {
      get: (...args: Parameters<KVNamespace["get"]>) => (failing ? Promise.reject(new Error("KV GET failed: 500")) : kv.get(...args)),
    } as unknown as KVNamespace;
    const problems: string[] = [];
    const config = new ConfigStore(flaky, { defaults, now: () => clock, onError: (error) => problems.push(error.message) });
    expect(await config.value("siteName")).toBe("Shop");
    failing = true;
    clock += 61_000;
    expect(await config.value("siteName")).toBe("Shop");
    expect(problems).toEqual(["KV GET failed: 500"]);
  });

  it("without a writer, two updates from two locations within a minute lose one; a minute apart, both stay", async () => {
    const prod = productionKV(fresh, { now });
    const configAt = (location: string) => new ConfigStore(prod.at(location), { defaults, now });
    await configAt("london").update({ siteName: "Shop" });
    clock += 30_000;
    await configAt("sydney").update({ maintenance: true }); // Sydney's copy has no siteName yet
    clock += 61_000;
    expect(await configAt("paris").get()).toEqual({ ...defaults, maintenance: true });
    await configAt("london").update({ maxUploadMb: 20 });
    clock += 61_000;
    expect(await configAt("paris").get()).toEqual({ ...defaults, maintenance: true, maxUploadMb: 20 });
  });

  it("saves a batch in one write, and a second write within a second meets KV's 429", async () => {
    let clock = Date.now();
    const prod = productionKV(fresh, { now: () => clock });
    const config = new ConfigStore(prod.at("edge"), { defaults, now: () => clock });
    await config.update({ siteName: "Shop", maintenance: true });
    await expect(config.update({ maxUploadMb: 20 })).rejects.toThrow(/429/);
    clock += 1_000;
    await config.update({ maxUploadMb: 20 });
    expect(await new ConfigStore(prod.at("edge"), { defaults }).get()).toMatchObject({ siteName: "Shop", maintenance: true, maxUploadMb: 20 });
  });
});
