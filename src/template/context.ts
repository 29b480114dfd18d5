/**
 * The render context: everything a template can use, built from plain project
 * settings (never the CLI's Options). Templates see exactly this object (plain
 * data, no methods) through Handlebars; forks can rely on every field.
 *
 * Helpers registered on the Handlebars instance (src/template/render.ts), and no others:
 *   {{json value}}        the value as JSON: a valid JSON value and a valid TS/JS
 *                         expression; use it for every value that lands in code or JSON
 *   {{#if (eq a b)}}      equality; also (ne a b), (and a b ...), (or a b ...), (not a)
 *   {{#if (includes list value)}}  array membership
 * The instance runs with noEscape (no HTML escaping) and strict (an unknown variable
 * is an error naming the file and line).
 */
import { durableObjectsFor, RATE_LIMITER_BINDING, rateLimitNamespaceId, usesRateLimitBinding } from "../durable-objects.js";
import { chosenFiles } from "../features/choices.js";
import {
  FEATURES,
  type CachePattern,
  type DocumentWrites,
  type FeatureId,
  type FeatureUnit,
  type RateLimitBackend,
} from "../features/index.js";
import { commandsOf, type PackageManager } from "../package-managers.js";
import { compatibilityDate, versions } from "../versions.js";
import { render } from "./render.js";

export interface Namespace {
  binding: string;
  /** null for an extra --namespace. */
  feature: FeatureId | null;
  /** Default TTL in seconds; 0 means no expiry. */
  ttl: number;
}

/** What a project is made of: the input of buildRenderContext (the CLI's Options fit it). */
export interface ProjectSettings {
  projectName: string;
  features: readonly FeatureId[];
  namespaces: readonly Namespace[];
  session: { ttl: number; refreshThreshold: number; maxLifetime: number };
  rateLimit: { limit: number; window: number };
  rateLimitBackend: RateLimitBackend;
  documentWrites: DocumentWrites;
  cachePattern: CachePattern;
  envs: readonly string[];
  packageManager: PackageManager;
  vars: Record<string, string | boolean>;
}

export interface RenderContext {
  /** A valid npm package name; also the Worker name. */
  projectName: string;
  /** One boolean per feature id, e.g. features.sessions. */
  features: Record<FeatureId, boolean>;
  /**
   * Every KV namespace of the project, in this order: one per chosen feature (in the
   * order of src/features/index.ts), then the extra --namespace ones (feature: null).
   * ttl is the namespace's default TTL in seconds; 0 means no expiry.
   */
  namespaces: Namespace[];
  /** The binding of each chosen feature, e.g. bindings.cache === "CACHE". */
  bindings: Partial<Record<FeatureId, string>>;
  /**
   * The chosen features, in order, with their fragments already rendered: templates
   * stitch these together instead of branching on feature names (see src/features/unit.ts).
   */
  units: RenderedUnit[];
  /** The chosen features' library files under src/lib/, e.g. ["sessions.ts"], each once. */
  libFiles: string[];
  /** Seed files and the binding each one is loaded into (`wrangler kv bulk put`). */
  seeds: { file: string; binding: string }[];
  /** The function (and its route module) that tells who the request's user is, if a feature provides one. */
  currentUser: { module: string; name: string } | null;
  /** Seconds. refreshThreshold < ttl <= maxLifetime. */
  session: { ttl: number; refreshThreshold: number; maxLifetime: number };
  /**
   * `limit` requests per `window` seconds, counted by `backend` ("durable-object",
   * "binding" or "kv"). `namespaceId` is the Rate Limiting binding's namespace_id,
   * derived from the project name so no two projects share counters.
   */
  rateLimit: { limit: number; window: number; backend: string; namespaceId: string };
  /**
   * The Workers Rate Limiting binding when the project uses it (--rate-limit-backend
   * binding), else null; `period` is 10 or 60. Environments get their own namespace_id
   * (`environments[].rateLimitNamespaceId`).
   */
  rateLimitBinding: { name: string; namespaceId: string; limit: number; period: number } | null;
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
  versions: { wrangler: string; vitestPlugin: string; vitest: string; vite: string; typescript: string; typesNode: string };
  /** Answers to the template's own variables (template.json "variables"). */
  vars: Record<string, string | boolean>;
}

/** One chosen feature as templates see it. */
export interface RenderedUnit {
  id: FeatureId;
  label: string;
  binding: string;
  ttl: number;
  /** `import { <imports> } from "./<module>"` in src/routes/index.ts; `routes` is the list to spread. */
  router: { module: string; routes: string; imports: string };
  /** False when the feature keeps no KV namespace with these answers (rate limits in a Durable Object, counters). */
  namespace: boolean;
  /** Durable Object classes the entry module must export (only those these answers need). */
  classes: { name: string; module: string }[];
  /** Import lines its config block needs at the top of src/config.ts, or "". */
  configImports: string;
  /** Its src/config.ts block. */
  config: string;
  /** Its wrangler.jsonc lines after the KV bindings, or "". */
  wrangler: string;
  docs: { keys: string; routes: string; tryIt: string; ttl: string; module: string; agentsRule: string };
}

