// What the Reconciliation page reads: every reconcile step of the flows' published versions with its last
// run, match-rate trend, open breaks by rule and what they hold up; one reconciliation's runs and breaks; one
// break's record pair. Any signed-in user may read (as every flow and exception is visible); the page asks
// the ownership rules (server/auth/ownership.ts) for what the caller may do.
import "server-only";
import { notFound } from "../../core/domain-error";
import { reconcileSteps, type BreakDetail, type ReconcileInFlow } from "../../core/reconcile";
import { hasRole } from "../../core/roles";
import type { Db } from "../db/client";
import { prismaSql, type Sql } from "../runtime/sql";
import { flowView } from "../runtime/dsl-view";
import { exceptionAccess, flowAccess, type Access, type Actor } from "../auth/ownership";
import { inEnvironment, openBreaks, recentRuns, runsOf, type RunSummary } from "./runs-sql";

/** Runs in a trend (the sparkline on the list, the chart on the detail page). */
export const TREND_RUNS = 20;
export const DETAIL_RUNS = 60;
const MAX_BREAKS = 500;

interface PublishedFlow {
  id: string;
  key: string;
  name: string;
  domain: string;
  ownerTeamId: string;
  ownerTeamKey: string;
  ownerTeamName: string;
  version: string;
  dsl: unknown;
}

/** The published version of every flow with a reconcile step (or of one flow). */
async function publishedReconcileFlows(sql: Sql, flowKey?: string): Promise<PublishedFlow[]> {
  const { rows } = await sql.query<PublishedFlow>(
    `SELECT f.id::text AS id, f.key, f.name, f.domain, f.owner_team_id::text AS "ownerTeamId", t.key AS "ownerTeamKey",
            t.name AS "ownerTeamName", v.version, v.dsl
       FROM flow f JOIN team t ON t.id = f.owner_team_id
       JOIN LATERAL (SELECT version, dsl FROM flow_version WHERE flow_id = f.id AND status = 'approved'
                      ORDER BY approved_at DESC NULLS LAST, created_at DESC LIMIT 1) v ON true
      WHERE v.dsl::text LIKE '%"reconcile"%' AND ($1::text IS NULL OR f.key = $1)
      ORDER BY f.name, f.key`,
    [flowKey ?? null],
  );
  return rows;
}

/** The flow's last run (any status: a failed reconciliation has no summary row, but it shows here). */
async function lastFlowRuns(sql: Sql, flowIds: string[], environment?: string) {
  if (!flowIds.length) return new Map<string, { id: string; status: string; createdAt: Date }>();
  const { rows } = await sql.query<{ flowId: string; id: string; status: string; createdAt: Date }>(
    `SELECT DISTINCT ON (flow_id) flow_id::text AS "flowId", id::text AS id, status::text AS status, created_at AS "createdAt"
       FROM run WHERE flow_id = ANY($1::uuid[]) AND NOT is_test AND ${inEnvironment("run", 2)} ORDER BY flow_id, created_at DESC`,
    [flowIds, environment ?? null],
  );
  return new Map(rows.map((r) => [r.flowId, { id: r.id, status: r.status, createdAt: r.createdAt }]));
}

function scheduleOf(dsl: unknown): { cron: string; timezone: string | null } | null {
  const t = flowView(dsl).trigger;
  return t.kind === "schedule" && t.cron ? { cron: t.cron, timezone: t.timezone ?? null } : null;
}

function describe(r: ReconcileInFlow) {
  const d = r.definition;
  return {
    key: d.key,
    name: d.name,
    stepId: r.stepId,
    sides: d.sides.map((s) => s.name),
    rules: d.rules.map((x) => ({ id: x.id, type: x.type })),
    period: d.period ?? null,
    currency: d.impact?.currency ?? null,
    resync: r.resync ? { flow: r.resync.flow } : null,
  };
}

const lastRunView = (r: RunSummary | undefined) =>
  r
    ? {
        runId: r.runId,
        finishedAt: r.finishedAt,
        matchRate: r.matchRate,
        keys: r.keys,
        matched: r.matched,
        breaks: r.breaks,
        moneyAtStake: r.moneyAtStake,
        hoursAtStake: r.hoursAtStake,
      }
    : null;

