// POST /api/hooks/<flowKey> as HTTP: the body read with its ceiling, acceptWebhook, errors as answers a sender
// can act on. One definition for the Next.js route (app/api/hooks/[flowKey]/route.ts) and the web front
// (scripts/lib/web.ts), which answers deliveries before Next.js to spare the runtime's hottest route the
// framework's per-request work.
import "server-only";
import { getHTTPStatusCodeFromError } from "@trpc/server/http";
import { acceptWebhook, DEFAULT_MAX_BODY_BYTES } from "./ingress";
import { runtimePool } from "./sql";
import { databaseUrl } from "../db/client";
import { webBoss } from "../queue/boss";
import { logger } from "../observability/log";
import { readLimited } from "../http/body";
import { clientError } from "../api/errors";

// The hard ceiling for any flow; a flow's trigger may set a smaller one.
const HARD_LIMIT = 10 * DEFAULT_MAX_BODY_BYTES;

/** The path of a delivery: its flow key is the one segment after /api/hooks/. */
export const HOOK_PATH = /^\/api\/hooks\/([^/]+)$/;

export async function serveWebhook(req: Request, flowKey: string): Promise<Response> {
  const body = await readLimited(req, HARD_LIMIT);
  if (!body) return Response.json({ error: `The body exceeds ${HARD_LIMIT} bytes.` }, { status: 413 });
  try {
    const url = new URL(req.url);
    const r = await acceptWebhook(
      { pool: runtimePool(databaseUrl()), boss: await webBoss() },
      {
        flowKey,
        headers: req.headers,
        body,
        query: url.search.slice(1),
        // /api/hooks/<flow>?env=test: the delivery is for that environment (docs/environments.md).
        environment: url.searchParams.get("env") ?? undefined,
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
