/**
 * Typed application configuration, read on every request.
 *
 * The whole configuration is ONE KV document (under keys.config(name), "config:app" by
 * default), not one key per setting: a request that needs three settings then costs one
 * KV read instead of three, and an instance keeps the document in memory for `cacheTtl`
 * seconds, so most requests cost no KV operation at all. The price: without a
 * `writer`, an update is a read-modify-write of the whole document in KV. Two admins
 * updating within about a minute of each other from different locations can each
 * start from a copy without the other's change (KV caches the document at the edge
 * for up to a minute), and the last write wins; KV also refuses a second write to the
 * document within a second (429). With a `writer` (document-writer.ts, in a project
 * made with `--document-writes durable-object`), every update goes to one Durable
 * Object that applies the same pure `applyUpdate` to its own copy, one update at a
 * time, and publishes the result: updates never overwrite each other (its first
 * update has a rule of its own: see document-writer.ts).
 *
 * Reads never throw on bad stored data: a setting of the wrong type falls back to its
 * default, a document that is not JSON or fails `validate` reads as the defaults, each
 * reported to `onError`. When KV fails, the last good copy in memory is served.
 *
 * A change reaches other locations after KV's propagation delay (60 s or more) plus up
 * to `cacheTtl` seconds in each isolate's memory. Keep one ConfigStore per isolate (for
 * example at module scope, using `env` from "cloudflare:workers") so the memory copy is
 * shared by requests.
 *
 * Types come from the defaults (see settings.ts for the rules):
 *   const config = new ConfigStore(env.CONFIG, {
 *     defaults: { siteName: "Acme", maxUploadMb: 10, maintenance: false },
 *     validate: (c) => (c.maxUploadMb > 100 ? ["maxUploadMb must be at most 100"] : []),
 *   });
 *   if (await config.value("maintenance")) return new Response("Back soon", { status: 503 });
 */
import { keys } from "./keys";
import { KVStore } from "./kv-store";
import { applyUpdate, readSettings, SettingsValidationError, storedSettings, warnProblem, type ReportProblem, type Settings, type Validate } from "./settings";

/** Thrown by update; `problems` lists every problem, one sentence each. */
export { SettingsValidationError as ConfigValidationError } from "./settings";

export interface ConfigStoreOptions<C extends Settings> {
  /** Every setting with its default value; the values' types are the settings' types. */
  defaults: C;
  /** Checks across settings, beyond types; returns one sentence per problem. */
  validate?: Validate<C>;
  /** The document's name; it is stored under keys.config(name). Default "app". */
  name?: string;
  /** Seconds this instance keeps the configuration in memory; 0 reads KV every time. Default 60. */
  cacheTtl?: number;
  /** The clock, in ms since the epoch (for tests). Default Date.now. */
  now?: () => number;
  /** Receives each problem with stored data and each KV read failure served from memory. Default: console.warn. */
  onError?: ReportProblem;
  /**
   * The document's single writer, e.g. `env.CONFIG_WRITER` (a Durable Object binding,
   * see document-writer.ts): `update` sends its changes to the object named
   * after the key, which checks them against the same defaults and `validate`.
   * Unset: this instance writes KV.
   */
  writer?: ConfigWriters<C>;
}

/** A writer binding as `update` uses it: its object applies a batch and answers the document, or why it refused. */
export interface ConfigWriters<C extends Settings> {
  getByName(name: string): { update(changes: Partial<C>): Promise<{ document: unknown } | { refused: string[] }> };
}

/** What problems and error messages call the document: never its KV key. */
const WHAT = "configuration";

export class ConfigStore<C extends Settings> {
  readonly #store: KVStore;
  readonly #key: string;
  readonly #defaults: C;
  readonly #validate: Validate<C> | undefined;
  readonly #cacheMs: number;
  readonly #now: () => number;
  readonly #onError: ReportProblem;
  readonly #writer: ConfigStoreOptions<C>["writer"];
  #memory: { config: C; readAt: number } | null = null;

  constructor(kv: KVNamespace, options: ConfigStoreOptions<C>) {
    this.#onError = options.onError ?? warnProblem;
    this.#store = new KVStore(kv, { onError: (error) => this.#onError(error as Error) });
    this.#key = keys.config(options.name ?? "app");
    this.#defaults = options.defaults;
    this.#validate = options.validate;
    this.#cacheMs = (options.cacheTtl ?? 60) * 1000;
    this.#now = options.now ?? Date.now;
    this.#writer = options.writer;
  }

  /** The whole configuration: what KV holds merged over the defaults. 0 or 1 KV read. */
  async get(): Promise<C> {
    if (this.#memory && this.#now() - this.#memory.readAt < this.#cacheMs) return this.#memory.config;
    let stored: unknown;
    try {
      stored = await this.#store.get(this.#key);
    } catch (error) {
      // Stale-if-error: a failed read serves the last good copy rather than failing the request.
      if (this.#memory === null) throw error;
      this.#onError(error as Error);
      return this.#memory.config;
    }
    const config = readSettings(this.#defaults, stored, this.#validate, WHAT, this.#onError);
    this.#remember(config);
    return config;
  }

  /** One setting. */
  async value<K extends keyof C>(name: K): Promise<C[K]> {
    return (await this.get())[name];
  }

  /**
   * Changes some settings and returns the new configuration. Throws
   * ConfigValidationError, naming every problem, before writing anything.
   * 1 KV read and 1 write. Set a setting to undefined to return it to its default.
   * See the note on lost updates at the top of this file.
   */
  async update(changes: Partial<C>): Promise<C> {
    if (this.#writer) {
      // Type errors are found here; `validate` runs in the writer, on its own copy.
      applyUpdate(this.#defaults, {}, changes, undefined, WHAT);
      const result = await this.#writer.getByName(this.#key).update(changes);
      if ("refused" in result) throw new SettingsValidationError(WHAT, result.refused);
      const settings = readSettings(this.#defaults, result.document, this.#validate, WHAT, this.#onError);
      this.#remember(settings);
      return settings;
    }
    const current = storedSettings(this.#defaults, await this.#store.get(this.#key), WHAT, this.#onError);
    const { stored, settings } = applyUpdate(this.#defaults, current, changes, this.#validate, WHAT);
    await this.#store.set(this.#key, stored, { ttl: 0 });
    this.#remember(settings);
    return settings;
  }

  /** Deletes the stored document: every setting follows its default again. */
  async reset(): Promise<void> {
    await this.#store.delete(this.#key);
    this.#remember({ ...this.#defaults });
  }

  #remember(config: C): void {
    this.#memory = { config, readAt: this.#now() };
  }
}
