import { cloudflareTest } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";

// Tests run inside workerd with the bindings from wrangler.jsonc, stored locally.
// TEST_KV is an extra namespace that exists only in tests: the toolkit tests use it
// so they keep working when you rename your bindings.
//
// One workerd runner runs every test file, one file after another (`isolate: false`
// with one worker): starting a runner per file would cost about a second each.
// Files share that runner's storage and modules, so tests keep apart by
// construction: each takes its own empty namespace from test/support/fresh-kv.ts.
export default defineConfig({
  // On a busy machine local KV calls slow down a lot: give each test and hook room.
  test: { isolate: false, maxWorkers: 1, testTimeout: 30_000, hookTimeout: 30_000 },
  plugins: [
    cloudflareTest({
      wrangler: { configPath: "./wrangler.jsonc" },
      // DEMO_ROUTES turns on the demo routes (POST /login, ?user=, GET /__kv/stats) that
      // a deployed Worker does not serve; .dev.vars does the same for `wrangler dev`.
      miniflare: { kvNamespaces: ["TEST_KV"], bindings: { DEMO_ROUTES: "1" } },
    }),
  ],
});
