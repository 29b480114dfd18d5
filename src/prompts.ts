/**
 * The interactive flow. It asks only what no flag answered, with the same rules
 * the flags follow (options/validate.ts), and is never called without a terminal
 * (cli.ts decides that): a prompt on a pipe would hang.
 */
import * as clack from "@clack/prompts";
import type { Readable, Writable } from "node:stream";
import path from "node:path";
import { CancelledError } from "./errors.js";
import { notePromptShown } from "./signals.js";
import { CACHE_PATTERNS, FEATURES, type CachePattern, type FeatureId, type PackageManager } from "./features.js";
import type { Flags } from "./options/parse.js";
import { DEFAULTS, type Answers } from "./options/resolve.js";
import { checkEnvName, checkSeconds, checkTtl, parseRateLimit, splitList } from "./options/validate.js";
import type { TemplateManifest, TemplateVariable } from "./template/types.js";
import { inspectTarget } from "./template/write.js";

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

  const directory = flags.directory ?? (answers.directory = await askDirectory(io));
  if (!flags.overwrite && (await inspectTarget(path.resolve(context.cwd, directory))) === "not-empty") {
    answers.overwrite = await confirm({
      ...io,
      message: `${directory} is not empty. Write into it anyway? (only our files are replaced, each one listed)`,
      initialValue: false,
    });
    if (!answers.overwrite) throw new CancelledError();
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
        options: CACHE_PATTERNS.map((pattern) => ({ value: pattern, label: pattern })),
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
          checkSeconds(v, 1) ?? (Number(v) >= sessionTtl ? `must be less than the session lifetime (${sessionTtl})` : undefined),
        ),
      );
    }
  }

  if (features.includes("ratelimit") && flags.rateLimit === undefined) {
    const { limit, window } = DEFAULTS.rateLimit;
    const value = await askText(io, "Rate limit (requests/seconds)", `${limit}/${window}`, (v) => {
      const parsed = parseRateLimit(v);
      return typeof parsed === "string" ? parsed : undefined;
    });
    answers.rateLimit = parseRateLimit(value) as { limit: number; window: number };
  }

  // Only namespaces whose TTL is a free choice (see ttlFrom in features.ts).
  const untouched = FEATURES.filter((f) => features.includes(f.id) && !("ttlFrom" in f) && flags.ttls[f.id] === undefined);
  if (untouched.length > 0 && (await confirm({ ...io, message: "Change the default TTL of any namespace?", initialValue: false }))) {
    answers.ttls = {};
    const pattern = answers.cachePattern ?? flags.cachePattern ?? DEFAULTS.cachePattern;
    const cacheMustExpire = pattern === "stale-while-revalidate" || pattern === "refresh-ahead";
    for (const feature of untouched) {
      const check = (value: string) =>
        checkTtl(value) ??
        (feature.id === "cache" && cacheMustExpire && value === "0" ? `${pattern} needs entries that expire` : undefined);
      const value = await askText(io, `Default TTL of ${flags.bindings[feature.id] ?? feature.binding} in seconds (0 = no expiry)`, String(feature.ttl), check);
      answers.ttls[feature.id] = Number(value);
    }
  }

  if (flags.envs === undefined) {
    const value = await askText(io, "Extra wrangler environments (comma list, empty for none)", "", (v) =>
      splitList(v).map(checkEnvName).find(Boolean),
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
 * Unwraps a prompt's answer; Ctrl+C (or Escape) cancels the whole run, and so does
 * the end of input (Ctrl+D, a closed pipe), which would otherwise leave the prompt
 * waiting forever.
 */
async function answer<T>(prompt: Promise<T>, input: Readable = process.stdin): Promise<Exclude<T, symbol>> {
  notePromptShown();
  let onEnd = () => {};
  const ended = new Promise<symbol>((resolve) => {
    onEnd = () => resolve(Symbol("end of input"));
    if (input.readableEnded || input.destroyed) onEnd();
    input.once("end", onEnd);
    input.once("close", onEnd);
  });
  try {
    const value = await Promise.race([prompt, ended]);
    if (typeof value === "symbol" || clack.isCancel(value)) throw new CancelledError();
    return value as Exclude<T, symbol>;
  } finally {
    input.off("end", onEnd);
    input.off("close", onEnd);
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
  const pattern = variable.pattern ? new RegExp(`^(?:${variable.pattern})$`) : undefined;
  return askText(io, variable.message, typeof variable.default === "string" ? variable.default : "", (value) =>
    pattern && !pattern.test(value) ? `must match ${variable.pattern}` : undefined,
  );
}