/** What the tool itself puts into a render; `update` renders a project's old version with the recorded one. */
export interface Toolchain {
  compatibilityDate: string;
  versions: RenderContext["versions"];
}

export function buildRenderContext(settings: ProjectSettings, toolchain: Toolchain = { compatibilityDate, versions }): RenderContext {
  const chosen = FEATURES.filter((feature) => settings.features.includes(feature.id)) as FeatureUnit<FeatureId>[];
  const bindingOf = (id: FeatureId) => settings.namespaces.find((namespace) => namespace.feature === id);
  const durableObjects = durableObjectsFor(settings.features, settings);
  const base: Omit<RenderContext, "units"> = {
    projectName: settings.projectName,
    features: Object.fromEntries(FEATURES.map((feature) => [feature.id, settings.features.includes(feature.id)])) as Record<
      FeatureId,
      boolean
    >,
    namespaces: settings.namespaces.map((namespace) => ({ ...namespace })),
    bindings: Object.fromEntries(
      settings.namespaces.flatMap((namespace) => (namespace.feature ? [[namespace.feature, namespace.binding]] : [])),
    ),
    libFiles: [...new Set(chosen.flatMap((feature) => chosenFiles(feature, feature.files.lib, settings).map((file) => file.slice("src/lib/".length))))],
    seeds: chosen.flatMap((feature) =>
      feature.files.seed.map((file) => ({ file, binding: bindingOf(feature.id)?.binding ?? feature.binding })),
    ),
    currentUser:
      chosen
        .filter((feature) => feature.router.currentUser !== undefined)
        .map((feature) => ({ module: feature.router.module, name: feature.router.currentUser ?? "" }))[0] ?? null,
    session: { ...settings.session },
    rateLimit: {
      ...settings.rateLimit,
      backend: settings.rateLimitBackend,
      namespaceId: rateLimitNamespaceId(settings.projectName),
    },
    rateLimitBinding: usesRateLimitBinding(settings.features, settings)
      ? {
          name: RATE_LIMITER_BINDING,
          namespaceId: rateLimitNamespaceId(settings.projectName),
          limit: settings.rateLimit.limit,
          period: settings.rateLimit.window,
        }
      : null,
    documentWrites: settings.documentWrites,
    durableObjects: durableObjects.map(({ binding, name, module, docs }) => ({
      binding,
      className: name,
      module,
      file: `src/${module.slice("./".length)}.ts`,
      docs: { ...docs },
    })),
    cachePattern: settings.cachePattern,
    envs: [...settings.envs],
    environments: settings.envs.map((name) => ({
      name,
      rateLimitNamespaceId: rateLimitNamespaceId(`${settings.projectName}-${name}`),
    })),
    compatibilityDate: toolchain.compatibilityDate,
    packageManager: settings.packageManager,
    commands: commandsOf(settings.packageManager),
    versions: { ...toolchain.versions },
    vars: { ...settings.vars },
  };
  const fragment = (feature: FeatureUnit<FeatureId>, part: string, source: string | undefined) =>
    source === undefined ? "" : render({ text: source, where: `feature ${feature.id} (${part})`, origin: "ours" }, base);
  const units = chosen.map((feature): RenderedUnit => {
    const namespace = bindingOf(feature.id);
    const { router, docs } = feature;
    return {
      id: feature.id,
      label: feature.label,
      binding: namespace?.binding ?? feature.binding,
      ttl: namespace?.ttl ?? feature.ttl,
      router: {
        module: router.module,
        routes: router.routes,
        imports: [router.routes, router.currentUser].filter(Boolean).join(", "),
      },
      namespace: feature.hasNamespace?.(settings) ?? true,
      classes: durableObjects
        .filter((entry) => entry.feature === feature.id)
        .map(({ name, module }) => ({ name, module })),
      configImports: fragment(feature, "configImports", feature.configImports),
      config: fragment(feature, "config", feature.config),
      wrangler: fragment(feature, "wrangler", feature.wrangler),
      docs: {
        keys: fragment(feature, "docs.keys", docs.keys),
        routes: fragment(feature, "docs.routes", docs.routes),
        tryIt: fragment(feature, "docs.tryIt", docs.tryIt),
        ttl: fragment(feature, "docs.ttl", docs.ttl),
        module: fragment(feature, "docs.module", docs.module),
        agentsRule: fragment(feature, "docs.agentsRule", docs.agentsRule),
      },
    };
  });
  return { ...base, units };
}
