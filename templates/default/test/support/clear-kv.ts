import { countingKV, type CountingKV } from "./counting-kv";

/**
 * Deletes every key in a namespace. The test plugin isolates storage per test
 * file, not per test, so a test that needs an empty namespace clears it first.
 */
export async function clearKV(kv: KVNamespace): Promise<void> {
  let cursor: string | undefined;
  do {
    const page = await kv.list({ cursor });
    await Promise.all(page.keys.map((key) => kv.delete(key.name)));
    cursor = page.list_complete ? undefined : page.cursor;
  } while (cursor !== undefined);
}

/** Clears the namespace, then wraps it to count only the test's own operations. */
export async function emptyCountingKV(kv: KVNamespace): Promise<CountingKV> {
  await clearKV(kv);
  return countingKV(kv);
}
