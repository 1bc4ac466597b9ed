// Auto-resolve: when a later run of the same flow for the same business keys succeeds in the same environment,
// the open exceptions of earlier runs for those keys resolve themselves (a test run that succeeds says nothing
// about production's records) — recorded as such (resolution text,
// resolved_by_run_id, an "exception.auto_resolve" audit entry by the system). The runtime's run-finish path
// asks for it (autoResolveNeededSql, an indexed EXISTS in the end statement of a successful run with business keys); a sweep every
// minute catches anything a lost job would have missed.
// Reconciliation breaks (docs/reconciliation.md) resolve the same way: a succeeded run that completed a
// reconciliation resolves that reconciliation's open breaks it did not find again (break_seen_run_id) — of its
// own environment and period only (the checkpoint row carries both).
import "server-only";
import type { PgBoss } from "pg-boss";
import type { Db } from "../db/client";
import { appendAudit } from "../audit/audit";
import { logger } from "../observability/log";

export const AUTO_RESOLVE_QUEUE = "exceptions.auto-resolve";
export const AUTO_RESOLVE_SWEEP_QUEUE = "exceptions.auto-resolve-sweep";

/**
 * Whether exception `e` is an open break of reconciliation c.reconciliation in flow `flow`, in the checkpoint's
 * environment and period, that run `run`, which completed it (c.done, at c.updated_at), did not find again — and
 * that no run after it found (runs of a reconciliation take turns).
 */
const staleBreakOf = (flow: string, run: string) =>
  `e.flow_id = ${flow} AND e.status = 'open' AND starts_with(e.break_identity, c.reconciliation || '|')
    AND e.environment = c.environment AND e.break_period IS NOT DISTINCT FROM c.period
    AND e.break_seen_run_id IS DISTINCT FROM ${run} AND e.break_seen_at < c.updated_at`;
const staleBreak = (flow: string, run: string) => `SELECT 1 FROM exception e WHERE ${staleBreakOf(flow, run)}`;

/**
 * Whether a succeeded run needs the resolve job: open exceptions of its flow whose business keys its own
 * contain, or breaks of a reconciliation it completed that it did not find again. A boolean SQL expression
 * over the run's flow id, business-key values and id (parameter references): the engine returns it from the
 * run's own end statement, so it costs no round trip. `environment`: the run's environment (an SQL expression).
 */
export function autoResolveNeededSql(flow: string, keyValues: string, run: string, environment: string): string {
  return `((cardinality(${keyValues}::text[]) > 0 AND EXISTS (SELECT 1 FROM exception WHERE flow_id = ${flow}::uuid AND status = 'open' AND environment = ${environment} AND business_key_values <@ ${keyValues}::text[] AND cardinality(business_key_values) > 0 AND run_id <> ${run}::uuid))
         OR EXISTS (SELECT 1 FROM reconcile_checkpoint c WHERE c.run_id = ${run}::uuid AND c.done AND EXISTS (${staleBreak(`${flow}::uuid`, `${run}::uuid`)})))`;
}

/** Enqueues the resolve of what the succeeded run makes obsolete (once per run). */
export async function queueAutoResolve(boss: PgBoss, runId: string): Promise<void> {
  await boss.send(AUTO_RESOLVE_QUEUE, { runId }, { singletonKey: runId, retryLimit: 5, retryDelay: 2 });
}

