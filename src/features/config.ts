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
    lib: ["src/lib/config-store.ts", "src/lib/settings.ts"],
    libTests: ["test/lib/config-store.test.ts"],
    routes: ["src/routes/config.ts"],
    routeTests: ["test/routes/config.test.ts"],
    seed: ["seed/config.json"],
  },
  router: { module: "config", routes: "configRoutes" },
  config: `/** Application configuration, under \`config:{key}\`. */
export const config = {
  namespace: (env: Env): KVNamespace => env[{{json bindings.config}}],
};`,
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
const appConfig = new ConfigStore(config.namespace(env), { defaults: { siteName: "My app", maintenance: false } });
if (await appConfig.value("maintenance")) return new Response("Back soon", { status: 503 });
await appConfig.update({ maintenance: true }); // validated before anything is written
\`\`\`

The defaults used by \`GET /config\` are in \`src/routes/config.ts\`; \`seed/config.json\` shows the stored format.`,
  },
});
