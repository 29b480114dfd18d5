/**
 * The Worker: a small router over the routes of the features this project was
 * created with (src/routes/). Every answer is JSON; every error has a status code.
 */
import { HttpError, demoRoutesOn, errorResponse, json, kvErrorResponse, matchPath, type Route } from "./http";
import { KVValidationError } from "./lib/kv-store";
import { currentUser, routes } from "./routes/index";

const allRoutes: Route[] = [
  {
    method: "GET",
    path: "/",
    description: "This list of routes.",
    handle: ({ env }) =>
      json({
        routes: activeRoutes(env).map(({ method, path, description }) => ({ method, path, description })),
      }),
  },
  ...routes,
];

/** The routes this Worker serves: demo routes only when DEMO_ROUTES is set. */
function activeRoutes(env: Env): Route[] {
  return demoRoutesOn(env) ? allRoutes : allRoutes.filter((candidate) => !candidate.demo);
}

export default {
  async fetch(request, env, ctx): Promise<Response> {
    try {
      return await route(request, env, ctx);
    } catch (error) {
      return toErrorResponse(error);
    }
  },
} satisfies ExportedHandler<Env>;

async function route(request: Request, env: Env, ctx: ExecutionContext): Promise<Response> {
  const url = new URL(request.url);
  const allowed: string[] = [];
  for (const candidate of activeRoutes(env)) {
    const params = matchPath(candidate.path, url.pathname);
    if (params === null) continue;
    if (candidate.method !== request.method) {
      allowed.push(candidate.method);
      continue;
    }
    // The user is looked up at most once per request. When that renewed their session,
    // the response carries the new cookie, whichever route it was.
    const renewedCookies: string[] = [];
    let user: Promise<string | null> | undefined;
    const userId = () =>
      (user ??= currentUser(request, env).then((found) => {
        if (found?.setCookie) renewedCookies.push(found.setCookie);
        return found?.userId ?? null;
      }));
    const response = await candidate.handle({ request, env, ctx, url, params, userId });
    for (const cookie of renewedCookies) response.headers.append("Set-Cookie", cookie);
    return response;
  }
  if (allowed.length > 0) {
    return errorResponse(405, `${request.method} is not allowed here.`, { Allow: allowed.join(", ") });
  }
  return errorResponse(404, `No route for ${request.method} ${url.pathname}. GET / lists them.`);
}

export function toErrorResponse(error: unknown): Response {
  if (error instanceof HttpError) return errorResponse(error.status, error.message, error.headers);
  // A value that breaks a KV limit, such as an id too long for a key, usually came from
  // the request. Its message never names the key.
  if (error instanceof KVValidationError) return errorResponse(error.status, error.message);
  const refusedByKV = kvErrorResponse(error);
  if (refusedByKV !== null) return refusedByKV;
  console.error(error);
  return errorResponse(500, "Internal error.");
}
