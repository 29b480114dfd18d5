// Repeats measurements in rounds: one warm-up round that is not counted, then
// `runs` counted rounds. Each round measures every item once, so a burst of load
// from other work on the machine lands on all items alike instead of on one.

import { summarize } from "./stats.mjs";

/**
 * Calls `once(item, { warmup })` for each item in each round; `once` returns the
 * milliseconds it measured and throws when the thing measured failed. An item that
 * fails once is not run again. Resolves to one `{ summary, error }` per item, in order.
 */
export async function measureRounds(items, runs, once) {
  const times = items.map(() => []);
  const errors = items.map(() => null);
  for (let round = 0; round <= runs; round += 1) {
    for (const [index, item] of items.entries()) {
      if (errors[index]) continue;
      try {
        const ms = await once(item, { warmup: round === 0 });
        if (round > 0) times[index].push(ms);
      } catch (error) {
        errors[index] = error.message;
      }
    }
  }
  return items.map((_, index) => ({
    summary: errors[index] ? null : summarize(times[index]),
    error: errors[index],
  }));
}
