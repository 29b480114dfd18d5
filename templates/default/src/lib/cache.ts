/**
 * The standard cache patterns on top of KVStore, plus invalidation and hit-rate stats.
 *
 * Every pattern stores the same entry, `{ value, storedAt }` (storedAt in ms since the
 * epoch), so any pattern can read what another wrote and a cached `null` is told apart
 * from a miss. Values must survive JSON (no Dates, Maps or class instances).
 *
 * KV rules that shape this module:
 * - Expiry is lazy and eventually consistent: a key can still be read for a while after
 *   its expiration. So stale-while-revalidate and refresh-ahead judge freshness by
 *   `storedAt`, never by whether KV still has the key; KV's expirationTtl only bounds
 *   how long the entry takes up storage, and it is never below KV's 60 s minimum.
 * - Writes take up to 60 s or more to reach other locations, so an invalidation or a
 *   refresh is seen elsewhere only after that delay.
 * - One write per second per key: many isolates refreshing one hot key at once would be
 *   refused (429), which is why a refresh failure is counted and never thrown at a reader.
 */
import { keyPart } from "./keys";
import { KV_LIMITS, KVStore, KVValidationError, type DeleteByPrefixOptions, type DeleteByPrefixResult } from "./kv-store";

/** Anything that can keep work alive after the response: the fetch handler's `ctx`. */
export interface WaitUntil {
  waitUntil(promise: Promise<unknown>): void;
}

/** Options every pattern accepts. */
export interface CacheOptions {
  /** Called for each error the cache absorbs (a failed KV read or write, a failed refresh). */
  onError?: (error: unknown, key: string) => void;
  /** The clock, in ms since the epoch. Tests move time with it; defaults to Date.now. */
  now?: () => number;
}

/** Options of the patterns that leave expiry to KV. */
export interface CacheAsideOptions extends CacheOptions {
  /** Seconds the entry lives in KV: at least 60, or 0 for never. Unset: the store's defaultTtl. */
  ttl?: number;
}

export interface StaleWhileRevalidateOptions extends CacheOptions {
  /** Seconds an entry is fresh: served with no refresh. */
  ttl: number;
  /** Seconds after that during which the entry is served stale while it refreshes. */
  staleTtl: number;
}

export interface RefreshAheadOptions extends CacheOptions {
  /** Seconds an entry may be served. */
  ttl: number;
  /** Seconds before the end of `ttl` from which a hit also refreshes the entry. */
  refreshBefore: number;
}

function clock(options: CacheOptions): () => number {
  return options.now ?? Date.now;
}

interface CacheEntry<T> {
  value: T;
  storedAt: number;
}

// ---------------------------------------------------------------------------
// Per-isolate stats

export interface CacheStats {
  /** Reads answered by a fresh entry. */
  hits: number;
  /** Reads that found nothing usable and called `load`. */
  misses: number;
  /** Reads answered by a stale entry while it refreshed in the background. */
  staleServes: number;
  /** Background refreshes that stored a new value. */
  refreshes: number;
  /** Errors absorbed by the cache: failed KV reads or writes, failed refreshes or write-behinds. */
  errors: number;
}

const stats: CacheStats = { hits: 0, misses: 0, staleServes: 0, refreshes: 0, errors: 0 };

/**
 * The counts since this isolate started (or since resetCacheStats), with the share of
 * reads served from KV. Each isolate counts on its own: numbers from two requests may
 * come from two different isolates.
 */
export function cacheStats(): CacheStats & { hitRate: number | null } {
  const served = stats.hits + stats.staleServes;
  const reads = served + stats.misses;
  return { ...stats, hitRate: reads === 0 ? null : served / reads };
}

export function resetCacheStats(): void {
  stats.hits = 0;
  stats.misses = 0;
  stats.staleServes = 0;
  stats.refreshes = 0;
  stats.errors = 0;
}

/** Counts an error the cache absorbed and hands it to onError. */
function report(error: unknown, key: string, options: CacheOptions): void {
  stats.errors++;
  options.onError?.(error, key);
}

// ---------------------------------------------------------------------------
// Entries

function isEntry(stored: unknown): stored is CacheEntry<unknown> {
  return (
    typeof stored === "object" &&
    stored !== null &&
    typeof (stored as CacheEntry<unknown>).storedAt === "number"
  );
}

/**
 * One KV read. A failed read counts as a miss, so the source still answers; a
 * KVValidationError (a bad key) is a bug in the caller and is thrown.
 */
