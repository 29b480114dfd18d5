/**
 * Flags + prompt answers + defaults + the template -> Options, the one value the
 * rest of the run reads. Options are final here: the template's variables are
 * checked and filled in, the package manager is chosen once, every cross-answer
 * rule (rules.ts) holds. Nothing later changes them.
 */
import path from "node:path";
import { UsageError } from "../errors.js";
import {
  FEATURE_IDS,
  type CachePattern,
  type DocumentWrites,
  type FeatureId,
  type RateLimitBackend,
} from "../features/index.js";
import { DEFAULT_SESSION_MAX_LIFETIME } from "../features/sessions.js";
import { packageManagerFromUserAgent, type PackageManager } from "../package-managers.js";
import type { Namespace, ProjectSettings } from "../template/context.js";
import type { LoadedTemplate } from "../template/types.js";
import type { Flags } from "./parse.js";
import {
  bindingWithoutNamespaceProblem,
  cacheTtlProblem,
  duplicateBindingProblem,
  namespacesFor,
  otherBindings,
  rateLimitBackendProblem,
  sessionMaxLifetimeProblem,
  sessionRefreshProblem,
} from "./rules.js";
import { resolveVariables } from "./template.js";
import { toProjectName } from "./validate.js";

export { packageManagerFromUserAgent };

/** What a prompt can answer; a flag answers the same things. */
export type Answers = Partial<
  Pick<
    Flags,
    | "directory"
    | "features"
    | "ttls"
    | "bindings"
    | "extraNamespaces"
    | "sessionTtl"
    | "sessionRefresh"
    | "sessionMaxLifetime"
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

export type { Namespace };

export interface Options extends ProjectSettings {
  /** Absolute path of the project folder. */
  targetDir: string;
  /** The directory as the user gave it, for "cd <dir>" in the summary. */
  directory: string;
  features: FeatureId[];
  namespaces: Namespace[];
  envs: string[];
  template?: string;
  /** Every template variable, checked: the answer, the flag or the template's default. */
  vars: Record<string, string | boolean>;
  offline: boolean;
  install: boolean;
  git: boolean;
  /** Create the namespaces on the account: said by flag or answer. Asked no later than here. */
  createNamespaces: boolean;
  overwrite: boolean;
  dryRun: boolean;
  /** One JSON document on stdout at the end; human text on stderr. */
  json: boolean;
}

export const DEFAULTS = {
  directory: "kv-edge-app",
  sessionTtl: 86400,
  sessionRefresh: 3600,
  sessionMaxLifetime: DEFAULT_SESSION_MAX_LIFETIME,
  rateLimit: { limit: 100, window: 60 },
  rateLimitBackend: "durable-object" as RateLimitBackend,
  documentWrites: "durable-object" as DocumentWrites,
  cachePattern: "stale-while-revalidate" as CachePattern,
};

/** Why isInteractive said no, in the words of the error that lists the missing answers. */
export function noQuestionsReason(flags: Partial<Pick<Flags, "interactive" | "json">>, env: NodeJS.ProcessEnv): string {
  if (flags.json) return "--json asks no questions";
  if (flags.interactive === false) return "--no-interactive asks no questions";
  if (env.CI) return "CI is set, so no questions are asked";
  return "no terminal to ask in";
}

/** Never under --json; otherwise as --interactive says, else only with a terminal on both ends and outside CI. */
export function isInteractive(
  flags: Partial<Pick<Flags, "interactive" | "json">>,
  env: NodeJS.ProcessEnv,
  stdinIsTTY: boolean,
  stdoutIsTTY: boolean,
): boolean {
  // Under --json, stdout is for the JSON document alone: no prompt may draw on it.
  if (flags.json) return false;
  if (flags.interactive !== undefined) return flags.interactive;
  return stdinIsTTY && stdoutIsTTY && !env.CI;
}

