/**
 * argv -> Flags: what the user said on the command line, checked value by value.
 * Anything wrong is a UsageError (exit 2) naming the flag, the value and the rule.
 * Nothing here looks at the disk or asks a question.
 */
import { parseArgs, type ParseArgsConfig } from "node:util";
import { UsageError } from "../errors.js";
import { DOCUMENT_WRITES, RATE_LIMIT_BACKENDS } from "../durable-objects.js";
import type { CachePattern, DocumentWrites, FeatureId, RateLimitBackend } from "../features/index.js";
import type { PackageManager } from "../package-managers.js";
import { duplicateEnvProblem, fixedTtlReason } from "./rules.js";
import { optionsOf, type Command } from "./table.js";
import {
  checkBindingName,
  checkCachePattern,
  checkEnvName,
  checkFeature,
  checkOneOf,
  checkPackageManager,
  checkSeconds,
  checkTtl,
  parseExtraNamespace,
  parseRateLimit,
  splitList,
  splitPair,
} from "./validate.js";

export interface Flags {
  directory?: string;
  /** add: the project folder (--cwd). */
  cwd?: string;
  /** add: where library files go in a foreign project (--dir). */
  dir?: string;
  /** create: one JSON document at the end; add: the plan as JSON. Human text goes to stderr. */
  json: boolean;
  yes: boolean;
  interactive?: boolean;
  help: boolean;
  version: boolean;
  features?: FeatureId[];
  ttls: Partial<Record<FeatureId, number>>;
  bindings: Partial<Record<FeatureId, string>>;
  extraNamespaces: { binding: string; ttl: number }[];
  sessionTtl?: number;
  sessionRefresh?: number;
  sessionMaxLifetime?: number;
  rateLimit?: { limit: number; window: number };
  rateLimitBackend?: RateLimitBackend;
  documentWrites?: DocumentWrites;
  cachePattern?: CachePattern;
  envs?: string[];
  template?: string;
  /** Raw --var answers; the template's manifest says what each must be. */
  vars: Record<string, string>;
  offline: boolean;
  packageManager?: PackageManager;
  install?: boolean;
  git?: boolean;
  createNamespaces?: boolean;
  overwrite: boolean;
  dryRun: boolean;
  /** Let a fork's install scripts and dependencies run without asking. */
  trustTemplateScripts: boolean;
}

type RawValues = Record<string, string | boolean | (string | boolean)[] | undefined>;

/**
 * `create` takes one optional directory; `add` (its argv without the word "add")
 * takes the features to add, which land in `features` as --features would.
 */
export function parseFlags(argv: readonly string[], command: Command = "create"): Flags {
  // pnpm and bun pass a literal "--" through to us; it means nothing here.
  const args = argv.filter((arg) => arg !== "--");
  const { values, positionals } = readArgs(args, command);

  if (command === "create" && positionals.length > 1) {
    fail(`expected at most one directory, got ${positionals.map((p) => `"${p}"`).join(" ")}`);
  }
  const addFeatures = command === "add" && positionals.length > 0 ? parseFeatures(positionals.join(","), "add") : undefined;

  return {
    directory: command === "create" ? positionals[0] : undefined,
    cwd: optionalString(values.cwd, (value) => nonEmpty(value, "--cwd needs a folder")),
    dir: optionalString(values.dir, (value) => nonEmpty(value, "--dir needs a folder, e.g. src/kv")),
    json: values.json === true,
    yes: values.yes === true,
    interactive: optionalBoolean(values.interactive),
    help: values.help === true,
    version: values.version === true,
    features: addFeatures ?? optionalString(values.features, (value) => parseFeatures(value)),
    ttls: parseFeaturePairs(values.ttl, "--ttl", "feature=seconds", parseTtlValue, (feature, item) => {
      const reason = fixedTtlReason(feature as FeatureId);
      if (reason) fail(`--ttl ${item}: the ${feature} namespace has no TTL of its own: ${reason}`);
    }),
    bindings: parseFeaturePairs(values.binding, "--binding", "feature=NAME", (value, flag) => {
      orFail(checkBindingName(value), flag);
      return value;
    }),
    extraNamespaces: list(values.namespace).map(extraNamespace),
    sessionTtl: optionalString(values["session-ttl"], (value) =>
      parseSeconds(value, `--session-ttl ${value}`, 60),
    ),
    sessionRefresh: optionalString(values["session-refresh"], (value) =>
      parseSeconds(value, `--session-refresh ${value}`, 1),
    ),
    sessionMaxLifetime: optionalString(values["session-max-lifetime"], (value) =>
      parseSeconds(value, `--session-max-lifetime ${value}`, 60),
    ),
    rateLimit: optionalString(values["rate-limit"], (value) => {
      const parsed = parseRateLimit(value);
      if (typeof parsed === "string") fail(`--rate-limit ${value}: ${parsed}`);
      return parsed;
    }),
    rateLimitBackend: optionalString(values["rate-limit-backend"], (value) => {
      orFail(checkOneOf(value, RATE_LIMIT_BACKENDS, "rate-limit backend"), `--rate-limit-backend ${value}`);
      return value as RateLimitBackend;
    }),
    documentWrites: optionalString(values["document-writes"], (value) => {
      orFail(checkOneOf(value, DOCUMENT_WRITES, "document-writes mode"), `--document-writes ${value}`);
      return value as DocumentWrites;
    }),
    cachePattern: optionalString(values["cache-pattern"], (value) => {
      orFail(checkCachePattern(value), `--cache-pattern ${value}`);
      return value as CachePattern;
    }),
    envs: optionalString(values.envs, parseEnvs),
    template: optionalString(values.template, (value) => {
      if (value.trim() === "") fail("--template needs a source, e.g. ./my-template or gh:owner/repo");
      return value;
    }),
    vars: parseVars(list(values.var)),
    offline: values.offline === true,
    packageManager: optionalString(values.pm, (value) => {
      orFail(checkPackageManager(value), `--pm ${value}`);
      return value as PackageManager;
    }),
    install: optionalBoolean(values.install),
    git: optionalBoolean(values.git),
    createNamespaces: optionalBoolean(values["create-namespaces"]),
    overwrite: values.overwrite === true,
    dryRun: values["dry-run"] === true,
    trustTemplateScripts: values["trust-template-scripts"] === true,
  };
}

