/**
 * Counters and locks, backed by the COUNTERS Durable Object (src/lib/counters.ts).
 * Demo routes (`demo: true`): anyone who can reach them can move a counter or take a
 * lock, so they answer only when DEMO_ROUTES is set (`.dev.vars` sets it for
 * `wrangler dev`); a deployed Worker answers 404. Put your own checks in front, then
 * drop `demo: true`.
 */
import { counters } from "../config";
import { HttpError, json, readJsonObject, type Route } from "../http";

/** The JSON object body, or {} when the request has none (an empty POST has an empty body, not a missing one). */
async function optionalBody(request: Request): Promise<Record<string, unknown>> {
  const text = await request.text();
  return text.trim() === "" ? {} : readJsonObject(new Request(request.url, { method: request.method, body: text }));
}

function wholeNumber(value: unknown, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isSafeInteger(value)) throw new HttpError(400, `${name} must be a whole number.`);
  return value as number;
}

export const counterRoutes: Route[] = [
  {
    method: "GET",
    path: "/counters/:name",
    description: "A counter's value.",
    demo: true,
    async handle({ env, params }) {
      return json({ name: params.name, value: await counters(env).get(params.name!) });
    },
  },
  {
    method: "POST",
    path: "/counters/:name",
    description: 'Adds {"by": n} (default 1) to a counter, atomically, and answers the new value.',
    demo: true,
    async handle({ request, env, params }) {
      const by = wholeNumber((await optionalBody(request)).by, "by", 1);
      return json({ name: params.name, value: await counters(env).increment(params.name!, by) });
    },
  },
  {
    method: "POST",
    path: "/locks/:name",
    description: 'Takes a lock for {"ttlMs": n} (default 30000): 200 with a fencing token, or 409.',
    demo: true,
    async handle({ request, env, params }) {
      const ttlMs = wholeNumber((await optionalBody(request)).ttlMs, "ttlMs", 30_000);
      if (ttlMs < 1) throw new HttpError(400, "ttlMs must be at least 1.");
      const result = await counters(env).lock(params.name!, ttlMs);
      if (!result.acquired) {
        throw new HttpError(409, "The lock is held.", { "Retry-After": String(Math.ceil(result.retryAfterMs / 1000)) });
      }
      return json(result);
    },
  },
  {
    method: "DELETE",
    path: "/locks/:name",
    description: "Releases a lock: ?token= from the grant; 409 when that grant expired.",
    demo: true,
    async handle({ url, env, params }) {
      const token = Number(url.searchParams.get("token"));
      if (!Number.isSafeInteger(token)) throw new HttpError(400, "?token= must be the lock's fencing token.");
      if (!(await counters(env).unlock(params.name!, token))) throw new HttpError(409, "That grant no longer holds the lock.");
      return json({ released: true });
    },
  },
];
