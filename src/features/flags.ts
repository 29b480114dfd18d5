import { defineFeature } from "./unit.js";

export const flags = defineFeature({
  id: "flags",
  label: "Feature flags",
  hint: "kill switch, allow/block lists, deterministic percentage rollout",
  binding: "FLAGS",
  ttl: 0,
  ttlFrom: { reason: "it holds one document of every flag, which must never expire", ttl: () => 0 },
  keyPattern: "flags (one document of every flag)",
  files: {
    lib: ["src/lib/flags.ts"],
    libTests: ["test/lib/flags.test.ts"],
    routes: ["src/routes/flags.ts"],
    routeTests: ["test/routes/flags.test.ts"],
    seed: ["seed/flags.json"],
  },
  router: { module: "flags", routes: "flagRoutes" },
  config: `/** Feature flags, all in one KV document so evaluating every flag costs one read. */
export const flags = {
  namespace: (env: Env): KVNamespace => env[{{json bindings.flags}}],
  /** Seconds an isolate keeps the flag document in memory before reading KV again. */
  cacheTtl: 60,
};`,
  paste: `import { FeatureFlags } from "{{importPath}}/flags";
// at module level (one per isolate), then in fetch(request, env, ctx):
let featureFlags: FeatureFlags | undefined;
featureFlags ??= new FeatureFlags(env.{{binding}}, { cacheTtl: 60 });
const on = await featureFlags.isEnabled("new-checkout", { userId });`,
  docs: {
    keys: "`flags` (one document holding every flag)",
    routes: "`GET /flags` | the flags on for the session's user, or `?user=` (demo, DEMO_ROUTES only)",
    ttl: "**flags**: never expire. Each isolate keeps the flag document in memory for `flags.cacheTtl` seconds.",
    module: `\`src/lib/flags.ts\` — feature flags in one document (\`flags\`), so checking every flag costs at most one KV read.

\`\`\`ts
const featureFlags = new FeatureFlags(flags.namespace(env), { cacheTtl: 60 }); // keep one per isolate
await featureFlags.update({ "new-checkout": { enabled: true, percentage: 25, blocklist: ["bob"] }, "old-ui": null }); // one write
if (await featureFlags.isEnabled("new-checkout", { userId })) { /* ... */ }
\`\`\`

\`enabled: false\` is a kill switch; then blocklist beats allowlist beats percentage. Rollout is deterministic per user, and raising the percentage never turns a user off. A flag that does not validate (a hand edit such as \`"enabled": "false"\`) is off and reported to \`onError\`; when KV fails, the last good copy in memory is served. Because every flag is one document and an \`update\` reads it, changes it and writes it back, two admins saving within about a minute of each other in different locations can overwrite each other (last write wins), and KV refuses a second save within a second (429, which the router turns into 503): change flags from one place, or through a single writer that applies the same \`applyFlagChanges\`. \`seed/flags.json\` shows the format.`,
    agentsRule: "Flags: one document under key `flags`; one writer at a time (last write wins).",
  },
});
