// The HTTP front of a web process: Next.js behind a thin Node server that stamps request ids and the
// client's address (server/http/client-ip.ts), logs each request as JSON — path only: a query string can
// carry credentials or personal data — and counts it for /api/metrics. Webhook deliveries (POST
// /api/hooks/<flow>) are answered here, before Next.js, by the route's own serveWebhook: the runtime's hottest
// route without the framework's per-request work (docs/benchmarks.md "Runtime through HTTP").
import http from "node:http";
import path from "node:path";
import { Readable } from "node:stream";
import { pathToFileURL } from "node:url";
import next from "next";
import type { Logger } from "pino";
import { config } from "@/server/config";
import { logger } from "@/server/observability/log";
import { metrics } from "@/server/observability/metrics";
import { requestIdFrom } from "@/server/http/request-id";
import { CLIENT_IP_HEADER, clientIp, trustedProxies } from "@/server/http/client-ip";
import { HOOK_PATH, serveWebhook } from "@/server/runtime/hook-http";

/** Answers a request the front takes from Next.js (a webhook delivery for `flowKey`). */
export type HookHandler = (req: http.IncomingMessage, res: http.ServerResponse, flowKey: string) => Promise<void>;

export async function startWeb(opts: { dev: boolean; port: number; hostname?: string }): Promise<http.Server> {
  const app = next({ dev: opts.dev, dir: process.cwd(), port: opts.port, hostname: opts.hostname ?? "localhost" });
  await app.prepare();
  const server = http.createServer(webFront(app.getRequestHandler(), logger, hookHandler(await nextStaticHeaders())));
  keepIdleConnections(server, config().WEFT_KEEPALIVE_SECONDS);
  await new Promise<void>((resolve) => server.listen(opts.port, resolve));
  return server;
}

/** Idle connections stay open `seconds` (server/config.ts WEFT_KEEPALIVE_SECONDS); headers may take a second more. */
export function keepIdleConnections(server: http.Server, seconds: number): void {
  server.keepAliveTimeout = seconds * 1000;
  server.headersTimeout = (seconds + 1) * 1000;
}

/** What runs before Next.js on every request (exported for its test, which stands a plain handler in for Next). */
export function webFront(
  handle: (req: http.IncomingMessage, res: http.ServerResponse) => unknown,
  log: Logger = logger,
  hooks?: HookHandler,
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
    const flowKey = hooks && req.method === "POST" ? hookFlowKey(req.url ?? "") : null;
    if (flowKey !== null) void hooks!(req, res, flowKey);
    else void handle(req, res);
  };
}

/** The flow key of a delivery's path (decoded as Next.js decodes route parameters), else null. */
function hookFlowKey(url: string): string | null {
  const m = HOOK_PATH.exec(url.split("?")[0]!);
  if (!m) return null;
  try {
    return decodeURIComponent(m[1]!);
  } catch {
    return null; // Next.js answers what it cannot decode
  }
}

/** next.config.js's headers for every path: the front's own answers carry them too. */
async function nextStaticHeaders(): Promise<Array<[string, string]>> {
  type Rule = { source: string; headers: Array<{ key: string; value: string }> };
  const file = pathToFileURL(path.join(process.cwd(), "next.config.js")).href;
  const config = ((await import(file)) as { default: { headers?: () => Promise<Rule[]> } }).default;
  const rules = (await config.headers?.()) ?? [];
  return rules
    .filter((r) => r.source === "/:path*")
    .flatMap((r) => r.headers.map((h) => [h.key, h.value] as [string, string]));
}

/** Webhook deliveries through the route's serveWebhook, on a fetch Request made from the Node request. */
export function hookHandler(staticHeaders: Array<[string, string]>): HookHandler {
  return async (req, res, flowKey) => {
    try {
      const headers = new Headers();
      for (const [k, v] of Object.entries(req.headers))
        if (v !== undefined) for (const x of Array.isArray(v) ? v : [v]) headers.append(k, x);
      // Only the path and query matter to the route: the Host header is not trusted into a URL.
      const request = new Request(`http://localhost${req.url ?? "/"}`, {
        method: "POST",
        headers,
        body: Readable.toWeb(req) as ReadableStream<Uint8Array>,
        duplex: "half",
      } as RequestInit);
      const response = await serveWebhook(request, flowKey);
      for (const [k, v] of staticHeaders) res.setHeader(k, v);
      response.headers.forEach((v, k) => res.setHeader(k, v));
      res.statusCode = response.status;
      res.end(Buffer.from(await response.arrayBuffer()));
    } catch (err) {
      // The request itself broke (the sender went away mid-body): nothing was accepted.
      logger.warn({ err, flowKey }, "webhook delivery could not be read");
      if (res.headersSent) res.destroy();
      else {
        res.statusCode = 400;
        res.end();
      }
    }
  };
}