function openByRule(
  rows: Awaited<ReturnType<typeof openBreaks>>,
  flowId: string,
  key: string,
): { breaks: number; amount: number; hours: number; byRule: Array<{ rule: string; open: number }> } {
  const mine = rows.filter((r) => r.flowId === flowId && r.reconciliation === key);
  return {
    breaks: mine.reduce((n, r) => n + r.open, 0),
    amount: mine.reduce((n, r) => n + r.amount, 0),
    hours: mine.reduce((n, r) => n + r.hours, 0),
    byRule: mine.map((r) => ({ rule: r.rule, open: r.open })),
  };
}

/**
 * Every reconciliation (one per reconcile step of a published flow version), for the list page, with the runs
 * and open breaks of `environment` (undefined: every environment).
 */
export async function listReconciliations(db: Db, environment?: string) {
  const sql = prismaSql(db);
  const flows = await publishedReconcileFlows(sql);
  const ids = flows.map((f) => f.id);
  const [runs, open, last] = await Promise.all([
    recentRuns(sql, ids, TREND_RUNS, environment),
    openBreaks(sql, ids, environment),
    lastFlowRuns(sql, ids, environment),
  ]);
  return flows.flatMap((f) =>
    reconcileSteps(f.dsl).map((r) => {
      const mine = runs.filter((x) => x.flowId === f.id && x.reconciliation === r.definition.key);
      return {
        flow: {
          key: f.key,
          name: f.name,
          domain: f.domain,
          version: f.version,
          ownerTeam: { key: f.ownerTeamKey, name: f.ownerTeamName },
        },
        ...describe(r),
        schedule: scheduleOf(f.dsl),
        lastFlowRun: last.get(f.id) ?? null,
        lastRun: lastRunView(mine[0]),
        trend: mine.map((x) => ({ at: x.finishedAt, matchRate: x.matchRate })).reverse(),
        open: openByRule(open, f.id, r.definition.key),
      };
    }),
  );
}
export type ReconciliationListItem = Awaited<ReturnType<typeof listReconciliations>>[number];

async function findReconciliation(db: Db, flowKey: string, key: string) {
  const sql = prismaSql(db);
  const [f] = await publishedReconcileFlows(sql, flowKey);
  const r = f ? reconcileSteps(f.dsl).find((x) => x.definition.key === key) : undefined;
  if (!f || !r) throw notFound(`Reconciliation "${key}" of flow "${flowKey}"`);
  return { sql, f, r };
}

const may = async (db: Db, user: Actor, role: "designer" | "operator", flow: PublishedFlow): Promise<Access> =>
  hasRole(user.roles, role)
    ? flowAccess(db, user, { key: flow.key, ownerTeamId: flow.ownerTeamId })
    : { allowed: false, reason: `This needs the ${role} role.` };

/**
 * One reconciliation: its definition, runs (trend), schedule, open breaks grouped by rule and what the caller may
 * do — runs and breaks of `environment` (undefined: every environment).
 */
