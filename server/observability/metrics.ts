// Prometheus metrics (prom-client). One registry per process; names are prefixed `weft_`.
import "server-only";
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
  // ---- runtime (server/runtime) ----
  const runtimeIngress = new client.Counter({
    name: "weft_runtime_ingress_total",
    help: "Trigger deliveries by flow and outcome (accepted, duplicate, or the HTTP status of a refusal)",
    labelNames: ["flow", "outcome"] as const,
    registers: [registry],
  });
  const polls = new client.Counter({
    name: "weft_polls_total",
    help: "Poll trigger polls by flow and outcome (polled, failed, superseded by a concurrent poll)",
    labelNames: ["flow", "outcome"] as const,
    registers: [registry],
  });
  const runsFinished = new client.Counter({
    name: "weft_runs_total",
    help: "Runs that reached a final or waiting state, by flow and status",
    labelNames: ["flow", "status"] as const,
    registers: [registry],
  });
  const stepDuration = new client.Histogram({
    name: "weft_step_duration_seconds",
    help: "Step execution time by step type and outcome (one observation per attempt)",
    labelNames: ["type", "outcome"] as const,
    buckets: [0.0005, 0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [registry],
  });
  const runDuration = new client.Histogram({
    name: "weft_run_duration_seconds",
    help: "From run created to run finished, by flow and status",
    labelNames: ["flow", "status"] as const,
    buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 3600],
    registers: [registry],
  });
  const stepRetries = new client.Counter({
    name: "weft_step_retries_total",
    help: "Step attempts that failed and were scheduled again, by error class",
    labelNames: ["error_class"] as const,
    registers: [registry],
  });
  const exceptionsOpened = new client.Counter({
    name: "weft_exceptions_opened_total",
    help: "Exception records opened by runs that finally failed, by flow and error class",
    labelNames: ["flow", "error_class"] as const,
    registers: [registry],
  });
  return {
    registry,
    httpRequests,
    httpDuration,
    queueDepth,
    runtimeIngress,
    polls,
    runsFinished,
    stepDuration,
    runDuration,
    stepRetries,
    exceptionsOpened,
  };
}

export function metrics() {
  return (g.__weftMetrics ??= create());
}
