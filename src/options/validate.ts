/**
 * The rules every answer must follow, shared by the flag parser and the prompts.
 * Each check returns an error message (without the flag name: callers add it) or
 * undefined when the value is fine.
 */
import { CACHE_PATTERNS, FEATURE_IDS } from "../features/index.js";
import { PACKAGE_MANAGERS } from "../package-managers.js";
import { MAX_TTL, MIN_TTL } from "../ttl.js";

export { MAX_TTL, MIN_TTL };

/**
 * The largest rate limit: the generated tests send the whole limit to see the 429,
 * so a larger one would make them too slow; and KV counters cannot count faster
 * than about one write a second per client anyway.
 */
export const MAX_RATE_LIMIT = 1000;
/** The longest rate-limit window: a day. */
export const MAX_RATE_WINDOW = 86_400;

const WHOLE_NUMBER = /^\d+$/;
const BINDING_NAME = /^[A-Z][A-Z0-9]*(_[A-Z0-9]+)*$/;
const ENV_NAME = /^[a-z][a-z0-9-]*$/;

export function checkTtl(value: string): string | undefined {
  if (!WHOLE_NUMBER.test(value)) return "a TTL is whole seconds, e.g. 300, or 0 for no expiry";
  const seconds = Number(value);
  if (seconds !== 0 && seconds < MIN_TTL) {
    return `a TTL must be at least ${MIN_TTL} seconds (the KV minimum), or 0 for no expiry`;
  }
  if (seconds > MAX_TTL) return `a TTL is at most ${MAX_TTL} seconds (400 days), or 0 for no expiry`;
  return undefined;
}

export function checkSeconds(value: string, min: number): string | undefined {
  if (!WHOLE_NUMBER.test(value) || Number(value) < min || Number(value) > MAX_TTL) {
    return `must be whole seconds, at least ${min} and at most ${MAX_TTL} (400 days)`;
  }
  return undefined;
}

export function checkBindingName(value: string): string | undefined {
  if (!BINDING_NAME.test(value)) {
    return "a binding name is an UPPER_SNAKE_CASE identifier, e.g. MY_CACHE";
  }
  return undefined;
}

export function checkEnvName(value: string): string | undefined {
  if (!ENV_NAME.test(value)) {
    return "an environment name is lowercase letters, digits and dashes, starting with a letter, e.g. staging";
  }
  return undefined;
}

/** "100/60" -> 100 requests per 60 seconds. */
export function parseRateLimit(value: string): { limit: number; window: number } | string {
  const match = /^(\d+)\/(\d+)$/.exec(value);
  if (!match) return "a rate limit is <requests>/<seconds>, e.g. 100/60";
  const limit = Number(match[1]);
  const window = Number(match[2]);
  if (limit < 1 || limit > MAX_RATE_LIMIT) return `the number of requests must be at least 1 and at most ${MAX_RATE_LIMIT}`;
  if (window < 1 || window > MAX_RATE_WINDOW) return `the window must be at least 1 second and at most ${MAX_RATE_WINDOW} (a day)`;
  return { limit, window };
}

export function checkOneOf(value: string, allowed: readonly string[], what: string): string | undefined {
  if (!allowed.includes(value)) return `unknown ${what}; choose one of ${allowed.join(", ")}`;
  return undefined;
}

export const checkFeature = (value: string) => checkOneOf(value, FEATURE_IDS, "feature");
export const checkCachePattern = (value: string) => checkOneOf(value, CACHE_PATTERNS, "cache pattern");
export const checkPackageManager = (value: string) =>
  checkOneOf(value, PACKAGE_MANAGERS, "package manager");

/** --namespace NAME[=seconds] -> an extra namespace (no TTL given: never expires). */
export function parseExtraNamespace(item: string): { binding: string; ttl: number } | string {
  const pair = splitPair(item);
  const [binding, ttl] = pair ?? [item.trim(), "0"];
  const problem = checkBindingName(binding) ?? checkTtl(ttl);
  return problem ?? { binding, ttl: Number(ttl) };
}

/** A comma list, trimmed, without empty items. */
export function splitList(value: string): string[] {
  return value
    .split(",")
    .map((item) => item.trim())
    .filter((item) => item !== "");
}

/** "key=value" -> [key, value], or undefined when there is no "=". */
export function splitPair(value: string): [string, string] | undefined {
  const at = value.indexOf("=");
  if (at <= 0) return undefined;
  return [value.slice(0, at).trim(), value.slice(at + 1).trim()];
}

/**
 * Turns a directory name into the project name: a valid npm package name that is
 * also a valid Worker name (lowercase letters, digits and dashes, at most 63).
 */
export function toProjectName(name: string): string {
  const cleaned = name
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "") // Ü -> U: keep the letter, drop the accent
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .slice(0, 63)
    .replace(/^-+|-+$/g, "");
  return cleaned === "" ? "kv-edge-app" : cleaned;
}