/** Resolves the open exceptions that the succeeded run `runId` makes obsolete; returns their ids. */
export async function autoResolveForRun(db: Db, runId: string): Promise<string[]> {
  return db.$transaction(async (tx) => {
    const run = await tx.run.findUnique({
      where: { id: runId },
      select: {
        id: true,
        status: true,
        isTest: true,
        flowId: true,
        createdAt: true,
        businessKeyValues: true,
        environment: true,
      },
    });
    if (!run || run.status !== "succeeded" || run.isTest) return [];
    const rows = await tx.$queryRawUnsafe<Array<{ id: string; run_id: string; values: string[] }>>(
      `SELECT e.id::text AS id, e.run_id::text AS run_id, e.business_key_values AS values
         FROM exception e JOIN run r ON r.id = e.run_id
        WHERE e.flow_id = $1::uuid AND e.status = 'open' AND e.business_key_values <@ $2::text[] AND cardinality(e.business_key_values) > 0 AND e.run_id <> $3::uuid AND r.created_at < $4::timestamptz
          AND cardinality($2::text[]) > 0 AND e.environment = $5
      ORDER BY e.id FOR UPDATE OF e`,
      run.flowId,
      run.businessKeyValues,
      run.id,
      run.createdAt,
      run.environment,
    );
    const breaks = await tx.$queryRawUnsafe<Array<{ id: string; run_id: string; reconciliation: string }>>(
      `SELECT e.id::text AS id, e.run_id::text AS run_id, c.reconciliation
         FROM reconcile_checkpoint c JOIN exception e ON ${staleBreakOf("$1::uuid", "$2::uuid")}
        WHERE c.run_id = $2::uuid AND c.done
        ORDER BY e.id FOR UPDATE OF e`,
      run.flowId,
      run.id,
    );
    for (const b of breaks) {
      const resolution = `Auto-resolved: a later run (${run.id}) of reconciliation ${b.reconciliation} no longer found this break.`;
      await tx.exception.update({
        where: { id: b.id },
        data: { status: "resolved", resolution, resolvedAt: new Date(), resolvedByRunId: run.id, resolvedById: null },
      });
      await appendAudit(tx, {
        actor: null,
        action: "exception.auto_resolve",
        entityType: "exception",
        entityId: b.id,
        before: { status: "open" },
        after: { status: "resolved", resolution, resolvedByRunId: run.id },
        meta: { reconciliation: b.reconciliation, failedRunId: b.run_id },
      });
    }
    for (const r of rows) {
      const keys = r.values.filter((v) => run.businessKeyValues.includes(v));
      const resolution = `Auto-resolved: a later run (${run.id}) for the same business keys (${keys.join(", ")}) succeeded.`;
      await tx.exception.update({
        where: { id: r.id },
        data: { status: "resolved", resolution, resolvedAt: new Date(), resolvedByRunId: run.id, resolvedById: null },
      });
      await appendAudit(tx, {
        actor: null,
        action: "exception.auto_resolve",
        entityType: "exception",
        entityId: r.id,
        before: { status: "open" },
        after: { status: "resolved", resolution, resolvedByRunId: run.id },
        meta: { keys, failedRunId: r.run_id },
      });
    }
    return [...rows.map((r) => r.id), ...breaks.map((b) => b.id)];
  });
}

/** Succeeded runs of the last 15 minutes that should have resolved open exceptions: resolve them now. */
export async function autoResolveSweep(db: Db): Promise<number> {
  const runs = await db.$queryRawUnsafe<Array<{ id: string }>>(
    `SELECT DISTINCT r.id::text AS id
       FROM run r JOIN exception e ON e.flow_id = r.flow_id AND e.status = 'open' AND e.environment = r.environment AND e.business_key_values <@ r.business_key_values AND cardinality(e.business_key_values) > 0 AND e.run_id <> r.id
       JOIN run er ON er.id = e.run_id AND er.created_at < r.created_at
      WHERE r.status = 'succeeded' AND NOT r.is_test AND r.finished_at > now() - interval '15 minutes' AND cardinality(r.business_key_values) > 0
     UNION
     SELECT r.id::text AS id
       FROM run r JOIN reconcile_checkpoint c ON c.run_id = r.id AND c.done
      WHERE r.status = 'succeeded' AND NOT r.is_test AND r.finished_at > now() - interval '15 minutes'
        AND EXISTS (${staleBreak("r.flow_id", "r.id")})
      LIMIT 500`,
  );
  let n = 0;
  for (const r of runs) n += (await autoResolveForRun(db, r.id)).length;
  if (n) logger.info({ resolved: n }, "auto-resolve sweep");
  return n;
}
