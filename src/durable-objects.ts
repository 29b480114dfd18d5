/**
 * Where KV cannot be exact, a project uses a Durable Object or the Rate Limiting
 * binding. The classes themselves are declared by the feature units (`classes` in
 * src/features/<id>.ts); this module answers the questions that span units: which
 * classes a project needs, the choices of rate-limit backend and document writes,
 * and the Rate Limiting binding's per-project namespace_id.
 */
import { FEATURES, type FeatureId } from "./features/index.js";
import type { DocumentWrites, DurableObjectClass, FeatureSettings, RateLimitBackend } from "./features/unit.js";
import { fnv1a } from "./fnv1a.js";

export type { DocumentWrites, DurableObjectClass, RateLimitBackend };

export const RATE_LIMIT_BACKENDS: readonly RateLimitBackend[] = ["durable-object", "binding", "kv"];

/** One line per backend for the prompt and the docs: what it guarantees and costs. */
export const RATE_LIMIT_BACKEND_HINTS: Record<RateLimitBackend, string> = {
  "durable-object": "exact and global, any window; one Durable Object call per request",
  binding: "cheapest; counted per location and approximate; 10 or 60 s windows only",
  kv: "KV counters: approximate, at most one request per second of window per client",
};

export const DOCUMENT_WRITES: readonly DocumentWrites[] = ["durable-object", "kv"];

/** One line per choice for the prompt: what it guarantees and costs. */
export const DOCUMENT_WRITES_HINTS: Record<DocumentWrites, string> = {
  "durable-object": "a Durable Object per document: no save overwrites another",
  kv: "straight to KV: two saves within a minute can lose one",
};

/** The periods the Rate Limiting binding accepts. */
export const BINDING_PERIODS = [10, 60];

/** The Rate Limiting binding's name in wrangler.jsonc. */
export const RATE_LIMITER_BINDING = "RATE_LIMITER";

/** The classes a project with these answers binds, migrates and exports, each with its feature. */
export function durableObjectsFor(
  features: readonly FeatureId[],
  settings: FeatureSettings,
): (DurableObjectClass & { feature: FeatureId })[] {
  return FEATURES.filter((unit) => features.includes(unit.id)).flatMap((unit) =>
    (unit.classes ?? []).filter((entry) => entry.when?.(settings) ?? true).map((entry) => ({ ...entry, feature: unit.id })),
  );
}

/** Whether the project uses the Rate Limiting binding. */
export function usesRateLimitBinding(features: readonly FeatureId[], settings: FeatureSettings): boolean {
  return features.includes("ratelimit") && settings.rateLimitBackend === "binding";
}

/** The line that exports a class from the Worker's entry module (what `add` prints for a foreign project). */
export function exportLine(entry: DurableObjectClass): string {
  return `export { ${entry.name} } from "${entry.module}";`;
}

/**
 * The Rate Limiting binding's namespace_id: bindings with the same id share their
 * counters across the account, so each project (and each of its environments, which
 * deploy as Workers of their own) gets its own, derived from the Worker name with
 * FNV-1a: the same name always gives the same id.
 */
export function rateLimitNamespaceId(workerName: string): string {
  const hash = fnv1a(workerName);
  // A positive integer, kept clear of the small ids people pick by hand.
  return String(1_000_000 + (hash % 2_000_000_000));
}
