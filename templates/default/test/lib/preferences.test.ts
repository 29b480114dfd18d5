import { env } from "cloudflare:workers";
import { beforeEach, describe, expect, it } from "vitest";
import { keys } from "../../src/lib/keys";
import { PreferencesStore, PreferencesValidationError } from "../../src/lib/preferences";
import { countingKV, type CountingKV } from "../support/counting-kv";
import { freshKV } from "../support/fresh-kv";
import { productionKV } from "../support/production-kv";

const defaults = { theme: "light", pageSize: 20, emails: true, pinned: [] as string[] };
const validate = (prefs: typeof defaults) =>
  prefs.pageSize < 1 || prefs.pageSize > 100 ? ["pageSize must be from 1 to 100"] : [];

/** This test's own empty namespace (test/support/fresh-kv.ts). */
let fresh: KVNamespace;
let counting: CountingKV;
let prefs: PreferencesStore<typeof defaults>;

beforeEach(() => {
  fresh = freshKV(env.TEST_KV);
  counting = countingKV(fresh);
  prefs = new PreferencesStore(counting.kv, { defaults, validate });
});

describe("PreferencesStore", () => {
  it("gives a user with no document the defaults, for 1 read", async () => {
    expect(await prefs.get("ada")).toEqual(defaults);
    expect(counting.total()).toBe(1);
  });

  it("merges a partial update over the defaults and keeps only the user's choices, in 1 read and 1 write", async () => {
    expect(await prefs.update("ada", { theme: "dark" })).toEqual({ ...defaults, theme: "dark" });
    expect(counting.counts).toMatchObject({ reads: 1, writes: 1 });
    expect(await prefs.update("ada", { pinned: ["inbox"] })).toEqual({
      ...defaults,
      theme: "dark",
      pinned: ["inbox"],
    });
    expect(await fresh.get(keys.prefs("ada"), "json")).toEqual({ theme: "dark", pinned: ["inbox"] });
    expect(await prefs.get("ada")).toEqual({ ...defaults, theme: "dark", pinned: ["inbox"] });
  });

  it("keeps users apart", async () => {
    await prefs.update("ada", { theme: "dark" });
    await prefs.update("ada:admin", { pageSize: 50 });
    expect(await prefs.get("ada")).toEqual({ ...defaults, theme: "dark" });
    expect(await prefs.get("ada:admin")).toEqual({ ...defaults, pageSize: 50 });
    expect(await prefs.get("grace")).toEqual(defaults);
  });

  it("lets a new default in code reach users who never chose that preference", async () => {
    await prefs.update("ada", { theme: "dark" });
    const newDefaults = { ...defaults, theme: "system", pageSize: 50 };
    const later = new PreferencesStore(counting.kv, { defaults: newDefaults });
    expect(await later.get("ada")).toEqual({ ...newDefaults, theme: "dark" });
  });

  it("refuses an invalid update, naming every problem, and writes nothing", async () => {
    await prefs.update("ada", { theme: "dark" });
    counting.reset();
    const bad = { theme: 3, fontSize: 14 } as unknown as Partial<typeof defaults>;
    const error = await prefs.update("ada", bad).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(PreferencesValidationError);
    expect((error as PreferencesValidationError).problems).toEqual([
      '"theme" must be a string, got 3',
      '"fontSize" is not a known setting',
    ]);
    await expect(prefs.update("ada", { pageSize: 500 })).rejects.toThrow("pageSize must be from 1 to 100");
    expect(counting.counts.writes).toBe(0);
    expect(await prefs.get("ada")).toEqual({ ...defaults, theme: "dark" });
  });

  it("returns one preference to its default when it is set to undefined", async () => {
    await prefs.update("ada", { theme: "dark", emails: false });
    expect(await prefs.update("ada", { emails: undefined })).toEqual({ ...defaults, theme: "dark" });
    expect(await fresh.get(keys.prefs("ada"), "json")).toEqual({ theme: "dark" });
  });

  it("delete resets the user to the defaults", async () => {
    await prefs.update("ada", { theme: "dark" });
    counting.reset();
    await prefs.delete("ada");
    expect(counting.counts.deletes).toBe(1);
    expect(await fresh.get(keys.prefs("ada"))).toBeNull();
    expect(await prefs.get("ada")).toEqual(defaults);
  });

  it("lets documents expire after ttl seconds, and refuses a ttl under KV's minimum", async () => {
    const expiring = new PreferencesStore(counting.kv, { defaults, ttl: 3600 });
    await expiring.update("ada", { theme: "dark" });
    const [listed] = (await fresh.list({ prefix: keys.prefs("ada") })).keys;
    expect(listed!.expiration! - Math.floor(Date.now() / 1000)).toBeGreaterThanOrEqual(3598);
    const tooShort = new PreferencesStore(counting.kv, { defaults, ttl: 30 });
    await expect(tooShort.update("ada", { theme: "dark" })).rejects.toThrow(/at least 60/);
  });
});

describe("PreferencesStore under production KV (the production double)", () => {
  it("reads a stored document that is not JSON as the defaults, reporting it instead of throwing", async () => {
    const kv = productionKV(fresh).at("edge");
    await kv.put(keys.prefs("ada"), "{not json");
    const problems: string[] = [];
    const store = new PreferencesStore(kv, { defaults, onError: (error) => problems.push(error.message) });
    expect(await store.get("ada")).toEqual(defaults);
    expect(problems).toEqual([expect.stringContaining("not JSON")]);
  });

  it("two updates by one user from two locations within a minute lose one; a minute apart, both stay", async () => {
    let clock = Date.now();
    const prod = productionKV(fresh, { now: () => clock });
    const storeAt = (location: string) => new PreferencesStore(prod.at(location), { defaults });
    await storeAt("london").update("ada", { theme: "dark" });
    clock += 30_000;
    await storeAt("sydney").update("ada", { pageSize: 50 }); // Sydney's copy has no theme yet
    clock += 61_000;
    expect(await storeAt("paris").get("ada")).toEqual({ ...defaults, pageSize: 50 });
    await storeAt("london").update("ada", { emails: false });
    clock += 61_000;
    expect(await storeAt("paris").get("ada")).toEqual({ ...defaults, pageSize: 50, emails: false });
  });

  it("throws when KV fails, and an update then writes nothing (no defaults written over the user's choices)", async () => {
    const kv = productionKV(fresh).at("edge");
    await new PreferencesStore(kv, { defaults }).update("ada", { theme: "dark", pageSize: 50 });
    const failingReads = { ...kv, get: () => Promise.reject(new Error("KV GET failed: 500")), put: kv.put.bind(kv) } as unknown as KVNamespace;
    const store = new PreferencesStore(failingReads, { defaults });
    await expect(store.get("ada")).rejects.toThrow("KV GET failed: 500");
    await expect(store.update("ada", { emails: false })).rejects.toThrow("KV GET failed: 500");
    expect(await new PreferencesStore(kv, { defaults }).get("ada")).toEqual({ ...defaults, theme: "dark", pageSize: 50 });
  });

  it("never names the KV key (which holds the user id) in a validation error", async () => {
    const store = new PreferencesStore(productionKV(fresh).at("edge"), { defaults, validate });
    const error = await store.update("secret-user-id", { pageSize: 0 }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(PreferencesValidationError);
    expect((error as Error).message).toBe("Invalid preferences: pageSize must be from 1 to 100");
  });
});
