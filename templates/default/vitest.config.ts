import { readFileSync } from "node:fs";
import { enableCompileCache } from "node:module";
import { availableParallelism } from "node:os";
import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";
import { poolOptionsFrom } from "./test/wrangler-options.ts";

// Node keeps the compiled code of the Workers test plugin and Miniflare (about 10 MB
// of JavaScript) in this folder between runs, so each run starts about 0.25 s sooner.
// The plugin is imported after this line, not with the imports above, so that the
// cache sees it.
enableCompileCache(fileURLToPath(new URL("node_modules/.cache/node-compile-cache", import.meta.url)));
const { cloudflareTest } = await import("@cloudflare/vitest-plugin");

// Tests run inside workerd with the bindings from wrangler.jsonc, stored locally.
// test/wrangler-options.ts reads the file (wrangler itself would take a second to
// load) and leaves it to wrangler when it holds more than that reader knows.
// Variables come from `vars` and from here; .dev.vars (which a fresh clone or CI
// does not have) counts only when wrangler reads the file.
//
// TEST_KV is an extra namespace that exists only in tests: the toolkit tests use it
// so they keep working when you rename your bindings. DEMO_ROUTES turns on the demo
// routes (POST /login, ?user=, GET /__kv/stats) that a deployed Worker does not serve.
const testOnly = { kvNamespaces: ["TEST_KV"], bindings: { DEMO_ROUTES: "1" } };
const fromConfig = poolOptionsFrom(readFileSync("wrangler.jsonc", "utf8"));

// Two workerd runners share the test files, each running its files one after another
// (`isolate: false`): a runner per file would cost about a second each. The files of
// one runner share its storage and modules, so tests keep apart by construction:
// each takes its own empty namespace from test/support/fresh-kv.ts.
export default defineConfig({
  test: {
    // A second runner saves about 15 % on 2 cores. A third was no faster there, and each
    // runner is one more workerd to start; on 1 core a second runner only competes.
    maxWorkers: Math.min(2, availableParallelism()),
    isolate: false,
    // On a busy machine local KV calls slow down a lot: give each test and hook room.
    testTimeout: 30_000,
    hookTimeout: 30_000,
  },
  plugins: [
    cloudflareTest(
      fromConfig
        ? {
            main: fromConfig.main,
            miniflare: {
              ...fromConfig.miniflare,
              kvNamespaces: [...fromConfig.miniflare.kvNamespaces, ...testOnly.kvNamespaces],
              bindings: { ...fromConfig.miniflare.bindings, ...testOnly.bindings },
            },
          }
        : { wrangler: { configPath: "./wrangler.jsonc" }, miniflare: testOnly },
    ),
  ],
});
