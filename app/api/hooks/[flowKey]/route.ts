// Webhook ingress (signature-authenticated, no session): see server/runtime/ingress.ts. The web front
// (scripts/lib/web.ts) answers deliveries itself with the same serveWebhook; this route serves them when
// Next.js runs without that front.
import { serveWebhook } from "@/server/runtime/hook-http";

export const dynamic = "force-dynamic";
export const runtime = "nodejs";

export async function POST(req: Request, ctx: { params: Promise<{ flowKey: string }> }) {
  return serveWebhook(req, (await ctx.params).flowKey);
}
