/**
 * The interactive flow. It asks only what no flag answered, with the same rules
 * the flags follow (options/validate.ts), and is never called without a terminal
 * (cli.ts decides that): a prompt on a pipe would hang.
 */
import * as clack from "@clack/prompts";
import type { Readable, Writable } from "node:stream";
import path from "node:path";
import {
  DOCUMENT_WRITES,
  DOCUMENT_WRITES_HINTS,
  RATE_LIMIT_BACKEND_HINTS,
  RATE_LIMIT_BACKENDS,
  type DocumentWrites,
  type RateLimitBackend,
} from "./durable-objects.js";
import { CancelledError } from "./errors.js";
import { notePromptShown, stopRequested } from "./signals.js";
import { CACHE_PATTERN_HINTS, CACHE_PATTERNS, FEATURES, type CachePattern, type FeatureId } from "./features/index.js";
import type { Flags } from "./options/parse.js";
import { DEFAULTS, type Answers } from "./options/resolve.js";
import {
  cacheTtlProblem,
  duplicateEnvProblem,
  featuresWithFreeTtl,
  featuresWithNamespace,
  rateLimitBackendProblem,
  sessionRefreshProblem,
} from "./options/rules.js";
import {
  checkBindingName,
  checkEnvName,
  checkSeconds,
  checkTtl,
  parseExtraNamespace,
  parseRateLimit,
  splitList,
} from "./options/validate.js";
import type { PackageManager } from "./package-managers.js";
import { matchesWhole } from "./template/manifest.js";
import type { TemplateManifest, TemplateVariable } from "./template/types.js";
import { inspectTarget } from "./template/write.js";

/** What create shows around the questions: named here, so create can load all of it lazily with this module. */
export { intro, outro, spinner } from "@clack/prompts";

export interface PromptContext {
  manifest: TemplateManifest;
  packageManager: PackageManager;
  cwd: string;
  input?: Readable;
  output?: Writable;
}

