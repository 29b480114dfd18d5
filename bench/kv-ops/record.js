// Prints one measured row as a `KV_OPS {json}` line, which bench/kv-ops.mjs reads
// back from vitest's output.

/**
 * @param {string} operation what was done, as in the budget table of issue 3
 * @param {{ reads: number, writes: number, deletes: number, lists: number }} counts
 * @param {string} budget the budget, in words
 * @param {boolean} withinBudget
 */
export function record(operation, counts, budget, withinBudget) {
  const row = { operation, counts: { ...counts }, budget, withinBudget };
  console.log(`KV_OPS ${JSON.stringify(row)}`);
}

/** Every kind of operation added up. */
export function total(counts) {
  return counts.reads + counts.writes + counts.deletes + counts.lists;
}
