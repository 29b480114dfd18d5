import { runInNewContext } from "node:vm";
import { UsageError, UserError } from "../errors.js";
import { CHOICES, type Choice } from "../features/choices.js";
import { FEATURE_IDS, type FeatureId } from "../features/index.js";
import type { TemplateManifest, TemplateVariable } from "./types.js";

/**
 * template.json: parse and validate it. A fork is untrusted input, so every field is
 * checked for type and shape, and unknown keys are refused (they are almost always
 * typos, e.g. "feature" for "features"). Every error is a UserError naming the file
 * (`where`) and the field.
 */

const MANIFEST_KEYS = ["$schema", "name", "description", "minVersion", "features", "files", "filesByChoice", "variables"];
const VARIABLE_KEYS = ["name", "message", "type", "default", "pattern", "options"];
const OPTION_KEYS = ["value", "label"];
const VARIABLE_TYPES = ["text", "confirm", "select"] as const;
const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;
const VERSION = /^(\d+)\.(\d+)\.(\d+)$/;

export function parseManifest(text: string, where: string): TemplateManifest {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw new UserError(`${where}: not valid JSON (${(error as Error).message}).`);
  }
  const fail = (field: string, problem: string): never => {
    throw new UserError(`${where}: "${field}" ${problem}.`);
  };

  if (!isPlainObject(data)) fail("(root)", "must be a JSON object");
  const raw = data as Record<string, unknown>;
  rejectUnknownKeys(raw, MANIFEST_KEYS, "", fail);

  const name = requireString(raw.name, "name", fail);
  const description = requireString(raw.description, "description", fail);
  const minVersion = requireString(raw.minVersion, "minVersion", fail);
  if (!VERSION.test(minVersion)) fail("minVersion", `must be a version x.y.z such as "0.1.0", got "${minVersion}"`);

  const features = parseFeatures(raw.features, fail);
  const files = parseFiles(raw.files ?? {}, features, fail);
  const filesByChoice = parseFilesByChoice(raw.filesByChoice ?? {}, fail);
  const variables = parseVariables(raw.variables ?? [], fail);
  return { name, description, minVersion, features, files, filesByChoice, variables };
}

/** Refuses a template that needs a newer create-kv-edge than `version`. */
export function checkMinVersion(manifest: TemplateManifest, version: string, where: string): void {
  if (compareVersions(manifest.minVersion, version) > 0) {
    throw new UserError(
      `${where} needs create-kv-edge >= ${manifest.minVersion} (this is ${version}); run npm create kv-edge@latest.`,
    );
  }
}

/**
 * Turns the text of `--var name=value` into the variable's value: a text answer must
 * match the whole pattern, a select answer must be one of the options, and a confirm
 * answer is yes/no/true/false.
 */
export function parseVariableValue(variable: TemplateVariable, raw: string): string | boolean {
  const flag = `--var ${variable.name}=${raw}`;
  switch (variable.type) {
    case "confirm": {
      const answer = raw.trim().toLowerCase();
      if (answer === "yes" || answer === "true") return true;
      if (answer === "no" || answer === "false") return false;
      throw new UsageError(`${flag}: expected yes, no, true or false.`);
    }
    case "select": {
      const values = (variable.options ?? []).map((option) => option.value);
      if (values.includes(raw)) return raw;
      throw new UsageError(`${flag}: expected one of ${values.join(", ")}.`);
    }
    case "text": {
      if (variable.pattern !== undefined && !matchesWhole(variable.pattern, raw)) {
        throw new UsageError(`${flag}: must match the pattern ${variable.pattern}.`);
      }
      return raw;
    }
  }
}

/** -1, 0 or 1 as a is older than, the same as, or newer than b. Only x.y.z; a "-pre" suffix is ignored. */
export function compareVersions(a: string, b: string): number {
  const partsOf = (version: string) => {
    const match = VERSION.exec(version.split(/[-+]/)[0] ?? "");
    if (!match) throw new Error(`not an x.y.z version: ${version}`);
    return match.slice(1).map(Number);
  };
  const left = partsOf(a);
  const right = partsOf(b);
  for (let index = 0; index < 3; index++) {
    const difference = (left[index] ?? 0) - (right[index] ?? 0);
    if (difference !== 0) return Math.sign(difference);
  }
  return 0;
}

type Fail = (field: string, problem: string) => never;

function parseFeatures(value: unknown, fail: Fail): FeatureId[] {
  if (!Array.isArray(value) || value.length === 0) {
    fail("features", `must be a non-empty array of feature ids (${FEATURE_IDS.join(", ")})`);
  }
  const features: FeatureId[] = [];
  (value as unknown[]).forEach((item, index) => {
    const id = requireFeatureId(item, `features[${index}]`, fail);
    if (features.includes(id)) fail(`features[${index}]`, `repeats "${id}"`);
    features.push(id);
  });
  return features;
}

