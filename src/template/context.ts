import type { CachePattern, FeatureId, PackageManager } from "../features.js";

/**
 * Everything a template can use. Templates see exactly this object (plain data,
 * no methods) through Handlebars; forks can rely on every field.
 *
 * Helpers registered on the Handlebars instance (src/template/render.ts), and no others:
 *   {{json value}}        the value as JSON: a valid JSON value and a valid TS/JS
 *                         expression; use it for every value that lands in code or JSON
 *   {{#if (eq a b)}}      equality; also (ne a b), (and a b ...), (or a b ...), (not a)
 *   {{#if (includes list value)}}  array membership
 * The instance runs with noEscape (no HTML escaping) and strict (an unknown variable
 * is an error naming the file and line).
 */
export interface RenderContext {
  /** A valid npm package name; also the Worker name. */
  projectName: string;
  /** One boolean per feature id, e.g. features.sessions. */
  features: Record<FeatureId, boolean>;
  /**
   * Every KV namespace of the project, in this order: one per chosen feature (in the
   * order of src/features.ts), then the extra --namespace ones (feature: null).
   * ttl is the namespace's default TTL in seconds; 0 means no expiry.
   */
  namespaces: { binding: string; feature: FeatureId | null; ttl: number }[];
  /** The binding of each chosen feature, e.g. bindings.cache === "CACHE". */
  bindings: Partial<Record<FeatureId, string>>;
  /** Seconds. refreshThreshold < ttl. */
  session: { ttl: number; refreshThreshold: number };
  /**
   * `limit` requests per `window` seconds, counted by `backend` ("durable-object",
   * "binding" or "kv"). `namespaceId` is the Rate Limiting binding's namespace_id,
   * derived from the project name so no two projects share counters.
   */
  rateLimit: { limit: number; window: number; backend: string; namespaceId: string };
  /** How the flags and config documents are saved: "durable-object" or "kv". */
  documentWrites: string;
  /**
   * The Durable Object classes the project binds, migrates and exports (may be empty):
   * `module` is the import specifier from src/index.ts, e.g. "./lib/counters", and `file`
   * the file, e.g. "src/lib/counters.ts"; `docs` says, in a sentence
   * each, what it guarantees, what a call costs and how it scales.
   */
  durableObjects: {
    binding: string;
    className: string;
    module: string;
    file: string;
    docs: { guarantee: string; cost: string; scaling: string };
  }[];
  cachePattern: CachePattern;
  /** Extra wrangler environments, e.g. ["staging", "production"]; may be empty. */
  envs: string[];
  /**
   * The same environments with what differs per environment: the Rate Limiting
   * binding's namespace_id (an environment deploys as a Worker of its own, so it
   * counts apart from the others).
   */
  environments: { name: string; rateLimitNamespaceId: string }[];
  /** YYYY-MM-DD, the workerd release of the pinned wrangler. */
  compatibilityDate: string;
  packageManager: PackageManager;
  /** Ready-made commands for docs: e.g. run "npm run", install "npm install", exec "npx". */
  commands: { install: string; run: string; exec: string };
  /** Exact versions for the generated package.json (src/versions.ts). */
  versions: { wrangler: string; vitestPlugin: string; vitest: string; typescript: string };
  /** Answers to the template's own variables (template.json "variables"). */
  vars: Record<string, string | boolean>;
}
