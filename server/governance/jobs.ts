// Governance's scheduled work on pg-boss: every minute fold finished runs into SLO buckets, evaluate
// burn-rate alerts and deliver their webhooks; hourly retire deprecated versions past their sunset.
import "server-only";
import type { PgBoss } from "pg-boss";
import { db } from "../db/client";
import { config } from "../config";
import { logger } from "../observability/log";
import { sloTick } from "./slo-store";
import { retireDueVersions } from "./versions";

export const GOVERNANCE_QUEUES = { sloTick: "governance.slo-tick", retireDue: "governance.retire-due" } as const;

export async function registerGovernanceJobs(boss: PgBoss): Promise<void> {
  // singleton: a slow tick never overlaps the next one (the fold and evaluation also lock in Postgres).
  await boss.createQueue(GOVERNANCE_QUEUES.sloTick, { policy: "singleton" });
  await boss.schedule(GOVERNANCE_QUEUES.sloTick, "* * * * *", {}, { tz: "UTC" });
  await boss.work(GOVERNANCE_QUEUES.sloTick, async () => {
    const { fold, evaluation, delivery } = await sloTick(db(), { baseUrl: config().baseUrl });
    if (fold.folded || evaluation.fired || evaluation.resolved || delivery.sent || delivery.failed)
      logger.info({ fold, evaluation, delivery }, "slo tick");
  });
  await boss.createQueue(GOVERNANCE_QUEUES.retireDue, { policy: "singleton" });
  await boss.schedule(GOVERNANCE_QUEUES.retireDue, "7 * * * *", {}, { tz: "UTC" });
  await boss.work(GOVERNANCE_QUEUES.retireDue, async () => {
    const retired = await retireDueVersions(db());
    if (retired) logger.info({ retired }, "deprecated versions past their sunset retired");
  });
}
