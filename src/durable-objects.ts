/**
 * Where KV cannot be exact, the project uses a Durable Object. This module is the
 * one place that says which classes exist, which feature and answer need each, the
 * binding it gets in wrangler.jsonc, and the line that exports it from the Worker's
 * entry module. wrangler.jsonc, src/durable-objects.ts, the summary and `add` all
 * read it, so a project binds, migrates and exports exactly the classes it uses.
 */
import type { FeatureId } from "./features.js";

export const RATE_LIMIT_BACKENDS = ["durable-object", "binding", "kv"] as const;
export type RateLimitBackend = (typeof RATE_LIMIT_BACKENDS)[number];

/** One line per backend for the prompt and the docs: what it guarantees and costs. */
export const RATE_LIMIT_BACKEND_HINTS: Record<RateLimitBackend, string> = {
  "durable-object": "exact and global, any window; one Durable Object call per request",
  binding: "Workers Rate Limiting binding: cheapest, but per location and approximate; 10 or 60 s windows only",
  kv: "KV counters: approximate, at most one request per second of window per client",
};

export const DOCUMENT_WRITES = ["durable-object", "kv"] as const;
export type DocumentWrites = (typeof DOCUMENT_WRITES)[number];

export const DOCUMENT_WRITES_HINTS: Record<DocumentWrites, string> = {
  "durable-object": "one writer per document: concurrent saves all survive; one Durable Object call per save",
  kv: "read-modify-write in KV: two saves within about a minute can lose one",
};

/** The periods the Rate Limiting binding accepts. */
export const BINDING_PERIODS = [10, 60];

/** The answers that decide which classes a project needs. */
export interface DurableObjectChoices {
  features: readonly FeatureId[];
  rateLimitBackend: RateLimitBackend;
  documentWrites: DocumentWrites;
}

export interface DurableObjectClass {
  /** The class name, exported from the entry module and listed in the migration. */
  className: string;
  /** Its binding in wrangler.jsonc (a DurableObjectNamespace in Env). */
  binding: string;
  /** The module that defines it, relative to src/. */
  module: string;
  /** The feature it belongs to. */
  feature: FeatureId;
  /** What one object holds, for the summary. */
  objects: string;
  /** For the project's README and AGENTS.md: what it guarantees, what a call costs, how it scales. */
  docs: { guarantee: string; cost: string; scaling: string };
  needed(choices: DurableObjectChoices): boolean;
}

export const DURABLE_OBJECT_CLASSES: readonly DurableObjectClass[] = [
  {
    className: "SlidingWindowLimiter",
    binding: "RATE_LIMITER",
    module: "./lib/rate-limit-object",
    feature: "ratelimit",
    objects: "one object per client (hashed address)",
    docs: {
      guarantee: "in any window, never more than the limit of one client's requests pass, wherever they arrive; checks never interleave",
      cost: "one call per rate-limited request; up to `limit` rows read and one written; an idle client's rows are deleted after its window",
      scaling: "one object per client, so clients never slow each other; one client is bounded by what one object serves (about a thousand calls a second)",
    },
    needed: (choices) => choices.features.includes("ratelimit") && choices.rateLimitBackend === "durable-object",
  },
  {
    className: "CounterObject",
    binding: "COUNTERS",
    module: "./lib/counters",
    feature: "counters",
    objects: "one object per counter or lock name",
    docs: {
      guarantee: "increments are exact (100 at once end at 100); a lock has one holder at a time, and each grant carries a larger fencing token",
      cost: "one call per operation; one row read and written",
      scaling: "one object per name, so names never slow each other; one name is bounded by what one object serves (about a thousand calls a second)",
    },
    needed: (choices) => choices.features.includes("counters"),
  },
];

/** The classes a project with these answers binds, migrates and exports. */
export function durableObjectsFor(choices: DurableObjectChoices): DurableObjectClass[] {
  return DURABLE_OBJECT_CLASSES.filter((entry) => entry.needed(choices));
}

/** The line that exports a class from the Worker's entry module (src/index.ts). */
export function exportLine(entry: DurableObjectClass): string {
  return `export { ${entry.className} } from "${entry.module}";`;
}

/** The Rate Limiting binding's name, whichever backend is chosen. */
export const RATE_LIMITER_BINDING = "RATE_LIMITER";

/**
 * The Rate Limiting binding's namespace_id: bindings with the same id share their
 * counters across the account, so each project gets its own, derived from its name
 * (FNV-1a, 32 bits): the same name always gives the same id.
 */
export function rateLimitNamespaceId(projectName: string): string {
  let hash = 0x811c9dc5;
  for (const byte of new TextEncoder().encode(projectName)) {
    hash ^= byte;
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  // A positive integer, kept clear of the small ids people pick by hand.
  return String(1_000_000 + (hash % 2_000_000_000));
}
