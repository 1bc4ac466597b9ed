// Event, schedule and poll triggers, on pg-boss's own machinery: `emit` steps publish (pub/sub) to the event
// queue, which starts every published flow whose trigger is that event; cron triggers are boss.schedule()
// entries (one per flow, keyed by flow key) that send to the schedule queue. syncTriggers() makes the
// subscriptions and schedules match the published flows (at worker start, periodically, after a publish).
// Per environment (docs/environments.md): each environment's deployments have their own schedules (keyed
// "<flow>/<env>" outside production) and an event starts only the consumers of its source run's environment.
// Poll triggers likewise: one poll state (cursor) per environment that runs a polling version.
import "server-only";
import type { Job, PgBoss } from "pg-boss";
import type { Pool } from "./sql";
import { QUEUES } from "./queues";
import { createRun } from "./runs";
import { flowView, evaluateKey } from "./dsl-view";
import { evaluate } from "../../core/dsl";
import { scheduleInput } from "../../core/dsl/trigger-input";
import { loadPublishedFlow, PRODUCTION } from "./flow-source";
import { logger } from "../observability/log";
import { metrics } from "../observability/metrics";
import { pollIntervalSeconds, syncPollStates } from "./poll";

export interface EventJobData {
  event: string;
  eventId: string;
  payload: unknown;
  sourceRunId?: string;
  sourceFlow?: string;
  /** The source run's environment (absent: production, as before environments). */
  environment?: string;
}

export interface ScheduleJobData {
  flowKey: string;
  /** Absent: production. */
  environment?: string;
  /**
   * The slot this tick stands for (ISO). Absent — pg-boss's cron sends none — the tick fired now. A simulated
   * clock (server/runtime/simulated-schedules.ts) sends its simulated slot, so the run sees that time.
   */
  firedAt?: string;
}

interface PublishedTrigger {
  flowId: string;
  flowKey: string;
  versionId: string;
  dsl: unknown;
  environment: string;
}

/** The schedule key of a flow in an environment: the flow key in production (as before), else "<flow>/<env>". */
export function scheduleKey(flowKey: string, environment: string): string {
  return environment === PRODUCTION ? flowKey : `${flowKey}/${environment}`;
}

/** What runs where: every environment's newest deployment, plus production's rule for flows never deployed. */
async function publishedFlows(pool: Pool): Promise<PublishedTrigger[]> {
  const { rows } = await pool.query<{ flow_id: string; key: string; version_id: string; dsl: unknown; env: string }>(
    `SELECT l.environment_key AS env, f.id AS flow_id, f.key, v.id AS version_id, v.dsl
       FROM (SELECT DISTINCT ON (environment_key, flow_id) environment_key, flow_id, flow_version_id
               FROM deployment ORDER BY environment_key, flow_id, created_at DESC) l
       JOIN flow f ON f.id = l.flow_id AND f.lifecycle <> 'retired'
       JOIN flow_version v ON v.id = l.flow_version_id
     UNION ALL
     SELECT * FROM (SELECT DISTINCT ON (f.id) '${PRODUCTION}' AS env, f.id AS flow_id, f.key, v.id AS version_id, v.dsl
       FROM flow f JOIN flow_version v ON v.flow_id = f.id AND v.status = 'approved'
      WHERE f.lifecycle <> 'retired'
        AND NOT EXISTS (SELECT 1 FROM deployment d WHERE d.flow_id = f.id)
      ORDER BY f.id, v.approved_at DESC NULLS LAST, v.created_at DESC) legacy`,
  );
  return rows.map((r) => ({
    flowId: r.flow_id,
    flowKey: r.key,
    versionId: r.version_id,
    dsl: r.dsl,
    environment: r.env,
  }));
}

let eventIndex: { at: number; byEvent: Map<string, PublishedTrigger[]> } | null = null;

async function flowsForEvent(pool: Pool, event: string, environment: string): Promise<PublishedTrigger[]> {
  if (!eventIndex || Date.now() - eventIndex.at > 2000) {
    const byEvent = new Map<string, PublishedTrigger[]>();
    for (const f of await publishedFlows(pool)) {
      const t = flowView(f.dsl).trigger;
      if (t.kind === "event" && t.event) byEvent.set(t.event, [...(byEvent.get(t.event) ?? []), f]);
    }
    eventIndex = { at: Date.now(), byEvent };
  }
  return (eventIndex.byEvent.get(event) ?? []).filter((f) => f.environment === environment);
}

