/**
 * Stores that keep something in memory (the flag document, the configuration, the
 * cache's in-flight refreshes) should live as long as the isolate, not one request:
 * then the requests an isolate serves share that memory and save KV reads.
 *
 * `perIsolate(create)` returns a function that makes the store once per namespace
 * binding and hands back the same one after that.
 */
export function perIsolate<T extends object>(create: (namespace: KVNamespace) => T): (namespace: KVNamespace) => T {
  const made = new WeakMap<KVNamespace, T>();
  return (namespace) => {
    let store = made.get(namespace);
    if (store === undefined) {
      store = create(namespace);
      made.set(namespace, store);
    }
    return store;
  };
}