export async function reconciliationDetail(db: Db, user: Actor, flowKey: string, key: string, environment?: string) {
  const { sql, f, r } = await findReconciliation(db, flowKey, key);
  const [runs, last] = await Promise.all([
    runsOf(sql, f.id, key, DETAIL_RUNS, environment),
    lastFlowRuns(sql, [f.id], environment),
  ]);
  const { rows: breaks } = await sql.query<{
    id: string;
    rule: string;
    recordKey: string;
    message: string;
    amount: number | null;
    hours: number | null;
    createdAt: Date;
    seenAt: Date | null;
    resyncRunId: string | null;
  }>(
    `SELECT e.id::text AS id, COALESCE(e.business_keys->>'rule', '') AS rule, COALESCE(e.business_keys->>'recordKey', e.business_keys->>'recordId', '') AS "recordKey",
            e.message, e.impact_amount AS amount, e.impact_hours AS hours, e.created_at AS "createdAt",
            e.break_seen_at AS "seenAt", e.resync_run_id::text AS "resyncRunId"
       FROM exception e
      WHERE e.flow_id = $1::uuid AND e.status = 'open' AND e.break_identity LIKE $2 || '|%' AND ${inEnvironment("e", 3)}
      ORDER BY rule, e.impact_amount DESC NULLS LAST, "recordKey" LIMIT ${MAX_BREAKS}`,
    [f.id, key, environment ?? null],
  );
  const groups = new Map<string, typeof breaks>();
  for (const b of breaks) groups.set(b.rule, [...(groups.get(b.rule) ?? []), b]);
  const open = openByRule(await openBreaks(sql, [f.id], environment), f.id, key);
  return {
    flow: {
      key: f.key,
      name: f.name,
      domain: f.domain,
      version: f.version,
      ownerTeam: { key: f.ownerTeamKey, name: f.ownerTeamName },
    },
    ...describe(r),
    schedule: scheduleOf(f.dsl),
    lastFlowRun: last.get(f.id) ?? null,
    lastRun: lastRunView(runs[0]),
    runs: runs.map((x) => ({ ...x, flowId: undefined })),
    open,
    breaksByRule: [...groups].map(([rule, items]) => ({ rule, items })),
    truncated: breaks.length >= MAX_BREAKS,
    canRun: await may(db, user, "designer", f),
    canResync: r.resync ? await may(db, user, "operator", f) : { allowed: false, reason: "No re-sync flow is named." },
  };
}
export type ReconciliationDetail = Awaited<ReturnType<typeof reconciliationDetail>>;

/** One break: the record pair side by side (from the exception's stored detail), its run, re-sync and status. */
export async function breakView(db: Db, user: Actor, exceptionId: string) {
  const e = await db.exception.findUnique({
    where: { id: exceptionId },
    select: {
      id: true,
      runId: true,
      flowId: true,
      status: true,
      message: true,
      businessKeys: true,
      breakIdentity: true,
      breakDetail: true,
      breakSeenAt: true,
      resyncRunId: true,
      resolution: true,
      resolvedAt: true,
      resolvedByRunId: true,
      impactAmount: true,
      impactHours: true,
      createdAt: true,
    },
  });
  if (!e || !e.breakIdentity) throw notFound("Break");
  const flow = await db.flow.findUniqueOrThrow({ where: { id: e.flowId }, select: { key: true } });
  const keys = (e.businessKeys ?? {}) as Record<string, string>;
  const reconciliation = keys.reconciliation ?? e.breakIdentity.split("|")[0]!;
  const { f, r } = await findReconciliation(db, flow.key, reconciliation).catch(() => ({ f: null, r: null }));
  const resyncRun = e.resyncRunId
    ? await db.run.findUnique({
        where: { id: e.resyncRunId },
        select: { id: true, status: true, createdAt: true, flow: { select: { key: true } } },
      })
    : null;
  const access = hasRole(user.roles, "operator")
    ? await exceptionAccess(db, user, [e.id])
    : { allowed: false, reason: "This needs the operator role." };
  return {
    id: e.id,
    runId: e.runId,
    status: e.status,
    message: e.message,
    businessKeys: keys,
    reconciliation,
    reconciliationName: r?.definition.name ?? reconciliation,
    sides: r?.definition.sides.map((x) => x.name) ?? [],
    currency: r?.definition.impact?.currency ?? null,
    flowKey: flow.key,
    detail: (e.breakDetail ?? null) as BreakDetail | null,
    seenAt: e.breakSeenAt,
    impactAmount: e.impactAmount,
    impactHours: e.impactHours,
    createdAt: e.createdAt,
    resolution: e.resolution,
    resolvedAt: e.resolvedAt,
    resolvedByRunId: e.resolvedByRunId,
    resync: r?.resync ? { flow: r.resync.flow } : null,
    resyncRun: resyncRun
      ? { id: resyncRun.id, status: resyncRun.status, createdAt: resyncRun.createdAt, flowKey: resyncRun.flow.key }
      : null,
    canResync: !r?.resync
      ? {
          allowed: false,
          reason: `${f ? "This reconciliation names" : "No published reconciliation names"} no re-sync flow.`,
        }
      : e.status !== "open"
        ? { allowed: false, reason: "The break is no longer open." }
        : access,
  };
}
export type BreakView = Awaited<ReturnType<typeof breakView>>;
