/**
 * A typed wrapper around a KV namespace that checks KV's limits before calling it.
 *
 * Rules of Workers KV worth knowing when you use it:
 * - KV is eventually consistent. A write is usually (not always) visible at once in
 *   the location that made it; other locations may keep serving the old value, or a
 *   cached "not found", for 60 seconds or more. Do not build counters or locks on it.
 * - One write per second per key; a faster write to the same key fails with 429.
 * - Expiry is lazy and coarse: `expirationTtl` must be at least 60 seconds and an
 *   absolute `expiration` at least 60 seconds ahead. Code that needs a precise
 *   deadline stores its own timestamp next to the value and checks it on read.
 * - A read's edge `cacheTtl` is at least 30 seconds (60 by default).
 * - Keys are at most 512 UTF-8 bytes and cannot be empty, `.` or `..`; values at
 *   most 25 MiB; metadata at most 1024 bytes as JSON; `list` returns at most 1000
 *   keys a page; a bulk `get` takes at most 100 keys and 25 MiB of values in total
 *   and counts as one operation; one invocation may make 1000 KV operations.
 * - The Free plan allows 1,000 writes a day per account (and 1,000 deletes, 1,000
 *   lists, 100,000 reads): count what each request writes.
 *
 * Reads never throw on bad stored data: a value that is not JSON reads as missing
 * and is reported to `onError`.
 */

/** The limits KVStore checks before it calls KV. */
export const KV_LIMITS = {
  minTtlSeconds: 60,
  minCacheTtlSeconds: 30,
  maxKeyBytes: 512,
  maxValueBytes: 25 * 1024 * 1024,
  maxMetadataBytes: 1024,
  maxListLimit: 1000,
  maxBulkGetKeys: 100,
  maxBulkReadBytes: 25 * 1024 * 1024,
  maxOperationsPerInvocation: 1000,
} as const;

/**
 * Thrown before any KV call when a request would break one of KV's limits. `status`
 * is the HTTP status it maps to: 413 for a value that is too large, else 400. The
 * message never contains the key: keys can hold user ids or other private parts.
 */
export class KVValidationError extends Error {
  override name = "KVValidationError";

  constructor(
    message: string,
    readonly status: 400 | 413 = 400,
  ) {
    super(message);
  }
}

/** Passed to `onError` for a stored value that is not valid JSON; the read returned null. */
export class KVDataError extends Error {
  override name = "KVDataError";
}

export interface KVStoreOptions {
  /** Prepended to every key, e.g. `"app:"`. Listed names come back without it. */
  prefix?: string;
  /** TTL in seconds for writes that do not give one; 0 or unset means no expiry. */
  defaultTtl?: number;
  /** The clock used to check `expiresAt`, in ms since the epoch. For tests. */
  now?: () => number;
  /**
   * Called with a KVDataError for each stored value that is not JSON (it read as
   * null). Default: a console warning, visible in `wrangler tail`.
   */
  onError?: (error: unknown, key: string) => void;
}

export interface ReadOptions {
  /**
   * Seconds the location that serves this read may cache the result (KV's own
   * edge cache, at least 30; KV's default is 60). Longer means faster reads of hot
   * keys and a longer wait before that location sees a new value.
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

export interface DeleteByPrefixOptions {
  /** KV operations this call may make (lists and deletes). Default 900, under KV's 1000 per invocation. */
  budget?: number;
  /** The `cursor` of an earlier call that stopped at its budget. */
  cursor?: string;
}

export interface DeleteByPrefixResult {
  deleted: number;
  /** Set when the budget ran out first: call again with it (in a new invocation) to go on. */
  cursor?: string;
  complete: boolean;
}

const utf8 = new TextEncoder();

export class KVStore {
  readonly #kv: KVNamespace;
  readonly #prefix: string;
  readonly #defaultTtl: number;
  readonly #now: () => number;
  readonly #onError: (error: unknown, key: string) => void;

