/**
 * Settings documents: a JSON object whose shape is given by a defaults object. Shared by
 * config-store.ts (application configuration) and preferences.ts (per-user preferences).
 *
 * The defaults are the schema. Every setting needs a non-null default, and a stored
 * value must have the same JSON type as it (string, number, boolean, array or object).
 * Merging is shallow: an object-valued setting is replaced whole, never field by field.
 *
 * Writes are strict: an unknown name, a wrong type or a failed `validate` throws
 * SettingsValidationError listing every problem, before anything is written.
 * Reads are forgiving, because KV may hold documents written before the code changed
 * (or by hand with wrangler): unknown names are dropped, and a value of the wrong type
 * or a document that fails `validate` gives way to the defaults, reported to the
 * store's `onError` (by default a console warning, visible in `wrangler tail`) rather
 * than a failed request.
 */

/** Receives each problem found in stored data; the read goes on with the defaults. */
export type ReportProblem = (error: Error) => void;

/** The default ReportProblem: a console warning. */
export const warnProblem: ReportProblem = (error) => console.warn(error.message);

export type Settings = Record<string, unknown>;

/** Returns one sentence per problem; an empty list means valid. */
export type Validate<S> = (settings: S) => string[];

export class SettingsValidationError extends Error {
  readonly problems: string[];

  constructor(what: string, problems: string[]) {
    super(`Invalid ${what}: ${problems.join("; ")}`);
    this.name = "SettingsValidationError";
    this.problems = problems;
  }
}

function jsonType(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "array";
  return typeof value;
}

/** The problem with one value for the setting `name`, or null if it fits its default. */
function typeProblem(defaults: Settings, name: string, value: unknown): string | null {
  if (!Object.hasOwn(defaults, name)) return `"${name}" is not a known setting`;
  const expected = jsonType(defaults[name]);
  const actual = jsonType(value);
  if (actual !== expected) {
    const article = expected === "array" || expected === "object" ? "an" : "a";
    return `"${name}" must be ${article} ${expected}, got ${JSON.stringify(value) ?? actual}`;
  }
  if (typeof value === "number" && !Number.isFinite(value)) {
    return `"${name}" must be a finite number, got ${value}`;
  }
  return null;
}

/**
 * The usable part of what KV held for a document (null when nothing): names the code
 * no longer has are dropped, values of the wrong type are dropped with a warning.
 * `what` names the document in warnings.
 */
export function storedSettings<S extends Settings>(
  defaults: S,
  stored: unknown,
  what: string,
  report: ReportProblem = warnProblem,
): Partial<S> {
  if (typeof stored !== "object" || stored === null || Array.isArray(stored)) {
    if (stored !== null) report(new SettingsValidationError(what, ["the stored document is not a JSON object; using the defaults"]));
    return {};
  }
  const usable: Settings = {};
  for (const [name, value] of Object.entries(stored)) {
    if (!Object.hasOwn(defaults, name)) continue;
    const problem = typeProblem(defaults, name, value);
    if (problem) report(new SettingsValidationError(what, [`${problem}; using the default`]));
    else usable[name] = value;
  }
  return usable as Partial<S>;
}

/** What KV held merged over the defaults; the defaults alone if the result fails `validate`. */
export function readSettings<S extends Settings>(
  defaults: S,
  stored: unknown,
  validate: Validate<S> | undefined,
  what: string,
  report: ReportProblem = warnProblem,
): S {
  const settings = { ...defaults, ...storedSettings(defaults, stored, what, report) };
  const problems = validate?.(settings) ?? [];
  if (problems.length > 0) {
    report(new SettingsValidationError(what, [...problems, "using the defaults"]));
    return { ...defaults };
  }
  return settings;
}

/**
 * Applies a partial update to the stored settings (from storedSettings) and checks the
 * result. Pure, so a single writer (a Durable Object) can apply the same batch. A setting set to `undefined` is removed, so it follows its default again.
 * Returns the new document to store and the settings it gives; throws
 * SettingsValidationError.
 */
export function applyUpdate<S extends Settings>(
  defaults: S,
  stored: Partial<S>,
  update: Partial<S>,
  validate: Validate<S> | undefined,
  what: string,
): { stored: Partial<S>; settings: S } {
  const problems: string[] = [];
  for (const [name, value] of Object.entries(update)) {
    if (value === undefined) continue;
    const problem = typeProblem(defaults, name, value);
    if (problem) problems.push(problem);
  }
  if (problems.length > 0) throw new SettingsValidationError(what, problems);

  const next: Settings = { ...stored, ...update };
  for (const name of Object.keys(next)) {
    if (next[name] === undefined) delete next[name];
  }
  const settings = { ...defaults, ...next } as S;
  const invalid = validate?.(settings) ?? [];
  if (invalid.length > 0) throw new SettingsValidationError(what, invalid);
  return { stored: next as Partial<S>, settings };
}
