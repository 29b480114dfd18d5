/**
 * The Worker: a small router over the routes of the features this project was
 * created with (src/routes/). Every answer is JSON; every error has a status code.
 */
import { HttpError, errorResponse, json, matchPath, type Route } from "./http";
import { KVValidationError } from "./lib/kv-store";
import { currentUserId, routes } from "./routes/index";

const allRoutes: Route[] = [
  {
    method: "GET",
    path: "/",
    description: "This list of routes.",
    handle: () => json({ routes: allRoutes.map(({ method, path, description }) => ({ method, path, description })) }),
  },
  ...routes,
];

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
  for (const candidate of allRoutes) {
    const params = matchPath(candidate.path, url.pathname);
    if (params === null) continue;
    if (candidate.method !== request.method) {
      allowed.push(candidate.method);
      continue;
    }
    return candidate.handle({ request, env, ctx, url, params, userId: () => currentUserId(request, env) });
  }
  if (allowed.length > 0) {
    return errorResponse(405, `${request.method} is not allowed here.`, { Allow: allowed.join(", ") });
  }
  return errorResponse(404, `No route for ${request.method} ${url.pathname}. GET / lists them.`);
}

function toErrorResponse(error: unknown): Response {
  if (error instanceof HttpError) return errorResponse(error.status, error.message, error.headers);
  // A value that breaks a KV limit, such as an id too long for a key, usually came from the request.
  if (error instanceof KVValidationError) return errorResponse(400, error.message);
  console.error(error);
  return errorResponse(500, "Internal error.");
}
