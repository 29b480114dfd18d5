/**
 * The project record, `.kv-edge.json` at the root of every generated project: where
 * the project's template came from (and which version of it), the answers it was
 * rendered with, and the tool that rendered it. `update` renders the template again
 * from this file, so it is committed with the project and meant to be read and
 * edited by hand: reading it checks every field and names the one that is wrong.
 *
 * It never holds a secret: no token, no account id, no namespace id.
 */
import { UserError } from "../errors.js";
import { CACHE_PATTERNS, FEATURE_IDS, type CachePattern, type FeatureId } from "../features/index.js";
import { DOCUMENT_WRITES, RATE_LIMIT_BACKENDS, type DocumentWrites, type RateLimitBackend } from "../durable-objects.js";
import { DEFAULT_SESSION_MAX_LIFETIME } from "../features/sessions.js";
import { PACKAGE_MANAGERS, type PackageManager } from "../package-managers.js";

export const RECORD_FILE = ".kv-edge.json";
/** Bumped only when an older create-kv-edge could no longer read the file. */
export const RECORD_FORMAT = 1;

export interface ProjectRecord {
  format: typeof RECORD_FORMAT;
  /** The create-kv-edge version that last wrote the project (create, add or update). */
  toolVersion: string;
  template: TemplateRecord;
  answers: RecordedAnswers;
  /** What the tool itself put into the render: the pinned toolchain and compatibility date. */
  toolchain: { compatibilityDate: string; versions: Record<string, string> };
}

export interface TemplateRecord {
  /**
   * "built-in", or the --template source as given; a relative folder or git: path
   * is stored relative to the project folder so that it still works from there.
   */
  source: string;
  /** Built-in template only: the create-kv-edge version whose template was used. */
  version?: string;
  /** git: sources: the commit the ref resolved to. */
  commit?: string;
  /** sha256 of the template's files (template.json included), to recognise the same version again. */
  digest: string;
}

export interface RecordedAnswers {
  /** The npm package and Worker name. */
  projectName: string;
  features: FeatureId[];
  /** Every KV namespace: binding name, owning feature (null for an extra one), default TTL (0 = none). */
  namespaces: { binding: string; feature: FeatureId | null; ttl: number }[];
  session: { ttl: number; refreshThreshold: number; maxLifetime: number };
  rateLimit: { limit: number; window: number };
  /** What counts rate-limited requests; absent in records written before it was an answer. */
  rateLimitBackend?: RateLimitBackend;
  /** How the flags and config documents are saved; absent in records written before it was an answer. */
  documentWrites?: DocumentWrites;
  cachePattern: CachePattern;
  envs: string[];
  packageManager: PackageManager;
  /** Answers to the template's own variables (template.json "variables"). */
  vars: Record<string, string | boolean>;
}

/** Only the answer fields of a larger object (the create flow's Options, say). */
export function pickAnswers(from: RecordedAnswers): RecordedAnswers {
  return {
    projectName: from.projectName,
    features: [...from.features],
    namespaces: from.namespaces.map(({ binding, feature, ttl }) => ({ binding, feature, ttl })),
    session: { ttl: from.session.ttl, refreshThreshold: from.session.refreshThreshold, maxLifetime: from.session.maxLifetime },
    rateLimit: { limit: from.rateLimit.limit, window: from.rateLimit.window },
    ...(from.rateLimitBackend ? { rateLimitBackend: from.rateLimitBackend } : {}),
    ...(from.documentWrites ? { documentWrites: from.documentWrites } : {}),
    cachePattern: from.cachePattern,
    envs: [...from.envs],
    packageManager: from.packageManager,
    vars: { ...from.vars },
  };
}

/** The file's text: stable key order, two-space indent, a final newline (diffs stay small). */
export function serializeRecord(record: ProjectRecord): string {
  const { template, answers, toolchain } = record;
  const ordered = {
    format: record.format,
    toolVersion: record.toolVersion,
    template: {
      source: template.source,
      ...(template.version !== undefined ? { version: template.version } : {}),
      ...(template.commit !== undefined ? { commit: template.commit } : {}),
      digest: template.digest,
    },
    answers: pickAnswers(answers),
    toolchain: { compatibilityDate: toolchain.compatibilityDate, versions: toolchain.versions },
  };
  return `${JSON.stringify(ordered, null, 2)}\n`;
}

