// The shipped reconciliations (examples/recon-*.weft.json) on a demo's first start: their schedules fire early
// each morning, so a fresh demo would show them without a run until the next day. Queues one run of each (as
// its schedule would) once per database — the idempotency key makes every later start a no-op — for the
// workers to run against the sandboxes in the background: start-up does not wait for them.
import "server-only";
import type { PgBoss } from "pg-boss";
import { scheduleInput } from "../../core/dsl/trigger-input";
import { loadPublishedFlow } from "../runtime/flow-source";
import { createRun } from "../runtime/runs";
import pg from "pg";
import type { Pool } from "../runtime/sql";
import { referenceFlows } from "./demo-flows";

/** Keys of the reference flows that are reconciliations (a reconcile step). */
export function shippedReconciliations(): string[] {
  return referenceFlows()
    .filter((d) => ((d.steps ?? []) as Array<{ type?: string }>).some((s) => s.type === "reconcile"))
    .map((d) => d.key);
}

/** Queues the first run of each shipped reconciliation that has none yet; returns the flows queued. */
export async function runShippedReconciliationsOnce(pool: Pool, boss: PgBoss): Promise<string[]> {
  const queued: string[] = [];
  for (const key of shippedReconciliations()) {
    const flow = await loadPublishedFlow(pool, key, { fresh: true });
    if (!flow) continue;
    const r = await createRun(pool, boss, {
      flowId: flow.flowId,
      flowVersionId: flow.versionId,
      triggerType: "schedule",
      input: scheduleInput(new Date()),
      idempotencyKey: "demo:first-run",
    });
    if (r.created) queued.push(key);
  }
  return queued;
}

/** Demo boot (scripts/dev.ts, start.ts): runShippedReconciliationsOnce on a pool of its own. */
export async function queueFirstReconciliationRuns(databaseUrl: string, boss: PgBoss): Promise<string[]> {
  // Not runtimePool(): that is the process's shared pool (one per URL), which the in-process workers use too —
  // ending it here made every demo run fail with "Cannot use a pool after calling end on the pool".
  const pool = new pg.Pool({ connectionString: databaseUrl, max: 1 });
  try {
    return await runShippedReconciliationsOnce(pool, boss);
  } finally {
    await pool.end();
  }
}
