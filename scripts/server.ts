/**
 * The HTTP server in front of Next.js, for `npm run dev` and `npm start`.
 *
 * It exists for one reason Next cannot serve: the socket's peer address. It stamps the peer into
 * PEER_HEADER (overwriting anything a client sent) so lib/http/client-ip.ts can tell a forged
 * X-Forwarded-For from the real connection, and it writes the one log line per request with the
 * final status. See docs/decisions/0003-peer-address-and-custom-server.md.
 */
import http, { type IncomingMessage, type ServerResponse } from "node:http";
import next from "next";
import type { Logger } from "pino";
import { PEER_HEADER } from "../lib/http/client-ip";
import { REQUEST_ID_HEADER } from "../lib/http/request-id";
import { CLIENT_IP_HEADER } from "../lib/http/request-context";
import { USER_LOG_HEADER } from "../lib/http/log-headers";

export type ServerHandle = { url: string; close(): Promise<void> };

const STATIC = /^\/(_next\/static|_next\/image|favicon\.ico)/;

function stampPeer(req: IncomingMessage): void {
  // Internal headers are ours alone: whatever a client sent under these names is dropped.
  delete req.headers[PEER_HEADER];
  delete req.headers[CLIENT_IP_HEADER];
  const peer = req.socket.remoteAddress;
  if (peer) req.headers[PEER_HEADER] = peer;
}

/** Captures (and removes) the user id the route wrapper leaves for this log line. */
function captureUser(res: ServerResponse): () => string | undefined {
  let user: string | undefined;
  const setHeader = res.setHeader.bind(res);
  res.setHeader = (name: string, value: number | string | readonly string[]) => {
    if (name.toLowerCase() === USER_LOG_HEADER) {
      user = String(value);
      return res;
    }
    return setHeader(name, value);
  };
  return () => user;
}

export async function startServer(opts: { dev: boolean; host: string; port: number; logger: Logger }): Promise<ServerHandle> {
  const app = next({ dev: opts.dev, hostname: opts.host, port: opts.port, dir: process.cwd() });
  await app.prepare();
  const handle = app.getRequestHandler();
  const upgrade = app.getUpgradeHandler();

  const server = http.createServer((req, res) => {
    const started = performance.now();
    stampPeer(req);
    const userOf = captureUser(res);
    res.on("finish", () => {
      const path = (req.url ?? "/").split("?")[0] ?? "/";
      if (STATIC.test(path)) return;
      opts.logger.info(
        {
          method: req.method,
          path,
          status: res.statusCode,
          durationMs: Math.round((performance.now() - started) * 10) / 10,
          ip: req.headers[CLIENT_IP_HEADER] ?? req.headers[PEER_HEADER],
          user: userOf(),
          requestId: res.getHeader(REQUEST_ID_HEADER),
        },
        "request",
      );
    });
    void handle(req, res);
  });
  server.on("upgrade", (req, socket, head) => {
    stampPeer(req);
    void upgrade(req, socket, head);
  });
  // Longer than a typical proxy's upstream keep-alive (nginx: 60 s), so the proxy closes first.
  server.keepAliveTimeout = 65_000;

  await new Promise<void>((resolve, reject) => {
    server.once("error", (err: NodeJS.ErrnoException) => {
      if (err.code === "EADDRINUSE") reject(new Error(`Port ${opts.port} on ${opts.host} is already in use. Stop the other program or set PORT to a free port.`));
      else reject(err);
    });
    server.listen(opts.port, opts.host, () => resolve());
  });
  return {
    url: `http://${opts.host === "0.0.0.0" ? "localhost" : opts.host}:${opts.port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
        setTimeout(() => server.closeAllConnections(), 5000).unref();
      }).then(() => app.close()),
  };
}
