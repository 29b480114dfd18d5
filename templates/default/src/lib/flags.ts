/**
 * Feature flags stored as one KV document (key `flags`) mapping each flag name to
 * its config, the way flag services ship a whole ruleset at once: evaluating any
 * number of flags costs at most one KV read.
 *
 * - Create one FeatureFlags at module scope: it keeps the document in memory for
 *   `cacheTtl` seconds, so requests served by the same isolate read KV at most
 *   once per `cacheTtl`. (This is not KV's edge `cacheTtl`, which is at least 30 s.)
 * - A change, the kill switch included, takes up to `cacheTtl` plus KV's
 *   propagation time (60 s or more) to reach every location.
 * - Reads never throw on bad stored data: a flag that does not validate (say
 *   `"enabled": "false"` or an unparseable `startTime` from a hand edit) is OFF and
 *   reported to `onError`; a document that is not an object means every flag is off.
 *   When KV fails, the last good copy in memory is served (and the error reported).
 * - `update(changes)` saves several flags at once. Without a `writer` it is a
 *   read-modify-write of KV: one read of the document, `applyFlagChanges`, one
 *   write. Two admins saving within about a minute of each other, in different
 *   locations, can each start from a copy without the other's change, and the last
 *   write wins (KV caches the document at the edge for up to a minute); KV also
 *   refuses a second write to the document within one second (429). With a `writer`
 *   (document-writer.ts, in a project made with `--document-writes durable-object`),
 *   every save goes to one Durable Object that applies the same `applyFlagChanges`
 *   to its own copy, one save at a time, and publishes the result to KV: saves never
 *   overwrite each other (its first save has a rule of its own: see document-writer.ts).
 *   Reads are the same either way.
 *
 * Evaluation order: a missing or invalid flag is off; `enabled: false` is off for
 * everyone (kill switch); outside startTime..endTime is off; then blocklist beats
 * allowlist beats percentage. Rollout puts each (flag, user) pair in a fixed
 * bucket from 0 to 99.99, so raising the percentage never turns a user off.
 */
import { KVStore } from "./kv-store";

export interface FlagConfig {
  enabled: boolean;
  /** Share of users, 0..100, who get the flag. Unset means everyone. */
  percentage?: number;
  /** User ids that always get the flag (unless blocklisted or the flag is off). */
  allowlist?: string[];
  /** User ids that never get the flag. */
  blocklist?: string[];
  /** ISO 8601 times: the flag is on from startTime (inclusive) until endTime (exclusive). */
  startTime?: string;
  endTime?: string;
  description?: string;
}

export interface FlagContext {
  userId?: string;
}

/** The KV key of the document that holds every flag: `{ [name]: FlagConfig }`. */
export const FLAGS_KEY = "flags";

export class FlagConfigError extends Error {
  override name = "FlagConfigError";
}

/** The flags document as KV holds it. Entries are checked when read, so any value may be there. */
export type FlagDocument = Record<string, unknown>;

/** Flag name -> its new config, or null to delete the flag. */
export type FlagChanges = Record<string, FlagConfig | null>;

/** A writer binding as `update` uses it: its object applies a batch and answers the document, or why it refused. */
export interface FlagWriters {
  getByName(name: string): { update(changes: FlagChanges): Promise<{ document: unknown } | { refused: string[] }> };
}

export interface FeatureFlagsOptions {
  /** Seconds this instance keeps the flags in memory (default 60; 0 turns it off). */
  cacheTtl?: number;
  /** The KV key of the document. Default `flags`. */
  key?: string;
  /** Called for each invalid flag or document read, and each KV read failure served from memory. */
  onError?: (error: unknown) => void;
  now?: () => number;
  /**
   * The document's single writer, e.g. `env.FLAGS_WRITER` (a Durable Object binding,
   * see document-writer.ts): `update` sends its changes to the object named
   * after the key instead of writing KV itself. Unset: this instance writes KV.
   */
  writer?: FlagWriters;
}

