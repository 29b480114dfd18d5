/**
 * Flags + prompt answers + defaults -> Options, the one value the rest of the run
 * reads. Checks the rules that span several answers (unique bindings, session
 * refresh below the session TTL) and which answers are missing when nobody can
 * be asked.
 */
import path from "node:path";
import {
  durableObjectsFor,
  RATE_LIMITER_BINDING,
  type DocumentWrites,
  type RateLimitBackend,
} from "../durable-objects.js";
import { UsageError } from "../errors.js";
import {
  FEATURES,
  PACKAGE_MANAGERS,
  type CachePattern,
  type Feature,
  type FeatureId,
  type PackageManager,
} from "../features.js";
import type { Flags } from "./parse.js";
import { checkRateLimitBackend, MIN_TTL, toProjectName } from "./validate.js";

/** What a prompt can answer; a flag answers the same things. */
export type Answers = Partial<
  Pick<
    Flags,
    | "directory"
    | "features"
    | "ttls"
    | "sessionTtl"
    | "sessionRefresh"
    | "rateLimit"
    | "rateLimitBackend"
    | "documentWrites"
    | "cachePattern"
    | "envs"
    | "install"
    | "git"
    | "createNamespaces"
    | "overwrite"
  > & { vars: Record<string, string | boolean> }
>;

export interface Namespace {
  binding: string;
  /** null for an extra --namespace. */
  feature: FeatureId | null;
  /** Default TTL in seconds; 0 means no expiry. */
  ttl: number;
}

export interface Options {
  /** Absolute path of the project folder. */
  targetDir: string;
  /** The directory as the user gave it, for "cd <dir>" in the summary. */
  directory: string;
  projectName: string;
  features: FeatureId[];
  namespaces: Namespace[];
  session: { ttl: number; refreshThreshold: number };
  rateLimit: { limit: number; window: number };
  /** What counts rate-limited requests (used only with the ratelimit feature). */
  rateLimitBackend: RateLimitBackend;
  /** How the flags and config documents are saved (used only with flags or config). */
  documentWrites: DocumentWrites;
  cachePattern: CachePattern;
  envs: string[];
  template?: string;
  vars: Record<string, string | boolean>;
  offline: boolean;
  packageManager: PackageManager;
  install: boolean;
  git: boolean;
  createNamespaces: boolean;
  overwrite: boolean;
  dryRun: boolean;
}

export const DEFAULTS = {
  directory: "kv-edge-app",
  sessionTtl: 86400,
  sessionRefresh: 3600,
  rateLimit: { limit: 100, window: 60 },
  rateLimitBackend: "durable-object" as RateLimitBackend,
  documentWrites: "durable-object" as DocumentWrites,
  cachePattern: "stale-while-revalidate" as CachePattern,
};

/** Interactive only with a terminal on both ends and outside CI, unless a flag says. */
export function isInteractive(
  flags: Pick<Flags, "interactive">,
  env: NodeJS.ProcessEnv,
  stdinIsTTY: boolean,
  stdoutIsTTY: boolean,
): boolean {
  if (flags.interactive !== undefined) return flags.interactive;
  return stdinIsTTY && stdoutIsTTY && !env.CI;
}

/** npm_config_user_agent starts with "npm/", "pnpm/", "yarn/" or "bun/". */
export function packageManagerFromUserAgent(userAgent: string | undefined): PackageManager {
  const name = userAgent?.split("/")[0];
  return PACKAGE_MANAGERS.find((pm) => pm === name) ?? "npm";
}

/**
 * Without a terminal and without --yes we cannot ask, and we do not guess the two
 * answers that shape the whole project: where it goes and what it contains.
 * Every other question has a documented default.
 */
export function missingAnswers(flags: Flags): string[] {
  if (flags.yes) return [];
  const missing: string[] = [];
  if (flags.directory === undefined) missing.push("[directory]");
  if (flags.features === undefined) missing.push("--features <list>");
  return missing;
}

