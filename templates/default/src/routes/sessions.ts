/**
 * Cookie sessions: POST /login, POST /logout, GET /me.
 *
 * The login is a demo: it trusts the userId in the body, so it answers only when
 * DEMO_ROUTES is set (.dev.vars sets it for `wrangler dev`; a deployed Worker has it
 * off). Put your real check (password, OAuth callback, magic link) in front of
 * `store.create`, then drop `demo: true`.
 */
import { sessions } from "../config";
import { HttpError, json, readJsonObject, type CurrentUser, type Route } from "../http";
import { SessionStore, type Session } from "../lib/sessions";

/** What this demo keeps in a session besides the user id. */
type SessionData = {
  loginAt: string;
};

function sessionStore(env: Env): SessionStore<SessionData> {
  return new SessionStore<SessionData>(sessions.namespace(env), {
    ttl: sessions.ttl,
    refreshThreshold: sessions.refreshThreshold,
    maxLifetime: sessions.maxLifetime,
  });
}

/**
 * The user of the request's session, or null. When reading it slid the session's
 * expiry, `setCookie` renews the browser's cookie: the router adds it to whatever
 * response the route gives, so every route that reads the user keeps the cookie alive.
 */
export async function sessionUser(request: Request, env: Env): Promise<CurrentUser | null> {
  const store = sessionStore(env);
  const current = await sessionOf(request, store);
  if (current === null) return null;
  const { token, session } = current;
  return { userId: session.userId, setCookie: session.refreshed ? store.cookie(token, session) : null };
}

/** The request's cookie token and its session: null without a cookie, or when unknown or expired. */
async function sessionOf(
  request: Request,
  store: SessionStore<SessionData>,
): Promise<{ token: string; session: Session<SessionData> } | null> {
  const token = store.tokenFrom(request);
  const session = token === null ? null : await store.get(token);
  return token === null || session === null ? null : { token, session };
}

export const sessionRoutes: Route[] = [
  {
    method: "POST",
    path: "/login",
    description: 'Demo: start a session for any {"userId": "..."}; sets the session cookie.',
    demo: true,
    async handle({ request, env }) {
      const { userId } = await readJsonObject(request);
      if (typeof userId !== "string" || userId.length === 0 || userId.length > 128) {
        throw new HttpError(400, "userId must be a string of 1 to 128 characters.");
      }
      const store = sessionStore(env);
      const { token, session } = await store.create(userId, { loginAt: new Date().toISOString() });
      return json(
        { userId: session.userId, expiresAt: new Date(session.expiresAt).toISOString() },
        { status: 201, headers: { "Set-Cookie": store.cookie(token) } },
      );
    },
  },
  {
    method: "POST",
    path: "/logout",
    description: "End the current session and clear the cookie.",
    async handle({ request, env }) {
      const store = sessionStore(env);
      const token = store.tokenFrom(request);
      if (token !== null) await store.destroy(token);
      return json({ loggedOut: true }, { headers: { "Set-Cookie": store.clearCookie() } });
    },
  },
  {
    method: "GET",
    path: "/me",
    description: "The current session's user; 401 without a valid session.",
    async handle({ request, env }) {
      const store = sessionStore(env);
      const current = await sessionOf(request, store);
      if (current === null) throw new HttpError(401, "Not logged in: POST /login first.");
      const { token, session } = current;
      // The cookie is sent again with the session's remaining lifetime, so a session
      // that slid forward does not outlive the browser's copy of its cookie.
      return json(
        {
          userId: session.userId,
          data: session.data,
          createdAt: new Date(session.createdAt).toISOString(),
          expiresAt: new Date(session.expiresAt).toISOString(),
        },
        { headers: { "Set-Cookie": store.cookie(token, session) } },
      );
    },
  },
];
