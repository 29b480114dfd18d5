import { env } from "cloudflare:workers";
import { expect, test } from "vitest";
import { FeatureFlags } from "../../templates/default/src/lib/flags.ts";
import { countingKV } from "../../templates/default/test/support/counting-kv.ts";
import { record, total } from "./record.js";

test("isEnabled a second time within cacheTtl", async () => {
  const counting = countingKV(env.BENCH_KV);
  await new FeatureFlags(counting.kv).set("checkout-v2", { enabled: true });
  const flags = new FeatureFlags(counting.kv, { cacheTtl: 60 });

  expect(await flags.isEnabled("checkout-v2")).toBe(true);
  counting.reset();
  expect(await flags.isEnabled("checkout-v2")).toBe(true);
  record(
    "flag isEnabled, second call within cacheTtl",
    counting.counts,
    "0 KV operations",
    total(counting.counts) === 0,
  );
});

test("enabledFlags with 5 and with 50 flags", async () => {
  const counting = countingKV(env.BENCH_KV);
  const admin = new FeatureFlags(counting.kv);
  let defined = 0;
  for (const flagCount of [5, 50]) {
    for (; defined < flagCount; defined += 1) await admin.set(`flag-${defined}`, { enabled: true });
    // A fresh instance: nothing cached in memory yet.
    const flags = new FeatureFlags(counting.kv);
    counting.reset();
    expect(await flags.enabledFlags({ userId: "user-1" })).toHaveLength(flagCount + 1);
    record(
      `enabledFlags with F = ${flagCount} flags`,
      counting.counts,
      "at most 2, independent of F",
      total(counting.counts) <= 2,
    );
  }
});
