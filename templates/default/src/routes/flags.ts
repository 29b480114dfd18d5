/**
 * Feature flags: GET /flags lists the flags that are on for the current user
 * (the session's user, else `?user=` when DEMO_ROUTES is set). Seed some with the
 * `kv:seed` script.
 */
import { flags } from "../config";
import { json, queryUserId, type Route } from "../http";
import { FeatureFlags } from "../lib/flags";
import { perIsolate } from "../per-isolate";

// One per isolate: it keeps the flag document in memory for `flags.cacheTtl` seconds.
const featureFlags = perIsolate((namespace) => new FeatureFlags(namespace, { cacheTtl: flags.cacheTtl }));

export const flagRoutes: Route[] = [
  {
    method: "GET",
    path: "/flags",
    description: "The flags enabled for the current user (or ?user= with DEMO_ROUTES).",
    async handle({ request, env, userId }) {
      const user = (await userId()) ?? queryUserId(request, env);
      const context = user === null ? {} : { userId: user };
      return json({ userId: user, enabled: await featureFlags(flags.namespace(env)).enabledFlags(context) });
    },
  },
];
