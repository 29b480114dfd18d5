/**
 * Application configuration: GET /config answers the current settings, which are
 * what KV holds (see seed/config.json and the `kv:seed` script) merged over the
 * defaults in src/config.ts. Change them with `ConfigStore.update` from an admin
 * route of your own (or `wrangler kv key put`).
 */
import { appConfigDefaults, config, validateAppConfig, type AppConfig } from "../config";
import { json, type Route } from "../http";
import { ConfigStore } from "../lib/config-store";
import { perIsolate } from "../per-isolate";

/** One store per isolate: it keeps the configuration in memory for a minute. */
export const appConfig = perIsolate(
  (namespace) => new ConfigStore<AppConfig>(namespace, { defaults: appConfigDefaults, validate: validateAppConfig }),
);

export const configRoutes: Route[] = [
  {
    method: "GET",
    path: "/config",
    description: "The application configuration (KV over defaults).",
    handle: async ({ env }) => json(await appConfig(config.namespace(env)).get()),
  },
];