function readArgs(args: string[], command: Command): { values: RawValues; positionals: string[] } {
  const options: ParseArgsConfig["options"] = {};
  for (const option of optionsOf(command)) {
    options[option.name] = {
      type: option.type,
      ...(option.multiple ? { multiple: true } : {}),
      ...(option.short ? { short: option.short } : {}),
    };
  }
  try {
    return parseArgs({ args, options, allowPositionals: true, allowNegative: true, strict: true });
  } catch (error) {
    const code = (error as { code?: string }).code ?? "";
    if (!code.startsWith("ERR_PARSE_ARGS")) throw error;
    throw new UsageError(describeParseError(error, command));
  }
}

/** Node's parseArgs messages, shortened to the part a user needs. */
export function describeParseError(error: unknown, command: Command): string {
  const help = command === "create" ? "create-kv-edge --help" : `create-kv-edge ${command} --help`;
  const message = error instanceof Error ? error.message : String(error);
  const unknown = /Unknown option '([^']+)'/.exec(message);
  if (unknown) return `unknown option ${unknown[1]}; run ${help} for the list`;
  const missing = /Option '(-\S+)[^']*' argument missing/.exec(message);
  if (missing) return `${missing[1]} needs a value; run ${help} for its format`;
  // Node names an option with a short form as "-y, --yes": name the long form alone.
  const noValue = /Option '(?:-\w, )?--([^']+)' does not take an argument/.exec(message);
  if (noValue?.[1]) {
    const name = noValue[1];
    const negatable = optionsOf(command).some((option) => option.name === name && option.negatable);
    return `--${name} takes no value; ${negatable ? `use --${name} or --no-${name}` : `give --${name} alone`}`;
  }
  return message.split(". ")[0] ?? message;
}

function nonEmpty(value: string, problem: string): string {
  if (value.trim() === "") fail(problem);
  return value;
}

function fail(message: string): never {
  throw new UsageError(message);
}

function orFail(problem: string | undefined, subject: string): void {
  if (problem) fail(`${subject}: ${problem}`);
}

function list(value: RawValues[string]): string[] {
  return Array.isArray(value) ? value.map(String) : [];
}

function optionalString<T>(value: RawValues[string], convert: (value: string) => T): T | undefined {
  return typeof value === "string" ? convert(value) : undefined;
}

function optionalBoolean(value: RawValues[string]): boolean | undefined {
  return typeof value === "boolean" ? value : undefined;
}

function parseSeconds(value: string, subject: string, min: number): number {
  orFail(checkSeconds(value, min), subject);
  return Number(value);
}

function parseTtlValue(value: string, subject: string): number {
  orFail(checkTtl(value), subject);
  return Number(value);
}

function parseFeatures(value: string, subject = "--features"): FeatureId[] {
  const features = splitList(value);
  if (features.length === 0) fail(`${subject} "${value}": name at least one feature`);
  for (const feature of features) orFail(checkFeature(feature), `${subject} ${feature}`);
  return [...new Set(features)] as FeatureId[];
}

function parseEnvs(value: string): string[] {
  const envs = splitList(value);
  for (const env of envs) orFail(checkEnvName(env), `--envs ${env}`);
  orFail(duplicateEnvProblem(envs), `--envs ${value}`);
  return envs;
}

/** --ttl cache=300 / --binding cache=MY_CACHE, repeatable: one value per feature. */
function parseFeaturePairs<T>(
  raw: RawValues[string],
  flag: string,
  format: string,
  convert: (value: string, subject: string) => T,
  checkFeatureAllowed?: (feature: string, item: string) => void,
): Partial<Record<FeatureId, T>> {
  const result: Partial<Record<FeatureId, T>> = {};
  for (const item of list(raw)) {
    const pair = splitPair(item);
    if (!pair) fail(`${flag} ${item}: expected ${format}`);
    const [feature, value] = pair;
    orFail(checkFeature(feature), `${flag} ${item}`);
    checkFeatureAllowed?.(feature, item);
    result[feature as FeatureId] = convert(value, `${flag} ${item}`);
  }
  return result;
}

function extraNamespace(item: string): { binding: string; ttl: number } {
  const parsed = parseExtraNamespace(item);
  if (typeof parsed === "string") fail(`--namespace ${item}: ${parsed}`);
  return parsed;
}

function parseVars(items: string[]): Record<string, string> {
  const vars: Record<string, string> = {};
  for (const item of items) {
    const pair = splitPair(item);
    if (!pair) fail(`--var ${item}: expected name=value`);
    vars[pair[0]] = pair[1];
  }
  return vars;
}
