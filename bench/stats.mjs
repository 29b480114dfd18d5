// Summaries of repeated measurements, and the ratio of ours to a peer.

/** `{ median, min, max, runs }` of a list of numbers (an even count takes the mean of the middle two). */
export function summarize(values) {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  const median =
    sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
  return { median, min: sorted[0], max: sorted.at(-1), runs: sorted.length };
}

/** ours ÷ peer, or null when either side has no number. */
export function ratio(ours, peer) {
  if (typeof ours !== "number" || typeof peer !== "number" || peer === 0) return null;
  return ours / peer;
}
