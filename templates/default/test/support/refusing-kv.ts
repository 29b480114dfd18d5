/**
 * A namespace whose reads work but whose writes fail, the way KV answers a second
 * write to the same key within one second (429). Miniflare does not enforce that
 * limit, so tests of the fail-open paths use this instead.
 */
export function refusingWrites(kv: KVNamespace): KVNamespace {
  return {
    get: kv.get.bind(kv),
    getWithMetadata: kv.getWithMetadata.bind(kv),
    list: kv.list.bind(kv),
    put: async () => {
      throw new Error("KV PUT failed: 429 Too Many Requests");
    },
    delete: async () => {
      throw new Error("KV DELETE failed: 429 Too Many Requests");
    },
  } as unknown as KVNamespace;
}