export function resolveOptions(
  flags: Flags,
  answers: Answers,
  context: { cwd: string; userAgent?: string; features?: readonly FeatureId[] },
): Options {
  const pick = <K extends keyof Answers>(key: K) => (answers[key] ?? (flags as Answers)[key]) as Answers[K];

  const directory = pick("directory") ?? DEFAULTS.directory;
  const targetDir = path.resolve(context.cwd, directory);
  // Without an answer: every feature the template offers.
  const features = pick("features") ?? [...(context.features ?? FEATURES.map((feature) => feature.id))];
  const session = {
    ttl: pick("sessionTtl") ?? DEFAULTS.sessionTtl,
    refreshThreshold: pick("sessionRefresh") ?? DEFAULTS.sessionRefresh,
  };
  if (features.includes("sessions") && session.refreshThreshold >= session.ttl) {
    throw new UsageError(
      `--session-refresh ${session.refreshThreshold}: must be less than the session TTL (${session.ttl} s)`,
    );
  }

  checkOnlyChosenFeatures(flags, features);
  const rateLimit = pick("rateLimit") ?? DEFAULTS.rateLimit;
  const rateLimitBackend = pick("rateLimitBackend") ?? DEFAULTS.rateLimitBackend;
  const documentWrites = pick("documentWrites") ?? DEFAULTS.documentWrites;
  const backendProblem = features.includes("ratelimit") ? checkRateLimitBackend(rateLimit, rateLimitBackend) : undefined;
  if (backendProblem) {
    throw new UsageError(`--rate-limit ${rateLimit.limit}/${rateLimit.window} with --rate-limit-backend ${rateLimitBackend}: ${backendProblem}`);
  }
  const ttls = { ...flags.ttls, ...answers.ttls };
  /** Sessions and rate-limit counters expire by their own settings; the rest by --ttl. */
  const ttlOf = (feature: Feature): number => {
    if (feature.id === "sessions") return session.ttl;
    if (feature.id === "ratelimit") return Math.max(MIN_TTL, rateLimit.window);
    return ttls[feature.id] ?? feature.ttl;
  };
  const namespaces: Namespace[] = [
    ...FEATURES.filter((feature) => features.includes(feature.id) && hasNamespace(feature, rateLimitBackend)).map((feature) => ({
      binding: flags.bindings[feature.id] ?? feature.binding ?? "",
      feature: feature.id,
      ttl: ttlOf(feature),
    })),
    ...flags.extraNamespaces.map((extra) => ({ ...extra, feature: null })),
  ];
  checkUniqueBindings(namespaces, otherBindings({ features, rateLimitBackend, documentWrites }));

  const cachePattern = pick("cachePattern") ?? DEFAULTS.cachePattern;
  const cacheTtl = namespaces.find((namespace) => namespace.feature === "cache")?.ttl;
  if (cacheTtl === 0 && (cachePattern === "stale-while-revalidate" || cachePattern === "refresh-ahead")) {
    throw new UsageError(
      `--ttl cache=0 with --cache-pattern ${cachePattern}: a cache entry that never expires is never stale; give the cache a TTL (at least ${MIN_TTL}) or use --cache-pattern cache-aside or write-through`,
    );
  }

  return {
    targetDir,
    directory,
    projectName: toProjectName(path.basename(targetDir)),
    features,
    namespaces,
    session,
    rateLimit,
    rateLimitBackend,
    documentWrites,
    cachePattern,
    envs: pick("envs") ?? [],
    template: flags.template,
    vars: { ...flags.vars, ...answers.vars },
    offline: flags.offline,
    packageManager: flags.packageManager ?? packageManagerFromUserAgent(context.userAgent),
    install: pick("install") ?? true,
    git: pick("git") ?? true,
    createNamespaces: pick("createNamespaces") ?? false,
    overwrite: pick("overwrite") ?? false,
    dryRun: flags.dryRun,
  };
}

/** --ttl and --binding may only name chosen features: anything else is a typo or a leftover. */
function checkOnlyChosenFeatures(flags: Flags, features: FeatureId[]): void {
  for (const [flag, values] of [
    ["--ttl", flags.ttls],
    ["--binding", flags.bindings],
  ] as const) {
    const unchosen = Object.keys(values).find((feature) => !features.includes(feature as FeatureId));
    if (unchosen) {
      throw new UsageError(
        `${flag} ${unchosen}=${values[unchosen as FeatureId]}: the ${unchosen} feature is not chosen (features: ${features.join(", ")}); drop the flag or add the feature`,
      );
    }
  }
}

/** A feature's KV namespace exists unless its state lives elsewhere (a Durable Object, the Rate Limiting binding). */
function hasNamespace(feature: Feature, rateLimitBackend: RateLimitBackend): boolean {
  if (feature.binding === null) return false;
  return feature.id !== "ratelimit" || rateLimitBackend === "kv";
}

/** The bindings that are not KV namespaces: Durable Objects and the Rate Limiting binding. */
function otherBindings(choices: Parameters<typeof durableObjectsFor>[0]): Map<string, string> {
  const bindings = new Map(durableObjectsFor(choices).map((entry) => [entry.binding, `the ${entry.className} Durable Object`]));
  if (choices.features.includes("ratelimit") && choices.rateLimitBackend === "binding") {
    bindings.set(RATE_LIMITER_BINDING, "the Rate Limiting binding");
  }
  return bindings;
}

function checkUniqueBindings(namespaces: Namespace[], others: Map<string, string>): void {
  const seen = new Map<string, string>(others);
  for (const namespace of namespaces) {
    const owner = namespace.feature ? `the ${namespace.feature} namespace` : "--namespace";
    const earlier = seen.get(namespace.binding);
    if (earlier) {
      throw new UsageError(
        `binding ${namespace.binding} is used by both ${earlier} and ${owner}; binding names must be unique (rename one with --binding <feature>=NAME)`,
      );
    }
    seen.set(namespace.binding, owner);
  }
}
