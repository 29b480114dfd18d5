/**
 * Typed application configuration, read on every request.
 *
 * The whole configuration is ONE KV document (under keys.config(name), "config:app" by
 * default), not one key per setting: a request that needs three settings then costs one
 * KV read instead of three, and an instance keeps the document in memory for `cacheTtl`
 * seconds, so most requests cost no KV operation at all. The price: an update rewrites
 * the whole document, so two admins updating at the same moment can lose one change
 * (last write wins), and KV accepts one write per second to the document.
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
import { applyUpdate, readSettings, storedSettings, type Settings, type Validate } from "./settings";

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
}

export class ConfigStore<C extends Settings> {
  readonly #store: KVStore;
  readonly #key: string;
  readonly #defaults: C;
  readonly #validate: Validate<C> | undefined;
  readonly #cacheMs: number;
  readonly #now: () => number;
  #memory: { config: C; readAt: number } | null = null;

  constructor(kv: KVNamespace, options: ConfigStoreOptions<C>) {
    this.#store = new KVStore(kv);
    this.#key = keys.config(options.name ?? "app");
    this.#defaults = options.defaults;
    this.#validate = options.validate;
    this.#cacheMs = (options.cacheTtl ?? 60) * 1000;
    this.#now = options.now ?? Date.now;
  }

  /** The whole configuration: what KV holds merged over the defaults. 0 or 1 KV read. */
  async get(): Promise<C> {
    if (this.#memory && this.#now() - this.#memory.readAt < this.#cacheMs) return this.#memory.config;
    const config = readSettings(this.#defaults, await this.#store.get(this.#key), this.#validate, this.#key);
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
   */
  async update(changes: Partial<C>): Promise<C> {
    const current = storedSettings(this.#defaults, await this.#store.get(this.#key), this.#key);
    const { stored, settings } = applyUpdate(this.#defaults, current, changes, this.#validate, this.#key);
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
