// Bulk actions over a whole filter or signature group — not just the rows on screen — or over rows ticked by hand. The request records a
// bulk_action row (the filter, frozen at "as of" the moment it was asked) and a pg-boss job; the job walks
// the matching exceptions in id order in batches, applies the single-exception operation to each (each in
// its own transaction with its own audit entry, by the requesting user), writes progress after every
// batch and stops between batches when cancelled. A restarted job resumes from its keyset position.
import "server-only";
import { fromPrisma, type PgBoss } from "pg-boss";
import { DomainError } from "../../core/domain-error";
import type { Db } from "../db/client";
import { appendAudit, type AuditFn } from "../audit/audit";
import {
  assignExceptions,
  replayException,
  resolveExceptions,
  retryException,
  type OpsDeps,
} from "../runtime/operations";
import { bulkScopeSchema, type BulkKind, type BulkScope } from "../../core/exceptions/filter";
import { SqlParams, whereOf } from "./queue";
import { logger } from "../observability/log";

export const BULK_QUEUE = "exceptions.bulk";
export const BULK_BATCH = 100;
const MAX_ERRORS_KEPT = 50;

export interface BulkParams {
  reason?: string;
  userId?: string | null;
  teamId?: string | null;
}

/** Matching exceptions as of a moment, in id order after `afterId`. */
async function nextBatch(
  db: Db,
  filter: BulkScope,
  asOf: Date,
  afterId: string | null,
  userId: string,
  limit: number,
): Promise<string[]> {
  const p = new SqlParams();
  const where = whereOf(filter, p, { userId });
  const extra = [
    `e.created_at <= ${p.add(asOf)}::timestamptz`,
    ...(afterId ? [`e.id > ${p.add(afterId)}::uuid`] : []),
  ].join(" AND ");
  const rows = await db.$queryRawUnsafe<Array<{ id: string }>>(
    `SELECT e.id::text AS id FROM exception e JOIN flow f ON f.id = e.flow_id LEFT JOIN exception_policy p ON p.flow_id = e.flow_id
      ${where ? `${where} AND ${extra}` : `WHERE ${extra}`} ORDER BY e.id LIMIT ${limit}`,
    ...p.values,
  );
  return rows.map((r) => r.id);
}

export async function countMatching(db: Db, filter: BulkScope, userId: string, asOf?: Date): Promise<number> {
  const p = new SqlParams();
  const where = whereOf(filter, p, { userId });
  const extra = asOf ? `e.created_at <= ${p.add(asOf)}::timestamptz` : "true";
  const [r] = await db.$queryRawUnsafe<Array<{ n: number }>>(
    `SELECT count(*)::int AS n FROM exception e JOIN flow f ON f.id = e.flow_id LEFT JOIN exception_policy p ON p.flow_id = e.flow_id ${where ? `${where} AND ${extra}` : `WHERE ${extra}`}`,
    ...p.values,
  );
  return r?.n ?? 0;
}

/**
 * What became of the runs a retry or replay action started: "done" means every run was started, not that
 * they finished — the exceptions stay "retrying" until their runs end (resolved, or open again on a new
 * failure). The exceptions are the ones the action's own audit entries name. Null for other kinds.
 */
export async function bulkRunOutcome(
  db: Db,
  action: { id: string; kind: string },
): Promise<{ running: number; succeeded: number; failedAgain: number } | null> {
  if (action.kind !== "retry" && action.kind !== "replay_latest") return null;
  const rows = await db.$queryRawUnsafe<Array<{ status: string; n: number }>>(
    `SELECT e.status, count(*)::int AS n FROM exception e
      WHERE e.id::text IN (SELECT a.entity_id FROM audit_log a
                            WHERE a.entity_type = 'exception' AND a.action IN ('exception.retry', 'exception.replay_latest') AND a.meta->>'bulkActionId' = $1)
      GROUP BY e.status`,
    action.id,
  );
  const n = (s: string) => rows.find((r) => r.status === s)?.n ?? 0;
  return { running: n("retrying"), succeeded: n("resolved"), failedAgain: n("open") };
}

export async function startBulk(
  d: { db: Db; boss: PgBoss; audit: AuditFn; userId: string },
  kind: BulkKind,
  filter: BulkScope,
  params: BulkParams,
) {
  if (kind === "resolve" && !(params.reason && params.reason.trim().length >= 3))
    throw new DomainError("invalid", "Resolving needs a reason (at least 3 characters).");
  if (kind === "assign" && params.userId === undefined && params.teamId === undefined)
    throw new DomainError("invalid", "Assigning needs a person or a team.");
  const asOf = new Date();
  const total = await countMatching(d.db, filter, d.userId, asOf);
  if (total === 0) throw new DomainError("invalid", "No exceptions match this filter.");
  return d.db.$transaction(
    async (tx) => {
      const row = await tx.bulkAction.create({
        data: { kind, filter: filter as object, params: params as object, total, asOf, createdById: d.userId },
      });
      await d.boss.send(
        BULK_QUEUE,
        { id: row.id },
        { db: fromPrisma(tx), retryLimit: 3, retryDelay: 2, singletonKey: row.id },
      );
      await d.audit(tx, {
        action: "exception.bulk_start",
        entityType: "bulk_action",
        entityId: row.id,
        after: { kind, filter, params, total },
      });
      return row;
    },
    { maxWait: 10_000 },
  );
}

