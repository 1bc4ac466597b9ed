// Demo mode, dev server: the firm simulator (connectors/sandbox-kit/simulate, docs/simulator.md) feeds the
// demo workspace so its runs, exceptions and figures come from flows that really ran. Every boot subscribes
// Weft's Kantata webhook flow to the PSA sandbox's `time_entry:approved` pushes (the sandboxes live in the
// process, so subscriptions go with it); the first boot also activates the Salesforce poll flow "from now"
// and simulates a few weeks at high speed in the background — after the web server is up, so first start
// is no slower. Salesforce is picked up by polling and Kantata by push: both styles at work, and each deal
// announced once (the CDC push twin, salesforce-cdc-opportunity-won, records the same deal.won). Progress
// goes to the log and to a process-wide status (`demoSimulationStatus`).
import "server-only";
import type { Db } from "../db/client";
import type { StartedSandboxes } from "@/connectors/sandboxes";
import { appendAudit } from "../audit/audit";
import type { PgBoss } from "pg-boss";
import { prismaSql, runtimePool, type Pool } from "../runtime/sql";
import { simulatedSchedules } from "../runtime/simulated-schedules";
import { simulatedStaffingDecisions } from "../runtime/simulated-tasks";
import { DEMO_STAFFING_FLOW } from "./approvals";
import { shippedReconciliations } from "./demo-reconciliations";
import { activatePoll, pollIntervalSeconds, readPollState } from "../runtime/poll";
import { resolveConnection } from "../connections/service";
import { simulate } from "@/connectors/sandbox-kit/simulate/drive";
import { SIM_DEFAULT_FROM } from "@/connectors/sandbox-kit/simulate/plan";
import { sandboxTargets } from "@/connectors/sandbox-kit/simulate/vendors";
import { webhookPath } from "../../core/dsl/defaults";
import { KANTATA_WEBHOOK_CONNECTION_KEY } from "./platform-connections";

const MARKER = "demo.simulation_started";
export const DEMO_PUSH_FLOW = "kantata-time-approved-push";
export const DEMO_POLL_FLOW = "salesforce-won-opportunities";
/** PMO's approver (server/seed/demo.ts), who decides the staffing choices of the simulated requests. */
export const DEMO_RESOURCE_MANAGER = "pmo@weft.local";
/** The invoicing batch, which the simulation fires on its own clock. */
export const DEMO_INVOICING_FLOW = "approved-time-to-invoice";
/**
 * The scheduled flows the simulation fires on its own clock (server/runtime/simulated-schedules.ts): the invoicing
 * batch and the shipped reconciliations, so the simulated firm also reconciles its books each simulated morning
 * and the Business page's match rate follows what the simulator did (its missing customer, rate rises, outage).
 */
export const demoScheduledFlows = (): string[] => [DEMO_INVOICING_FLOW, ...shippedReconciliations()];
/**
 * Three weeks, a simulated day in five seconds: about two minutes in the background. Each week's NetSuite
 * outage lasts at least 20 s of real time, long enough for the project set-up flow to meet it.
 */
export const DEMO_SIMULATION = { days: 21, seed: 1, speed: 17_280, from: SIM_DEFAULT_FROM, minOutageMs: 20_000 };

export interface DemoSimulationStatus {
  state: "running" | "done" | "failed" | "stopped";
  day: number;
  days: number;
  /** The last progress line. */
  line: string;
}
const KEY = Symbol.for("weft.demoSimulation");
const slot = (): { status: DemoSimulationStatus | null } => {
  const g = globalThis as unknown as Record<symbol, { status: DemoSimulationStatus | null } | undefined>;
  return (g[KEY] ??= { status: null });
};
/** The background simulation of this process, or null when none ran (not the first boot, or not dev). */
export function demoSimulationStatus(): DemoSimulationStatus | null {
  return slot().status;
}

/** The demo's polls run every few seconds of real time (a simulated day passes in five). */
const DEMO_POLL_SECONDS = 2;
/** The demo's project set-up flow (started by the poll's runs for won deals). */
const DEMO_SETUP_FLOW = "opportunity-won-to-project";

/**
 * Waits one poll interval (the poll has seen the deals won so far) and then until no poll or set-up run is queued
 * or running — at most `ms`: a set-up waiting out an outage's backoff is not waited for.
 */