/**
 * The document after `changes`, checked: a pure function, so a single writer (such as
 * a Durable Object) can apply the same batch the same way. Throws FlagConfigError naming
 * every invalid change; the flags it does not change are kept as they are.
 */
export function applyFlagChanges(current: unknown, changes: FlagChanges): FlagDocument {
  const problems = Object.entries(changes).flatMap(([name, config]) => (config === null ? [] : flagProblems(name, config)));
  if (problems.length > 0) throw new FlagConfigError(problems.join("; "));
  const next: FlagDocument = isObject(current) ? { ...current } : {};
  for (const [name, config] of Object.entries(changes)) {
    if (config === null) delete next[name];
    else next[name] = config;
  }
  return next;
}

export class FeatureFlags {
  readonly #store: KVStore;
  readonly #key: string;
  readonly #cacheTtlMs: number;
  readonly #now: () => number;
  readonly #onError: (error: unknown) => void;
  readonly #writer: FlagWriters | undefined;
  /** The last document read or written, valid flags only. */
  #cached: { flags: Record<string, FlagConfig>; loadedAt: number } | null = null;

  constructor(kv: KVNamespace, options: FeatureFlagsOptions = {}) {
    this.#onError = options.onError ?? ((error) => console.warn(String(error)));
    this.#store = new KVStore(kv, { onError: (error) => this.#onError(error) });
    this.#key = options.key ?? FLAGS_KEY;
    this.#cacheTtlMs = (options.cacheTtl ?? 60) * 1000;
    this.#now = options.now ?? Date.now;
    this.#writer = options.writer;
  }

