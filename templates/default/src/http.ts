/**
 * The small pieces every route uses: the route shape, path matching, JSON responses
 * and errors that carry their HTTP status.
 */

export type Method = "GET" | "POST" | "PUT" | "DELETE";

/** What a route handler gets for one request. */
export interface RouteContext {
  request: Request;
  env: Env;
  ctx: ExecutionContext;
  url: URL;
  /** Values of the `:name` segments of the route's path. */
  params: Record<string, string>;
  /** The user making the request, or null. Only costs KV reads when a route calls it (once per request). */
  userId(): Promise<string | null>;
}

/** Who makes a request, and a Set-Cookie value when finding out renewed their session. */
export interface CurrentUser {
  userId: string;
  setCookie: string | null;
}

export interface Route {
  method: Method;
  /** A path such as `/cached/:id`; a `:name` segment matches one non-empty segment. */
  path: string;
  /** One line for the route list at GET /. */
  description: string;
  /**
   * A demo that trusts its caller or shows internals: it answers only when DEMO_ROUTES
   * is set, and is a 404 (and missing from GET /) otherwise, so a deployed Worker
   * does not serve it unless you turn it on.
   */
  demo?: boolean;
  handle(context: RouteContext): Promise<Response> | Response;
}

/** An error that becomes a JSON response with this status. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = "HttpError";
  }
}

export function json(body: unknown, init: ResponseInit = {}): Response {
  const headers = new Headers(init.headers);
  headers.set("Content-Type", "application/json; charset=utf-8");
  return new Response(JSON.stringify(body), { ...init, headers });
}

export function errorResponse(status: number, message: string, headers: Record<string, string> = {}): Response {
  return json({ error: message }, { status, headers });
}

/** The request body as JSON; a 400 when it is missing or not JSON. */
export async function readJson(request: Request): Promise<unknown> {
  try {
    return await request.json();
  } catch {
    throw new HttpError(400, "The request body must be JSON.");
  }
}

/** The request body as a JSON object; a 400 for anything else (arrays, strings, null). */
export async function readJsonObject(request: Request): Promise<Record<string, unknown>> {
  const body = await readJson(request);
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    throw new HttpError(400, "The request body must be a JSON object.");
  }
  return body as Record<string, unknown>;
}

/** The `:name` values when `pathname` matches `pattern`, else null. */
export function matchPath(pattern: string, pathname: string): Record<string, string> | null {
  const patternParts = pattern.split("/");
  const pathParts = pathname.split("/");
  if (patternParts.length !== pathParts.length) return null;
  const params: Record<string, string> = {};
  for (const [index, part] of patternParts.entries()) {
    const actual = pathParts[index] ?? "";
    if (part.startsWith(":")) {
      if (actual === "") return null;
      try {
        params[part.slice(1)] = decodeURIComponent(actual);
      } catch {
        return null;
      }
    } else if (part !== actual) {
      return null;
    }
  }
  return params;
}

/**
 * True when the DEMO_ROUTES variable is set to anything but "", "0" or "false". The
 * generated .dev.vars sets it for `wrangler dev`, vitest.config.ts for the tests; set
 * it on a deployed Worker only on purpose (`wrangler secret put DEMO_ROUTES`).
 */
export function demoRoutesOn(env: Env): boolean {
  // Read loosely: wrangler types declares DEMO_ROUTES only when .dev.vars exists.
  const value = (env as { DEMO_ROUTES?: unknown }).DEMO_ROUTES;
  return typeof value === "string" && !["", "0", "false"].includes(value);
}

/**
 * The user named by `?user=`: a demo stand-in for real authentication that trusts
 * whatever it says, so it counts only when DEMO_ROUTES is set (null otherwise).
 */
export function queryUserId(request: Request, env: Env): string | null {
  if (!demoRoutesOn(env)) return null;
  return new URL(request.url).searchParams.get("user") || null;
}

/**
 * What a KV error means for the client, without its message (which can name a key):
 * KV's 429 (a second write to a key within one second) becomes 503 with Retry-After,
 * its 413 (a value or bulk read over the size limit) stays 413. Null for anything else.
 */
export function kvErrorResponse(error: unknown): Response | null {
  const status = /^KV [A-Z_]+ failed: (\d{3})\b/.exec(error instanceof Error ? error.message : "")?.[1];
  if (status === "429") {
    return errorResponse(503, "The data store is busy: KV takes one write per second per key. Retry in a second.", {
      "Retry-After": "1",
    });
  }
  if (status === "413") return errorResponse(413, "The data is too large for KV.");
  return null;
}
