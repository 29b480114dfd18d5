/**
 * A test double of PRODUCTION Workers KV, built on a real local namespace.
 *
 * Local KV (miniflare) is one location, strongly consistent, takes any number of
 * writes to a key and has no per-invocation budget. Code that is right only there is
 * not right. This double wraps a real namespace and adds, deterministically and with
 * a clock the test moves (no real waiting):
 *
 * - Locations. `at("london")` and `at("sydney")` are bindings as seen from two places.
 *   A write (or delete) is visible at once where it was made, and elsewhere only
 *   `propagationMs` later (default 60 s). Until then the other location keeps reading
 *   the previous value, or "not found" if there was none: the stale reads and cached
 *   negative lookups of KV's edge caches.
 * - One write per second per key. A second put or delete of the same key within
 *   1000 ms, from any location, throws `KV PUT failed: 429 Too Many Requests`
 *   (`KV DELETE failed: ...`), the error production KV gives.
 * - The operation budget. Each `at()` call is one invocation: its binding allows
 *   `operationBudget` operations (default 1000) and then throws
 *   `Too many API requests by single worker invocation.` A bulk get of up to 100 keys
 *   counts as one operation.
 * - Size limits, with production's status codes: key over 512 UTF-8 bytes (414),
 *   value over 25 MiB (413), metadata over 1024 bytes as JSON (413), bulk get over
 *   100 keys (400) or over 25 MiB of values in total (413). Tests may lower them
 *   (`limits`) so a 413 needs kilobytes, not megabytes.
 *
 * What it cannot simulate: real timing (propagation here is exactly `propagationMs`,
 * the worst case, where production is often faster and sometimes slower); a read's
 * own `cacheTtl` (a long one keeps a location stale longer in production); stale
 * `list` results (list reads the real namespace, so it is always current); expiry of
 * a stale copy; a write in the writer's own location that is NOT yet visible there
 * (production says "usually"); network errors and 5xx answers (use refusing-kv.ts).
 *
 * Each double keeps its keys under its own short prefix in the real namespace, so
 * tests that share a namespace do not see each other's keys. That prefix costs
 * `prefix.length` bytes of the real namespace's 512-byte key limit.
 */

export interface ProductionKVLimits {
  maxKeyBytes: number;
  maxValueBytes: number;
  maxMetadataBytes: number;
  maxBulkGetKeys: number;
  maxBulkReadBytes: number;
}

export const PRODUCTION_KV_LIMITS: ProductionKVLimits = {
  maxKeyBytes: 512,
  maxValueBytes: 25 * 1024 * 1024,
  maxMetadataBytes: 1024,
  maxBulkGetKeys: 100,
  maxBulkReadBytes: 25 * 1024 * 1024,
};

export interface ProductionKVOptions {
  /** The clock, in ms since the epoch. Move it forward to let writes propagate. */
  now?: () => number;
  /** How long a write takes to show in other locations. Default 60 000 ms. */
  propagationMs?: number;
  /** KV operations one invocation (one `at()` binding) may make. Default 1000. */
  operationBudget?: number;
  /** Lower limits for fast tests; unset ones are production's. */
  limits?: Partial<ProductionKVLimits>;
  /** Where this double keeps its keys in the real namespace. Default: unique per double. */
  prefix?: string;
}

export interface ProductionKV {
  /**
   * A binding for one invocation in `location`, with its own operation budget.
   * Test set-up that writes more than a budget's worth can pass `{ operationBudget: Infinity }`.
   */
  at(location: string, options?: { operationBudget?: number }): KVNamespace;
  /** Every operation made through any binding of this double, in order (for assertions). */
  readonly log: { location: string; operation: string; key?: string }[];
}

/** One write as a location may see it: `bytes` null means deleted. */
interface Version {
  bytes: Uint8Array | null;
  metadata: unknown;
  writtenAt: number;
  location: string;
}

type GetType = "text" | "json" | "arrayBuffer" | "stream";

const utf8 = new TextEncoder();
const WRITE_INTERVAL_MS = 1000;
/** What the real namespace held before the double first wrote a key: seen everywhere. */
const BEFORE_THE_TEST = "";