async function readEntry<T>(
  store: KVStore,
  key: string,
  options: CacheOptions,
): Promise<CacheEntry<T> | null> {
  try {
    const stored = await store.get<unknown>(key);
    return isEntry(stored) ? (stored as CacheEntry<T>) : null;
  } catch (error) {
    if (error instanceof KVValidationError) throw error;
    report(error, key, options);
    return null;
  }
}

function writeEntry<T>(
  store: KVStore,
  key: string,
  value: T,
  storedAt: number,
  ttl: number | undefined,
): Promise<void> {
  const entry: CacheEntry<T> = { value, storedAt };
  return store.set(key, entry, { ttl });
}

/**
 * Stores a freshly loaded value. The reader already has its value, so a failed write
 * (say a 429 because another isolate wrote the key this second) is counted, not thrown.
 */
async function storeLoaded<T>(
  store: KVStore,
  key: string,
  value: T,
  ttl: number | undefined,
  options: CacheOptions,
): Promise<void> {
  try {
    await writeEntry(store, key, value, clock(options)(), ttl);
  } catch (error) {
    if (error instanceof KVValidationError) throw error;
    report(error, key, options);
  }
}

async function loadAndStore<T>(
  store: KVStore,
  key: string,
  load: () => Promise<T>,
  ttl: number | undefined,
  options: CacheOptions,
): Promise<T> {
  stats.misses++;
  const value = await load();
  await storeLoaded(store, key, value, ttl, options);
  return value;
}

/** The KV expirationTtl that keeps an entry for `seconds`: whole seconds, at least KV's minimum. */
function kvTtlCovering(seconds: number): number {
  return Math.max(KV_LIMITS.minTtlSeconds, Math.ceil(seconds));
}

function requireSeconds(name: string, value: number, rule: "above 0" | "0 or more"): void {
  const ok = Number.isFinite(value) && (rule === "above 0" ? value > 0 : value >= 0);
  if (!ok) throw new RangeError(`${name} must be ${rule} seconds, got ${value}`);
}

// ---------------------------------------------------------------------------
// Background refresh, once per key per isolate

/**
 * Keys being refreshed in this isolate, with when the refresh started. A second stale
 * hit on the same key does not start a second load. It is keyed by the key alone, so it
 * works however often KVStore objects are created; two stores whose keys coincide only
 * share the "already refreshing" mark. Other isolates may still refresh the same key:
 * that costs a duplicate load, never a wrong answer.
 * Misses are not shared between requests: Workers cancel a request's I/O when it ends,
 * so one request must not await a load started by another.
 */
const refreshing = new Map<string, number>();

/** Work passed to waitUntil is cut off 30 s after the response; a refresh older than that is lost. */
const REFRESH_GIVE_UP_MS = 30_000;

function refreshInBackground<T>(
  store: KVStore,
  key: string,
  load: () => Promise<T>,
  kvTtl: number,
  ctx: WaitUntil,
  options: CacheOptions,
): void {
  const now = clock(options);
  const since = refreshing.get(key);
  if (since !== undefined && now() - since < REFRESH_GIVE_UP_MS) return;

  const startedAt = now();
  refreshing.set(key, startedAt);
  const refresh = async () => {
    try {
      const value = await load();
      await writeEntry(store, key, value, now(), kvTtl);
      stats.refreshes++;
    } catch (error) {
      report(error, key, options);
    } finally {
      if (refreshing.get(key) === startedAt) refreshing.delete(key);
    }
  };
  ctx.waitUntil(refresh());
}

// ---------------------------------------------------------------------------
// Read patterns

/**
 * Cache-aside: read KV; on a miss, load from the source and store the value.
 * A hit costs 1 KV read; a miss 1 read and 1 write. `ttl` (seconds, at least 60, or 0
 * for no expiry) falls back to the store's defaultTtl. Expiry here is KV's own, which is
 * lazy: use staleWhileRevalidate when an entry must not be served past its age.
 *
 * The race it leaves open: a miss starts a slow load; meanwhile the source changes and
 * the entry is invalidated (there is nothing to delete yet); then the load finishes and
 * stores the OLD value, which is served until `ttl` ends. The window is the load's
 * duration (plus KV's propagation, about a minute, when the invalidation ran in another
 * location). KV has no conditional write to close it here. Where it matters, cache
 * under versionedKey and bumpVersion after changing the source instead of invalidating:
 * a late load then stores under the old version's key, which nobody reads any more.
 * Or keep `ttl` short, or use writeThrough.
 */
export async function cacheAside<T>(
  store: KVStore,
  key: string,
  load: () => Promise<T>,
  options: CacheAsideOptions = {},
): Promise<T> {
  const entry = await readEntry<T>(store, key, options);
  if (entry) {
    stats.hits++;
    return entry.value;
  }
  return loadAndStore(store, key, load, options.ttl, options);
}

