import { randomBytes } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/**
 * A small fake of the Cloudflare API, enough for real wrangler's `kv namespace list`,
 * `kv namespace create` and its account lookup. It listens on 127.0.0.1 on a free
 * port; point wrangler at it with CLOUDFLARE_API_BASE_URL=<baseUrl>.
 *
 * What wrangler 4.156 calls (read from node_modules/wrangler/wrangler-dist/cli.js):
 *   GET  /accounts/:account/storage/kv/namespaces?per_page=1000&order=title&direction=asc&page=N
 *        (the SDK asks for page N+1 until a page comes back empty)
 *   POST /accounts/:account/storage/kv/namespaces   {"title": "..."}
 *   GET  /accounts?page=N and GET /memberships?page=N, only when no account id is set;
 *        it pages on result_info.page * per_page < total_count.
 *   GET  /user, for `wrangler whoami` of a user logged in with `wrangler login`.
 */

export type FakeMode =
  /** Answer normally. */
  | { kind: "ok" }
  /** Every request is rejected as Cloudflare does for a bad token: 401, code 10000. */
  | { kind: "unauthorized" }
  /** Every request fails with a 500. */
  | { kind: "server-error" }
  /** Hold every request this long before answering normally. */
  | { kind: "slow"; delayMs: number }
  /** Answer normally, except that creates after the first `allowed` ones fail with a 500. */
  | { kind: "creates-fail-after"; allowed: number };

export interface RecordedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
}

export interface FakeNamespace {
  id: string;
  title: string;
  supports_url_encoding: boolean;
}

export interface FakeCloudflare {
  /** e.g. http://127.0.0.1:43123/client/v4 */
  baseUrl: string;
  accountId: string;
  token: string;
  requests: RecordedRequest[];
  /** The namespaces of the account, in creation order. */
  namespaces: FakeNamespace[];
  /** Adds namespaces that exist before the test, as if made by someone else. */
  seed(titles: string[]): void;
  setMode(mode: FakeMode): void;
  /** Stops listening and drops open connections (a stopped fake = connection refused). */
  stop(): Promise<void>;
}

const API_PREFIX = "/client/v4";
const ACCOUNT_NAME = "Fake Account";

export async function startFakeCloudflare(
  options: { token?: string; accountId?: string } = {},
): Promise<FakeCloudflare> {
  const token = options.token ?? `fake-token-${randomBytes(12).toString("hex")}`;
  const accountId = options.accountId ?? randomBytes(16).toString("hex");
  const requests: RecordedRequest[] = [];
  const namespaces: FakeNamespace[] = [];
  let mode: FakeMode = { kind: "ok" };
  let creates = 0;
  const pendingTimers = new Set<NodeJS.Timeout>();

  function handle(request: IncomingMessage, response: ServerResponse, body: string): void {
    const url = new URL(request.url ?? "/", "http://127.0.0.1");
    const path = url.pathname.startsWith(API_PREFIX)
      ? url.pathname.slice(API_PREFIX.length)
      : url.pathname;
    const query = Object.fromEntries(url.searchParams);
    requests.push({ method: request.method ?? "", path, query });

    if (mode.kind === "server-error") {
      return send(response, 500, failure(7000, "Internal server error (fake)"));
    }
    if (request.headers.authorization !== `Bearer ${token}` || mode.kind === "unauthorized") {
      return send(response, 401, failure(10000, "Authentication error"));
    }

    const page = Number(query.page ?? "1");
    const perPage = Number(query.per_page ?? "20");
    const namespacesPath = `/accounts/${accountId}/storage/kv/namespaces`;

    if (request.method === "GET" && path === "/user") {
      return send(response, 200, { success: true, errors: [], messages: [], result: { id: "user-1", email: "dev@example.com" } });
    }
    if (request.method === "GET" && path === "/accounts") {
      return send(response, 200, paged([{ id: accountId, name: ACCOUNT_NAME }], page, perPage));
    }
    if (request.method === "GET" && path === "/memberships") {
      const membership = {
        id: "membership-1",
        status: "accepted",
        account: { id: accountId, name: ACCOUNT_NAME },
      };
      return send(response, 200, paged([membership], page, perPage));
    }
    if (request.method === "GET" && path === namespacesPath) {
      return send(response, 200, paged(namespaces, page, perPage));
    }
    if (request.method === "POST" && path === namespacesPath) {
      if (mode.kind === "creates-fail-after" && creates >= mode.allowed) {
        return send(response, 500, failure(7000, "Internal server error (fake)"));
      }
      creates += 1;
      const title = parseTitle(body);
      if (title === undefined) {
        return send(response, 400, failure(10019, "request body must have a string title"));
      }
      if (namespaces.some((namespace) => namespace.title === title)) {
        return send(
          response,
          400,
          failure(10014, "a namespace with this account ID and title already exists"),
        );
      }
      const created = newNamespace(title);
      namespaces.push(created);
      return send(response, 200, { success: true, errors: [], messages: [], result: created });
    }
    return send(response, 404, failure(7003, `No route for ${request.method} ${path}`));
  }

  const server = createServer((request, response) => {
    let body = "";
    request.setEncoding("utf8");
    request.on("data", (chunk: string) => (body += chunk));
    request.on("end", () => {
      if (mode.kind === "slow") {
        const timer = setTimeout(() => {
          pendingTimers.delete(timer);
          handle(request, response, body);
        }, mode.delayMs);
        pendingTimers.add(timer);
      } else {
        handle(request, response, body);
      }
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", resolve);
  });
  const { port } = server.address() as AddressInfo;

  return {
    baseUrl: `http://127.0.0.1:${port}${API_PREFIX}`,
    accountId,
    token,
    requests,
    namespaces,
    seed(titles) {
      for (const title of titles) {
        namespaces.push(newNamespace(title));
      }
    },
    setMode(next) {
      mode = next;
    },
    async stop() {
      for (const timer of pendingTimers) clearTimeout(timer);
      pendingTimers.clear();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function newNamespace(title: string): FakeNamespace {
  return { id: randomBytes(16).toString("hex"), title, supports_url_encoding: true };
}

function parseTitle(body: string): string | undefined {
  try {
    const parsed: unknown = JSON.parse(body);
    if (typeof parsed === "object" && parsed !== null && "title" in parsed) {
      return typeof parsed.title === "string" ? parsed.title : undefined;
    }
  } catch {
    // not JSON: falls through to "no title"
  }
  return undefined;
}

/** Cloudflare's envelope for a list, with page-number paging. */
function paged<T>(items: T[], page: number, perPage: number) {
  const result = items.slice((page - 1) * perPage, page * perPage);
  return {
    success: true,
    errors: [],
    messages: [],
    result,
    result_info: { page, per_page: perPage, count: result.length, total_count: items.length },
  };
}

function failure(code: number, message: string) {
  return { success: false, errors: [{ code, message }], messages: [], result: null };
}

function send(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { "content-type": "application/json" });
  response.end(JSON.stringify(body));
}
