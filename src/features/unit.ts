/**
 * What a feature is: one self-contained unit (the Svelte CLI's add-ons are the
 * model). Everything the tool knows about a feature lives in its unit file,
 * src/features/<id>.ts, and nowhere else: `create` and `add` both read it.
 *
 * The feature's code itself is plain TypeScript in the template (templates/default/src/),
 * listed in `files`. The text fragments (`config`, `docs`, `wrangler`) are Handlebars,
 * rendered with the project's render context (src/template/context.ts) before they
 * are handed to the templates, which only stitch them together.
 */
import type { FilesByChoice } from "./choices.js";

export interface FeatureUnit<Id extends string = string> {
  /** Used by --features, --ttl, --binding and in template.json. */
  id: Id;
  label: string;
  /** One line for the feature picker. */
  hint: string;
  /** Default binding name of the feature's KV namespace. */
  binding: string;
  /**
   * Whether the feature keeps a KV namespace with these settings; absent means always.
   * False where its state lives elsewhere (a Durable Object, the Rate Limiting binding).
   */
  hasNamespace?: (choices: BackendChoices) => boolean;
  /** Default TTL of the namespace in seconds; 0 means no expiry. */
  ttl: number;
  /**
   * Set when the namespace's TTL is not a free choice: `reason` is why (--ttl for the
   * feature is refused with it) and `ttl` computes it from the project's settings.
   */
  ttlFrom?: { reason: string; ttl: (settings: FeatureSettings) => number };
  /** The keys the feature writes, for the summary. */
  keyPattern: string;
  /**
   * Template paths of the feature's files, by role. `add` puts `lib` files (and the
   * `libTests` that test them) into a project that this tool did not make. `byChoice`
   * names the ones that belong to one value of a choice (one backend), as template.json's
   * `filesByChoice` does: a project gets only those of the values it chose.
   */
  files: { lib: string[]; libTests: string[]; routes: string[]; routeTests: string[]; seed: string[]; byChoice?: FilesByChoice };
  /** How src/routes/index.ts wires the feature in: `import { <routes> } from "./<module>"`. */
  router: { module: string; routes: string; currentUser?: string };
  /**
   * Durable Object classes the feature defines: the Worker's entry module must export
   * each one (`export { <name> } from "<module>"`, module relative to src/), and
   * wrangler.jsonc binds and migrates each, at the top level and in every environment.
   */
  classes?: DurableObjectClass[];
  /** Import lines the feature's config block needs at the top of src/config.ts (Handlebars). */
  configImports?: string;
  /** The feature's block of src/config.ts (Handlebars). */
  config: string;
  /** Extra lines for wrangler.jsonc after the KV bindings (Handlebars, JSONC, may be comments). */
  wrangler?: string;
  /** Its parts of README.md and AGENTS.md (Handlebars, Markdown). */
  docs: FeatureDocs;
  /** The options (without "--") that set the feature's settings; `add` refuses them for a feature it is not adding. */
  flags?: string[];
  /**
   * For a Worker this tool did not make: the lines to paste to use the feature
   * (Handlebars, TypeScript). Context: importPath (the library folder as seen from the
   * entry module, e.g. "./kv"), binding, ttl, session, rateLimit, cachePattern.
   */
  paste: string;
  /** Lines for the summary's "Settings" section. */
  summary?: (settings: FeatureSettings) => string[];
}

export interface FeatureDocs {
  /** The README's "keys" cell of the namespace table. */
  keys: string;
  /** The README's row(s) of the routes table, without the leading "| " and trailing " |". */
  routes: string;
  /** Lines for the README's "try it" shell block, if any. */
  tryIt?: string;
  /** The README's TTL policy bullet. */
  ttl: string;
  /** The README's section about the feature's module(s). */
  module: string;
  /** A rule for AGENTS.md's "KV rules you must respect", if the feature has one. */
  agentsRule?: string;
}

/** A Durable Object class a feature defines. */
export interface DurableObjectClass {
  /** The class name: exported from the entry module, listed in the migration. */
  name: string;
  /** The import specifier from src/index.ts, e.g. "./lib/counters". */
  module: string;
  /** Its binding in wrangler.jsonc (a DurableObjectNamespace in Env). */
  binding: string;
  /** What one object holds, for the summary, e.g. "one object per client". */
  objects: string;
  /** For README.md and AGENTS.md: what it guarantees, what a call costs, how it scales. */
  docs: { guarantee: string; cost: string; scaling: string };
  /** Whether the project needs it with these settings; absent means whenever the feature is chosen. */
  when?: (settings: FeatureSettings) => boolean;
}

export type RateLimitBackend = "durable-object" | "binding" | "kv";
export type DocumentWrites = "durable-object" | "kv";

/** Where the state that KV cannot keep exactly goes. */
export interface BackendChoices {
  rateLimitBackend: RateLimitBackend;
  documentWrites: DocumentWrites;
}

/** The settings a feature's TTL rule, namespace, classes and summary can read. */
export interface FeatureSettings extends BackendChoices {
  session: { ttl: number; refreshThreshold: number; maxLifetime: number };
  rateLimit: { limit: number; window: number };
  cachePattern: string;
}

/** Keeps the literal id, so FeatureId is a union of the ids. */
export function defineFeature<const Id extends string>(unit: FeatureUnit<Id>): FeatureUnit<Id> {
  return unit;
}

/** A unit's Handlebars texts (see above), by part: what create and add render from it. */
export function handlebarsFragments(feature: FeatureUnit): [part: string, text: string][] {
  const { configImports, config, wrangler, paste, docs } = feature;
  const parts = { configImports, config, wrangler, paste, ...Object.fromEntries(Object.entries(docs).map(([name, text]) => [`docs.${name}`, text])) };
  return Object.entries(parts).filter((entry): entry is [string, string] => typeof entry[1] === "string");
}
