// The test-only namespace that vitest.config.ts adds with `miniflare.kvNamespaces`.
// It merges into the Env that `wrangler types` writes, so tests never depend on
// the binding names a user chose.
declare namespace Cloudflare {
  interface Env {
    TEST_KV: KVNamespace;
  }
}
