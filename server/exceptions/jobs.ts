// The exception queue's background work, registered by server/workers/index.ts: bulk actions,
// auto-resolve (per succeeded run, plus a sweep every minute) and folding the counters' deltas (every minute).
import "server-only";
import type { PgBoss } from "pg-boss";
import { db } from "../db/client";
import { registerBulkJobs } from "./bulk";
import { TALLY_COMPACT_QUEUE, compactExceptionTally } from "./tally";
import { AUTO_RESOLVE_QUEUE, AUTO_RESOLVE_SWEEP_QUEUE, autoResolveForRun, autoResolveSweep } from "./auto-resolve";

export async function registerExceptionJobs(boss: PgBoss): Promise<void> {
  await registerBulkJobs(db, boss);
  await boss.createQueue(AUTO_RESOLVE_QUEUE, { retryLimit: 5, retryDelay: 2 });
  await boss.work<{ runId: string }>(AUTO_RESOLVE_QUEUE, async (jobs) => {
    for (const j of jobs) await autoResolveForRun(db(), j.data.runId);
  });
  await boss.createQueue(AUTO_RESOLVE_SWEEP_QUEUE, { policy: "singleton" });
  await boss.schedule(AUTO_RESOLVE_SWEEP_QUEUE, "* * * * *", {}, { tz: "UTC" });
  await boss.work(AUTO_RESOLVE_SWEEP_QUEUE, async () => {
    await autoResolveSweep(db());
  });
  await boss.createQueue(TALLY_COMPACT_QUEUE, { policy: "singleton" });
  await boss.schedule(TALLY_COMPACT_QUEUE, "* * * * *", {}, { tz: "UTC" });
  await boss.work(TALLY_COMPACT_QUEUE, async () => {
    await compactExceptionTally(db());
  });
}