/** --pm, else the package manager that launched us: decided once, before any question. */
export function choosePackageManager(flags: Pick<Flags, "packageManager">, env: NodeJS.ProcessEnv): PackageManager {
  return flags.packageManager ?? packageManagerFromUserAgent(env.npm_config_user_agent);
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

export interface ResolveContext {
  cwd: string;
  /** From choosePackageManager; npm when not given. */
  packageManager?: PackageManager;
  /** The loaded template: which features it offers and which variables it needs. */
  template?: Pick<LoadedTemplate, "source" | "manifest">;
}

export function resolveOptions(flags: Flags, answers: Answers, context: ResolveContext): Options {
  const pick = <K extends keyof Answers>(key: K) => (answers[key] ?? (flags as Answers)[key]) as Answers[K];

  const directory = pick("directory") ?? DEFAULTS.directory;
  const targetDir = path.resolve(context.cwd, directory);
  // Without an answer: every feature the template offers.
  const features = pick("features") ?? [...(context.template?.manifest.features ?? FEATURE_IDS)];
  const session = {
    ttl: pick("sessionTtl") ?? DEFAULTS.sessionTtl,
    refreshThreshold: pick("sessionRefresh") ?? DEFAULTS.sessionRefresh,
    maxLifetime: pick("sessionMaxLifetime") ?? DEFAULTS.sessionMaxLifetime,
  };
  const refreshProblem = sessionRefreshProblem(session.refreshThreshold, session.ttl);
  if (features.includes("sessions") && refreshProblem) {
    throw new UsageError(`--session-refresh ${session.refreshThreshold}: ${refreshProblem}`);
  }
  const lifetimeProblem = sessionMaxLifetimeProblem(session.maxLifetime, session.ttl);
  if (features.includes("sessions") && lifetimeProblem) {
    throw new UsageError(`--session-max-lifetime ${session.maxLifetime}: ${lifetimeProblem}`);
  }

  const bindings = { ...flags.bindings, ...answers.bindings };
  const ttls = { ...flags.ttls, ...answers.ttls };
  checkOnlyChosenFeatures({ "--ttl": ttls, "--binding": bindings }, features);
  const rateLimit = pick("rateLimit") ?? DEFAULTS.rateLimit;
  const rateLimitBackend = pick("rateLimitBackend") ?? DEFAULTS.rateLimitBackend;
  const backendProblem = features.includes("ratelimit") ? rateLimitBackendProblem(rateLimit, rateLimitBackend) : undefined;
  if (backendProblem) {
    throw new UsageError(`--rate-limit ${rateLimit.limit}/${rateLimit.window} with --rate-limit-backend ${rateLimitBackend}: ${backendProblem}`);
  }
  // Only flags and config have documents to write; for other projects the answer changes nothing.
  const documentWrites = pick("documentWrites") ?? DEFAULTS.documentWrites;
  const cachePattern = pick("cachePattern") ?? DEFAULTS.cachePattern;
  const settings = { session, rateLimit, rateLimitBackend, documentWrites, cachePattern };
  for (const [feature, binding] of Object.entries(bindings)) {
    const problem = bindingWithoutNamespaceProblem(feature as FeatureId, settings);
    if (problem) throw new UsageError(`--binding ${feature}=${binding}: ${problem}`);
  }
  const namespaces = namespacesFor(features, {
    settings,
    ttls,
    bindings,
    extraNamespaces: [...flags.extraNamespaces, ...(answers.extraNamespaces ?? [])],
  });
  const duplicate = duplicateBindingProblem(namespaces, otherBindings(features, settings));
  if (duplicate) throw new UsageError(duplicate);

  const cacheTtl = namespaces.find((namespace) => namespace.feature === "cache")?.ttl;
  const cacheProblem = cacheTtl === undefined ? undefined : cacheTtlProblem(cacheTtl, cachePattern);
  if (cacheProblem) throw new UsageError(`--ttl cache=${cacheTtl} with --cache-pattern ${cachePattern}: ${cacheProblem}`);

  const givenVars = { ...flags.vars, ...answers.vars };
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
    vars: context.template ? resolveVariables(context.template, givenVars) : givenVars,
    offline: flags.offline,
    packageManager: context.packageManager ?? flags.packageManager ?? "npm",
    install: pick("install") ?? true,
    git: pick("git") ?? true,
    createNamespaces: pick("createNamespaces") ?? false,
    overwrite: pick("overwrite") ?? false,
    dryRun: flags.dryRun,
    json: flags.json,
  };
}

/** --ttl and --binding may only name chosen features: anything else is a typo or a leftover. */
function checkOnlyChosenFeatures(given: Record<string, Partial<Record<FeatureId, string | number>>>, features: FeatureId[]): void {
  for (const [flag, values] of Object.entries(given)) {
    const unchosen = Object.keys(values).find((feature) => !features.includes(feature as FeatureId));
    if (unchosen) {
      throw new UsageError(
        `${flag} ${unchosen}=${values[unchosen as FeatureId]}: the ${unchosen} feature is not chosen (features: ${features.join(", ")}); drop the flag or add the feature`,
      );
    }
  }
}