/**
 * Reads and checks the record. Every problem is a UserError naming the file and
 * the field, e.g. `.kv-edge.json: answers.session.ttl must be a whole number >= 60, got "1h"`.
 */
export function parseRecord(text: string): ProjectRecord {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw new UserError(`${RECORD_FILE} is not valid JSON (${(error as Error).message}); fix it or restore it from git`);
  }
  const root = object(data, "");
  allowOnly(root, "", ["format", "toolVersion", "template", "answers", "toolchain"]);
  if (root.format !== RECORD_FORMAT) {
    fail("format", `must be ${RECORD_FORMAT} (this create-kv-edge reads format ${RECORD_FORMAT}), got ${show(root.format)}`);
  }
  return {
    format: RECORD_FORMAT,
    toolVersion: version(root.toolVersion, "toolVersion"),
    template: readTemplate(root.template),
    answers: readAnswers(root.answers),
    toolchain: readToolchain(root.toolchain),
  };
}

function readTemplate(value: unknown): TemplateRecord {
  const template = object(value, "template");
  allowOnly(template, "template", ["source", "version", "commit", "digest"]);
  const source = nonEmptyString(template.source, "template.source");
  const record: TemplateRecord = { source, digest: "" };
  if (template.version !== undefined) record.version = version(template.version, "template.version");
  if (source === "built-in" && record.version === undefined) {
    fail("template.version", "is required for the built-in template (the create-kv-edge version that rendered it)");
  }
  if (template.commit !== undefined) {
    const commit = nonEmptyString(template.commit, "template.commit");
    if (!/^[0-9a-f]{7,64}$/.test(commit)) fail("template.commit", `must be a hexadecimal commit id, got ${show(commit)}`);
    record.commit = commit;
  }
  record.digest = nonEmptyString(template.digest, "template.digest");
  if (!/^sha256:[0-9a-f]{64}$/.test(record.digest)) {
    fail("template.digest", `must be "sha256:" and 64 hexadecimal digits, got ${show(record.digest)}`);
  }
  return record;
}

function readAnswers(value: unknown): RecordedAnswers {
  const answers = object(value, "answers");
  const keys = ["projectName", "features", "namespaces", "session", "rateLimit", "rateLimitBackend", "documentWrites", "cachePattern", "envs", "packageManager", "vars"];
  allowOnly(answers, "answers", keys);

  const features = array(answers.features, "answers.features").map((feature, index) =>
    oneOf(feature, `answers.features[${index}]`, FEATURE_IDS),
  );
  const namespaces = array(answers.namespaces, "answers.namespaces").map((entry, index) => {
    const where = `answers.namespaces[${index}]`;
    const namespace = object(entry, where);
    allowOnly(namespace, where, ["binding", "feature", "ttl"]);
    const binding = nonEmptyString(namespace.binding, `${where}.binding`);
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(binding)) fail(`${where}.binding`, `must be a JavaScript identifier, got ${show(binding)}`);
    const feature = namespace.feature === null ? null : oneOf(namespace.feature, `${where}.feature`, FEATURE_IDS);
    const ttl = wholeNumber(namespace.ttl, `${where}.ttl`, 0);
    if (ttl !== 0 && ttl < 60) fail(`${where}.ttl`, `must be 0 (no expiry) or at least 60 seconds (KV's minimum), got ${ttl}`);
    return { binding, feature, ttl };
  });

  const session = object(answers.session, "answers.session");
  allowOnly(session, "answers.session", ["ttl", "refreshThreshold", "maxLifetime"]);
  const rateLimit = object(answers.rateLimit, "answers.rateLimit");
  allowOnly(rateLimit, "answers.rateLimit", ["limit", "window"]);

  const vars = object(answers.vars, "answers.vars");
  for (const [name, answer] of Object.entries(vars)) {
    if (typeof answer !== "string" && typeof answer !== "boolean") {
      fail(`answers.vars.${name}`, `must be a string or true/false, got ${show(answer)}`);
    }
  }

  return {
    projectName: nonEmptyString(answers.projectName, "answers.projectName"),
    features,
    namespaces,
    session: {
      ttl: wholeNumber(session.ttl, "answers.session.ttl", 60),
      refreshThreshold: wholeNumber(session.refreshThreshold, "answers.session.refreshThreshold", 1),
      // Records written before --session-max-lifetime existed have none: they get its default.
      maxLifetime:
        session.maxLifetime === undefined
          ? DEFAULT_SESSION_MAX_LIFETIME
          : wholeNumber(session.maxLifetime, "answers.session.maxLifetime", 60),
    },
    rateLimit: {
      limit: wholeNumber(rateLimit.limit, "answers.rateLimit.limit", 1),
      window: wholeNumber(rateLimit.window, "answers.rateLimit.window", 1),
    },
    ...(answers.rateLimitBackend === undefined
      ? {}
      : { rateLimitBackend: oneOf(answers.rateLimitBackend, "answers.rateLimitBackend", RATE_LIMIT_BACKENDS) }),
    ...(answers.documentWrites === undefined
      ? {}
      : { documentWrites: oneOf(answers.documentWrites, "answers.documentWrites", DOCUMENT_WRITES) }),
    cachePattern: oneOf(answers.cachePattern, "answers.cachePattern", CACHE_PATTERNS),
    envs: array(answers.envs, "answers.envs").map((env, index) => nonEmptyString(env, `answers.envs[${index}]`)),
    packageManager: oneOf(answers.packageManager, "answers.packageManager", PACKAGE_MANAGERS),
    vars: vars as Record<string, string | boolean>,
  };
}

