import { WRITER_DOCS } from "./document-writes.js";
import { defineFeature } from "./unit.js";

export const config = defineFeature({
  id: "config",
  label: "Configuration",
  hint: "typed application settings with defaults and validation",
  binding: "CONFIG",
  ttl: 0,
  ttlFrom: { reason: "it holds one configuration document, which must never expire", ttl: () => 0 },
  keyPattern: "config:app (one document)",
  files: {
    lib: ["src/lib/config-store.ts", "src/lib/settings.ts", "src/lib/document-writer.ts"],
    libTests: ["test/lib/config-store.test.ts"],
    routes: ["src/routes/config.ts"],
    routeTests: ["test/routes/config.test.ts"],
    seed: ["seed/config.json"],
    byChoice: { "document-writes": { "durable-object": ["src/lib/document-writer.ts"] } },
  },
  router: { module: "config", routes: "configRoutes" },
  flags: ["document-writes"],
  classes: [
    {
      name: "ConfigWriter",
      module: "./config",
      binding: "CONFIG_WRITER",
      objects: "one object, the configuration document's only writer",
      docs: WRITER_DOCS,
      when: (settings) => settings.documentWrites === "durable-object",
    },
  ],
  // Flags' imports bring DocumentWriter and DocumentWrites when both features are chosen.
  configImports: `{{#if (eq documentWrites "durable-object")}}
{{#unless features.flags}}
import { DocumentWriter, type Document, type DocumentWrites } from "./lib/document-writer";
{{/unless}}
import { keys } from "./lib/keys";
import { applyUpdate, storedSettings } from "./lib/settings";{{/if}}`,
  config: `/** Application configuration, one document under \`config:app\`: its settings and their defaults. */
export const appConfigDefaults = {
  siteName: "My app",
  maintenance: false,
  maxUploadMb: 10,
  announcement: "",
};

export type AppConfig = typeof appConfigDefaults;

/** Checks across settings, beyond their types: one sentence per problem. Every save runs it. */
export const validateAppConfig = (settings: AppConfig): string[] =>
  settings.maxUploadMb < 1 ? ["maxUploadMb must be at least 1"] : [];

export const config = {
  namespace: (env: Env): KVNamespace => env[{{json bindings.config}}],
{{#if (eq documentWrites "durable-object")}}
  /** Saves go through one ConfigWriter object (below), one at a time, so saves never overwrite each other. */
  writes: "durable-object" as DocumentWrites,
  /** Give it to a ConfigStore that saves: \`new ConfigStore(config.namespace(env), { ..., writer: config.writer(env) })\`. */
  writer: (env: Env) => env.CONFIG_WRITER,
};

/** The single writer of the configuration document (src/lib/document-writer.ts explains it). */
export class ConfigWriter extends DocumentWriter<Partial<AppConfig>> {
  protected publishesTo() {
    return { namespace: config.namespace(this.env), key: keys.config("app") };
  }
  protected merge(current: Document, changes: Partial<AppConfig>) {
    const stored = storedSettings(appConfigDefaults, current, "configuration");
    return applyUpdate(appConfigDefaults, stored, changes, validateAppConfig, "configuration").stored;
  }
}{{else}}  /** Saves write KV directly: two saves within KV's propagation delay can lose one (src/lib/config-store.ts). */
  writes: "kv",
  /** No writer object: a ConfigStore given this writes KV itself. */
  writer: (_env: Env): undefined => undefined,
};{{/if}}`,
  paste: `import { ConfigStore } from "{{importPath}}/config-store";
// in fetch(request, env, ctx):
const appConfig = new ConfigStore(env.{{binding}}, { defaults: { siteName: "My app", maintenance: false } });
if (await appConfig.value("maintenance")) return new Response("Back soon", { status: 503 });`,
  docs: {
    keys: "`config:{name}` (`config:app`: one document)",
    routes: "`GET /config` | the application configuration",
    ttl: "**config**: never expires. Each isolate keeps the configuration in memory for a minute.",
    module: `\`src/lib/config-store.ts\` — typed configuration: the defaults are the schema.

\`\`\`ts
const appConfig = new ConfigStore(config.namespace(env), { defaults: appConfigDefaults, validate: validateAppConfig, writer: config.writer(env) });
if (await appConfig.value("maintenance")) return new Response("Back soon", { status: 503 });
await appConfig.update({ maintenance: true }); // validated before anything is saved
\`\`\`

The settings, their defaults and the checks across them (\`appConfigDefaults\`, \`validateAppConfig\`) are in \`src/config.ts\`; \`seed/config.json\` shows the stored format.

{{#if (eq documentWrites "durable-object")}}Saving: every \`update\` goes to the \`ConfigWriter\` Durable Object (\`src/config.ts\`, \`src/lib/document-writer.ts\`), which applies saves one at a time to its own copy with the same \`applyUpdate\` and checks, then publishes the document to KV (a publish KV refuses with 429 is retried by its alarm). Two admins saving at once both keep their change; a save costs one call, a read nothing extra. One object serialises every save in the world: right for admin edits, wrong for per-user data. It starts from what KV holds where it runs, which can be a minute behind: make its first save at least a minute after \`kv:seed:remote\` or the last save made straight to KV (before \`update --set document-writes=durable-object\`), or that save is lost. After that its copy wins, so do not edit \`config:app\` by hand.{{else}}Saving: each \`update\` reads the document from KV, changes it and writes it back (\`--document-writes kv\`): two admins saving within about a minute of each other in different locations can lose one change (last write wins), and a second save within a second meets KV's 429. Save from one place, or create the project with \`--document-writes durable-object\`.{{/if}}`,
    agentsRule:
      '{{#if (eq documentWrites "durable-object")}}Config: one document under `config:app`; save only through `ConfigStore` with `writer: config.writer(env)` (the ConfigWriter object), never by writing the key.{{else}}Config: one document under `config:app`, saved straight to KV: two saves within about a minute can lose one (last write wins).{{/if}}',
  },
});