/**
 * Read-through: a reader function bound to one source, so callers only pass a key.
 *   const getProduct = readThrough(store, (key) => db.product(key), { ttl: 300 });
 *   const product = await getProduct(keys.cache("product", id));
 */
export function readThrough<T>(
  store: KVStore,
  load: (key: string) => Promise<T>,
  options: CacheAsideOptions = {},
): (key: string) => Promise<T> {
  return (key) => cacheAside(store, key, () => load(key), options);
}

/**
 * Stale-while-revalidate: an entry is fresh for `ttl` seconds, then served stale for
 * `staleTtl` more seconds while one background load (through ctx.waitUntil) replaces it.
 * Past both it is a miss and the reader waits for the source. A hit, fresh or stale,
 * costs 1 KV read; the refresh adds 1 write after the response.
 */
export async function staleWhileRevalidate<T>(
  store: KVStore,
  key: string,
  load: () => Promise<T>,
  options: StaleWhileRevalidateOptions,
  ctx: WaitUntil,
): Promise<T> {
  requireSeconds("ttl", options.ttl, "above 0");
  requireSeconds("staleTtl", options.staleTtl, "0 or more");
  const kvTtl = kvTtlCovering(options.ttl + options.staleTtl);

  const entry = await readEntry<T>(store, key, options);
  if (entry) {
    const age = clock(options)() - entry.storedAt;
    if (age < options.ttl * 1000) {
      stats.hits++;
      return entry.value;
    }
    if (age < (options.ttl + options.staleTtl) * 1000) {
      stats.staleServes++;
      refreshInBackground(store, key, load, kvTtl, ctx, options);
      return entry.value;
    }
  }
  return loadAndStore(store, key, load, kvTtl, options);
}

/**
 * Refresh-ahead: an entry is served for `ttl` seconds, and a hit in its last
 * `refreshBefore` seconds also reloads it in the background, so a key that is read often
 * is replaced before it runs out and readers rarely wait for the source.
 */
export async function refreshAhead<T>(
  store: KVStore,
  key: string,
  load: () => Promise<T>,
  options: RefreshAheadOptions,
  ctx: WaitUntil,
): Promise<T> {
  requireSeconds("ttl", options.ttl, "above 0");
  requireSeconds("refreshBefore", options.refreshBefore, "above 0");
  if (options.refreshBefore >= options.ttl) {
    throw new RangeError(`refreshBefore (${options.refreshBefore}) must be less than ttl (${options.ttl})`);
  }
  const kvTtl = kvTtlCovering(options.ttl);

  const entry = await readEntry<T>(store, key, options);
  if (entry) {
    const msLeft = entry.storedAt + options.ttl * 1000 - clock(options)();
    if (msLeft > 0) {
      stats.hits++;
      if (msLeft <= options.refreshBefore * 1000) refreshInBackground(store, key, load, kvTtl, ctx, options);
      return entry.value;
    }
  }
  return loadAndStore(store, key, load, kvTtl, options);
}

// ---------------------------------------------------------------------------
// Write patterns

/**
 * Write-through: the source first, then KV. If the source rejects, this rejects and KV
 * keeps what it had. If the KV write fails after the source succeeded, this rejects too
 * (and counts an error): the cache may serve the old value until its entry expires.
 */
export async function writeThrough<T>(
  store: KVStore,
  key: string,
  value: T,
  write: (value: T) => Promise<void>,
  options: CacheAsideOptions = {},
): Promise<void> {
  await write(value);
  try {
    await writeEntry(store, key, value, clock(options)(), options.ttl);
  } catch (error) {
    stats.errors++;
    throw error;
  }
}

/**
 * Write-behind: KV first, then the source through ctx.waitUntil, so the response does
 * not wait for the source. If the KV write fails, this rejects and the source is not
 * written. A failing source cannot reach the caller any more: it is counted in the stats
 * and passed to onError, which is where to log or queue a retry. Until the source has
 * the value, KV is the only copy.
 */
export async function writeBehind<T>(
  store: KVStore,
  key: string,
  value: T,
  write: (value: T) => Promise<void>,
  ctx: WaitUntil,
  options: CacheAsideOptions = {},
): Promise<void> {
  await writeEntry(store, key, value, clock(options)(), options.ttl);
  const writeSource = async () => {
    try {
      await write(value);
    } catch (error) {
      report(error, key, options);
    }
  };
  ctx.waitUntil(writeSource());
}

// ---------------------------------------------------------------------------
// Invalidation

/** Deletes one entry. Other locations may serve it for up to about 60 s more. */
export async function invalidate(store: KVStore, key: string): Promise<void> {
  await store.delete(key);
}

