import { defineFeature } from "./unit.js";
import { WRITER_DOCS } from "./document-writes.js";

export const flags = defineFeature({
  id: "flags",
  label: "Feature flags",
  hint: "kill switch, allow/block lists, deterministic percentage rollout",
  binding: "FLAGS",
  ttl: 0,
  ttlFrom: { reason: "it holds one document of every flag, which must never expire", ttl: () => 0 },
  keyPattern: "flags (one document of every flag)",
  files: {
    lib: ["src/lib/flags.ts", "src/lib/document-writer.ts"],
    libTests: ["test/lib/flags.test.ts"],
    routes: ["src/routes/flags.ts"],
    routeTests: ["test/routes/flags.test.ts"],
    seed: ["seed/flags.json"],
    byChoice: { "document-writes": { "durable-object": ["src/lib/document-writer.ts"] } },
  },
  router: { module: "flags", routes: "flagRoutes" },
  flags: ["document-writes"],
  classes: [
    {
      name: "FlagsWriter",
      module: "./config",
      binding: "FLAGS_WRITER",
      objects: "one object, the flags document's only writer",
      docs: WRITER_DOCS,
      when: (settings) => settings.documentWrites === "durable-object",
    },
  ],
  configImports: `{{#if (eq documentWrites "durable-object")}}
import { DocumentWriter, type Document, type DocumentWrites } from "./lib/document-writer";
import { applyFlagChanges, FLAGS_KEY, type FlagChanges } from "./lib/flags";{{/if}}`,
  config: `/** Feature flags, all in one KV document so evaluating every flag costs one read. */
export const flags = {
  namespace: (env: Env): KVNamespace => env[{{json bindings.flags}}],
  /** Seconds an isolate keeps the flag document in memory before reading KV again. */
  cacheTtl: 60,
{{#if (eq documentWrites "durable-object")}}
  /** Saves go through one FlagsWriter object (below), one at a time, so saves never overwrite each other. */
  writes: "durable-object" as DocumentWrites,
  /** Give it to a FeatureFlags that saves: \`new FeatureFlags(flags.namespace(env), { writer: flags.writer(env) })\`. */
  writer: (env: Env) => env.FLAGS_WRITER,
};

/** The single writer of the flags document (src/lib/document-writer.ts explains it). */
export class FlagsWriter extends DocumentWriter<FlagChanges> {
  protected publishesTo() {
    return { namespace: flags.namespace(this.env), key: FLAGS_KEY };
  }
  protected merge(current: Document, changes: FlagChanges) {
    return applyFlagChanges(current, changes);
  }
}{{else}}  /** Saves write KV directly: two saves within KV's propagation delay can lose one (src/lib/flags.ts). */
  writes: "kv",
  /** No writer object: a FeatureFlags given this writes KV itself. */
  writer: (_env: Env): undefined => undefined,
};{{/if}}`,
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
const featureFlags = new FeatureFlags(flags.namespace(env), { cacheTtl: 60, writer: flags.writer(env) }); // keep one per isolate
await featureFlags.update({ "new-checkout": { enabled: true, percentage: 25, blocklist: ["bob"] }, "old-ui": null }); // one save
if (await featureFlags.isEnabled("new-checkout", { userId })) { /* ... */ }
\`\`\`

\`enabled: false\` is a kill switch; then blocklist beats allowlist beats percentage. Rollout is deterministic per user, and raising the percentage never turns a user off. A flag that does not validate (a hand edit such as \`"enabled": "false"\`) is off and reported to \`onError\`; when KV fails, the last good copy in memory is served. \`seed/flags.json\` shows the format.

{{#if (eq documentWrites "durable-object")}}Saving: every \`update\` goes to the \`FlagsWriter\` Durable Object (\`src/config.ts\`, \`src/lib/document-writer.ts\`), one object for the whole document. It applies saves one at a time to its own copy with the same \`applyFlagChanges\`, then publishes the document to KV, so two admins saving at once both keep their change; when KV refuses a publish (429: one write per second per key) its alarm publishes again a second later, carrying every save made meanwhile. It costs one call per save and nothing per read. One object serialises every save in the world: right for admin edits, wrong for per-user data. It starts from what KV holds where it runs, which can be a minute behind: make its first save at least a minute after \`kv:seed:remote\` or the last save made straight to KV (before \`update --set document-writes=durable-object\`), or that save is lost. After that its copy wins, so do not edit the \`flags\` key by hand.{{else}}Saving: each \`update\` reads the document from KV, changes it and writes it back (\`--document-writes kv\`). Two admins saving within about a minute of each other, in different locations, each start from a copy without the other's change, and the last write wins: one change is lost. KV also refuses a second save within a second (429, which the router turns into 503). Change flags from one place, or create the project with \`--document-writes durable-object\` to route every save through one Durable Object.{{/if}}`,
    agentsRule:
      '{{#if (eq documentWrites "durable-object")}}Flags: one document under key `flags`; save only through `FeatureFlags` with `writer: flags.writer(env)` (the FlagsWriter object), never by writing the key.{{else}}Flags: one document under key `flags`, saved straight to KV: two saves within about a minute can lose one (last write wins); save from one place.{{/if}}',
  },
});