async function setUpsCaughtUp(pool: Pool, ms = 30_000): Promise<void> {
  const until = Date.now() + ms;
  await new Promise((r) => setTimeout(r, DEMO_POLL_SECONDS * 1000 + 500));
  while (Date.now() < until) {
    const { rows } = await pool.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM run r JOIN flow f ON f.id = r.flow_id WHERE f.key = ANY($1::text[]) AND r.status IN ('queued', 'running')`,
      [[DEMO_POLL_FLOW, DEMO_SETUP_FLOW]],
    );
    if (!rows[0]!.n) return;
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** The PSA sandbox pushes approved time to Weft's webhook flow, signed with its demo secret. */
export async function subscribeDemoPushes(db: Db, sandboxes: StartedSandboxes, webBaseUrl: string): Promise<void> {
  const psa = sandboxes.sandboxes.find((s) => s.connectorKey === "kantata");
  if (!psa) return;
  const secret = (await resolveConnection(db, KANTATA_WEBHOOK_CONNECTION_KEY)).secrets.signingSecret;
  if (typeof secret !== "string") return;
  // Patient retries: the dev server compiles a route on its first call.
  psa.push.subscribe({
    url: `${webBaseUrl}${webhookPath(DEMO_PUSH_FLOW)}`,
    secret,
    events: ["time_entry:approved"],
    maxAttempts: 8,
    retryDelayMs: 1000,
  });
}

/**
 * On the first boot of a demo database: activates the poll flow and starts the simulation in the background.
 * Null when it already ran on this database.
 */
export async function startDemoSimulation(o: {
  db: Db;
  sandboxes: StartedSandboxes;
  log: (line: string) => void;
  options?: Partial<typeof DEMO_SIMULATION>;
  /** The process's pg-boss and database: with them the invoicing and reconciliation schedules run on the simulated clock. */
  runtime?: { boss: PgBoss; databaseUrl: string };
}): Promise<{ done: Promise<void>; stop(): Promise<void> } | null> {
  const opts = { ...DEMO_SIMULATION, ...o.options };
  const first = await o.db.$transaction(async (tx) => {
    if (await tx.auditLog.findFirst({ where: { action: MARKER }, select: { seq: true } })) return false;
    const flow = await tx.flow.findUnique({
      where: { key: DEMO_POLL_FLOW },
      select: { id: true, versions: { where: { status: "approved" }, select: { dsl: true }, take: 1 } },
    });
    const sql = prismaSql(tx);
    // The staffing flow polls the resource requests the simulated project managers raise; every few seconds,
    // not its five minutes, so PMO's morning decision (1.5 simulated hours later, a fraction of a second at this
    // speed) finds their runs waiting.
    /** Starts a flow's poll from now (unless it runs already), audited as the simulation's doing. */
    const activate = async (flowId: string, key: string, intervalSeconds: number) => {
      if ((await readPollState(sql, flowId))?.status === "active") return;
      const from = new Date();
      await activatePoll(sql, { flowId, from, actorId: null, intervalSeconds });
      await appendAudit(tx, {
        actor: null,
        action: "poll.activated",
        entityType: "flow",
        entityId: key,
        after: { status: "active", cursor: from.toISOString(), mode: "now" },
        meta: { source: "demo simulation" },
      });
    };
    const staffing = await tx.flow.findUnique({ where: { key: DEMO_STAFFING_FLOW }, select: { id: true } });
    if (staffing) await activate(staffing.id, DEMO_STAFFING_FLOW, DEMO_POLL_SECONDS);
    // The Salesforce poll likewise: at a simulated day in five seconds its minute would be twelve days late.
    if (flow) {
      const trigger = (flow.versions[0]?.dsl as { trigger?: { interval?: string } } | undefined)?.trigger;
      await activate(flow.id, DEMO_POLL_FLOW, Math.min(DEMO_POLL_SECONDS, pollIntervalSeconds(trigger?.interval)));
    }
    await appendAudit(tx, { actor: null, action: MARKER, entityType: "workspace", entityId: null, meta: opts });
    return true;
  });
  if (!first) return null;

  const status: DemoSimulationStatus = { state: "running", day: 0, days: opts.days, line: "starting" };
  slot().status = status;
  const abort = new AbortController();
  const targets = sandboxTargets((system) => o.sandboxes.systems.find((s) => s.system === system)!.baseUrl);
  o.log(`demo simulation: ${opts.days} simulated days in the background (npm run simulate; docs/simulator.md)`);
  const pool = o.runtime ? runtimePool(o.runtime.databaseUrl, 2) : null;
  // Without those flows published (or a runtime) the simulation still runs, their schedules on the wall clock.
  const schedules =
    pool && o.runtime
      ? await simulatedSchedules(pool, o.runtime.boss, {
          flowKeys: demoScheduledFlows(),
          from: `${opts.from}T00:00:00.000Z`,
        }).catch((err: unknown) => {
          o.log(`demo simulation: invoicing and reconciliations stay on the wall clock (${(err as Error).message})`);
          return null;
        })
      : null;
  // PMO's resource manager decides the simulated staffing choices in the Inbox; a failure is logged, not fatal.
  const staffingDecisions =
    pool && o.runtime
      ? simulatedStaffingDecisions(
          { db: o.db, boss: o.runtime.boss, pool },
          { flowKey: DEMO_STAFFING_FLOW, approverEmail: DEMO_RESOURCE_MANAGER },
        )
      : null;
  const done = simulate({
    ...opts,
    // At max speed (tests) each morning waits until the deals won so far were polled and set up (bounded).
    beforeStaffing: !Number.isFinite(opts.speed) && pool ? () => setUpsCaughtUp(pool) : undefined,
    clock: schedules ? async (at) => void (await schedules.advance(at)) : undefined,
    decideTasks: staffingDecisions
      ? async (_at, decide, raised) =>
          void (await staffingDecisions(decide, raised).catch((err: unknown) => {
            o.log(`demo simulation: staffing decisions skipped (${(err as Error).message})`);
          }))
      : undefined,
    targets,
    signal: abort.signal,
    log: (line) => {
      const m = /^day (\d+)\//.exec(line);
      if (m) status.day = Number(m[1]);
      status.line = line;
      o.log(`demo simulation: ${line}`);
    },
  }).then(
    (r) => {
      status.state = abort.signal.aborted ? "stopped" : "done";
      o.log(
        `demo simulation ${status.state}: ${r.counts.dealsWon ?? 0} deals won, ${r.counts.logTime ?? 0} time entries, ${r.counts.approveTime ?? 0} approvals`,
      );
    },
    (err: unknown) => {
      status.state = "failed";
      status.line = (err as Error).message;
      o.log(`demo simulation failed: ${(err as Error).message}`);
    },
  );
  return {
    done,
    stop: async () => {
      abort.abort();
      await done;
    },
  };
}
