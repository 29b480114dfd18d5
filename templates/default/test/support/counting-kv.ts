/** How many KV operations of each kind went through a counting namespace. */
export interface KVOperationCounts {
  /** `get` and `getWithMetadata` calls; a bulk `get` of up to 100 keys is one read. */
  reads: number;
  /** `put` calls. */
  writes: number;
  deletes: number;
  lists: number;
}

export interface CountingKV {
  /** Pass this to the code under test in place of the real namespace. */
  kv: KVNamespace;
  counts: KVOperationCounts;
  /** All operations of every kind. */
  total(): number;
  /** Sets every count back to zero, e.g. after a test's setup writes. */
  reset(): void;
}

/**
 * Wraps a KV namespace so a test can assert how many operations the code under
 * test made: KV bills and limits by operation, so budgets are part of correctness.
 */
export function countingKV(inner: KVNamespace): CountingKV {
  const counts: KVOperationCounts = { reads: 0, writes: 0, deletes: 0, lists: 0 };
  // KVNamespace's methods are heavily overloaded; forwarding the arguments as they
  // came keeps every overload working without restating them here.
  const get = inner.get.bind(inner) as (...args: unknown[]) => unknown;
  const getWithMetadata = inner.getWithMetadata.bind(inner) as (...args: unknown[]) => unknown;
  const kv = {
    get(...args: unknown[]) {
      counts.reads++;
      return get(...args);
    },
    getWithMetadata(...args: unknown[]) {
      counts.reads++;
      return getWithMetadata(...args);
    },
    put(...args: Parameters<KVNamespace["put"]>) {
      counts.writes++;
      return inner.put(...args);
    },
    delete(...args: Parameters<KVNamespace["delete"]>) {
      counts.deletes++;
      return inner.delete(...args);
    },
    list(...args: Parameters<KVNamespace["list"]>) {
      counts.lists++;
      return inner.list(...args);
    },
  } as unknown as KVNamespace;
  return {
    kv,
    counts,
    total: () => counts.reads + counts.writes + counts.deletes + counts.lists,
    reset() {
      counts.reads = counts.writes = counts.deletes = counts.lists = 0;
    },
  };
}
