/** TTL facts shared by the options, the feature units and the summary. */

/** KV rejects an expirationTtl under 60 seconds. 0 is ours: "never expires". */
export const MIN_TTL = 60;

/**
 * The longest TTL or session lifetime: 400 days. Browsers cap a cookie's Max-Age
 * there, so a longer session could not be kept anyway, and it keeps every expiry the
 * generated code computes (seconds and milliseconds from now) far inside what KV,
 * Date and timers accept.
 */
export const MAX_TTL = 400 * 86_400;

/** 86400 -> "1 d", 90 -> "90 s", 0 -> "no expiry". */
export function formatTtl(seconds: number): string {
  if (seconds === 0) return "no expiry";
  const units: [number, string][] = [[86400, "d"], [3600, "h"], [60, "min"]];
  const unit = units.find(([size]) => seconds % size === 0);
  return unit ? `${seconds / unit[0]} ${unit[1]}` : `${seconds} s`;
}