export async function ask(flags: Flags, context: PromptContext): Promise<Answers> {
  const io = { input: context.input, output: context.output };
  const answers: Answers = {};

  let directory = flags.directory ?? (answers.directory = await askDirectory(io));
  // A folder with files in it: write into it, or pick another one (asked until one is fine).
  while (!flags.overwrite && (await inspectTarget(path.resolve(context.cwd, directory))) === "not-empty") {
    answers.overwrite = await confirm({
      ...io,
      message: `${directory} is not empty. Write into it anyway? (only our files are replaced, each one listed; No picks another folder)`,
      initialValue: false,
    });
    if (answers.overwrite) break;
    directory = answers.directory = await askDirectory(io);
  }

  const features =
    flags.features ??
    (await answer(
      clack.multiselect<FeatureId>({
        ...io,
        message: "Which data patterns should the Worker keep in KV?",
        options: FEATURES.filter((f) => context.manifest.features.includes(f.id)).map((f) => ({
          value: f.id,
          label: f.label,
          hint: f.hint,
        })),
        initialValues: context.manifest.features,
        required: true,
      }),
      io.input,
    ));
  answers.features = features;

  if (features.includes("cache") && flags.cachePattern === undefined) {
    answers.cachePattern = await answer(
      clack.select<CachePattern>({
        ...io,
        message: "Which cache pattern should the demo route use?",
        options: CACHE_PATTERNS.map((pattern) => ({ value: pattern, label: pattern, hint: CACHE_PATTERN_HINTS[pattern] })),
        initialValue: DEFAULTS.cachePattern,
      }),
      io.input,
    );
  }

  if (features.includes("sessions")) {
    const sessionTtl = flags.sessionTtl ?? Number(await askText(io, "Session lifetime in seconds", String(DEFAULTS.sessionTtl), (v) => checkSeconds(v, 60)));
    answers.sessionTtl = sessionTtl;
    if (flags.sessionRefresh === undefined) {
      answers.sessionRefresh = Number(
        await askText(io, "Refresh a session when fewer than this many seconds are left", String(Math.min(DEFAULTS.sessionRefresh, sessionTtl - 1)), (v) =>
          checkSeconds(v, 1) ?? sessionRefreshProblem(Number(v), sessionTtl),
        ),
      );
    }
  }

  if (features.includes("ratelimit")) {
    const backend =
      flags.rateLimitBackend ??
      (answers.rateLimitBackend = await answer(
        clack.select<RateLimitBackend>({
          ...io,
          message: "What should count rate-limited requests?",
          options: RATE_LIMIT_BACKENDS.map((value) => ({ value, label: value, hint: RATE_LIMIT_BACKEND_HINTS[value] })),
          initialValue: DEFAULTS.rateLimitBackend,
        }),
        io.input,
      ));
    if (flags.rateLimit === undefined) {
      const { limit, window } = DEFAULTS.rateLimit;
      const suggested = backend === "kv" ? `${window}/${window}` : `${limit}/${window}`;
      const value = await askText(io, "Rate limit (requests/seconds)", suggested, (v) => {
        const parsed = parseRateLimit(v);
        return typeof parsed === "string" ? parsed : rateLimitBackendProblem(parsed, backend);
      });
      answers.rateLimit = parseRateLimit(value) as { limit: number; window: number };
    }
  }

  if ((features.includes("flags") || features.includes("config")) && flags.documentWrites === undefined) {
    answers.documentWrites = await answer(
      clack.select<DocumentWrites>({
        ...io,
        message: "How should the flags and config documents be saved?",
        options: DOCUMENT_WRITES.map((value) => ({ value, label: value, hint: DOCUMENT_WRITES_HINTS[value] })),
        initialValue: DEFAULTS.documentWrites,
      }),
      io.input,
    );
  }

  // --binding, --ttl or --namespace on the command line means the layout was customised there.
  const customisedByFlags =
    Object.keys(flags.bindings).length > 0 || Object.keys(flags.ttls).length > 0 || flags.extraNamespaces.length > 0;
  if (
    !customisedByFlags &&
    (await confirm({ ...io, message: "Customise the namespaces (binding names, TTLs, extra namespaces)?", initialValue: false }))
  ) {
    const cachePattern = answers.cachePattern ?? flags.cachePattern ?? DEFAULTS.cachePattern;
    const backends = {
      rateLimitBackend: answers.rateLimitBackend ?? flags.rateLimitBackend ?? DEFAULTS.rateLimitBackend,
      documentWrites: answers.documentWrites ?? flags.documentWrites ?? DEFAULTS.documentWrites,
    };
    Object.assign(answers, await askNamespaces(featuresWithNamespace(features, backends), cachePattern, io));
  }

  if (flags.envs === undefined) {
    const value = await askText(io, "Extra wrangler environments (comma list, empty for none)", "", (v) =>
      splitList(v).map(checkEnvName).find(Boolean) ?? duplicateEnvProblem(splitList(v)),
    );
    answers.envs = splitList(value);
  }

  answers.vars = {};
  for (const variable of context.manifest.variables) {
    if (flags.vars[variable.name] === undefined) answers.vars[variable.name] = await askVariable(variable, io);
  }

  if (flags.install === undefined) {
    answers.install = await confirm({ ...io, message: `Install dependencies with ${context.packageManager}?`, initialValue: true });
  }
  if (flags.git === undefined) {
    answers.git = await confirm({ ...io, message: "Initialize a git repository?", initialValue: true });
  }
  return answers;
}

type IO = { input?: Readable; output?: Writable };

/**
 * The "customise" path: everything --binding, --ttl and --namespace can set, asked
 * only when none of them was given. Binding names must stay unique; TTLs follow
 * the same rules as --ttl (options/rules.ts).
 */
