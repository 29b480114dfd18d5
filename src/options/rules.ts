/**
 * The rules that span several answers, in one place: the flag path (resolve.ts,
 * parse.ts) and the prompts (prompts.ts) both call these, so a value refused on the
 * command line is refused in the same words at a prompt.
 * Each check returns a problem (a sentence without the flag name) or undefined.
 */
import { EXPIRING_CACHE_PATTERNS, FEATURES, type CachePattern, type FeatureId, type FeatureSettings } from "../features/index.js";
import type { BackendChoices } from "../features/unit.js";
import type { Namespace } from "../template/context.js";
import { MIN_TTL } from "../ttl.js";
import {
  BINDING_PERIODS,
  durableObjectsFor,
  RATE_LIMITER_BINDING,
  usesRateLimitBinding,
  type RateLimitBackend,
} from "../durable-objects.js";

/** Why a feature's namespace TTL is not a free choice (so --ttl is refused), or undefined. */
export function fixedTtlReason(feature: FeatureId): string | undefined {
  return FEATURES.find((unit) => unit.id === feature)?.ttlFrom?.reason;
}

/** The chosen features whose namespace TTL the user may set (--ttl, the "customise" path). */
export function featuresWithFreeTtl(features: readonly FeatureId[]): FeatureId[] {
  return features.filter((feature) => fixedTtlReason(feature) === undefined);
}

/** Each environment once: two `env.<name>` blocks of one name would clash in wrangler.jsonc. */
export function duplicateEnvProblem(envs: readonly string[]): string | undefined {
  const twice = envs.find((env, index) => envs.indexOf(env) !== index);
  return twice === undefined ? undefined : `${twice} is listed twice; name each environment once`;
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
  const withNamespace = featuresWithNamespace(features, choices.settings);
  const featureNamespaces = FEATURES.filter((unit) => withNamespace.includes(unit.id)).map((unit) => ({
    binding: choices.bindings[unit.id] ?? unit.binding,
    feature: unit.id,
    ttl: unit.ttlFrom ? unit.ttlFrom.ttl(choices.settings) : (choices.ttls[unit.id] ?? unit.ttl),
  }));
  return [...featureNamespaces, ...choices.extraNamespaces.map((extra) => ({ ...extra, feature: null }))];
}

/**
 * Whether a backend can enforce a rate limit, or why not and what to pick instead.
 * The Rate Limiting binding counts in 10 or 60 s periods only; a KV counter takes one
 * write per second per key, so it cannot count past one request per second of window.
 */
export function rateLimitBackendProblem(rateLimit: { limit: number; window: number }, backend: RateLimitBackend): string | undefined {
  const { limit, window } = rateLimit;
  if (backend === "binding" && !BINDING_PERIODS.includes(window)) {
    return `the Rate Limiting binding counts only in windows of ${BINDING_PERIODS.join(" or ")} seconds; use --rate-limit ${limit}/60 (or /10), or --rate-limit-backend durable-object, which takes any window`;
  }
  if (backend === "kv" && limit > window) {
    return `KV takes one write per second per key, so a KV counter cannot count past ${window} requests in ${window} s per client; use --rate-limit-backend durable-object (exact at any rate), or at most --rate-limit ${window}/${window}`;
  }
  return undefined;
}

/** The chosen features that keep a KV namespace with these answers. */
export function featuresWithNamespace(features: readonly FeatureId[], choices: BackendChoices): FeatureId[] {
  return FEATURES.filter((unit) => features.includes(unit.id) && (unit.hasNamespace?.(choices) ?? true)).map((unit) => unit.id);
}

/** --binding names a feature's KV namespace: refused for a feature that keeps none with these answers. */
export function bindingWithoutNamespaceProblem(feature: FeatureId, settings: FeatureSettings): string | undefined {
  const unit = FEATURES.find((candidate) => candidate.id === feature);
  if (unit?.hasNamespace === undefined || unit.hasNamespace(settings)) return undefined;
  return feature === "ratelimit"
    ? `the ${settings.rateLimitBackend} rate-limit backend keeps no KV namespace (only --rate-limit-backend kv does)`
    : `the ${feature} feature keeps no KV namespace`;
}

/** The project's other bindings (Durable Objects, the Rate Limiting binding), each with its owner. */
export function otherBindings(features: readonly FeatureId[], settings: FeatureSettings): Map<string, string> {
  const owners = new Map(durableObjectsFor(features, settings).map((entry) => [entry.binding, `the ${entry.name} Durable Object`]));
  if (usesRateLimitBinding(features, settings)) owners.set(RATE_LIMITER_BINDING, "the Rate Limiting binding");
  return owners;
}

/** Binding names must be unique across the project; the problem names both owners. */
export function duplicateBindingProblem(namespaces: readonly Namespace[], others: ReadonlyMap<string, string> = new Map()): string | undefined {
  const seen = new Map<string, string>(others);
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