/** Subscribes the event queue to every event a published flow listens to; schedules every cron flow. */
export async function syncTriggers(
  pool: Pool,
  boss: PgBoss,
): Promise<{ events: string[]; schedules: string[]; polls: string[] }> {
  const flows = await publishedFlows(pool);
  const events = new Set<string>();
  const schedules = new Map<string, { cron: string; tz: string; data: ScheduleJobData }>();
  const polls: Array<{ flowId: string; flowKey: string; environment: string; intervalSeconds: number }> = [];
  for (const f of flows) {
    const t = flowView(f.dsl).trigger;
    if (t.kind === "event" && t.event) events.add(t.event);
    if (t.kind === "schedule" && t.cron)
      schedules.set(scheduleKey(f.flowKey, f.environment), {
        cron: t.cron,
        tz: t.timezone ?? "UTC",
        data:
          f.environment === PRODUCTION ? { flowKey: f.flowKey } : { flowKey: f.flowKey, environment: f.environment },
      });
    if (t.kind === "poll" && t.poll)
      polls.push({
        flowId: f.flowId,
        flowKey: f.flowKey,
        environment: f.environment,
        intervalSeconds: pollIntervalSeconds(t.poll.interval),
      });
  }
  // Poll triggers are rows, not schedules: the poll tick reads which are due (server/runtime/poll.ts).
  await syncPollStates(pool, polls);
  for (const e of events) await boss.subscribe(e, QUEUES.event);
  const existing = await boss.getSchedules(QUEUES.schedule);
  for (const s of existing) if (!schedules.has(s.key)) await boss.unschedule(QUEUES.schedule, s.key);
  for (const [key, s] of schedules) {
    const cur = existing.find((x) => x.key === key);
    if (cur && cur.cron === s.cron && cur.timezone === s.tz) continue;
    await boss.schedule(QUEUES.schedule, s.cron, s.data, { key, tz: s.tz });
  }
  eventIndex = null;
  return {
    events: [...events],
    schedules: [...schedules.keys()],
    polls: polls.map((p) => scheduleKey(p.flowKey, p.environment)),
  };
}

/** One published event → one run per subscribed flow, de-duplicated by event id (a redelivery starts nothing). */
export async function handleEventJob(pool: Pool, boss: PgBoss, job: Job<EventJobData>): Promise<void> {
  const { event, eventId, payload } = job.data;
  const environment = job.data.environment ?? PRODUCTION;
  for (const f of await flowsForEvent(pool, event, environment)) {
    const view = flowView(f.dsl);
    if (view.trigger.filter) {
      // An event the flow's filter rejects starts nothing; a filter that fails counts as "no".
      const pass = await evaluate(view.trigger.filter, { trigger: payload }).catch(() => false);
      if (!pass) continue;
    }
    const concurrencyKey = view.concurrencyKey
      ? await evaluateKey(view.concurrencyKey, payload).catch(() => null)
      : null;
    const r = await createRun(pool, boss, {
      flowId: f.flowId,
      flowVersionId: f.versionId,
      triggerType: "event",
      input: payload,
      idempotencyKey: `event:${eventId}`,
      concurrencyKey: concurrencyKey ? `${f.flowKey}:${concurrencyKey}` : null,
      environment,
    });
    metrics().runtimeIngress.inc({ flow: f.flowKey, outcome: r.created ? "accepted" : "duplicate" });
  }
}

/** A cron tick → one run; the job id is the slot's identity, so a redelivered tick starts nothing. */
export async function handleScheduleJob(pool: Pool, boss: PgBoss, job: Job<ScheduleJobData>): Promise<void> {
  const environment = job.data.environment ?? PRODUCTION;
  const f = await loadPublishedFlow(pool, job.data.flowKey, { fresh: true, environment });
  if (!f) {
    logger.warn({ flow: job.data.flowKey }, "schedule fired for a flow with no published version");
    return;
  }
  const r = await createRun(pool, boss, {
    flowId: f.flowId,
    flowVersionId: f.versionId,
    triggerType: "schedule",
    input: scheduleInput(job.data.firedAt ? new Date(job.data.firedAt) : new Date()),
    idempotencyKey: `schedule:${job.id}`,
    environment,
  });
  metrics().runtimeIngress.inc({ flow: f.flowKey, outcome: r.created ? "accepted" : "duplicate" });
}