async function askNamespaces(
  features: FeatureId[],
  cachePattern: CachePattern,
  io: IO,
): Promise<Pick<Answers, "bindings" | "ttls" | "extraNamespaces">> {
  const chosen = FEATURES.filter((feature) => features.includes(feature.id));
  const bindings: Partial<Record<FeatureId, string>> = {};
  const unique = (names: Set<string>, value: string) =>
    names.has(value) ? `${value} is already taken; binding names must be unique` : undefined;
  for (const feature of chosen) {
    const taken = new Set(Object.values(bindings));
    bindings[feature.id] = await askText(io, `Binding name of the ${feature.label} namespace`, feature.binding, (value) =>
      checkBindingName(value) ?? unique(taken, value),
    );
  }
  const ttls: Partial<Record<FeatureId, number>> = {};
  // Only namespaces whose TTL is a free choice (the others follow their feature's settings).
  for (const feature of chosen.filter((unit) => featuresWithFreeTtl(features).includes(unit.id))) {
    const check = (value: string) =>
      checkTtl(value) ?? (feature.id === "cache" ? cacheTtlProblem(Number(value), cachePattern) : undefined);
    const message = `Default TTL of ${bindings[feature.id]} in seconds (0 = no expiry)`;
    ttls[feature.id] = Number(await askText(io, message, String(feature.ttl), check));
  }
  const extras = await askText(io, "Extra namespaces (NAME or NAME=seconds, comma list, empty for none)", "", (value) => {
    const taken = new Set(Object.values(bindings));
    for (const item of splitList(value)) {
      const parsed = parseExtraNamespace(item);
      if (typeof parsed === "string") return `${item}: ${parsed}`;
      if (taken.has(parsed.binding)) return unique(taken, parsed.binding);
      taken.add(parsed.binding);
    }
    return undefined;
  });
  const extraNamespaces = splitList(extras).map((item) => parseExtraNamespace(item) as { binding: string; ttl: number });
  return { bindings, ttls, extraNamespaces };
}

/**
 * Unwraps a prompt's answer; Ctrl+C (or Escape) cancels the whole run, and so do
 * the end of input (Ctrl+D, a closed pipe), which would otherwise leave the prompt
 * waiting forever, and a stop signal that the caller handles (signals.ts).
 */
async function answer<T>(prompt: Promise<T>, input: Readable = process.stdin): Promise<Exclude<T, symbol>> {
  notePromptShown();
  let onEnd = () => {};
  const ended = new Promise<symbol>((resolve) => {
    onEnd = () => resolve(Symbol("end of input"));
    if (input.readableEnded || input.destroyed) onEnd();
    input.once("end", onEnd);
    input.once("close", onEnd);
    // Ctrl+D on a terminal ends input without ending the stream: the prompt's readline
    // closes and pauses stdin, and the event loop runs dry while the prompt still waits.
    process.once("beforeExit", onEnd);
  });
  try {
    const stopped = stopRequested().then(() => Symbol("stop signal"));
    const value = await Promise.race([prompt, ended, stopped]);
    if (typeof value === "symbol" || clack.isCancel(value)) throw new CancelledError();
    return value as Exclude<T, symbol>;
  } finally {
    input.off("end", onEnd);
    input.off("close", onEnd);
    process.off("beforeExit", onEnd);
  }
}

export function confirm(options: clack.ConfirmOptions): Promise<boolean> {
  return answer(clack.confirm(options), options.input);
}

async function askText(io: IO, message: string, defaultValue: string, check: (value: string) => string | undefined): Promise<string> {
  const value = await answer(
    clack.text({
      ...io,
      message,
      placeholder: defaultValue === "" ? undefined : defaultValue,
      defaultValue,
      validate: (input) => check(input === undefined || input === "" ? defaultValue : input),
    }),
    io.input,
  );
  return value === "" ? defaultValue : value;
}

async function askDirectory(io: IO): Promise<string> {
  return askText(io, "Where should the project go?", DEFAULTS.directory, (value) =>
    value.trim() === "" ? "enter a directory name" : undefined,
  );
}

async function askVariable(variable: TemplateVariable, io: IO): Promise<string | boolean> {
  if (variable.type === "confirm") {
    return confirm({ ...io, message: variable.message, initialValue: variable.default === true });
  }
  if (variable.type === "select") {
    return answer(
      clack.select<string>({
        ...io,
        message: variable.message,
        options: (variable.options ?? []).map((option) => ({ value: option.value, label: option.label ?? option.value })),
        initialValue: typeof variable.default === "string" ? variable.default : undefined,
      }),
      io.input,
    );
  }
  const { pattern } = variable;
  // Without a default the question must be answered, as `--var` must be given without a terminal.
  const required = typeof variable.default !== "string";
  return askText(io, variable.message, required ? "" : (variable.default as string), (value) =>
    required && value === "" ? "an answer is needed (this question has no default)" : patternProblem(pattern, value),
  );
}

function patternProblem(pattern: string | undefined, value: string): string | undefined {
  try {
    return pattern !== undefined && !matchesWhole(pattern, value) ? `must match ${pattern}` : undefined;
  } catch (error) {
    return (error as Error).message; // the pattern ran out of time: say so at the prompt
  }
}
