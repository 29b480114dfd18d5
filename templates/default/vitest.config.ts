import { cloudflareTest } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";

// Tests run inside workerd with the bindings from wrangler.jsonc, stored locally.
// TEST_KV is an extra namespace that exists only in tests: the toolkit tests use it
// so they keep working when you rename your bindings. Storage is isolated per test file.
export default defineConfig({
  // A few tests write hundreds of keys, and the next beforeEach clears them: give both
  // time on a busy machine. (Cases with 1000+ keys live in create-kv-edge's own suite.)
  test: { testTimeout: 30_000, hookTimeout: 30_000 },
  plugins: [
    cloudflareTest({
      wrangler: { configPath: "./wrangler.jsonc" },
      // DEMO_ROUTES turns on the demo routes (POST /login, ?user=, GET /__kv/stats) that
      // a deployed Worker does not serve; .dev.vars does the same for `wrangler dev`.
      miniflare: { kvNamespaces: ["TEST_KV"], bindings: { DEMO_ROUTES: "1" } },
    }),
  ],
});
