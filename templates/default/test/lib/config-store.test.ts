import { env } from "cloudflare:workers";
import { beforeEach, describe, expect, it, vi } from "vitest";
import { ConfigStore, ConfigValidationError } from "../../src/lib/config-store";
import { keys } from "../../src/lib/keys";
import { countingKV, type CountingKV } from "../support/counting-kv";
import { freshKV } from "../support/fresh-kv";

const defaults = {
  siteName: "Acme",
  maxUploadMb: 10,
  maintenance: false,
  allowedOrigins: ["https://acme.test"],
};
const validate = (config: typeof defaults) =>
  config.maxUploadMb > 100 ? ["maxUploadMb must be at most 100"] : [];

let kv: KVNamespace;
let counting: CountingKV;
let clock: number;
const now = () => clock;
const newConfig = (kv: KVNamespace = counting.kv) => new ConfigStore(kv, { defaults, validate, now });

beforeEach(() => {
  kv = freshKV(env.TEST_KV);
  counting = countingKV(kv);
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
    expect((await kv.list()).keys.map((key) => key.name)).toEqual([keys.config("app")]);

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
    await newConfig(kv).update({ siteName: "Changed elsewhere" });

    counting.reset();
    expect(await config.value("siteName")).toBe("Acme");
    expect(counting.total()).toBe(0);
    clock += 60_000;
    expect(await config.value("siteName")).toBe("Changed elsewhere");
    expect(counting.total()).toBe(1);
  });

  it("stores documents by name under keys.config(name)", async () => {
    await new ConfigStore(counting.kv, { defaults, name: "billing" }).update({ siteName: "Billing" });
    expect(await kv.get(keys.config("billing"), "json")).toEqual({ siteName: "Billing" });
    expect(await newConfig().value("siteName")).toBe("Acme");
  });

  it("uses the default for a hand-written value of the wrong type, ignores unknown settings, and warns", async () => {
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    await kv.put(
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
    await kv.put(keys.config("app"), JSON.stringify({ siteName: "Seeded", maxUploadMb: 500 }));
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
    expect(await kv.get(keys.config("app"), "json")).toEqual({ maintenance: true, maxUploadMb: 20 });
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
    expect((error as Error).message).toMatch(/^Invalid config:app: /);
    expect(counting.counts.writes).toBe(0);
  });

  it("refuses a change that fails validate and keeps the stored configuration", async () => {
    const config = newConfig();
    await config.update({ maxUploadMb: 50 });
    await expect(config.update({ maxUploadMb: 101 })).rejects.toThrow(
      "Invalid config:app: maxUploadMb must be at most 100",
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
    expect(await kv.get(keys.config("app"), "json")).toEqual({ maintenance: true });
    await config.reset();
    expect(await config.get()).toEqual(defaults);
    expect(await newConfig().get()).toEqual(defaults);
    expect(await kv.get(keys.config("app"))).toBeNull();
  });
});