  /** A flag's config; null when it is missing or invalid. */
  async get(name: string): Promise<FlagConfig | null> {
    return configOf(await this.#flags(), name);
  }

  /** Validates and saves one flag (one read and one write of the flags document). */
  async set(name: string, config: FlagConfig): Promise<void> {
    await this.update({ [name]: config });
  }

  async delete(name: string): Promise<void> {
    await this.update({ [name]: null });
  }

  /**
   * Saves several flag changes in one write (null deletes a flag). Throws
   * FlagConfigError before anything is saved when a change is invalid. See the note
   * on lost updates at the top of this file.
   */
  async update(changes: FlagChanges): Promise<void> {
    applyFlagChanges({}, changes); // validate before any call
    let document: unknown;
    if (this.#writer) {
      const result = await this.#writer.getByName(this.#key).update(changes);
      if ("refused" in result) throw new FlagConfigError(result.refused.join("; "));
      document = result.document;
    } else {
      document = applyFlagChanges(await this.#store.get<unknown>(this.#key), changes);
      await this.#store.set(this.#key, document, { ttl: 0 });
    }
    this.#cached = { flags: this.#validFlags(document), loadedAt: this.#now() };
  }

  async isEnabled(name: string, context: FlagContext = {}): Promise<boolean> {
    const config = configOf(await this.#flags(), name);
    return config ? evaluate(name, config, context, this.#now()) : false;
  }

  /** The names of every flag that is on for this context: at most one KV read. */
  async enabledFlags(context: FlagContext = {}): Promise<string[]> {
    const flags = await this.#flags();
    const now = this.#now();
    const enabled: string[] = [];
    for (const [name, config] of Object.entries(flags)) {
      if (await evaluate(name, config, context, now)) enabled.push(name);
    }
    return enabled;
  }

  async #flags(): Promise<Record<string, FlagConfig>> {
    if (this.#cached && this.#now() - this.#cached.loadedAt < this.#cacheTtlMs) return this.#cached.flags;
    let stored: unknown;
    try {
      stored = await this.#store.get<unknown>(this.#key);
    } catch (error) {
      // Stale-if-error: a failed read serves the last good copy rather than failing the request.
      if (this.#cached === null) throw error;
      this.#onError(error);
      return this.#cached.flags;
    }
    const flags = this.#validFlags(stored);
    this.#cached = { flags, loadedAt: this.#now() };
    return flags;
  }

  /** The flags of a stored document that validate; each one that does not is reported and left out (off). */
  #validFlags(stored: unknown): Record<string, FlagConfig> {
    if (stored === null) return {};
    if (!isObject(stored)) {
      this.#onError(new FlagConfigError("The flags document is not a JSON object; every flag is off"));
      return {};
    }
    const flags: Record<string, FlagConfig> = {};
    for (const [name, config] of Object.entries(stored)) {
      const problems = flagProblems(name, config);
      if (problems.length === 0) flags[name] = config as FlagConfig;
      else this.#onError(new FlagConfigError(`${problems.join("; ")}; the flag is off`));
    }
    return flags;
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Own properties only, so a flag named like `toString` is not found on Object.prototype. */
function configOf(flags: Record<string, FlagConfig>, name: string): FlagConfig | null {
  return Object.hasOwn(flags, name) ? (flags[name] ?? null) : null;
}

/**
 * The user's fixed rollout bucket for a flag, from 0 to 99.99: the first four
 * bytes of SHA-256 over the (flag, user) pair, modulo 10 000, divided by 100.
 * Hashing the flag name too means each flag rolls out to a different slice of users.
 */
export async function rolloutBucket(name: string, userId: string): Promise<number> {
  const input = new TextEncoder().encode(JSON.stringify([name, userId]));
  const digest = new DataView(await crypto.subtle.digest("SHA-256", input));
  return (digest.getUint32(0) % 10_000) / 100;
}

async function evaluate(name: string, config: FlagConfig, context: FlagContext, now: number): Promise<boolean> {
  if (!config.enabled) return false;
  if (config.startTime !== undefined && now < Date.parse(config.startTime)) return false;
  if (config.endTime !== undefined && now >= Date.parse(config.endTime)) return false;
  const { userId } = context;
  if (userId !== undefined && config.blocklist?.includes(userId)) return false;
  if (userId !== undefined && config.allowlist?.includes(userId)) return true;
  const percentage = config.percentage ?? 100;
  if (percentage >= 100) return true;
  if (userId === undefined) return false;
  return (await rolloutBucket(name, userId)) < percentage;
}

/** ISO 8601 date or date-time, e.g. `2026-12-01` or `2026-12-01T09:00:00Z`. */
const ISO_8601 = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2}))?$/;

/** Every problem with one flag's config, one sentence each; empty when it is valid. */
function flagProblems(name: string, config: unknown): string[] {
  if (name === "") return ["Flag name must not be empty"];
  const problem = (message: string) => `Flag "${name}": ${message}`;
  if (!isObject(config)) return [problem("must be an object such as { \"enabled\": true }")];
  const problems: string[] = [];
  if (typeof config.enabled !== "boolean") problems.push(problem("enabled must be true or false"));
  const { percentage } = config;
  if (percentage !== undefined && (typeof percentage !== "number" || !(percentage >= 0 && percentage <= 100))) {
    problems.push(problem(`percentage must be a number from 0 to 100, got ${JSON.stringify(percentage) ?? percentage}`));
  }
  for (const list of ["allowlist", "blocklist"] as const) {
    const ids = config[list];
    if (ids !== undefined && (!Array.isArray(ids) || ids.some((id) => typeof id !== "string"))) {
      problems.push(problem(`${list} must be a list of user id strings`));
    }
  }
  for (const field of ["startTime", "endTime"] as const) {
    const value = config[field];
    if (value !== undefined && (typeof value !== "string" || !ISO_8601.test(value) || Number.isNaN(Date.parse(value)))) {
      problems.push(problem(`${field} must be an ISO 8601 date or date-time, got ${JSON.stringify(value)}`));
    }
  }
  const { startTime, endTime } = config;
  if (typeof startTime === "string" && typeof endTime === "string" && Date.parse(startTime) >= Date.parse(endTime)) {
    problems.push(problem("startTime must be before endTime"));
  }
  return problems;
}