export function productionKV(inner: KVNamespace, options: ProductionKVOptions = {}): ProductionKV {
  const now = options.now ?? Date.now;
  const propagationMs = options.propagationMs ?? 60_000;
  const budget = options.operationBudget ?? 1000;
  const limits = { ...PRODUCTION_KV_LIMITS, ...options.limits };
  const prefix = options.prefix ?? `p${crypto.randomUUID().slice(0, 8)}/`;
  const history = new Map<string, Version[]>();
  const lastWriteAt = new Map<string, number>();
  const log: ProductionKV["log"] = [];

  const innerKey = (key: string) => prefix + key;

  /** The newest version of `key` that `location` can see; undefined when it sees the real namespace. */
  function visibleVersion(key: string, location: string): Version | undefined {
    const versions = history.get(key);
    if (versions === undefined) return undefined;
    for (let index = versions.length - 1; index >= 0; index--) {
      const version = versions[index]!;
      const visible = version.location === location || version.location === BEFORE_THE_TEST || now() >= version.writtenAt + propagationMs;
      if (!visible) continue;
      // The newest version of all is what the real namespace holds (and expires).
      return index === versions.length - 1 ? undefined : version;
    }
    return undefined;
  }

  /** Like readRaw for many keys, with one read of the real namespace for those that see its current value. */
  async function readRawMany(keys: string[], location: string): Promise<(readonly [string, { bytes: Uint8Array | null; metadata: unknown }])[]> {
    const current = keys.filter((key) => visibleVersion(key, location) === undefined);
    const read = current.length === 0 ? new Map() : await inner.getWithMetadata(current.map(innerKey), "text");
    return keys.map((key) => {
      const stale = visibleVersion(key, location);
      if (stale !== undefined) return [key, { bytes: stale.bytes, metadata: stale.metadata }] as const;
      const found = read.get(innerKey(key));
      const bytes = found?.value == null ? null : utf8.encode(found.value);
      return [key, { bytes, metadata: found?.metadata ?? null }] as const;
    });
  }

  async function readRaw(key: string, location: string): Promise<{ bytes: Uint8Array | null; metadata: unknown }> {
    const stale = visibleVersion(key, location);
    if (stale !== undefined) return { bytes: stale.bytes, metadata: stale.metadata };
    const { value, metadata } = await inner.getWithMetadata(innerKey(key), "arrayBuffer");
    return { bytes: value === null ? null : new Uint8Array(value), metadata };
  }

  /**
   * Refuses a second write to a key within a second, from any location. It takes the
   * key's slot at once, before any await, so two concurrent writes cannot both pass.
   */
  function checkWriteRate(key: string, operation: "PUT" | "DELETE") {
    const last = lastWriteAt.get(key);
    if (last !== undefined && now() - last < WRITE_INTERVAL_MS) {
      throw new Error(`KV ${operation} failed: 429 Too Many Requests`);
    }
    lastWriteAt.set(key, now());
  }

  /** Remembers what the real namespace held before this double first writes `key`. */
  async function keepOriginal(key: string) {
    if (history.has(key)) return;
    const { value, metadata } = await inner.getWithMetadata(innerKey(key), "arrayBuffer");
    const bytes = value === null ? null : new Uint8Array(value);
    history.set(key, [{ bytes, metadata, writtenAt: 0, location: BEFORE_THE_TEST }]);
  }

  function recordWrite(key: string, location: string, bytes: Uint8Array | null, metadata: unknown) {
    history.get(key)!.push({ bytes, metadata, writtenAt: now(), location });
  }

  function checkKey(key: string, operation: string) {
    const bytes = utf8.encode(key).byteLength;
    if (bytes > limits.maxKeyBytes) {
      throw new Error(`KV ${operation} failed: 414 UTF-8 encoded length of ${bytes} exceeds key length limit of ${limits.maxKeyBytes}.`);
    }
  }

  function at(location: string, atOptions: { operationBudget?: number } = {}): KVNamespace {
    const invocationBudget = atOptions.operationBudget ?? budget;
    let operations = 0;
    const spend = (operation: string, key?: string) => {
      log.push({ location, operation, key });
      operations++;
      if (operations > invocationBudget) throw new Error("Too many API requests by single worker invocation.");
    };

    async function getOne(key: string, type: GetType, withMetadata: boolean) {
      checkKey(key, "GET");
      const { bytes, metadata } = await readRaw(key, location);
      const value = bytes === null ? null : decode(bytes, type);
      return withMetadata ? { value, metadata: bytes === null ? null : (metadata ?? null), cacheStatus: null } : value;
    }

    async function getBulk(keys: string[], type: GetType, withMetadata: boolean) {
      if (keys.length > limits.maxBulkGetKeys) {
        throw new Error(`KV GET_BULK failed: 400 You can request a maximum of ${limits.maxBulkGetKeys} keys`);
      }
      if (type !== "text" && type !== "json") {
        throw new Error(`KV GET_BULK failed: 400 "${type}" is not a valid type. Use "json" or "text"`);
      }
      const raw = await readRawMany(keys, location);
      const total = raw.reduce((sum, [, { bytes }]) => sum + (bytes?.byteLength ?? 0), 0);
      if (total > limits.maxBulkReadBytes) {
        throw new Error(`KV GET_BULK failed: 413 Total size of request exceeds the limit of ${limits.maxBulkReadBytes} bytes`);
      }
      const result = new Map<string, unknown>();
      for (const [key, { bytes, metadata }] of raw) {
        const value = bytes === null ? null : decode(bytes, type);
        result.set(key, withMetadata ? (bytes === null ? null : { value, metadata: metadata ?? null }) : value);
      }
      return result;
    }

    const binding = {
      async get(keyOrKeys: string | string[], typeOrOptions?: GetType | { type?: GetType; cacheTtl?: number }) {
        const type = readType(typeOrOptions);
        checkCacheTtl(typeOrOptions);
        spend("get", Array.isArray(keyOrKeys) ? undefined : keyOrKeys);
        return Array.isArray(keyOrKeys) ? getBulk(keyOrKeys, type, false) : getOne(keyOrKeys, type, false);
      },
      async getWithMetadata(keyOrKeys: string | string[], typeOrOptions?: GetType | { type?: GetType; cacheTtl?: number }) {
        const type = readType(typeOrOptions);
        checkCacheTtl(typeOrOptions);
        spend("getWithMetadata", Array.isArray(keyOrKeys) ? undefined : keyOrKeys);
        return Array.isArray(keyOrKeys) ? getBulk(keyOrKeys, type, true) : getOne(keyOrKeys, type, true);
      },
      async put(key: string, value: string | ArrayBuffer | ArrayBufferView | ReadableStream, putOptions: KVNamespacePutOptions = {}) {
        spend("put", key);
        checkKey(key, "PUT");
        const bytes = await toBytes(value);
        if (bytes.byteLength > limits.maxValueBytes) {
          throw new Error(`KV PUT failed: 413 Value length of ${bytes.byteLength} exceeds limit of ${limits.maxValueBytes}.`);
        }
        if (putOptions.metadata !== undefined && putOptions.metadata !== null) {
          const metadataBytes = utf8.encode(JSON.stringify(putOptions.metadata)).byteLength;
          if (metadataBytes > limits.maxMetadataBytes) {
            throw new Error(`KV PUT failed: 413 Metadata length of ${metadataBytes} exceeds limit of ${limits.maxMetadataBytes}.`);
          }
        }
        checkWriteRate(key, "PUT");
        await keepOriginal(key);
        await inner.put(innerKey(key), bytes, putOptions);
        recordWrite(key, location, bytes, putOptions.metadata ?? null);
      },
      async delete(key: string) {
        spend("delete", key);
        checkKey(key, "DELETE");
        checkWriteRate(key, "DELETE");
        await keepOriginal(key);
        await inner.delete(innerKey(key));
        recordWrite(key, location, null, null);
      },
      async list(listOptions: KVNamespaceListOptions = {}) {
        spend("list");
        const page = await inner.list({ ...listOptions, prefix: prefix + (listOptions.prefix ?? "") });
        return { ...page, keys: page.keys.map((key) => ({ ...key, name: key.name.slice(prefix.length) })) };
      },
    };
    return binding as unknown as KVNamespace;
  }

  return { at, log };
}

