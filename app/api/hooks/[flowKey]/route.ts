// Webhook ingress (signature-authenticated, no session): see server/runtime/ingress.ts.
import { acceptWebhook, DEFAULT_MAX_BODY_BYTES } from "@/server/runtime/ingress";
import { runtimePool } from "@/server/runtime/sql";
import { databaseUrl } from "@/server/db/client";
import { webBoss } from "@/server/queue/boss";
import { logger } from "@/server/observability/log";
import { readLimited } from "@/server/http/body";
import { clientError } from "@/server/api/errors";
import { getHTTPStatusCodeFromError } from "@trpc/server/http";

export const dynamic = "force-dynamic";
export const runtime = "nodejs";

// The hard ceiling for any flow; a flow's trigger may set a smaller one.
const HARD_LIMIT = 10 * DEFAULT_MAX_BODY_BYTES;

export async function POST(req: Request, ctx: { params: Promise<{ flowKey: string }> }) {
  const { flowKey } = await ctx.params;
  const body = await readLimited(req, HARD_LIMIT);
  if (!body) return Response.json({ error: `The body exceeds ${HARD_LIMIT} bytes.` }, { status: 413 });
  try {
    const r = await acceptWebhook(
      { pool: runtimePool(databaseUrl()), boss: await webBoss() },
      {
        flowKey,
        headers: req.headers,
        body,
        query: new URL(req.url).search.slice(1),
        // /api/hooks/<flow>?env=test: the delivery is for that environment (docs/environments.md).
        environment: new URL(req.url).searchParams.get("env") ?? undefined,
      },
    );
    return Response.json(r.body, { status: r.status, headers: r.headers });
  } catch (err) {
    // A value the database refuses is the sender's to fix (4xx, no retry); only infrastructure trouble is 503.
    const mapped = clientError(err);
    const status = mapped ? getHTTPStatusCodeFromError(mapped) : 503;
    if (mapped && status < 500) {
      logger.warn({ err, flowKey }, "webhook refused by the database");
      return Response.json({ error: mapped.message }, { status });
    }
    logger.error({ err, flowKey }, "webhook ingress failed");
    // 503 tells a well-behaved sender to retry later; nothing was accepted.
    return Response.json(
      { error: "The webhook could not be accepted right now; retry later." },
      { status: 503, headers: { "retry-after": "5" } },
    );
  }
}