function readToolchain(value: unknown): ProjectRecord["toolchain"] {
  const toolchain = object(value, "toolchain");
  allowOnly(toolchain, "toolchain", ["compatibilityDate", "versions"]);
  const date = nonEmptyString(toolchain.compatibilityDate, "toolchain.compatibilityDate");
  if (!/^\d{4}-\d{2}-\d{2}$/.test(date)) fail("toolchain.compatibilityDate", `must be YYYY-MM-DD, got ${show(date)}`);
  const versions = object(toolchain.versions, "toolchain.versions");
  for (const [name, pinned] of Object.entries(versions)) nonEmptyString(pinned, `toolchain.versions.${name}`);
  return { compatibilityDate: date, versions: versions as Record<string, string> };
}

// Small checks; each names the field it checks.

function fail(field: string, problem: string): never {
  throw new UserError(`${RECORD_FILE}: ${field || "the file"} ${problem}`);
}

function show(value: unknown): string {
  return value === undefined ? "nothing" : JSON.stringify(value);
}

function object(value: unknown, field: string): Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) fail(field, `must be an object, got ${show(value)}`);
  return value as Record<string, unknown>;
}

function allowOnly(value: Record<string, unknown>, field: string, keys: string[]): void {
  const unknown = Object.keys(value).find((key) => !keys.includes(key));
  if (unknown !== undefined) {
    fail(field ? `${field}.${unknown}` : unknown, `is not a known field (known: ${keys.join(", ")})`);
  }
}

function array(value: unknown, field: string): unknown[] {
  if (!Array.isArray(value)) fail(field, `must be a list, got ${show(value)}`);
  return value;
}

function nonEmptyString(value: unknown, field: string): string {
  if (typeof value !== "string" || value.trim() === "") fail(field, `must be a non-empty string, got ${show(value)}`);
  return value;
}

function version(value: unknown, field: string): string {
  const text = nonEmptyString(value, field);
  if (!/^\d+\.\d+\.\d+(?:[-+][0-9A-Za-z.-]+)?$/.test(text)) fail(field, `must be a version like 1.2.3, got ${show(text)}`);
  return text;
}

function wholeNumber(value: unknown, field: string, min: number): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < min) {
    fail(field, `must be a whole number >= ${min}, got ${show(value)}`);
  }
  return value;
}

function oneOf<T extends string>(value: unknown, field: string, allowed: readonly T[]): T {
  if (typeof value !== "string" || !allowed.includes(value as T)) fail(field, `must be one of ${allowed.join(", ")}, got ${show(value)}`);
  return value as T;
}
