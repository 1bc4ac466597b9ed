// The KPI projections' background work, registered by server/workers/index.ts: folding the unbilled day cells'
// deltas (kpi_unbilled_day_delta, migration 20261206120000_kpi_projections) every minute, so that a read, which
// adds the pending deltas, stays proportional to the cells plus about a minute of changes.
import "server-only";
import type { PgBoss } from "pg-boss";
import { db } from "../db/client";
import { prismaSql, type Sql } from "../runtime/sql";

export const KPI_COMPACT_QUEUE = "kpis.unbilled-compact";

/** How many deltas were folded; -1 when another compaction holds the lock (it folds them instead). */
export async function compactUnbilledDays(sql: Sql): Promise<number> {
  const r = await sql.query(`SELECT kpi_unbilled_compact() AS n`);
  return (r.rows[0] as { n: number }).n;
}

export async function registerKpiJobs(boss: PgBoss): Promise<void> {
  await boss.createQueue(KPI_COMPACT_QUEUE, { policy: "singleton" });
  await boss.schedule(KPI_COMPACT_QUEUE, "* * * * *", {}, { tz: "UTC" });
  await boss.work(KPI_COMPACT_QUEUE, async () => {
    await compactUnbilledDays(prismaSql(db()));
  });
}
