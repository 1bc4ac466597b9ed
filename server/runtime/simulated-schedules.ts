// Schedule triggers on a simulated clock (the firm simulator, docs/simulator.md): pg-boss's cron fires on the
// wall clock, so a month simulated in seconds would never reach a weekday 06:00 batch. This sends the ticks
// the cron would have sent between two simulated instants — the same job to the same schedule queue, handled
// by the same handleScheduleJob, with the simulated slot as `firedAt` — and waits for each run to finish, so
// the batch sees the vendors as they were at its simulated time (the simulator makes no change meanwhile).
import "server-only";
import { CronExpressionParser } from "cron-parser";
import type { PgBoss } from "pg-boss";
import type { Pool } from "./sql";
import { QUEUES } from "./queues";
import { flowView } from "./dsl-view";
import { loadPublishedFlow } from "./flow-source";
import type { ScheduleJobData } from "./triggers";

/** A slot fired on the simulated clock and the run it started, once that run has finished. */
export interface FiredSlot {
  flowKey: string;
  firedAt: string;
  runId: string;
  status: string;
}

/**
 * Hooks around each slot (tests): `before` runs before its tick is sent (e.g. wait until the flows the simulator
 * set off have settled, as a firm's night would), `after` once its run finished (e.g. read the vendors as the run
 * saw them — nothing changes them meanwhile).
 */
export interface SlotHooks {
  before?(slot: { flowKey: string; firedAt: string }): Promise<void>;
  after?(fired: FiredSlot): Promise<void>;
}

export interface SimulatedSchedules {
  /** Fires every slot in (the previous instant, `at`], in time order, each once its predecessor's run finished. */
  advance(at: string): Promise<FiredSlot[]>;
}

const FINISHED = ["succeeded", "failed", "cancelled"];

/**
 * A simulated clock for the production schedules of `flowKeys` (published flows with a schedule trigger),
 * starting at `from`. A run that has not finished within `runTimeoutMs` (real time) is an error.
 */
export async function simulatedSchedules(
  pool: Pool,
  boss: PgBoss,
  o: { flowKeys: readonly string[]; from: string; runTimeoutMs?: number; hooks?: SlotHooks },
): Promise<SimulatedSchedules> {
  const flows: Array<{ flowKey: string; flowId: string; cron: string; tz: string }> = [];
  for (const key of o.flowKeys) {
    const f = await loadPublishedFlow(pool, key, { fresh: true });
    const t = f ? flowView(f.dsl).trigger : undefined;
    if (!f || t?.kind !== "schedule" || !t.cron)
      throw new Error(`${key}: not a published flow with a schedule trigger`);
    flows.push({ flowKey: key, flowId: f.flowId, cron: t.cron, tz: t.timezone ?? "UTC" });
  }
  let last = new Date(o.from);

  async function settled(flowId: string, jobId: string): Promise<{ runId: string; status: string }> {
    const until = Date.now() + (o.runTimeoutMs ?? 300_000);
    for (;;) {
      const { rows } = await pool.query<{ id: string; status: string }>(
        `SELECT id::text AS id, status::text AS status FROM run WHERE flow_id = $1::uuid AND idempotency_key = $2`,
        [flowId, `schedule:${jobId}`],
      );
      if (rows[0] && FINISHED.includes(rows[0].status)) return { runId: rows[0].id, status: rows[0].status };
      if (Date.now() > until)
        throw new Error(`the scheduled run of job ${jobId} is still ${rows[0]?.status ?? "unstarted"}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  return {
    async advance(at) {
      const end = new Date(at);
      if (end <= last) return [];
      const due: Array<{ flow: (typeof flows)[number]; firedAt: string }> = [];
      for (const flow of flows) {
        const slots = CronExpressionParser.parse(flow.cron, { currentDate: last, endDate: end, tz: flow.tz });
        while (slots.hasNext()) due.push({ flow, firedAt: slots.next().toISOString()! });
      }
      last = end;
      const fired: FiredSlot[] = [];
      for (const d of due.sort((a, b) => a.firedAt.localeCompare(b.firedAt))) {
        const data: ScheduleJobData = { flowKey: d.flow.flowKey, firedAt: d.firedAt };
        await o.hooks?.before?.({ flowKey: d.flow.flowKey, firedAt: d.firedAt });
        const jobId = await boss.send(QUEUES.schedule, data);
        if (!jobId) throw new Error(`${d.flow.flowKey}: the schedule queue refused the tick of ${d.firedAt}`);
        const slot = { flowKey: d.flow.flowKey, firedAt: d.firedAt, ...(await settled(d.flow.flowId, jobId)) };
        fired.push(slot);
        await o.hooks?.after?.(slot);
      }
      return fired;
    },
  };
}
