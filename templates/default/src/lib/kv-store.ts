/**
 * A typed wrapper around a KV namespace that checks KV's limits before calling it.
 *
 * Rules of Workers KV worth knowing when you use it:
 * - KV is eventually consistent. A write is visible at once in the location that
 *   made it, but other locations may keep serving the old value (or "not found")
 *   for 60 seconds or more. Do not build counters or locks that need exact reads.
 * - One write per second per key; faster writes to the same key fail with 429.
 * - Expiry is lazy and coarse: `expirationTtl` must be at least 60 seconds and an
 *   absolute `expiration` at least 60 seconds ahead. Code that needs a precise
 *   deadline stores its own timestamp next to the value and checks it on read.
 * - Keys are at most 512 UTF-8 bytes and cannot be empty, `.` or `..`; metadata
 *   is at most 1024 bytes serialized; `list` returns at most 1000 keys a page; a
 *   bulk `get` takes at most 100 keys; one invocation may make 1000 KV operations.
 */

/** The limits KVStore checks before it calls KV. */
export const KV_LIMITS = {
  minTtlSeconds: 60,
  minCacheTtlSeconds: 60,
  maxKeyBytes: 512,
  maxMetadataBytes: 1024,
  maxListLimit: 1000,
  maxBulkGetKeys: 100,
} as const;

/** Thrown before any KV call when a request would break one of KV's limits. */
export class KVValidationError extends Error {
  override name = "KVValidationError";
}

export interface KVStoreOptions {
  /** Prepended to every key, e.g. `"app:"`. Listed names come back without it. */
  prefix?: string;
  /** TTL in seconds for writes that do not give one; 0 or unset means no expiry. */
  defaultTtl?: number;
  /** The clock used to check `expiresAt`, in ms since the epoch. For tests. */
  now?: () => number;
}

export interface ReadOptions {
  /**
   * Seconds the location that serves this read may cache the result (KV's own
   * edge cache, at least 60). Longer means faster reads of hot keys and a longer
   * wait before that location sees a new value.
   */
  cacheTtl?: number;
}

export interface SetOptions {
  /** Seconds until the key expires (at least 60). 0 means never, even when a defaultTtl is set. */
  ttl?: number;
  /** Absolute expiry in epoch seconds (at least 60 seconds from now). */
  expiresAt?: number;
  /** Small data stored next to the value and returned by `list` (at most 1024 bytes as JSON). */
  metadata?: Record<string, unknown>;
}

export interface ListedKey {
  name: string;
  expiration?: number;
  metadata?: unknown;
}

export interface ListResult {
  keys: ListedKey[];
  cursor?: string;
  complete: boolean;
}

const utf8 = new TextEncoder();

export class KVStore {
  readonly #kv: KVNamespace;
  readonly #prefix: string;
  readonly #defaultTtl: number;
  readonly #now: () => number;

