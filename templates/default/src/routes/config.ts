/**
 * Application configuration: GET /config answers the current settings, which are
 * what KV holds (see seed/config.json and the `kv:seed` script) merged over the
 * defaults below. Change them with `wrangler kv key put` or an admin route of your own.
 */
import { config } from "../config";
import { json, type Route } from "../http";
import { ConfigStore } from "../lib/config-store";
import { perIsolate } from "../per-isolate";

/** Every setting with its default: the defaults are also the settings' types. */
export const appConfigDefaults = {
  siteName: "My app",
  maintenance: false,
  maxUploadMb: 10,
  announcement: "",
};

export type AppConfig = typeof appConfigDefaults;

/** One store per isolate: it keeps the configuration in memory for a minute. */
export const appConfig = perIsolate(
  (namespace) =>
    new ConfigStore<AppConfig>(namespace, {
      defaults: appConfigDefaults,
      validate: (settings) => (settings.maxUploadMb < 1 ? ["maxUploadMb must be at least 1"] : []),
    }),
);

export const configRoutes: Route[] = [
  {
    method: "GET",
    path: "/config",
    description: "The application configuration (KV over defaults).",
    handle: async ({ env }) => json(await appConfig(config.namespace(env)).get()),
  },
];
