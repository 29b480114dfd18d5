/**
 * User preferences: GET /prefs answers the current user's preferences (their
 * choices merged over the defaults below); PUT /prefs changes some of them.
 */
import { prefs } from "../config";
import { HttpError, json, readJsonObject, type Route, type RouteContext } from "../http";
import { PreferencesStore, PreferencesValidationError } from "../lib/preferences";

/** Every preference with its default: the defaults are also the preferences' types. */
export const preferenceDefaults = {
  theme: "system",
  language: "en",
  pageSize: 20,
};

export type Preferences = typeof preferenceDefaults;

function preferenceStore(env: Env): PreferencesStore<Preferences> {
  return new PreferencesStore<Preferences>(prefs.namespace(env), {
    defaults: preferenceDefaults,
    validate: ({ pageSize }) => (pageSize < 1 || pageSize > 100 ? ["pageSize must be between 1 and 100"] : []),
  });
}

async function requireUser({ userId }: RouteContext): Promise<string> {
  const user = await userId();
  if (user === null) throw new HttpError(401, "No user: log in first (or pass ?user= when sessions are off).");
  return user;
}

export const prefsRoutes: Route[] = [
  {
    method: "GET",
    path: "/prefs",
    description: "The current user's preferences (their choices over the defaults).",
    async handle(context) {
      return json(await preferenceStore(context.env).get(await requireUser(context)));
    },
  },
  {
    method: "PUT",
    path: "/prefs",
    description: 'Change some preferences: body such as {"theme": "dark"}.',
    async handle(context) {
      const user = await requireUser(context);
      const changes = await readJsonObject(context.request);
      try {
        return json(await preferenceStore(context.env).update(user, changes as Partial<Preferences>));
      } catch (error) {
        // Unknown names, wrong types and failed rules are the client's mistake: 400, nothing written.
        if (error instanceof PreferencesValidationError) throw new HttpError(400, error.message);
        throw error;
      }
    },
  },
];
