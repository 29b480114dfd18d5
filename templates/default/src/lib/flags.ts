/**
 * Feature flags stored as one KV document (key `flags`) mapping each flag name to
 * its config, the way flag services ship a whole ruleset at once: evaluating any
 * number of flags costs at most one KV read.
 *
 * - Create one FeatureFlags at module scope: it keeps the document in memory for
 *   `cacheTtl` seconds, so requests served by the same isolate read KV at most
 *   once per `cacheTtl`. (This is not KV's edge `cacheTtl`, which is at least 60 s.)
 * - A change, the kill switch included, takes up to `cacheTtl` plus KV's
 *   propagation time (60 s or more) to reach every location.
 * - `set` and `delete` read the document, change one flag and write it back. Two
 *   admins saving at the same moment can overwrite each other's change (the last
 *   write wins), and KV refuses more than one write per second to the key: make
 *   flag changes from one place, one at a time.
 *
 * Evaluation order: a missing flag is off; `enabled: false` is off for everyone
 * (kill switch); outside startTime..endTime is off; then blocklist beats
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

type FlagDocument = Record<string, FlagConfig>;

export class FeatureFlags {
  readonly #store: KVStore;
  readonly #cacheTtlMs: number;
  readonly #now: () => number;
  #cached: { flags: FlagDocument; loadedAt: number } | null = null;

  /** `cacheTtl`: seconds this instance keeps the flags in memory (default 60; 0 turns it off). */
  constructor(kv: KVNamespace, options: { cacheTtl?: number; now?: () => number } = {}) {
    this.#store = new KVStore(kv);
    this.#cacheTtlMs = (options.cacheTtl ?? 60) * 1000;
    this.#now = options.now ?? Date.now;
  }

  async get(name: string): Promise<FlagConfig | null> {
    return configOf(await this.#flags(), name);
  }

  /** Validates and saves one flag (one read and one write of the flags document). */
  async set(name: string, config: FlagConfig): Promise<void> {
    validate(name, config);
    const flags = await this.#readFromKV();
    await this.#save({ ...flags, [name]: config });
  }

  async delete(name: string): Promise<void> {
    const { [name]: _removed, ...rest } = await this.#readFromKV();
    await this.#save(rest);
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

  async #flags(): Promise<FlagDocument> {
    if (this.#cached && this.#now() - this.#cached.loadedAt < this.#cacheTtlMs) return this.#cached.flags;
    return this.#readFromKV();
  }

  async #readFromKV(): Promise<FlagDocument> {
    const flags = (await this.#store.get<FlagDocument>(FLAGS_KEY)) ?? {};
    this.#cached = { flags, loadedAt: this.#now() };
    return flags;
  }

  async #save(flags: FlagDocument): Promise<void> {
    await this.#store.set(FLAGS_KEY, flags, { ttl: 0 });
    this.#cached = { flags, loadedAt: this.#now() };
  }
}

/** Own properties only, so a flag named like `toString` is not found on Object.prototype. */
function configOf(flags: FlagDocument, name: string): FlagConfig | null {
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

function validate(name: string, config: FlagConfig): void {
  const problem = (message: string) => new FlagConfigError(`Flag "${name}": ${message}`);
  if (name === "") throw new FlagConfigError("Flag name must not be empty");
  if (typeof config.enabled !== "boolean") throw problem("enabled must be true or false");
  const { percentage } = config;
  if (percentage !== undefined && (typeof percentage !== "number" || !(percentage >= 0 && percentage <= 100))) {
    throw problem(`percentage must be a number from 0 to 100, got ${percentage}`);
  }
  for (const list of ["allowlist", "blocklist"] as const) {
    const ids = config[list];
    if (ids !== undefined && (!Array.isArray(ids) || ids.some((id) => typeof id !== "string"))) {
      throw problem(`${list} must be a list of user id strings`);
    }
  }
  for (const field of ["startTime", "endTime"] as const) {
    const value = config[field];
    if (value !== undefined && (!ISO_8601.test(value) || Number.isNaN(Date.parse(value)))) {
      throw problem(`${field} must be an ISO 8601 date or date-time, got "${value}"`);
    }
  }
  if (config.startTime && config.endTime && Date.parse(config.startTime) >= Date.parse(config.endTime)) {
    throw problem("startTime must be before endTime");
  }
}