export async function cancelBulk(d: { db: Db; audit: AuditFn; userId: string }, id: string) {
  return d.db.$transaction(async (tx) => {
    const row = await tx.bulkAction.findUnique({ where: { id } });
    if (!row) throw new DomainError("not_found", "Bulk action not found.");
    if (!["queued", "running"].includes(row.status))
      throw new DomainError("conflict", `This bulk action is ${row.status}.`);
    const updated = await tx.bulkAction.update({
      where: { id },
      data: {
        cancelRequestedAt: new Date(),
        status: row.status === "queued" ? "cancelled" : "cancelling",
        ...(row.status === "queued" ? { finishedAt: new Date() } : {}),
      },
    });
    await d.audit(tx, {
      action: "exception.bulk_cancel",
      entityType: "bulk_action",
      entityId: id,
      before: { status: row.status, processed: row.processed },
      after: { status: updated.status },
    });
    return updated;
  });
}

type Outcome = "succeeded" | "skipped" | "failed";

/** The job: processes the action in batches until done or cancelled. */
export async function processBulk(db: Db, boss: PgBoss, id: string, batch = BULK_BATCH): Promise<void> {
  let action = await db.bulkAction.findUnique({ where: { id } });
  if (!action || ["done", "cancelled", "failed"].includes(action.status)) return;
  const user = await db.user.findUnique({ where: { id: action.createdById }, select: { id: true, email: true } });
  const audit: AuditFn = (tx, e) =>
    appendAudit(tx, {
      ...e,
      actor: { id: user?.id ?? action!.createdById, email: user?.email ?? null },
      meta: { ...(e.meta as object | undefined), bulkActionId: id },
    });
  const deps: OpsDeps = { db, boss, audit, userId: action.createdById };
  const filter = bulkScopeSchema.parse(action.filter);
  const params = action.params as BulkParams;
  if (action.status === "queued")
    action = await db.bulkAction.update({ where: { id }, data: { status: "running", startedAt: new Date() } });
  const apply = async (exceptionId: string): Promise<Outcome> => {
    switch (action!.kind as BulkKind) {
      case "retry":
        await retryException(deps, exceptionId);
        return "succeeded";
      case "replay_latest":
        await replayException(deps, exceptionId, { latest: true });
        return "succeeded";
      case "resolve":
        return (await resolveExceptions(deps, [exceptionId], params.reason ?? "Resolved in bulk")).resolved
          ? "succeeded"
          : "skipped";
      case "assign":
        await assignExceptions(deps, [exceptionId], { userId: params.userId, teamId: params.teamId });
        return "succeeded";
    }
  };
  for (;;) {
    const fresh = await db.bulkAction.findUniqueOrThrow({
      where: { id },
      select: { cancelRequestedAt: true, lastId: true },
    });
    if (fresh.cancelRequestedAt) {
      await db.bulkAction.update({ where: { id }, data: { status: "cancelled", finishedAt: new Date() } });
      logger.info({ bulkActionId: id }, "bulk action cancelled");
      return;
    }
    const ids = await nextBatch(db, filter, action.asOf, fresh.lastId, action.createdById, batch);
    if (ids.length === 0) break;
    const counts = { succeeded: 0, skipped: 0, failed: 0 };
    const errors: Array<{ id: string; message: string }> = [];
    for (const exceptionId of ids) {
      try {
        counts[await apply(exceptionId)]++;
      } catch (err) {
        // A conflict (no longer open, run not failed) is a skip: someone or something got there first.
        if (err instanceof DomainError && (err.code === "conflict" || err.code === "not_found")) counts.skipped++;
        else counts.failed++;
        errors.push({ id: exceptionId, message: (err as Error).message });
      }
    }
    await db.$executeRawUnsafe(
      `UPDATE bulk_action SET processed = processed + $2, succeeded = succeeded + $3, skipped = skipped + $4, failed = failed + $5, last_id = $6::uuid,
              errors = CASE WHEN jsonb_array_length(errors) >= ${MAX_ERRORS_KEPT} THEN errors ELSE errors || $7::jsonb END
        WHERE id = $1::uuid`,
      id,
      ids.length,
      counts.succeeded,
      counts.skipped,
      counts.failed,
      ids.at(-1),
      JSON.stringify(errors.slice(0, MAX_ERRORS_KEPT)),
    );
  }
  const done = await db.bulkAction.update({ where: { id }, data: { status: "done", finishedAt: new Date() } });
  await db.$transaction((tx) =>
    audit(tx, {
      action: "exception.bulk_done",
      entityType: "bulk_action",
      entityId: id,
      after: {
        kind: done.kind,
        total: done.total,
        processed: done.processed,
        succeeded: done.succeeded,
        skipped: done.skipped,
        failed: done.failed,
      },
    }),
  );
}

export async function registerBulkJobs(db: () => Db, boss: PgBoss): Promise<void> {
  await boss.createQueue(BULK_QUEUE, { retryLimit: 3, retryDelay: 2 });
  await boss.work<{ id: string }>(BULK_QUEUE, { batchSize: 1 }, async ([job]) => {
    if (job) await processBulk(db(), boss, job.data.id);
  });
}