/**
 * Deletes the entries whose keys start with `prefix` (e.g. "cache:product:"), at most
 * `budget` KV operations per call (default 900 of the 1000 an invocation may make).
 * When it stops at the budget, `complete` is false and `cursor` resumes it from
 * another invocation. For large groups bump a version instead (see versionedKey).
 */
export async function invalidatePrefix(
  store: KVStore,
  prefix: string,
  options: DeleteByPrefixOptions = {},
): Promise<DeleteByPrefixResult> {
  if (prefix === "") {
    throw new RangeError("invalidatePrefix needs a non-empty prefix; it would delete every key in the store");
  }
  return store.deleteByPrefix(prefix, options);
}

/** Where a group's version lives. */
function versionKey(group: string): string {
  return `cache-version:${keyPart(group)}`;
}

/** Seconds an isolate keeps a group's version in memory before reading it again. */
const VERSION_MEMORY_SECONDS = 60;

/** The versions this isolate has read, by group: name each group once per project. */
const knownVersions = new Map<string, { version: string; readAt: number }>();

/**
 * The key to cache under for the group's current version: `key` + ":v" + version.
 * Bumping the group's version (bumpVersion) makes every older entry unreachable at the
 * cost of 1 KV write however many keys the group has; the old entries expire on their
 * own TTL. The version is read from KV at most once a minute per isolate, so a bump
 * reaches other isolates within that minute plus KV's own propagation delay.
 *   const key = await versionedKey(store, "products", keys.cache("product", id));
 *   const product = await cacheAside(store, key, () => loadProduct(id));
 */
export async function versionedKey(
  store: KVStore,
  group: string,
  key: string,
  options: Pick<CacheOptions, "now"> = {},
): Promise<string> {
  const now = clock(options)();
  let known = knownVersions.get(group);
  if (known === undefined || now - known.readAt >= VERSION_MEMORY_SECONDS * 1000) {
    const stored = await store.get<string | number>(versionKey(group));
    known = { version: stored === null ? "0" : String(stored), readAt: now };
    knownVersions.set(group, known);
  }
  return `${key}:v${known.version}`;
}

/**
 * Moves the group to a new version and returns it: one KV write, no read. The version
 * is the time in base 36 plus random characters, never a counter read from KV: two
 * bumps at once, or a bump in a location that still sees an old version, cannot
 * produce a version that was used before, so entries of an old version are never
 * served again. KV takes one write per second per key, so bump a group at most once a
 * second (a faster bump fails with KV's 429).
 */
export async function bumpVersion(
  store: KVStore,
  group: string,
  options: Pick<CacheOptions, "now"> = {},
): Promise<string> {
  const now = clock(options)();
  const random = crypto.getRandomValues(new Uint32Array(1))[0]!.toString(36);
  const version = `${now.toString(36)}-${random}`;
  await store.set(versionKey(group), version, { ttl: 0 });
  knownVersions.set(group, { version, readAt: now });
  return version;
}

// ---------------------------------------------------------------------------
// Warming

/** Workers allow 6 connections open at once per invocation; load no more than that together. */
const WARM_CONCURRENCY = 6;

/** A Worker invocation may make at most 1000 KV operations. */
const MAX_KV_OPERATIONS = 1000;

/**
 * Loads and stores every key (one write each), a few at a time, for example from a
 * cron trigger before traffic arrives. `ttl` is the KV lifetime: for keys read with
 * staleWhileRevalidate pass its ttl + staleTtl. A key whose load or write fails is
 * reported and listed in `failed`; the others are still stored.
 */
export async function warm<T>(
  store: KVStore,
  keys: string[],
  load: (key: string) => Promise<T>,
  options: CacheAsideOptions = {},
): Promise<{ warmed: string[]; failed: string[] }> {
  if (keys.length > MAX_KV_OPERATIONS) {
    throw new RangeError(
      `warm got ${keys.length} keys; one invocation may make at most ${MAX_KV_OPERATIONS} KV operations, so split the list`,
    );
  }
  const warmed: string[] = [];
  const failed: string[] = [];
  for (let start = 0; start < keys.length; start += WARM_CONCURRENCY) {
    const batch = keys.slice(start, start + WARM_CONCURRENCY);
    const results = await Promise.allSettled(
      batch.map(async (key) => writeEntry(store, key, await load(key), clock(options)(), options.ttl)),
    );
    results.forEach((result, index) => {
      const key = batch[index]!;
      if (result.status === "fulfilled") {
        warmed.push(key);
      } else {
        failed.push(key);
        report(result.reason, key, options);
      }
    });
  }
  return { warmed, failed };
}
