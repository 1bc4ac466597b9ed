// Prometheus scrape endpoint of a web process. When WEFT_METRICS_TOKEN is set, scrapers must send it as a
// bearer token. Worker processes serve the same on WEFT_METRICS_PORT (see scripts/worker.ts).
import { scrape } from "@/server/observability/scrape";
import { webBoss } from "@/server/queue/boss";

export const dynamic = "force-dynamic";

export async function GET(req: Request) {
  const r = await scrape(req.headers.get("authorization"), webBoss);
  return new Response(r.body, { status: r.status, headers: { "content-type": r.contentType } });
}
