/**
 * Drawn on first use by each module instance, so different in each workerd runner:
 * with the counter it makes every view's prefix unique across the whole run.
 */
let runner: string | undefined;
let created = 0;

/**
 * An empty KV namespace that belongs to the calling test alone.
 *
 * The suite runs in up to two workerd runners (see vitest.config.ts), each running
 * several test files one after another, and the files of one runner share its local
 * storage (each runner has its own today; nothing here counts on that). Tests are
 * kept apart by construction instead of by a runner per file:
 * each call returns a view of the namespace it is given (the test-only one:
 * `freshKV(env.TEST_KV)`) under a key prefix no other call gets, in this runner or
 * another (`t<runner>-1/`, `t<runner>-2/`, …). Through the view the namespace looks
 * like a fresh one of its own: keys are stored under the prefix, and `list` sees
 * only them and answers their names without it. Nothing is ever cleared, so what
 * one test leaves behind can neither slow down nor change another.
 *
 * Call it in `beforeEach` (or at the start of a test) and pass the view to the code
 * under test. Two kinds of test cannot take a view, and stay apart by using keys or
 * ids that no other test uses: tests that go through the Worker's own bindings
 * (test/routes), and tests that need KV's whole 512-byte key length, which write to
 * the namespace itself (no view's key starts like theirs).
 */
export function freshKV(kv: KVNamespace): KVNamespace {
  runner ??= crypto.randomUUID().slice(0, 8);
  return prefixedKV(kv, `t${runner}-${++created}/`);
}

function prefixedKV(kv: KVNamespace, prefix: string): KVNamespace {
  const stored = (key: string) => prefix + key;
  const asSeen = (name: string) => name.slice(prefix.length);
  // KVNamespace's methods are heavily overloaded; forwarding the options as they
  // came keeps every overload working without restating them here.
  const get = kv.get.bind(kv) as (key: string | string[], ...options: unknown[]) => Promise<unknown>;
  const getWithMetadata = kv.getWithMetadata.bind(kv) as typeof get;
  /** A bulk read answers a Map keyed by the stored names: give it back the names the test used. */
  const read = (method: typeof get) => async (key: string | string[], ...options: unknown[]) => {
    if (!Array.isArray(key)) return method(stored(key), ...options);
    const found = (await method(key.map(stored), ...options)) as Map<string, unknown>;
    return new Map([...found].map(([name, value]) => [asSeen(name), value]));
  };
  return {
    get: read(get),
    getWithMetadata: read(getWithMetadata),
    put: (key: string, value: string, options?: KVNamespacePutOptions) => kv.put(stored(key), value, options),
    delete: (key: string) => kv.delete(stored(key)),
    async list(options: KVNamespaceListOptions = {}) {
      const page = await kv.list({ ...options, prefix: stored(options.prefix ?? "") });
      return { ...page, keys: page.keys.map((key) => ({ ...key, name: asSeen(key.name) })) };
    },
  } as unknown as KVNamespace;
}
