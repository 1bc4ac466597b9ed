// The HTTP front of a web process: Next.js behind a thin Node server that stamps request ids and the
// client's address (server/http/client-ip.ts), logs each request as JSON — path only: a query string can
// carry credentials or personal data — and counts it for /api/metrics.
import http from "node:http";
import next from "next";
import type { Logger } from "pino";
import { logger } from "@/server/observability/log";
import { metrics } from "@/server/observability/metrics";
import { requestIdFrom } from "@/server/http/request-id";
import { CLIENT_IP_HEADER, clientIp, trustedProxies } from "@/server/http/client-ip";

export async function startWeb(opts: { dev: boolean; port: number; hostname?: string }): Promise<http.Server> {
  const app = next({ dev: opts.dev, dir: process.cwd(), port: opts.port, hostname: opts.hostname ?? "localhost" });
  await app.prepare();
  const server = http.createServer(webFront(app.getRequestHandler()));
  await new Promise<void>((resolve) => server.listen(opts.port, resolve));
  return server;
}

/** What runs before Next.js on every request (exported for its test, which stands a plain handler in for Next). */
export function webFront(
  handle: (req: http.IncomingMessage, res: http.ServerResponse) => unknown,
  log: Logger = logger,
): http.RequestListener {
  const m = metrics();
  const trusted = trustedProxies(process.env.WEFT_TRUSTED_PROXIES);
  return (req, res) => {
    const started = process.hrtime.bigint();
    const requestId = requestIdFrom(req.headers["x-request-id"]);
    req.headers["x-request-id"] = requestId;
    // Always overwritten: a client's own value for this header must never reach the app.
    const ip = clientIp(req.socket.remoteAddress, req.headers["x-forwarded-for"], trusted);
    if (ip) req.headers[CLIENT_IP_HEADER] = ip;
    else delete req.headers[CLIENT_IP_HEADER];
    res.setHeader("x-request-id", requestId);
    res.on("finish", () => {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      const url = req.url ?? "";
      if (url.startsWith("/_next/")) return;
      m.httpRequests.inc({ method: req.method ?? "GET", status: `${Math.floor(res.statusCode / 100)}xx` });
      m.httpDuration.observe({ method: req.method ?? "GET" }, seconds);
      log.info(
        {
          requestId,
          method: req.method,
          url: url.split("?")[0],
          status: res.statusCode,
          ms: Math.round(seconds * 1000),
        },
        "request",
      );
    });
    void handle(req, res);
  };
}