function parseFiles(value: unknown, features: FeatureId[], fail: Fail): TemplateManifest["files"] {
  if (!isPlainObject(value)) fail("files", "must be an object mapping feature ids to arrays of paths");
  const files: TemplateManifest["files"] = {};
  for (const [key, paths] of Object.entries(value as Record<string, unknown>)) {
    const id = requireFeatureId(key, `files.${key}`, fail);
    if (!features.includes(id)) fail(`files.${key}`, `names a feature missing from "features"`);
    files[id] = parsePaths(paths, `files.${key}`, fail);
  }
  return files;
}

function parseFilesByChoice(value: unknown, fail: Fail): TemplateManifest["filesByChoice"] {
  const choices = Object.keys(CHOICES).join(", ");
  if (!isPlainObject(value)) fail("filesByChoice", `must be an object mapping choices (${choices}) to their values' paths`);
  const filesByChoice: TemplateManifest["filesByChoice"] = {};
  for (const [choice, byValue] of Object.entries(value as Record<string, unknown>)) {
    if (!Object.hasOwn(CHOICES, choice)) fail(`filesByChoice.${choice}`, `is not a choice (expected ${choices})`);
    const { values } = CHOICES[choice as Choice];
    if (!isPlainObject(byValue)) fail(`filesByChoice.${choice}`, `must be an object mapping values (${values.join(", ")}) to arrays of paths`);
    const paths: Record<string, string[]> = {};
    for (const [choiceValue, list] of Object.entries(byValue as Record<string, unknown>)) {
      const field = `filesByChoice.${choice}.${choiceValue}`;
      if (!values.includes(choiceValue)) fail(field, `is not a value of --${choice} (expected ${values.join(", ")})`);
      paths[choiceValue] = parsePaths(list, field, fail);
    }
    filesByChoice[choice as Choice] = paths;
  }
  return filesByChoice;
}

function parsePaths(value: unknown, field: string, fail: Fail): string[] {
  if (!Array.isArray(value)) fail(field, "must be an array of paths");
  return (value as unknown[]).map((path, index) => {
    const problem = unsafePathProblem(requireString(path, `${field}[${index}]`, fail));
    if (problem) fail(`${field}[${index}]`, problem);
    return path as string;
  });
}

/**
 * Why a template path is unsafe, or undefined when it is a plain relative path such as
 * "src/lib/cache.ts" (or "seed/" for a folder).
 */
export function unsafePathProblem(path: string): string | undefined {
  if (path.includes("\\")) return `must use "/" separators, got "${path}"`;
  if (path.startsWith("/")) return `must be a relative path, got "${path}"`;
  if (path.includes("\u0000")) return "must not contain a NUL character";
  const segments = (path.endsWith("/") ? path.slice(0, -1) : path).split("/");
  if (segments.some((segment) => segment === "" || segment === "." || segment === "..")) {
    return `must be a plain relative path without "", "." or ".." segments, got "${path}"`;
  }
  return undefined;
}

function parseVariables(value: unknown, fail: Fail): TemplateVariable[] {
  if (!Array.isArray(value)) fail("variables", "must be an array");
  const seen = new Set<string>();
  return (value as unknown[]).map((item, index) => {
    const field = `variables[${index}]`;
    if (!isPlainObject(item)) fail(field, "must be an object");
    const raw = item as Record<string, unknown>;
    rejectUnknownKeys(raw, VARIABLE_KEYS, `${field}.`, fail);

    const name = requireString(raw.name, `${field}.name`, fail);
    if (!IDENTIFIER.test(name)) fail(`${field}.name`, `must be an identifier like "teamName", got "${name}"`);
    if (seen.has(name)) fail(`${field}.name`, `repeats "${name}"`);
    seen.add(name);

    const message = requireString(raw.message, `${field}.message`, fail);
    const type = raw.type as TemplateVariable["type"];
    if (!VARIABLE_TYPES.includes(type)) fail(`${field}.type`, `must be one of ${VARIABLE_TYPES.join(", ")}`);

    const variable: TemplateVariable = { name, message, type };
    if (raw.pattern !== undefined) {
      if (type !== "text") fail(`${field}.pattern`, 'is only allowed for type "text"');
      variable.pattern = requireString(raw.pattern, `${field}.pattern`, fail);
      if (!compiles(variable.pattern)) fail(`${field}.pattern`, "is not a valid regular expression");
      if (hasNestedQuantifier(variable.pattern)) {
        fail(`${field}.pattern`, "repeats a group that itself repeats, e.g. (a+)+, which can take exponential time; write it without the nesting, e.g. a+");
      }
    }
    if (raw.options !== undefined || type === "select") {
      if (type !== "select") fail(`${field}.options`, 'is only allowed for type "select"');
      variable.options = parseOptions(raw.options, `${field}.options`, fail);
    }
    if (raw.default !== undefined) variable.default = parseDefault(variable, raw.default, `${field}.default`, fail);
    return variable;
  });
}

