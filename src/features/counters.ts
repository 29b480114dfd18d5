import { defineFeature } from "./unit.js";

export const counters = defineFeature({
  id: "counters",
  label: "Counters and locks",
  hint: "atomic counters and leased locks with fencing tokens, in a Durable Object",
  // The Durable Object's binding: counters keep nothing in KV.
  binding: "COUNTERS",
  hasNamespace: () => false,
  ttl: 0,
  ttlFrom: { reason: "it keeps no KV namespace: its counters and locks live in a Durable Object", ttl: () => 0 },
  keyPattern: "none in KV",
  files: {
    lib: ["src/lib/counters.ts"],
    libTests: ["test/lib/counters.test.ts"],
    routes: ["src/routes/counters.ts"],
    routeTests: ["test/routes/counters.test.ts"],
    seed: [],
  },
  router: { module: "counters", routes: "counterRoutes" },
  paste: `import { Counters } from "{{importPath}}/counters";
// in fetch(request, env, ctx):
const counters = new Counters(env.{{binding}});
const visits = await counters.increment("visits");`,
  classes: [
    {
      name: "CounterObject",
      module: "./lib/counters",
      binding: "COUNTERS",
      objects: "one object per counter or lock name",
      docs: {
        guarantee: "increments are exact (100 at once end at 100); a lock has one holder at a time, and each grant carries a larger fencing token",
        cost: "one call per operation; one row read and written",
        scaling: "one object per name, so names never slow each other; one name is bounded by what one object serves (about a thousand calls a second)",
      },
    },
  ],
  configImports: `import { Counters } from "./lib/counters";`,
  config: `/** Atomic counters and leased locks, one Durable Object per name (src/lib/counters.ts). */
export const counters = (env: Env): Counters => new Counters(env.COUNTERS);`,
  docs: {
    keys: "",
    routes:
      '`GET /counters/:name`, `POST /counters/:name` with `{"by": n}`, `POST /locks/:name` with `{"ttlMs": n}`, `DELETE /locks/:name?token=` | counters and locks in the `COUNTERS` Durable Object; demo routes: only with `DEMO_ROUTES` set (`.dev.vars` sets it for `{{commands.run}} dev`; a deployed Worker answers 404)',
    tryIt: `curl -X POST localhost:8787/counters/visits           # {"name":"visits","value":1}
curl -X POST localhost:8787/locks/nightly              # {"acquired":true,"token":1,...}`,
    ttl: "**counters**: nothing in KV; a counter lives until `reset`, a lock until its lease ends.",
    module: `\`src/lib/counters.ts\` — what the KV "atomic operations" pattern promises, done where it can hold: in a Durable Object.

\`\`\`ts
const value = await counters(env).increment("signups");       // exact: 100 at once end at 100
const lease = await counters(env).lock("nightly-report", 60_000);
if (lease.acquired) {
  await doTheWork({ fencingToken: lease.token });              // the work refuses tokens older than the last it saw
  await counters(env).unlock("nightly-report", lease.token);   // false if the lease expired meanwhile
}
\`\`\`

A lock is a lease: after \`ttlMs\` it is free again even if its holder is still running, so pass \`lease.token\` to whatever the lock protects and have it refuse a token lower than the highest it accepted. Each name is its own object.`,
    agentsRule: "Counters and locks: never count or lock in KV (a read then a write); use `counters(env)` from `src/config.ts`, and pass a lock's fencing token to what it protects.",
  },
});
