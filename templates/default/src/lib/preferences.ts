/**
 * Per-user preferences, merged over defaults.
 *
 * Each user has one KV document under keys.prefs(userId) holding only the preferences
 * that user chose. Reads merge it over the defaults, so changing a default in code
 * reaches every user who never chose otherwise, and a user with no document costs one
 * read and no storage. Types come from the defaults (see settings.ts for the rules).
 *
 * KV accepts one write per second per key, so save a user's changes together in one
 * update rather than one call per field (a second update within a second fails with
 * 429). An update is a read-modify-write: two updates by one user from different
 * locations within about a minute can lose one of them. A user reading right after an
 * update in another location may see the old preferences for up to a minute.
 *
 * Reads never throw on bad stored data: a preference of the wrong type falls back to
 * its default, a document that is not JSON or fails `validate` reads as the defaults,
 * each reported to `onError`. When KV itself fails, `get` and `update` throw: there is
 * no stale-if-error, because a store keeps no copy of each user's document, and the
 * defaults would show users settings they never chose (an update built on them would
 * erase their choices).
 *
 *   const prefs = new PreferencesStore(env.PREFS, { defaults: { theme: "light", pageSize: 20 } });
 *   await prefs.update(userId, { theme: "dark" });
 *   const { theme, pageSize } = await prefs.get(userId); // "dark", 20
 */
import { keys } from "./keys";
import { KVStore } from "./kv-store";
import { applyUpdate, readSettings, storedSettings, warnProblem, type ReportProblem, type Settings, type Validate } from "./settings";

/** Thrown by update; `problems` lists every problem, one sentence each. */
export { SettingsValidationError as PreferencesValidationError } from "./settings";

export interface PreferencesOptions<P extends Settings> {
  /** Every preference with its default value; the values' types are the preferences' types. */
  defaults: P;
  /** Checks across preferences, beyond types; returns one sentence per problem. */
  validate?: Validate<P>;
  /** Seconds a user's document lives after their last update (at least 60); 0 or unset keeps it. */
  ttl?: number;
  /** Receives each problem found in a stored document. Default: console.warn. */
  onError?: ReportProblem;
}

/** What problems and error messages call a document: never its KV key, which holds the user id. */
const WHAT = "preferences";

export class PreferencesStore<P extends Settings> {
  readonly #store: KVStore;
  readonly #defaults: P;
  readonly #validate: Validate<P> | undefined;
  readonly #ttl: number;
  readonly #onError: ReportProblem;

  constructor(kv: KVNamespace, options: PreferencesOptions<P>) {
    this.#onError = options.onError ?? warnProblem;
    this.#store = new KVStore(kv, { onError: (error) => this.#onError(error as Error) });
    this.#defaults = options.defaults;
    this.#validate = options.validate;
    this.#ttl = options.ttl ?? 0;
  }

  /** The user's preferences over the defaults. 1 KV read. */
  async get(userId: string): Promise<P> {
    const stored = await this.#store.get(keys.prefs(userId));
    return readSettings(this.#defaults, stored, this.#validate, WHAT, this.#onError);
  }

  /**
   * Changes some of the user's preferences and returns all of them. Throws
   * PreferencesValidationError, naming every problem, before writing anything.
   * 1 KV read and 1 write. Set a preference to undefined to return it to its default.
   */
  async update(userId: string, changes: Partial<P>): Promise<P> {
    const key = keys.prefs(userId);
    const current = storedSettings(this.#defaults, await this.#store.get(key), WHAT, this.#onError);
    const { stored, settings } = applyUpdate(this.#defaults, current, changes, this.#validate, WHAT);
    await this.#store.set(key, stored, { ttl: this.#ttl });
    return settings;
  }

  /** Forgets the user's choices: they get the defaults again. 1 KV delete. */
  async delete(userId: string): Promise<void> {
    await this.#store.delete(keys.prefs(userId));
  }
}
