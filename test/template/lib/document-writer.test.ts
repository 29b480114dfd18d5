// The single writer of a document (templates/default/src/lib/document-writer.ts), through
// the FLAGS_WRITER binding of test/template/wrangler.jsonc: a FlagsWriter that publishes
// through the production-KV double, so a second put within a second gets KV's 429.
import { env } from "cloudflare:workers";
import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { FeatureFlags, FlagConfigError } from "../../../templates/default/src/lib/flags";

const START = Date.parse("2026-11-24T10:00:00Z");
let objects = 0;
/** An object (and so a document) of the test's own. */
const freshWriter = () => env.FLAGS_WRITER.getByName(`document-${++objects}`);
/** Past KV's propagation delay as the double simulates it (60 s). */
const PROPAGATED = 61_000;

beforeEach(() => {
  vi.useFakeTimers({ toFake: ["Date"] });
  vi.setSystemTime(START);
});
afterEach(() => {
  vi.useRealTimers();
});

describe("DocumentWriter", () => {
  it("keeps every one of five simultaneous saves, and its alarm publishes what KV refused with 429", async () => {
    const writer = freshWriter();
    // Five admins save a different flag at the same moment. Straight to KV, each would
    // read the same old document, add its flag and write it back: one flag would be
    // left, and four of the five puts would get 429. Through the writer, each save is
    // applied to the object's copy in turn; the first put reaches KV, the puts right
    // after it are refused (under a second since the last), and the alarm is left to
    // publish the newest document.
    const names = ["a", "b", "c", "d", "e"];
    const results = await Promise.all(names.map((name) => writer.update({ [name]: { enabled: true } })));
    const last = results.at(-1);
    expect(last && "document" in last ? Object.keys(last.document ?? {}).sort() : last).toEqual(names);
    expect(Object.keys((await writer.document()) ?? {}).sort()).toEqual(names);

    vi.setSystemTime(START + 1000);
    expect(await runDurableObjectAlarm(writer)).toBe(true);
    vi.setSystemTime(START + 1000 + PROPAGATED);
    expect(Object.keys(((await writer.published()) ?? {}) as object).sort()).toEqual(names);
    // Published: nothing is left for another alarm.
    expect(await runDurableObjectAlarm(writer)).toBe(false);
  });

  it("retries from the alarm until KV takes the put, carrying the saves made meanwhile", async () => {
    const writer = freshWriter();
    await writer.update({ first: { enabled: true } }); // published at once
    await writer.update({ second: { enabled: true } }); // 429: under a second since the last put
    // The alarm fires while the second is still under a second old: refused again, retried later.
    vi.setSystemTime(START + 500);
    await writer.update({ third: { enabled: false } });
    expect(await runDurableObjectAlarm(writer)).toBe(true);
    vi.setSystemTime(START + 1500);
    expect(await runDurableObjectAlarm(writer)).toBe(true);
    vi.setSystemTime(START + 1500 + PROPAGATED);
    expect(await writer.published()).toEqual({ first: { enabled: true }, second: { enabled: true }, third: { enabled: false } });
  });

  it("starts from the document KV already holds (a seed a minute old), then keeps its own copy", async () => {
    const writer = freshWriter();
    await writer.seed({ seeded: { enabled: true } });
    vi.setSystemTime(START + PROPAGATED);
    await writer.update({ added: { enabled: true } });
    expect(await writer.document()).toEqual({ seeded: { enabled: true }, added: { enabled: true } });
  });

  it("adopts KV's copy as its location sees it: a save made elsewhere under a minute before the first save is lost", async () => {
    // The bound document-writer.ts states, replayed: why a switch to the writer (update
    // --set document-writes=durable-object) or a kv:seed must come a minute before the first
    // save. A save made the old way, straight to KV, in another location:
    const writer = freshWriter();
    await writer.seed({ fromSydney: { enabled: true } });
    vi.setSystemTime(START + 30_000); // where the object runs, KV still shows the document without it
    await writer.update({ fromLondon: { enabled: true } });
    vi.setSystemTime(START + 30_000 + PROPAGATED);
    expect(await writer.published()).toEqual({ fromLondon: { enabled: true } });
    // The object's copy is the truth from now on: the lost save does not come back.
    vi.setSystemTime(START + 30_000 + 2 * PROPAGATED);
    await writer.update({ later: { enabled: true } });
    expect(Object.keys((await writer.document()) ?? {}).sort()).toEqual(["fromLondon", "later"]);
  });

  it("saves nothing from a batch with an invalid change", async () => {
    const writer = freshWriter();
    await writer.update({ kept: { enabled: true } });
    expect(await writer.update({ other: { enabled: true }, bad: { enabled: "yes" } as never })).toEqual({
      refused: ['Flag "bad": enabled must be true or false'],
    });
    expect(await writer.document()).toEqual({ kept: { enabled: true } });
  });

  it("is what FeatureFlags.update sends its changes to, given a writer", async () => {
    const objectName = `document-${++objects}`;
    const flags = new FeatureFlags(env.TEST_KV, { key: objectName, writer: env.FLAGS_WRITER, cacheTtl: 0 });
    await Promise.all([flags.update({ x: { enabled: true } }), flags.set("y", { enabled: false })]);
    expect(await env.FLAGS_WRITER.getByName(objectName).document()).toEqual({ x: { enabled: true }, y: { enabled: false } });
    // Invalid changes are refused before any call.
    await expect(flags.set("z", { enabled: 1 } as never)).rejects.toBeInstanceOf(FlagConfigError);
    await runInDurableObject(env.FLAGS_WRITER.getByName(objectName), async (_instance, state) => {
      expect(state.storage.kv.get("version")).toBe(2);
    });
  });
});