  constructor(kv: KVNamespace, options: KVStoreOptions = {}) {
    this.#kv = kv;
    this.#prefix = options.prefix ?? "";
    this.#defaultTtl = options.defaultTtl ?? 0;
    this.#now = options.now ?? Date.now;
    if (this.#defaultTtl !== 0) checkTtl(this.#defaultTtl, "defaultTtl");
  }

  /** Reads a JSON value; null when the key does not exist (or has expired). */
  async get<T>(key: string, options: ReadOptions = {}): Promise<T | null> {
    return this.#kv.get<T>(this.#fullKey(key), { type: "json", ...readOptions(options) });
  }

  /** Reads a value as plain text; null when missing. */
  async getText(key: string, options: ReadOptions = {}): Promise<string | null> {
    return this.#kv.get(this.#fullKey(key), { type: "text", ...readOptions(options) });
  }

  /** Reads a JSON value and its metadata in one operation. */
  async getWithMetadata<T, M = Record<string, unknown>>(
    key: string,
    options: ReadOptions = {},
  ): Promise<{ value: T | null; metadata: M | null }> {
    const fullKey = this.#fullKey(key);
    const { value, metadata } = await this.#kv.getWithMetadata<T, M>(fullKey, { type: "json", ...readOptions(options) });
    return { value, metadata };
  }

  /**
   * Reads many JSON values with KV's bulk get: one operation per 100 keys.
   * The map has an entry (null when missing) for every key asked for.
   */
  async getMany<T>(keys: string[], options: ReadOptions = {}): Promise<Map<string, T | null>> {
    const unique = [...new Set(keys)];
    const fullKeys = unique.map((key) => this.#fullKey(key));
    const kvOptions = { type: "json", ...readOptions(options) } as const;
    const result = new Map<string, T | null>();
    for (let start = 0; start < fullKeys.length; start += KV_LIMITS.maxBulkGetKeys) {
      const batch = fullKeys.slice(start, start + KV_LIMITS.maxBulkGetKeys);
      const values = await this.#kv.get<T>(batch, kvOptions);
      for (const fullKey of batch) {
        result.set(fullKey.slice(this.#prefix.length), values.get(fullKey) ?? null);
      }
    }
    return result;
  }

  /** Writes a value as JSON. */
  async set<T>(key: string, value: T, options: SetOptions = {}): Promise<void> {
    const json = JSON.stringify(value);
    if (json === undefined) {
      throw new KVValidationError(`Value for "${key}" cannot be stored as JSON`);
    }
    await this.setText(key, json, options);
  }

  /** Writes a string as it is (no JSON encoding). */
  async setText(key: string, value: string, options: SetOptions = {}): Promise<void> {
    const fullKey = this.#fullKey(key);
    await this.#kv.put(fullKey, value, this.#putOptions(options));
  }

  /** Deletes a key; deleting a missing key is not an error. Other locations may serve it for up to a minute. */
  async delete(key: string): Promise<void> {
    await this.#kv.delete(this.#fullKey(key));
  }

  /** Lists one page of keys (at most 1000), in byte order, with names relative to the store prefix. */
  async list(options: { prefix?: string; limit?: number; cursor?: string } = {}): Promise<ListResult> {
    const limit = options.limit ?? KV_LIMITS.maxListLimit;
    if (!Number.isInteger(limit) || limit < 1 || limit > KV_LIMITS.maxListLimit) {
      throw new KVValidationError(
        `List limit must be a whole number from 1 to ${KV_LIMITS.maxListLimit} (KV returns at most ${KV_LIMITS.maxListLimit} keys a page), got ${limit}`,
      );
    }
    const page = await this.#kv.list({
      prefix: this.#prefix + (options.prefix ?? ""),
      limit,
      cursor: options.cursor,
    });
    const keys = page.keys.map(({ name, expiration, metadata }) => {
      const listed: ListedKey = { name: name.slice(this.#prefix.length) };
      if (expiration !== undefined) listed.expiration = expiration;
      if (metadata !== undefined) listed.metadata = metadata;
      return listed;
    });
    return page.list_complete
      ? { keys, complete: true }
      : { keys, cursor: page.cursor, complete: false };
  }

  /** Walks every key under a prefix, one list operation per 1000 keys. */
  async *keys(options: { prefix?: string } = {}): AsyncIterable<ListedKey> {
    let cursor: string | undefined;
    do {
      const page = await this.list({ prefix: options.prefix, cursor });
      yield* page.keys;
      cursor = page.cursor;
    } while (cursor !== undefined);
  }

  /**
   * Deletes every key under a prefix and returns how many it deleted. Costs one
   * list per 1000 keys plus one delete per key, so keep it to small prefixes:
   * an invocation may make at most 1000 KV operations.
   */
  async deleteByPrefix(prefix: string): Promise<number> {
    let deleted = 0;
    let cursor: string | undefined;
    do {
      const page = await this.list({ prefix, cursor });
      await Promise.all(page.keys.map((key) => this.delete(key.name)));
      deleted += page.keys.length;
      cursor = page.cursor;
    } while (cursor !== undefined);
    return deleted;
  }

  /**
   * Returns the stored value, or loads, stores and returns it. A `null` from
   * `load` is stored but reads back as "missing", so it is loaded again next time.
   */
  async getOrSet<T>(key: string, load: () => Promise<T>, options: SetOptions = {}): Promise<T> {
    const stored = await this.get<T>(key);
    if (stored !== null) return stored;
    const value = await load();
    await this.set(key, value, options);
    return value;
  }

  #fullKey(key: string): string {
    if (key === "") throw new KVValidationError("Key must not be empty");
    const fullKey = this.#prefix + key;
    if (fullKey === "." || fullKey === "..") {
      throw new KVValidationError(`Key must not be "." or "..", got "${fullKey}"`);
    }
    const bytes = utf8.encode(fullKey).byteLength;
    if (bytes > KV_LIMITS.maxKeyBytes) {
      throw new KVValidationError(
        `Key is ${bytes} bytes with its prefix; KV allows at most ${KV_LIMITS.maxKeyBytes} UTF-8 bytes`,
      );
    }
    return fullKey;
  }

  #putOptions(options: SetOptions): KVNamespacePutOptions {
    const putOptions: KVNamespacePutOptions = {};
    if (options.ttl !== undefined && options.expiresAt !== undefined) {
      throw new KVValidationError("Give either ttl or expiresAt, not both");
    }
    if (options.expiresAt !== undefined) {
      const earliest = Math.ceil(this.#now() / 1000) + KV_LIMITS.minTtlSeconds;
      if (!Number.isInteger(options.expiresAt) || options.expiresAt < earliest) {
        throw new KVValidationError(
          `expiresAt must be whole epoch seconds at least ${KV_LIMITS.minTtlSeconds} seconds from now (KV's minimum), got ${options.expiresAt}`,
        );
      }
      putOptions.expiration = options.expiresAt;
    } else {
      const ttl = options.ttl ?? this.#defaultTtl;
      if (ttl !== 0) putOptions.expirationTtl = checkTtl(ttl, "ttl");
    }
    if (options.metadata !== undefined) {
      const bytes = utf8.encode(JSON.stringify(options.metadata)).byteLength;
      if (bytes > KV_LIMITS.maxMetadataBytes) {
        throw new KVValidationError(
          `Metadata is ${bytes} bytes as JSON; KV allows at most ${KV_LIMITS.maxMetadataBytes} bytes`,
        );
      }
      putOptions.metadata = options.metadata;
    }
    return putOptions;
  }
}

function readOptions({ cacheTtl }: ReadOptions): { cacheTtl?: number } {
  if (cacheTtl === undefined) return {};
  if (!Number.isInteger(cacheTtl) || cacheTtl < KV_LIMITS.minCacheTtlSeconds) {
    throw new KVValidationError(
      `cacheTtl must be whole seconds, at least ${KV_LIMITS.minCacheTtlSeconds} (KV's minimum in production); got ${cacheTtl}`,
    );
  }
  return { cacheTtl };
}

function checkTtl(ttl: number, name: string): number {
  if (!Number.isInteger(ttl) || ttl < KV_LIMITS.minTtlSeconds) {
    throw new KVValidationError(
      `${name} must be whole seconds, at least ${KV_LIMITS.minTtlSeconds} (KV's minimum expirationTtl), or 0 for no expiry; got ${ttl}`,
    );
  }
  return ttl;
}
