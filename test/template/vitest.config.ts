import { fileURLToPath } from "node:url";
import { cloudflareTest } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";

// Runs the built-in template's KV toolkit tests inside workerd, the same way the
// generated project runs them: a test-only TEST_KV namespace next to wrangler.jsonc.
// test/template/*.test.ts holds the heavy cases (1000+ keys, 25 MiB values) that the
// generated project's own `npm test` leaves out to stay fast.
const here = (relative: string) => fileURLToPath(new URL(relative, import.meta.url));

export default defineConfig({
  plugins: [
    cloudflareTest({
      wrangler: { configPath: here("./wrangler.jsonc") },
      miniflare: { kvNamespaces: ["TEST_KV"] },
    }),
  ],
  test: {
    name: "template",
    root: here("../.."),
    include: ["templates/default/test/lib/**/*.test.ts", "test/template/**/*.test.ts"],
    globalSetup: [here("./generate-types.ts")],
    // A few tests write or list over a thousand keys in local workerd; on a busy
    // machine that can pass vitest's 5-second default without anything being wrong.
    testTimeout: 30_000,
    hookTimeout: 30_000,
  },
});
