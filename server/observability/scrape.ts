// One Prometheus scrape, shared by the web route (/api/metrics) and a worker's own metrics port: checks the
// optional bearer token (WEFT_METRICS_TOKEN), refreshes queue depths from pg-boss, renders the registry.
// Run and step metrics are counted where runs execute — in worker processes — so each worker is scraped too.
import "server-only";
import type { PgBoss } from "pg-boss";
import { metrics } from "./metrics";

export async function scrape(
  authorization: string | null,
  boss: () => Promise<PgBoss>,
): Promise<{ status: number; contentType: string; body: string }> {
  const token = process.env.WEFT_METRICS_TOKEN;
  if (token && authorization !== `Bearer ${token}`) {
    return {
      status: 401,
      contentType: "text/plain",
      body: "metrics need the bearer token configured in WEFT_METRICS_TOKEN\n",
    };
  }
  const m = metrics();
  try {
    for (const q of await (await boss()).getQueues()) {
      m.queueDepth.set({ queue: q.name, state: "ready" }, q.readyCount);
      m.queueDepth.set({ queue: q.name, state: "active" }, q.activeCount);
      m.queueDepth.set({ queue: q.name, state: "deferred" }, q.deferredCount);
      m.queueDepth.set({ queue: q.name, state: "failed" }, q.failedCount);
    }
  } catch {
    // The scrape still reports process metrics when the queue is unreachable; /api/health says why.
  }
  return { status: 200, contentType: m.registry.contentType, body: await m.registry.metrics() };
}
