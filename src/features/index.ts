/**
 * Every feature the tool knows, in the order the picker, the namespaces and the
 * docs show them. Adding a feature = writing its unit (src/features/<id>.ts, see
 * unit.ts) and its files in the template, then listing it here.
 */
import { cache } from "./cache.js";
import { config } from "./config.js";
import { counters } from "./counters.js";
import { flags } from "./flags.js";
import { prefs } from "./prefs.js";
import { ratelimit } from "./ratelimit.js";
import { sessions } from "./sessions.js";
import type { FeatureUnit } from "./unit.js";

export const FEATURES = [cache, sessions, flags, config, ratelimit, prefs, counters] as const;

export type Feature = (typeof FEATURES)[number];
export type FeatureId = Feature["id"];
export const FEATURE_IDS: readonly FeatureId[] = FEATURES.map((feature) => feature.id);

export function featureById(id: FeatureId): FeatureUnit<FeatureId> {
  return FEATURES.find((feature) => feature.id === id) as FeatureUnit<FeatureId>;
}

export { CACHE_PATTERN_HINTS, CACHE_PATTERNS, EXPIRING_CACHE_PATTERNS, type CachePattern } from "./cache.js";
export type { DocumentWrites, DurableObjectClass, FeatureDocs, FeatureSettings, FeatureUnit, RateLimitBackend } from "./unit.js";
