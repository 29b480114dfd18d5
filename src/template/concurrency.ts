/**
 * How many files are read or written at once. Far below the smallest common
 * open-file limit (256, macOS's default), so a fork of any size never hits EMFILE.
 */
export const FILE_CONCURRENCY = 32;

/** Runs `task` for every item, at most `limit` at a time; rejects with the first error. */
export async function forEachLimited<T>(items: readonly T[], task: (item: T) => Promise<void>, limit = FILE_CONCURRENCY): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await task(items[next++] as T);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}
