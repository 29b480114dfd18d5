// Repeats one measurement: a warm-up that is not counted, then `runs` timed runs.

import { summarize } from "./stats.mjs";

/**
 * Calls `once({ warmup })` 1 + runs times, the first with `warmup: true`; `once`
 * returns the milliseconds it measured (and throws when the thing measured failed). Resolves to `{ summary, error }`: the
 * summary of the counted runs, or the first failure's message and no summary.
 */
export async function measureRuns(runs, once) {
  try {
    await once({ warmup: true });
    const times = [];
    for (let index = 0; index < runs; index += 1) times.push(await once({ warmup: false }));
    return { summary: summarize(times), error: null };
  } catch (error) {
    return { summary: null, error: error.message };
  }
}
