import { fileURLToPath } from "node:url";
import { cloudflareTest } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";
import { compatibilityDate } from "../../src/versions.js";

// Runs the KV operation probes inside workerd with one local namespace, BENCH_KV.
// bench/kv-ops.mjs names the probe files to run (those whose toolkit module exists).
export default defineConfig({
  plugins: [cloudflareTest({ miniflare: { compatibilityDate, kvNamespaces: ["BENCH_KV"] } })],
  test: {
    name: "kv-ops",
    root: fileURLToPath(new URL("../..", import.meta.url)),
    include: ["bench/kv-ops/*.probe.js"],
  },
});
