import { formatTtl } from "../ttl.js";
import { defineFeature } from "./unit.js";

export const sessions = defineFeature({
  id: "sessions",
  label: "Sessions",
  hint: "cookie sessions keyed by the SHA-256 of the token, sliding expiry",
  binding: "SESSIONS",
  ttl: 86400,
  ttlFrom: { reason: "each session expires after --session-ttl", ttl: (settings) => settings.session.ttl },
  keyPattern: "session:{sha256(token)}, user-session:{userId}:{hash}",
  files: {
    lib: ["src/lib/sessions.ts"],
    libTests: ["test/lib/sessions.test.ts"],
    routes: ["src/routes/sessions.ts"],
    routeTests: ["test/routes/sessions.test.ts"],
    seed: [],
  },
  router: { module: "sessions", routes: "sessionRoutes", currentUser: "sessionUserId" },
  config: `/** Cookie sessions, stored under \`session:{sha256(token)}\` (the raw token never reaches KV). */
export const sessions = {
  namespace: (env: Env): KVNamespace => env[{{json bindings.sessions}}],
  /** A session lives this long after its last refresh. */
  ttl: {{json session.ttl}},
  /** A read rewrites the session (sliding expiry) only when less than this is left: reads stay free of writes. */
  refreshThreshold: {{json session.refreshThreshold}},
};`,
  flags: ["session-ttl", "session-refresh"],
  paste: `import { SessionStore } from "{{importPath}}/sessions";
// in fetch(request, env, ctx):
const sessions = new SessionStore(env.{{binding}}, { ttl: {{session.ttl}}, refreshThreshold: {{session.refreshThreshold}} });
const session = await sessions.get(sessions.tokenFrom(request) ?? ""); // null when logged out`,
  docs: {
    keys: "`session:{sha256(token)}`, `user-session:{userId}:{sha256(token)}` markers",
    routes: "`POST /login` with `{\"userId\": \"...\"}`, `POST /logout`, `GET /me` | sessions (the login trusts the userId: put your real check in front of it)",
    tryIt: `curl -si -X POST localhost:8787/login -d '{"userId":"alice"}'   # copy the session cookie
curl -s localhost:8787/me -H 'Cookie: session=<token>'`,
    ttl: "**sessions**: a session lives {{session.ttl}} s after its last refresh. Reading a session writes nothing until less than {{session.refreshThreshold}} s is left, then slides the expiry. The module checks `expiresAt` itself, because KV may still return a key for a while after it expired.",
    module: `\`src/lib/sessions.ts\` — cookie sessions. KV holds only the SHA-256 of a token, so read access to the namespace does not hand out live sessions.

\`\`\`ts
const store = new SessionStore(sessions.namespace(env), { ttl: sessions.ttl, refreshThreshold: sessions.refreshThreshold });
const { token } = await store.create(userId);          // then send store.cookie(token) as Set-Cookie
const session = await store.get(store.tokenFrom(request) ?? "");
await store.destroyAllForUser(userId);                 // log out everywhere
\`\`\`

A "log out everywhere" reaches other locations only after KV's propagation delay: a session created elsewhere less than a minute before may survive it.`,
    agentsRule: "Sessions: never store, log or use a raw session token as a KV key; KV holds its SHA-256.",
  },
  summary: ({ session }) => [
    `sessions: live ${formatTtl(session.ttl)}, refreshed when less than ${formatTtl(session.refreshThreshold)} is left`,
  ],
});
