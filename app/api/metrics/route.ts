// Prometheus scrape endpoint. When WEFT_METRICS_TOKEN is set, scrapers must send it as a bearer token.
import { metrics } from "@/server/observability/metrics";
import { webBoss } from "@/server/queue/boss";

export const dynamic = "force-dynamic";

export async function GET(req: Request) {
  const token = process.env.WEFT_METRICS_TOKEN;
  if (token && req.headers.get("authorization") !== `Bearer ${token}`) {
    return new Response("metrics need the bearer token configured in WEFT_METRICS_TOKEN\n", { status: 401 });
  }
  const m = metrics();
  try {
    const boss = await webBoss();
    for (const q of await boss.getQueues()) {
      m.queueDepth.set({ queue: q.name, state: "ready" }, q.readyCount);
      m.queueDepth.set({ queue: q.name, state: "active" }, q.activeCount);
      m.queueDepth.set({ queue: q.name, state: "deferred" }, q.deferredCount);
      m.queueDepth.set({ queue: q.name, state: "failed" }, q.failedCount);
    }
  } catch {
    // The scrape still reports process metrics when the queue is unreachable; /api/health says why.
  }
  return new Response(await m.registry.metrics(), { headers: { "content-type": m.registry.contentType } });
}