function parseOptions(value: unknown, field: string, fail: Fail): { value: string; label?: string }[] {
  if (!Array.isArray(value) || value.length === 0) fail(field, 'must be a non-empty array of { "value", "label"? }');
  const values = new Set<string>();
  return (value as unknown[]).map((item, index) => {
    if (!isPlainObject(item)) fail(`${field}[${index}]`, "must be an object");
    const raw = item as Record<string, unknown>;
    rejectUnknownKeys(raw, OPTION_KEYS, `${field}[${index}].`, fail);
    const optionValue = requireString(raw.value, `${field}[${index}].value`, fail);
    if (values.has(optionValue)) fail(`${field}[${index}].value`, `repeats "${optionValue}"`);
    values.add(optionValue);
    if (raw.label === undefined) return { value: optionValue };
    return { value: optionValue, label: requireString(raw.label, `${field}[${index}].label`, fail) };
  });
}

function parseDefault(variable: TemplateVariable, value: unknown, field: string, fail: Fail): string | boolean {
  if (variable.type === "confirm") {
    if (typeof value !== "boolean") fail(field, "must be true or false");
    return value as boolean;
  }
  const text = requireString(value, field, fail);
  if (variable.type === "select" && !variable.options?.some((option) => option.value === text)) {
    fail(field, `must be one of the options, got "${text}"`);
  }
  if (variable.pattern !== undefined && !matchesWhole(variable.pattern, text)) {
    fail(field, `"${text}" does not match the pattern ${variable.pattern}`);
  }
  return text;
}

function requireFeatureId(value: unknown, field: string, fail: Fail): FeatureId {
  if (!FEATURE_IDS.includes(value as FeatureId)) {
    fail(field, `must be a feature id (${FEATURE_IDS.join(", ")}), got ${JSON.stringify(value)}`);
  }
  return value as FeatureId;
}

function requireString(value: unknown, field: string, fail: Fail): string {
  if (typeof value !== "string" || value.trim() === "") fail(field, "must be a non-empty string");
  return value as string;
}

function rejectUnknownKeys(object: Record<string, unknown>, known: string[], prefix: string, fail: Fail): void {
  for (const key of Object.keys(object)) {
    if (!known.includes(key)) fail(`${prefix}${key}`, `is not a known key (expected ${known.join(", ")})`);
  }
}

function isPlainObject(value: unknown): boolean {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function compiles(pattern: string): boolean {
  try {
    new RegExp(pattern);
    return true;
  } catch {
    return false;
  }
}

/** A pattern gets this long to match one answer; a fork's pattern must not hang the CLI. */
export const PATTERN_TIME_LIMIT_MS = 1000;

/**
 * The pattern must match the whole answer, not a part of it. The match runs with a
 * time budget: a pattern that backtracks for ever on some answer is an error in the
 * template, reported as such.
 */
export function matchesWhole(pattern: string, text: string): boolean {
  const whole = new RegExp(`^(?:${pattern})$`);
  try {
    return runInNewContext("whole.test(text)", { whole, text }, { timeout: PATTERN_TIME_LIMIT_MS }) === true;
  } catch (error) {
    if ((error as { code?: string }).code !== "ERR_SCRIPT_EXECUTION_TIMEOUT") throw error;
    throw new UserError(
      `the template's pattern ${pattern} took more than ${PATTERN_TIME_LIMIT_MS / 1000} s to check "${text.slice(0, 40)}"; ` +
        "fix the pattern in its template.json (avoid nested or overlapping repeats)",
    );
  }
}

/**
 * Whether a group that repeats (*, + or {n,}) holds something that repeats too,
 * as in (a+)+ or (\w*\s?)*: the classic shape of catastrophic backtracking.
 */
export function hasNestedQuantifier(pattern: string): boolean {
  const groupRepeats: boolean[] = []; // per open group: does it contain a quantifier?
  let inClass = false;
  for (let index = 0; index < pattern.length; index++) {
    const char = pattern[index];
    if (char === "\\") {
      index++;
    } else if (inClass) {
      if (char === "]") inClass = false;
    } else if (char === "[") {
      inClass = true;
    } else if (char === "(") {
      groupRepeats.push(false);
      if (pattern[index + 1] === "?") index++; // (?: (?= (?! (?<name>: not a quantifier
    } else if (char === ")") {
      const inner = groupRepeats.pop() ?? false;
      if (inner && /^(?:[*+]|\{\d+,)/.test(pattern.slice(index + 1))) return true;
      if (inner && groupRepeats.length > 0) groupRepeats[groupRepeats.length - 1] = true;
    } else if (char === "*" || char === "+" || char === "?" || char === "{") {
      if (groupRepeats.length > 0) groupRepeats[groupRepeats.length - 1] = true;
    }
  }
  return false;
}
