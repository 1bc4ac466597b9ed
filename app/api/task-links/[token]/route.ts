// POST /api/task-links/<token>: the decision of the one task a signed link opens (server/tasks/link.ts), for an
// approver without a Weft account. JSON { decision, fields?, comment? }; refusals are the Inbox's (403 forged or
// four-eyes, 409 decided or expired, 412 link expired, 400 naming the field) with their sentence.
import { z } from "zod";
import { readLimited } from "@/server/http/body";
import { assertInput, InputRejectedError } from "@/core/input-guard";
import { DomainError, DOMAIN_ERROR_STATUS } from "@/core/domain-error";
import { APPROVAL_DECISIONS } from "@/core/dsl/schema";
import { db } from "@/server/db/client";
import { webBoss } from "@/server/queue/boss";
import { decideByLink } from "@/server/tasks/service";
import { logger } from "@/server/observability/log";

const Body = z.object({
  decision: z.enum(APPROVAL_DECISIONS),
  fields: z.record(z.string(), z.unknown()).optional(),
  comment: z.string().max(2000).optional(),
});

export async function POST(req: Request, ctx: { params: Promise<{ token: string }> }) {
  const { token } = await ctx.params;
  const raw = await readLimited(req, 64 * 1024);
  if (!raw) return Response.json({ message: "The decision is too large." }, { status: 413 });
  let value: unknown;
  try {
    value = JSON.parse(raw.toString("utf8"));
    assertInput(value, "The body");
  } catch (e) {
    const status = e instanceof InputRejectedError ? e.status : 400;
    return Response.json({ message: e instanceof Error ? e.message : "Not JSON." }, { status });
  }
  const parsed = Body.safeParse(value);
  if (!parsed.success) {
    const i = parsed.error.issues[0]!;
    return Response.json(
      { message: `${i.path.join(".") || "body"}: ${i.message}`, field: i.path.join(".") },
      { status: 400 },
    );
  }
  try {
    const task = await decideByLink({ db: db(), boss: await webBoss(), requestId: null }, token, parsed.data);
    return Response.json({ decision: task.decision, status: task.status });
  } catch (e) {
    if (e instanceof DomainError)
      return Response.json({ message: e.message, field: e.field ?? null }, { status: DOMAIN_ERROR_STATUS[e.code] });
    logger.error({ err: e }, "task link decision failed");
    return Response.json({ message: "Something went wrong on our side; it has been logged." }, { status: 500 });
  }
}
