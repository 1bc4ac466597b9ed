// Everything a worker process runs. Each area registers its queues and handlers here; `npm run worker`
// and the in-process workers of `npm run dev` both call startWorkers().
import "server-only";
import type { PgBoss } from "pg-boss";
import { db } from "../db/client";
import { logger } from "../observability/log";
import { registerGovernanceJobs } from "../governance/jobs";

export const SYSTEM_QUEUES = { sessionCleanup: "system.session-cleanup" } as const;

export interface Workers {
  /**
   * Graceful stop: in-flight runs hand themselves on at their next step boundary (checkpoint + re-enqueue),
   * other handlers finish, then pg-boss stops. Call it before the process exits.
   */
  stop(): Promise<void>;
}

export async function startWorkers(boss: PgBoss): Promise<Workers> {
  await boss.createQueue(SYSTEM_QUEUES.sessionCleanup, { policy: "singleton" });
  await boss.schedule(SYSTEM_QUEUES.sessionCleanup, "17 * * * *", {}, { tz: "UTC" });
  await boss.work(SYSTEM_QUEUES.sessionCleanup, async () => {
    const { count } = await db().session.deleteMany({ where: { expiresAt: { lt: new Date() } } });
    logger.info({ count }, "expired sessions removed");
  });
  await registerGovernanceJobs(boss);
  await (await import("../exceptions/jobs")).registerExceptionJobs(boss); // bulk actions, auto-resolve, counter compaction (server/exceptions)
  await (await import("../kpis/jobs")).registerKpiJobs(boss); // folding the unbilled day cells' deltas (server/kpis)
  const runtime = await (await import("../runtime/worker")).startRuntimeWorkers(boss); // runs, triggers, exception dead-letters (server/runtime)
  return {
    stop: async () => {
      await runtime.stop();
      await boss.stop({ graceful: true, timeout: 30_000, close: true });
    },
  };
}
