// Liveness + readiness for load balancers and orchestrators: 200 when the database and queue answer, else 503.
import { checkHealth } from "@/server/observability/health";

export const dynamic = "force-dynamic";

export async function GET() {
  const h = await checkHealth();
  return Response.json(h, { status: h.status === "ok" ? 200 : 503, headers: { "cache-control": "no-store" } });
}
