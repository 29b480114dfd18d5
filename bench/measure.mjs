// Repeats measurements in rounds: one warm-up round that is not counted, then
// `runs` counted rounds. Each round measures every item once, so a burst of load
// from other work on the machine lands on all items alike instead of on one.

import { summarize } from "./stats.mjs";

/**
 * Calls `once(item, { warmup })` for each item in each round; `once` returns the
 * milliseconds it measured and throws when the thing measured failed.
 *
 * A failure is counted and the item keeps its place in later rounds (a flaky item
 * is a finding), unless it failed twice in a row: then it is taken as broken and
 * not run again, so a broken or hanging tool costs two runs, not all of them.
 * Resolves to one `{ summary, error, failures }` per item, in order: the summary of
 * its successful counted runs (null if none), the first failure's message, and how
 * many runs failed.
 */
export async function measureRounds(items, runs, once) {
  const states = items.map(() => ({ times: [], error: null, failures: 0, failedInARow: 0 }));
  for (let round = 0; round <= runs; round += 1) {
    for (const [index, item] of items.entries()) {
      const state = states[index];
      if (state.failedInARow >= 2) continue;
      try {
        const ms = await once(item, { warmup: round === 0 });
        state.failedInARow = 0;
        if (round > 0) state.times.push(ms);
      } catch (error) {
        state.error ??= error.message;
        state.failures += 1;
        state.failedInARow += 1;
      }
    }
  }
  return states.map(({ times, error, failures }) => ({ summary: summarize(times), error, failures }));
}
