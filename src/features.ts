/**
 * The data patterns a project can include. One entry per feature: its id (used by
 * --features, --ttl and --binding), the default binding name of its KV namespace,
 * the default TTL of that namespace, and the key pattern the generated code uses.
 * `ttlFrom` is set where the namespace's TTL is not a free choice: it says where it
 * comes from, and --ttl for that feature is refused with that reason.
 * `binding` is null for a feature that keeps no KV namespace (its state lives in a
 * Durable Object: see src/durable-objects.ts).
 * Which template files belong to a feature is the template's business (template.json).
 */
export const FEATURES = [
  {
    id: "cache",
    label: "Cache",
    hint: "cache-aside, stale-while-revalidate, write-through and more",
    binding: "CACHE",
    ttl: 300,
    keyPattern: "cache:{resource}:{id}",
  },
  {
    id: "sessions",
    label: "Sessions",
    hint: "cookie sessions keyed by the SHA-256 of the token, sliding expiry",
    binding: "SESSIONS",
    ttl: 86400,
    ttlFrom: "each session expires after --session-ttl",
    keyPattern: "session:{sha256(token)}, user-session:{userId}:{hash}",
  },
  {
    id: "flags",
    label: "Feature flags",
    hint: "kill switch, allow/block lists, deterministic percentage rollout",
    binding: "FLAGS",
    ttl: 0,
    ttlFrom: "it holds one document of every flag, which must never expire",
    keyPattern: "flags (one document of every flag)",
  },
  {
    id: "config",
    label: "Configuration",
    hint: "typed application settings with defaults and validation",
    binding: "CONFIG",
    ttl: 0,
    ttlFrom: "it holds one configuration document, which must never expire",
    keyPattern: "config:app (one document)",
  },
  {
    id: "ratelimit",
    label: "Rate limiting",
    hint: "per client: exact in a Durable Object, or the Rate Limiting binding, or KV counters",
    // The KV namespace exists only with --rate-limit-backend kv.
    binding: "RATE_LIMITS",
    ttl: 60,
    ttlFrom: "each counter expires at the end of its window (at least 60 s); set the window with --rate-limit",
    keyPattern: "ratelimit:{id}:{window}",
  },
  {
    id: "prefs",
    label: "User preferences",
    hint: "per-user settings merged over defaults",
    binding: "PREFS",
    ttl: 0,
    keyPattern: "prefs:{userId}",
  },
  {
    id: "counters",
    label: "Counters and locks",
    hint: "atomic counters and leased locks with fencing tokens, in a Durable Object",
    binding: null,
    ttl: 0,
    ttlFrom: "it keeps no KV namespace: its counters and locks live in a Durable Object",
    keyPattern: "none in KV",
  },
] as const;

export type Feature = (typeof FEATURES)[number];
export type FeatureId = Feature["id"];
export const FEATURE_IDS: readonly FeatureId[] = FEATURES.map((feature) => feature.id);

export const CACHE_PATTERNS = [
  "cache-aside",
  "stale-while-revalidate",
  "refresh-ahead",
  "write-through",
] as const;
export type CachePattern = (typeof CACHE_PATTERNS)[number];

export const PACKAGE_MANAGERS = ["npm", "pnpm", "yarn", "bun"] as const;
export type PackageManager = (typeof PACKAGE_MANAGERS)[number];
