import { cloudflareTest } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";

// Tests run inside workerd with the bindings from wrangler.jsonc, stored locally.
// TEST_KV is an extra namespace that exists only in tests: the toolkit tests use it
// so they keep working when you rename your bindings. Storage is isolated per test file.
export default defineConfig({
  // A few tests write more than 1000 keys (to walk KV's list pages), and their
  // beforeEach clears as many: give both time on a busy machine.
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
