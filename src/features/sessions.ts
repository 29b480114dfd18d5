import { formatTtl } from "../ttl.js";
import { defineFeature } from "./unit.js";

/** Seconds a session may live after login at most, unless --session-max-lifetime says otherwise: 30 days. */
export const DEFAULT_SESSION_MAX_LIFETIME = 30 * 86_400;

export const sessions = defineFeature({
  id: "sessions",
  label: "Sessions",
  hint: "cookie sessions keyed by the SHA-256 of the token, sliding expiry",
  binding: "SESSIONS",
  ttl: 86400,
  ttlFrom: { reason: "each session expires after --session-ttl", ttl: (settings) => settings.session.ttl },
  keyPattern: "session:{sha256(token)}, session-expiry:{hash}, session-revoked:{hash}, user-session:{userId}:{hash}",
  files: {
    lib: ["src/lib/sessions.ts"],
    libTests: ["test/lib/sessions.test.ts"],
    routes: ["src/routes/sessions.ts"],
    routeTests: ["test/routes/sessions.test.ts"],
    seed: [],
  },
  router: { module: "sessions", routes: "sessionRoutes", currentUser: "sessionUser" },
  config: `/** Cookie sessions, stored under \`session:{sha256(token)}\` (the raw token never reaches KV). */
export const sessions = {
  namespace: (env: Env): KVNamespace => env[{{json bindings.sessions}}],
  /** A session lives this long after its last refresh. */
  ttl: {{json session.ttl}},
  /** A read rewrites the session's expiry (sliding) only when less than this is left: reads stay free of writes. */
  refreshThreshold: {{json session.refreshThreshold}},
  /** No session lives longer than this after login, however often it is used. */
  maxLifetime: {{json session.maxLifetime}},
};`,
  flags: ["session-ttl", "session-refresh", "session-max-lifetime"],
  paste: `import { SessionStore } from "{{importPath}}/sessions";
// in fetch(request, env, ctx):
const sessions = new SessionStore(env.{{binding}}, { ttl: {{session.ttl}}, refreshThreshold: {{session.refreshThreshold}}, maxLifetime: {{session.maxLifetime}} });
const session = await sessions.get(sessions.tokenFrom(request) ?? ""); // null when logged out`,
  docs: {
    keys: "`session:{sha256(token)}` records, `session-expiry:{hash}` sliding expiries, `session-revoked:{hash}` logouts, `user-session:{userId}:{hash}` markers",
    routes: "`POST /login` with `{\"userId\": \"...\"}` (demo, DEMO_ROUTES only), `POST /logout`, `GET /me` | sessions (the login trusts the userId: put your real check in front of it)",
    tryIt: `curl -si -X POST localhost:8787/login -d '{"userId":"alice"}'   # copy the session cookie
curl -s localhost:8787/me -H 'Cookie: __Host-session=<token>'`,
    ttl: "**sessions**: a session lives {{session.ttl}} s after its last refresh and never more than {{session.maxLifetime}} s after login (`maxLifetime`, `--session-max-lifetime`). Reading a session is one KV operation and writes nothing until less than {{session.refreshThreshold}} s is left; then it writes only the expiry key, and the router re-sends the cookie. The module checks the times itself, because KV may still return a key for a while after it expired.",
    module: `\`src/lib/sessions.ts\` — cookie sessions. KV holds only the SHA-256 of a token, so read access to the namespace does not hand out live sessions.

\`\`\`ts
const store = new SessionStore(sessions.namespace(env), { ttl: sessions.ttl, refreshThreshold: sessions.refreshThreshold, maxLifetime: sessions.maxLifetime });
const { token } = await store.create(userId);          // then send store.cookie(token) as Set-Cookie
const session = await store.get(store.tokenFrom(request) ?? "");
await store.destroyAllForUser(userId);                 // log out everywhere
\`\`\`

Under production KV a logout sticks: a request in another location that still sees the old session (for up to about a minute) may slide or update it, but only a logout writes \`session-revoked:{hash}\`, which every read checks. A "log out everywhere" reaches other locations only after KV's propagation delay: a session created elsewhere less than a minute before may survive it. Writes: a login 3, a refresh or an update 1, a logout 1 plus 3 deletes.`,
    agentsRule: "Sessions: never store, log or use a raw session token as a KV key; KV holds its SHA-256.",
  },
  summary: ({ session }) => [
    `sessions: live ${formatTtl(session.ttl)}, refreshed when less than ${formatTtl(session.refreshThreshold)} is left, ${formatTtl(session.maxLifetime)} at most`,
  ],
});
