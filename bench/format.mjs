// How numbers are written in the results: decimal kB/MB (as npm prints sizes),
// milliseconds or seconds, and ratios as "1.23×".

export function formatBytes(bytes) {
  if (typeof bytes !== "number") return "–";
  if (bytes >= 1e6) return `${(bytes / 1e6).toFixed(2)} MB`;
  return `${(bytes / 1e3).toFixed(1)} kB`;
}

export function formatMs(ms) {
  if (typeof ms !== "number") return "–";
  return ms >= 10_000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.round(ms)} ms`;
}

/** "median (min–max)" of a summary. */
export function formatSummary(summary) {
  if (!summary) return "–";
  return `${formatMs(summary.median)} (${formatMs(summary.min)}–${formatMs(summary.max)})`;
}

export function formatRatio(value) {
  return typeof value === "number" ? `${value.toFixed(2)}×` : "–";
}
