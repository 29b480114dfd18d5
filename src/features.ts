/**
 * The data patterns a project can include. One entry per feature: its id (used by
 * --features, --ttl and --binding), the default binding name of its KV namespace,
 * the default TTL of that namespace, and the key pattern the generated code uses.
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
    keyPattern: "session:{sha256(token)}, user-session:{userId}:{hash}",
  },
  {
    id: "flags",
    label: "Feature flags",
    hint: "kill switch, allow/block lists, deterministic percentage rollout",
    binding: "FLAGS",
    ttl: 0,
    keyPattern: "flags (one document of every flag)",
  },
  {
    id: "config",
    label: "Configuration",
    hint: "typed application settings with defaults and validation",
    binding: "CONFIG",
    ttl: 0,
    keyPattern: "config:app (one document)",
  },
  {
    id: "ratelimit",
    label: "Rate limiting",
    hint: "fixed-window counters per client, fail-open",
    binding: "RATE_LIMITS",
    ttl: 120,
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
