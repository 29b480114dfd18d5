import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll } from "vitest";

/**
 * An HTTP server on 127.0.0.1 (a free port) that serves fixed bodies by path and
 * 404 for everything else. Tests register bodies with `serve` and stop it with `close`.
 */
export interface FileServer {
  /** e.g. "http://127.0.0.1:41234" */
  origin: string;
  serve(path: string, body: Buffer, contentType?: string): void;
  /** Serves the body's first `bytes` bytes under a Content-Length of the whole, then drops the connection. */
  serveBrokenOff(path: string, body: Buffer, bytes: number): void;
  /** Stops serving a path: 404 from now on. */
  forget(path: string): void;
  /** Paths requested so far, with method, e.g. "GET /fork.tar.gz". */
  requests: string[];
  /** Headers of the last request, lower-cased names. */
  lastHeaders(): Record<string, string | string[] | undefined>;
  close(): Promise<void>;
}

export async function startFileServer(): Promise<FileServer> {
  const bodies = new Map<string, { body: Buffer; contentType: string; brokenOffAt?: number }>();
  const requests: string[] = [];
  let lastHeaders: Record<string, string | string[] | undefined> = {};
  const server: Server = createServer((request, response) => {
    const path = new URL(request.url ?? "/", "http://127.0.0.1").pathname;
    requests.push(`${request.method} ${path}`);
    lastHeaders = request.headers;
    const found = bodies.get(path);
    if (!found) {
      response.writeHead(404, { "content-type": "text/plain" }).end("not found");
      return;
    }
    response.writeHead(200, {
      "content-type": found.contentType,
      "content-length": found.body.length,
    });
    if (request.method === "HEAD") response.end();
    else if (found.brokenOffAt === undefined) response.end(found.body);
    else response.write(found.body.subarray(0, found.brokenOffAt), () => response.socket?.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    serve(path, body, contentType = "application/gzip") {
      bodies.set(path, { body, contentType });
    },
    serveBrokenOff(path, body, bytes) {
      bodies.set(path, { body, contentType: "application/gzip", brokenOffAt: bytes });
    },
    forget(path) {
      bodies.delete(path);
    },
    requests,
    lastHeaders: () => lastHeaders,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}

/**
 * A FileServer for one test file: started before its tests, stopped after them.
 * Call the returned function inside a test to get it.
 */
export function useFileServer(): () => FileServer {
  let server: FileServer | undefined;
  beforeAll(async () => {
    server = await startFileServer();
  });
  afterAll(async () => {
    await server?.close();
  });
  return () => {
    if (!server) throw new Error("the file server runs only while the tests of this file run");
    return server;
  };
}
