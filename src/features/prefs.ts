import { defineFeature } from "./unit.js";

export const prefs = defineFeature({
  id: "prefs",
  label: "User preferences",
  hint: "per-user settings merged over defaults",
  binding: "PREFS",
  ttl: 0,
  keyPattern: "prefs:{userId}",
  files: {
    lib: ["src/lib/preferences.ts", "src/lib/settings.ts"],
    libTests: ["test/lib/preferences.test.ts"],
    routes: ["src/routes/prefs.ts"],
    routeTests: ["test/routes/prefs.test.ts"],
    seed: [],
  },
  router: { module: "prefs", routes: "prefsRoutes" },
  config: `/** Per-user preferences, under \`prefs:{userId}\`, merged over defaults on read. */
export const prefs = {
  namespace: (env: Env): KVNamespace => env[{{json bindings.prefs}}],
  /** A user's preferences expire this long after their last change; 0 means never. */
  ttl: namespaces[{{json bindings.prefs}}].ttl,
};`,
  paste: `import { PreferencesStore } from "{{importPath}}/preferences";
// in fetch(request, env, ctx):
const prefs = new PreferencesStore(env.{{binding}}, { defaults: { theme: "system", pageSize: 20 } });
const { theme } = await prefs.get(userId);`,
  docs: {
    keys: "`prefs:{userId}`",
    routes: "`GET /prefs`, `PUT /prefs` | the current user's preferences",
    ttl: "**prefs**: {{#each namespaces}}{{#if (eq feature \"prefs\")}}{{#if ttl}}a user's preferences expire {{ttl}} s after their last change{{else}}never expire{{/if}}{{/if}}{{/each}}; a user without a document gets the defaults and costs no storage.",
    module: `\`src/lib/preferences.ts\` — per-user preferences merged over defaults.

\`\`\`ts
const userPrefs = new PreferencesStore(prefs.namespace(env), { defaults: { theme: "system", pageSize: 20 } });
await userPrefs.update(userId, { theme: "dark" }); // one read, one write; save changes together
const { theme, pageSize } = await userPrefs.get(userId);
\`\`\``,
  },
});
