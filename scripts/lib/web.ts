// The HTTP front of a web process: Next.js behind a thin Node server that stamps request ids, logs
// each request as JSON and counts it for /api/metrics.
import http from "node:http";
import { randomUUID } from "node:crypto";
import next from "next";
import { logger } from "@/server/observability/log";
import { metrics } from "@/server/observability/metrics";

export async function startWeb(opts: { dev: boolean; port: number; hostname?: string }): Promise<http.Server> {
  const app = next({ dev: opts.dev, dir: process.cwd(), port: opts.port, hostname: opts.hostname ?? "localhost" });
  await app.prepare();
  const handle = app.getRequestHandler();
  const m = metrics();
  const server = http.createServer((req, res) => {
    const started = process.hrtime.bigint();
    const requestId = (req.headers["x-request-id"] as string | undefined) ?? randomUUID();
    req.headers["x-request-id"] = requestId;
    res.setHeader("x-request-id", requestId);
    res.on("finish", () => {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      const url = req.url ?? "";
      if (url.startsWith("/_next/")) return;
      m.httpRequests.inc({ method: req.method ?? "GET", status: `${Math.floor(res.statusCode / 100)}xx` });
      m.httpDuration.observe({ method: req.method ?? "GET" }, seconds);
      logger.info({ requestId, method: req.method, url: url.split("?")[0], status: res.statusCode, ms: Math.round(seconds * 1000) }, "request");
    });
    void handle(req, res);
  });
  await new Promise<void>((resolve) => server.listen(opts.port, resolve));
  return server;
}