  constructor(kv: KVNamespace, options: KVStoreOptions = {}) {
    this.#kv = kv;
    this.#prefix = options.prefix ?? "";
    this.#defaultTtl = options.defaultTtl ?? 0;
    this.#now = options.now ?? Date.now;
    this.#onError = options.onError ?? ((error) => console.warn(String(error)));
    if (this.#defaultTtl !== 0) checkTtl(this.#defaultTtl, "defaultTtl");
  }

  /** Reads a JSON value; null when the key does not exist, has expired, or holds something that is not JSON. */
  async get<T>(key: string, options: ReadOptions = {}): Promise<T | null> {
    const text = await this.#kv.get(this.#fullKey(key), { type: "text", ...readOptions(options) });
    return this.#parse<T>(key, text);
  }

  /** Reads a value as plain text; null when missing. */
  async getText(key: string, options: ReadOptions = {}): Promise<string | null> {
    return this.#kv.get(this.#fullKey(key), { type: "text", ...readOptions(options) });
  }

  /**
   * Reads a JSON value and its metadata in one operation. `cacheStatus` is what KV
   * says about its edge cache for this read (null where it says nothing, as locally).
   */
  async getWithMetadata<T, M = Record<string, unknown>>(
    key: string,
    options: ReadOptions = {},
  ): Promise<{ value: T | null; metadata: M | null; cacheStatus: string | null }> {
    const fullKey = this.#fullKey(key);
    const read = await this.#kv.getWithMetadata<M>(fullKey, { type: "text", ...readOptions(options) });
    return { value: this.#parse<T>(key, read.value), metadata: read.metadata, cacheStatus: read.cacheStatus ?? null };
  }

  /**
   * Reads many JSON values with KV's bulk get: one operation per 100 keys. The map
   * has an entry for every key asked for: null when missing or not JSON (reported to
   * onError; the other keys still read). A batch whose values pass KV's 25 MiB bulk
   * limit (413) is split in halves and read again, costing one more operation per split.
   */
  async getMany<T>(keys: string[], options: ReadOptions = {}): Promise<Map<string, T | null>> {
    const unique = [...new Set(keys)];
    const fullKeys = unique.map((key) => this.#fullKey(key));
    const kvOptions = { type: "text", ...readOptions(options) } as const;
    const result = new Map<string, T | null>();
    for (let start = 0; start < fullKeys.length; start += KV_LIMITS.maxBulkGetKeys) {
      const texts = await this.#bulkRead(fullKeys.slice(start, start + KV_LIMITS.maxBulkGetKeys), kvOptions);
      for (const [fullKey, text] of texts) {
        const key = fullKey.slice(this.#prefix.length);
        result.set(key, this.#parse<T>(key, text));
      }
    }
    return result;
  }

  /** Writes a value as JSON. */
  async set<T>(key: string, value: T, options: SetOptions = {}): Promise<void> {
    const json = JSON.stringify(value);
    if (json === undefined) {
      throw new KVValidationError("The value cannot be stored as JSON");
    }
    await this.setText(key, json, options);
  }

  /** Writes a string as it is (no JSON encoding). A value over 25 MiB is refused here, before KV. */
  async setText(key: string, value: string, options: SetOptions = {}): Promise<void> {
    const fullKey = this.#fullKey(key);
    const bytes = utf8.encode(value).byteLength;
    if (bytes > KV_LIMITS.maxValueBytes) {
      throw new KVValidationError(
        `The value is ${bytes} bytes; KV stores at most ${KV_LIMITS.maxValueBytes} bytes (25 MiB) per key`,
        413,
      );
    }
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
   * Deletes keys under a prefix: one list per page plus one delete per key, never
   * more than `budget` operations (default 900) so the call fits in one invocation's
   * 1000 KV operations with room for the rest of the request. When the budget runs
   * out first, the result has `complete: false` and a `cursor`: call again with it,
   * from another invocation (a queue consumer, a cron trigger, the next request).
   * Listing is eventually consistent too: a key written elsewhere in the last minute
   * may be missed. A key written in the last second refuses its delete (429): the call
   * then throws once the page's other deletes are done; call it again a second later.
   */
  async deleteByPrefix(prefix: string, options: DeleteByPrefixOptions = {}): Promise<DeleteByPrefixResult> {
    const budget = options.budget ?? 900;
    if (!Number.isInteger(budget) || budget < 2 || budget > KV_LIMITS.maxOperationsPerInvocation) {
      throw new KVValidationError(
        `budget must be a whole number from 2 to ${KV_LIMITS.maxOperationsPerInvocation} KV operations, got ${budget}`,
      );
    }
    let deleted = 0;
    let operations = 0;
    let cursor = options.cursor;
    while (budget - operations >= 2) {
      // One operation for the list, the rest of the budget for this page's deletes.
      const page = await this.list({ prefix, cursor, limit: Math.min(KV_LIMITS.maxListLimit, budget - operations - 1) });
      operations += 1 + page.keys.length;
      // Every delete of the page ends before a refused one (say a 429) is thrown.
      const deletes = await Promise.allSettled(page.keys.map((key) => this.delete(key.name)));
      const refused = deletes.find((result) => result.status === "rejected");
      if (refused) throw refused.reason;
      deleted += page.keys.length;
      cursor = page.cursor;
      if (page.complete) return { deleted, complete: true };
    }
    return { deleted, cursor, complete: false };
  }

  /**
   * Returns the stored value, or loads, stores and returns it. A `null` from
   * `load` is stored but reads back as "missing", so it is loaded again next time.
   * Requests that miss the same key within a second all load it; KV keeps the first
   * write and refuses the others with 429, and those requests still return what they loaded.
   */
  async getOrSet<T>(key: string, load: () => Promise<T>, options: SetOptions = {}): Promise<T> {
    const stored = await this.get<T>(key);
    if (stored !== null) return stored;
    const value = await load();
    try {
      await this.set(key, value, options);
    } catch (error) {
      if (!isTooManyWrites(error)) throw error;
    }
    return value;
  }

  /** One bulk read of at most 100 keys as text; split in halves when KV answers 413 (over 25 MiB in total). */
  async #bulkRead(fullKeys: string[], kvOptions: { type: "text"; cacheTtl?: number }): Promise<Map<string, string | null>> {
    try {
      const values = await this.#kv.get(fullKeys, kvOptions);
      return new Map(fullKeys.map((fullKey) => [fullKey, values.get(fullKey) ?? null]));
    } catch (error) {
      if (fullKeys.length < 2 || !/\b413\b/.test(String(error))) throw error;
      const half = Math.ceil(fullKeys.length / 2);
      const first = await this.#bulkRead(fullKeys.slice(0, half), kvOptions);
      const second = await this.#bulkRead(fullKeys.slice(half), kvOptions);
      return new Map([...first, ...second]);
    }
  }

  #parse<T>(key: string, text: string | null): T | null {
    if (text === null) return null;
    try {
      return JSON.parse(text) as T;
    } catch {
      this.#onError(new KVDataError(`A stored value is not JSON; it reads as missing (${text.length} characters)`), key);
      return null;
    }
  }

  #fullKey(key: string): string {
    if (key === "") throw new KVValidationError("Key must not be empty");
    const fullKey = this.#prefix + key;
    if (fullKey === "." || fullKey === "..") {
      throw new KVValidationError('Key must not be "." or ".."');
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

/** KV's answer to a second write to one key within a second: `429 Too Many Requests`. */
export function isTooManyWrites(error: unknown): boolean {
  return /\b429\b/.test(String(error));
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
