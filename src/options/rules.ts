/**
 * The rules that span several answers, in one place: the flag path (resolve.ts,
 * parse.ts) and the prompts (prompts.ts) both call these, so a value refused on the
 * command line is refused in the same words at a prompt.
 * Each check returns a problem (a sentence without the flag name) or undefined.
 */
import { EXPIRING_CACHE_PATTERNS, FEATURES, type CachePattern, type FeatureId, type FeatureSettings } from "../features/index.js";
import type { Namespace } from "../template/context.js";
import { MIN_TTL } from "../ttl.js";

/** Why a feature's namespace TTL is not a free choice (so --ttl is refused), or undefined. */
export function fixedTtlReason(feature: FeatureId): string | undefined {
  return FEATURES.find((unit) => unit.id === feature)?.ttlFrom?.reason;
}

/** The chosen features whose namespace TTL the user may set (--ttl, the "customise" path). */
export function featuresWithFreeTtl(features: readonly FeatureId[]): FeatureId[] {
  return features.filter((feature) => fixedTtlReason(feature) === undefined);
}

/** A session must be refreshed before it expires. */
export function sessionRefreshProblem(refreshThreshold: number, sessionTtl: number): string | undefined {
  return refreshThreshold >= sessionTtl ? `must be less than the session TTL (${sessionTtl} s)` : undefined;
}

/** A session's absolute lifetime cannot be shorter than one sliding period. */
export function sessionMaxLifetimeProblem(maxLifetime: number, sessionTtl: number): string | undefined {
  return maxLifetime < sessionTtl ? `must be at least the session TTL (${sessionTtl} s)` : undefined;
}

/** A cache that serves stale entries needs entries that go stale. */
export function cacheTtlProblem(cacheTtl: number, pattern: CachePattern): string | undefined {
  if (cacheTtl !== 0 || !EXPIRING_CACHE_PATTERNS.includes(pattern)) return undefined;
  return `a cache entry that never expires is never stale; give the cache a TTL (at least ${MIN_TTL}) or use the cache-aside or write-through pattern`;
}

/**
 * The namespaces of a project: one per chosen feature (in the order of the units),
 * then the extra ones. A feature's TTL is its own rule's (ttlFrom), else the user's
 * --ttl, else its default.
 */
export function namespacesFor(
  features: readonly FeatureId[],
  choices: {
    settings: FeatureSettings;
    ttls: Partial<Record<FeatureId, number>>;
    bindings: Partial<Record<FeatureId, string>>;
    extraNamespaces: readonly { binding: string; ttl: number }[];
  },
): Namespace[] {
  const featureNamespaces = FEATURES.filter((unit) => features.includes(unit.id)).map((unit) => ({
    binding: choices.bindings[unit.id] ?? unit.binding,
    feature: unit.id,
    ttl: unit.ttlFrom ? unit.ttlFrom.ttl(choices.settings) : (choices.ttls[unit.id] ?? unit.ttl),
  }));
  return [...featureNamespaces, ...choices.extraNamespaces.map((extra) => ({ ...extra, feature: null }))];
}

/** Binding names must be unique across the project; the problem names both owners. */
export function duplicateBindingProblem(namespaces: readonly Namespace[]): string | undefined {
  const seen = new Map<string, string>();
  for (const namespace of namespaces) {
    const owner = namespace.feature ? `the ${namespace.feature} namespace` : "--namespace";
    const earlier = seen.get(namespace.binding);
    if (earlier) {
      return `binding ${namespace.binding} is used by both ${earlier} and ${owner}; binding names must be unique (rename one with --binding <feature>=NAME)`;
    }
    seen.set(namespace.binding, owner);
  }
  return undefined;
}
