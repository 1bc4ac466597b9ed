// Prometheus metrics (prom-client). One registry per process; names are prefixed `weft_`.
import client from "prom-client";

const g = globalThis as unknown as { __weftMetrics?: ReturnType<typeof create> };

function create() {
  const registry = new client.Registry();
  client.collectDefaultMetrics({ register: registry, prefix: "weft_" });
  const httpRequests = new client.Counter({
    name: "weft_http_requests_total",
    help: "HTTP requests served, by method and status class",
    labelNames: ["method", "status"] as const,
    registers: [registry],
  });
  const httpDuration = new client.Histogram({
    name: "weft_http_request_duration_seconds",
    help: "HTTP request duration",
    labelNames: ["method"] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  });
  const queueDepth = new client.Gauge({
    name: "weft_queue_depth",
    help: "Jobs waiting per pg-boss queue (sampled at scrape time)",
    labelNames: ["queue", "state"] as const,
    registers: [registry],
  });
  return { registry, httpRequests, httpDuration, queueDepth };
}

export function metrics() {
  return (g.__weftMetrics ??= create());
}