function readType(typeOrOptions: GetType | { type?: GetType } | undefined): GetType {
  if (typeof typeOrOptions === "string") return typeOrOptions;
  return typeOrOptions?.type ?? "text";
}

function checkCacheTtl(typeOrOptions: GetType | { cacheTtl?: number } | undefined): void {
  if (typeof typeOrOptions !== "object" || typeOrOptions.cacheTtl === undefined) return;
  if (!(typeOrOptions.cacheTtl >= 30)) {
    throw new Error(`KV GET failed: 400 Invalid cache_ttl of ${typeOrOptions.cacheTtl}. Cache TTL must be at least 30.`);
  }
}

function decode(bytes: Uint8Array, type: GetType): unknown {
  switch (type) {
    case "text":
      return new TextDecoder().decode(bytes);
    case "json":
      return JSON.parse(new TextDecoder().decode(bytes));
    case "arrayBuffer":
      return bytes.slice().buffer;
    case "stream":
      return new Response(bytes.slice()).body;
  }
}

async function toBytes(value: string | ArrayBuffer | ArrayBufferView | ReadableStream): Promise<Uint8Array> {
  if (typeof value === "string") return utf8.encode(value);
  if (value instanceof ArrayBuffer) return new Uint8Array(value.slice(0));
  if (ArrayBuffer.isView(value)) return new Uint8Array(value.buffer.slice(value.byteOffset, value.byteOffset + value.byteLength));
  return new Uint8Array(await new Response(value).arrayBuffer());
}
