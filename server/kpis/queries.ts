// The KPI page's reads: runs the SQL builders (sql.ts) and shapes tiles, trends and drill-downs. The figures'
// definitions are core/kpis/definitions.ts; docs/kpis.md explains them.
import "server-only";
import { KPIS, type KpiId } from "../../core/kpis/definitions";
import type { Sql } from "../runtime/sql";
import { resolveFilter, type KpiFilter, type KpiFilterInput } from "./filter";
import * as q from "./sql";

export interface TrendPoint {
  /** Week start (ISO). */
  week: string;
  value: number | null;
  n?: number;
}

export interface KpiTile {
  id: KpiId;
  name: string;
  unit: string;
  definition: string;
  /** The headline figure (null: nothing measured in the period). */
  value: number | null;
  /** Secondary figures the tile shows under the headline. */
  detail: Record<string, number | string | null>;
  trend: TrendPoint[];
}

export interface KpiSummary {
  from: string;
  to: string;
  weeks: string[];
  tiles: KpiTile[];
}

const num = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));
const iso = (v: unknown): string => new Date(v as string | Date).toISOString();

async function rows<R>(sql: Sql, query: q.Query): Promise<R[]> {
  return (await sql.query(query.text, query.values)).rows as R[];
}

function tile(id: KpiId, value: number | null, detail: KpiTile["detail"], trend: TrendPoint[]): KpiTile {
  const d = KPIS[id];
  return { id, name: d.name, unit: d.unit, definition: d.definition, value, detail, trend };
}

/** Fills the weeks without a row with null, oldest first. */
function byWeek(weeks: Date[], points: Array<{ week: unknown; value: number | null; n?: number }>): TrendPoint[] {
  const m = new Map(points.map((p) => [iso(p.week), p]));
  return weeks.map((w) => {
    const p = m.get(w.toISOString());
    return { week: w.toISOString(), value: p?.value ?? null, ...(p?.n !== undefined ? { n: p.n } : {}) };
  });
}

type PercentileRow = { week: Date | null; n: number; p50: number | null; p90: number | null };

async function percentileTile(sql: Sql, id: KpiId, query: q.Query, weeks: Date[]): Promise<KpiTile> {
  const r = await rows<PercentileRow>(sql, query);
  const total = r.find((x) => x.week === null);
  return tile(
    id,
    num(total?.p50),
    { p50: num(total?.p50), p90: num(total?.p90), count: total?.n ?? 0 },
    byWeek(
      weeks,
      r.filter((x) => x.week !== null).map((x) => ({ week: x.week, value: num(x.p50), n: x.n })),
    ),
  );
}

/** The main currency of a money figure: the one with the most money (figures are never added across currencies). */
function mainCurrency<T extends { currency: string; amount: unknown }>(list: T[]): string {
  const by = new Map<string, number>();
  for (const x of list) by.set(x.currency, (by.get(x.currency) ?? 0) + Number(x.amount ?? 0));
  return [...by].sort((a, b) => b[1] - a[1])[0]?.[0] ?? "";
}

/** A row of unbilledSql: one (currency, ageing bucket) cell, or a currency's total (bucket null). */
export type UnbilledCell = {
  currency: string;
  bucket: string | null;
  entries: number;
  hours: number;
  amount: number;
  held_entries: number;
  held_hours: number;
  held_amount: number;
};

export async function unbilledTile(sql: Sql, f: KpiFilter, weeks: Date[]): Promise<KpiTile> {
  const r = await rows<UnbilledCell>(sql, q.unbilledSql(f, weeks));
  const totals = r.filter((x) => x.bucket === null);
  const currency = mainCurrency(totals);
  const t = totals.find((x) => x.currency === currency);
  const detail: KpiTile["detail"] = {
    currency: currency || null,
    hours: num(t?.hours) ?? 0,
    entries: t?.entries ?? 0,
    heldAmount: num(t?.held_amount) ?? 0,
    heldHours: num(t?.held_hours) ?? 0,
    heldEntries: t?.held_entries ?? 0,
    otherCurrencies: totals.filter((x) => x.currency !== currency).length,
  };
  for (const b of r.filter((x) => x.bucket !== null && x.currency === currency)) {
    detail[`amount_${b.bucket}`] = num(b.amount);
    detail[`hours_${b.bucket}`] = num(b.hours);
  }
  const trend = await rows<{ week: Date; currency: string; amount: number }>(sql, q.unbilledTrendSql(f, weeks));
  return tile(
    "unbilled-approved-time",
    num(t?.amount) ?? 0,
    detail,
    byWeek(
      weeks,
      trend.filter((x) => x.currency === currency).map((x) => ({ week: x.week, value: num(x.amount) })),
    ).map((p) => ({ ...p, value: p.value ?? 0 })),
  );
}

/** One person-week of utilisation, with the person's HRIS team that week (id and the HRIS's name). */
export interface UtilisationRow {
  person: string;
  week: Date;
  team: string | null;
  teamName: string | null;
  planned: number;
  actual: number;
}

/** Utilisation per person/week → the tile (absolute variance over planned hours) and the per-person rows. */
export async function utilisation(sql: Sql, f: KpiFilter): Promise<UtilisationRow[]> {
  type Row = {
    person: string;
    week: Date;
    team: string | null;
    team_name: string | null;
    planned: number;
    actual: number;
  };
  return (await rows<Row>(sql, q.utilisationSql(f))).map(({ team_name, ...x }) => ({
    ...x,
    teamName: team_name,
    planned: Number(x.planned),
    actual: Number(x.actual),
  }));
}

/** Σ|actual − planned| ÷ Σ planned over person-weeks with planned hours (null: nothing planned). */
function variance(list: readonly UtilisationRow[]): number | null {
  const p = list.reduce((n, x) => n + x.planned, 0);
  return p > 0 ? list.reduce((n, x) => n + Math.abs(x.actual - x.planned), 0) / p : null;
}

/** Utilisation per HRIS team: the tile's figures over each team's person-weeks (null team: the HRIS named none). */
export interface UtilisationTeam {
  team: string | null;
  /** The HRIS's name of the team on its latest person-week (the id when no event named it). */
  name: string | null;
  planned: number;
  actual: number;
  /** Σ|actual − planned| ÷ Σ planned over the team's planned person-weeks. */
  variance: number | null;
  people: number;
  unplannedHours: number;
}

export function utilisationByTeam(r: readonly UtilisationRow[]): UtilisationTeam[] {
  const groups = new Map<string | null, UtilisationRow[]>();
  for (const x of r) groups.set(x.team, [...(groups.get(x.team) ?? []), x]);
  return [...groups]
    .map(([team, list]) => {
      const planned = list.filter((x) => x.planned > 0);
      const named = [...list].sort((a, b) => b.week.getTime() - a.week.getTime()).find((x) => x.teamName);
      return {
        team,
        name: named?.teamName ?? team,
        planned: planned.reduce((n, x) => n + x.planned, 0),
        actual: planned.reduce((n, x) => n + x.actual, 0),
        variance: variance(planned),
        people: new Set(planned.map((x) => x.person)).size,
        unplannedHours: list.filter((x) => x.planned === 0).reduce((n, x) => n + x.actual, 0),
      };
    })
    .sort((a, b) => (a.team === null ? 1 : b.team === null ? -1 : (a.name ?? "").localeCompare(b.name ?? "")));
}

export async function utilisationTile(sql: Sql, f: KpiFilter, weeks: Date[]): Promise<KpiTile> {
  const r = await utilisation(sql, f);
  const planned = r.filter((x) => x.planned > 0);
  const share = variance;
  const sumP = planned.reduce((n, x) => n + x.planned, 0);
  const sumA = planned.reduce((n, x) => n + x.actual, 0);
  const trend = weeks.map((w) => {
    const inWeek = planned.filter((x) => new Date(x.week).getTime() === w.getTime());
    return { week: w.toISOString(), value: share(inWeek), n: inWeek.length };
  });
  return tile(
    "utilisation-variance",
    share(planned),
    {
      plannedHours: sumP,
      actualHours: sumA,
      signed: sumP > 0 ? (sumA - sumP) / sumP : null,
      people: new Set(planned.map((x) => x.person)).size,
      unplannedHours: r.filter((x) => x.planned === 0).reduce((n, x) => n + x.actual, 0),
      teams: new Set(planned.map((x) => x.team).filter((t) => t !== null)).size,
    },
    trend,
  );
}

export async function touchlessTile(sql: Sql, f: KpiFilter, weeks: Date[]): Promise<KpiTile> {
  const r = await rows<{ week: Date | null; runs: number; touchless: number }>(sql, q.touchlessSql(f));
  const total = r.find((x) => x.week === null);
  const rate = (x?: { runs: number; touchless: number }) => (x && x.runs > 0 ? x.touchless / x.runs : null);
  return tile(
    "touchless-rate",
    rate(total),
    { runs: total?.runs ?? 0, touchless: total?.touchless ?? 0 },
    byWeek(
      weeks,
      r.filter((x) => x.week !== null).map((x) => ({ week: x.week, value: rate(x), n: x.runs })),
    ),
  );
}

export async function blockedMoneyTile(sql: Sql, f: KpiFilter, weeks: Date[]): Promise<KpiTile> {
  const r = await rows<{ flow_key: string | null; exceptions: number; amount: number; hours: number }>(
    sql,
    q.blockedMoneySql(f),
  );
  const total = r.find((x) => x.flow_key === null);
  const trend = await rows<{ week: Date; amount: number }>(sql, q.blockedMoneyTrendSql(f));
  const top = r.filter((x) => x.flow_key !== null)[0];
  return tile(
    "blocked-money",
    num(total?.amount) ?? 0,
    {
      exceptions: total?.exceptions ?? 0,
      hours: num(total?.hours) ?? 0,
      topFlow: top?.flow_key ?? null,
      topFlowAmount: num(top?.amount),
    },
    byWeek(
      weeks,
      trend.map((x) => ({ week: x.week, value: num(x.amount) })),
    ).map((p) => ({ ...p, value: p.value ?? 0 })),
  );
}

export async function matchRateTile(sql: Sql, f: KpiFilter, weeks: Date[]): Promise<KpiTile> {
  const r = await rows<{ week: Date | null; runs: number; keys: number; matched: number }>(sql, q.matchRateSql(f));
  const latest = await rows<{ money: number; hours: number; currency: string | null }>(
    sql,
    q.latestReconciliationsSql(f),
  );
  const total = r.find((x) => x.week === null);
  const rate = (x?: { keys: number; matched: number }) => (x && x.keys > 0 ? x.matched / x.keys : null);
  const currencies = [...new Set(latest.map((x) => x.currency).filter((c): c is string => !!c))];
  return tile(
    "reconciliation-match-rate",
    rate(total),
    {
      runs: total?.runs ?? 0,
      keys: total?.keys ?? 0,
      matched: total?.matched ?? 0,
      reconciliations: latest.length,
      unreconciledAmount: latest.reduce((n, x) => n + (num(x.money) ?? 0), 0),
      unreconciledHours: latest.reduce((n, x) => n + (num(x.hours) ?? 0), 0),
      // Amounts are not converted: one currency when every reconciliation states the same one.
      currency: currencies.length === 1 ? currencies[0]! : null,
    },
    byWeek(
      weeks,
      r.filter((x) => x.week !== null).map((x) => ({ week: x.week, value: rate(x), n: x.keys })),
    ),
  );
}

/** Every tile for the filter. Queries run one after another: the page's latency is their sum (benchmarked). */
export async function kpiSummary(sql: Sql, input: KpiFilterInput, now = new Date()): Promise<KpiSummary> {
  const { filter: f, weeks } = resolveFilter(input, now);
  const tiles = [
    await percentileTile(sql, "invoice-cycle-time", q.invoiceCycleSql(f), weeks),
    await unbilledTile(sql, f, weeks),
    await percentileTile(sql, "project-setup-time", q.setupTimeSql(f), weeks),
    await utilisationTile(sql, f, weeks),
    await percentileTile(sql, "deal-to-invoice", q.dealToInvoiceSql(f), weeks),
    await touchlessTile(sql, f, weeks),
    await blockedMoneyTile(sql, f, weeks),
    await matchRateTile(sql, f, weeks),
  ];
  return { from: f.from.toISOString(), to: f.to.toISOString(), weeks: weeks.map((w) => w.toISOString()), tiles };
}

/** One KPI's tile (a business SLO measures it). */
export async function kpiTile(sql: Sql, id: KpiId, input: KpiFilterInput, now = new Date()): Promise<KpiTile> {
  const { filter: f, weeks } = resolveFilter(input, now);
  switch (id) {
    case "invoice-cycle-time":
      return percentileTile(sql, id, q.invoiceCycleSql(f), weeks);
    case "deal-to-invoice":
      return percentileTile(sql, id, q.dealToInvoiceSql(f), weeks);
    case "project-setup-time":
      return percentileTile(sql, id, q.setupTimeSql(f), weeks);
    case "unbilled-approved-time":
      return unbilledTile(sql, f, weeks);
    case "utilisation-variance":
      return utilisationTile(sql, f, weeks);
    case "touchless-rate":
      return touchlessTile(sql, f, weeks);
    case "blocked-money":
      return blockedMoneyTile(sql, f, weeks);
    case "reconciliation-match-rate":
      return matchRateTile(sql, f, weeks);
  }
}

/** The event types behind each KPI (drill-down "records"). */
const RECORD_TYPES: Record<KpiId, readonly string[]> = {
  "invoice-cycle-time": ["time.invoiced", "time.approved"],
  "deal-to-invoice": ["deal.won", "invoice.posted"],
  "unbilled-approved-time": [],
  "project-setup-time": ["deal.won", "project.live"],
  "utilisation-variance": ["assignment.made", "time.approved"],
  "touchless-rate": [],
  "blocked-money": [],
  "reconciliation-match-rate": [],
};

export interface KpiDrill {
  id: KpiId;
  records: Array<Record<string, unknown>>;
  runs: Array<{ id: string; flowKey: string; status?: string; at?: string; exceptionId?: string | null }>;
  exceptions: Array<{
    id: string;
    message: string;
    errorClass: string;
    flowKey: string;
    runId: string;
    createdAt: string;
    amount: number | null;
    hours: number | null;
    entries?: number;
  }>;
  /** Utilisation: per person and week, with the person's HRIS team. */
  people?: Array<{
    person: string;
    week: string;
    team: string | null;
    teamName: string | null;
    planned: number;
    actual: number;
  }>;
  /** Utilisation: per HRIS team (the person's organisation), planned vs actual. */
  teams?: UtilisationTeam[];
}

type ExceptionRow = {
  id: string;
  message: string;
  error_class: string;
  flow_key: string;
  run_id: string;
  created_at: Date;
  amount: number | null;
  hours: number | null;
  entries?: number;
};
const exceptionView = (x: ExceptionRow) => ({
  id: x.id,
  message: x.message,
  errorClass: x.error_class,
  flowKey: x.flow_key,
  runId: x.run_id,
  createdAt: iso(x.created_at),
  amount: num(x.amount),
  hours: num(x.hours),
  ...(x.entries !== undefined ? { entries: x.entries } : {}),
});

/** The records, runs and exceptions behind one KPI's figure. */
export async function kpiDrill(
  sql: Sql,
  id: KpiId,
  input: KpiFilterInput,
  limit = 100,
  now = new Date(),
): Promise<KpiDrill> {
  const { filter: f, weeks } = resolveFilter(input, now);
  const out: KpiDrill = { id, records: [], runs: [], exceptions: [] };
  if (id === "unbilled-approved-time") {
    out.records = await rows(sql, q.unbilledRecordsSql(f, weeks, limit));
    out.exceptions = (await rows<ExceptionRow>(sql, q.unbilledExceptionsSql(f, limit))).map(exceptionView);
  } else if (id === "touchless-rate") {
    const r = await rows<{
      id: string;
      flow_key: string;
      status: string;
      created_at: Date;
      exception_id: string | null;
    }>(sql, q.touchedRunsSql(f, limit));
    out.runs = r.map((x) => ({
      id: x.id,
      flowKey: x.flow_key,
      status: x.status,
      at: iso(x.created_at),
      exceptionId: x.exception_id,
    }));
  } else if (id === "blocked-money") {
    out.exceptions = (await rows<ExceptionRow>(sql, q.blockedExceptionsSql(f, limit))).map(exceptionView);
  } else if (id === "reconciliation-match-rate") {
    // Each reconciliation's latest run (the records behind the figure) and the breaks still open.
    const latest = await rows<{ run_id: string; flow_key: string; finished_at: Date } & Record<string, unknown>>(
      sql,
      q.latestReconciliationsSql(f),
    );
    out.records = latest.map(({ finished_at, ...x }) => ({ ...x, finished_at: iso(finished_at) }));
    out.runs = latest.map((x) => ({ id: x.run_id, flowKey: x.flow_key, status: "succeeded", at: iso(x.finished_at) }));
    out.exceptions = (await rows<ExceptionRow>(sql, q.openBreaksSql(f, limit))).map(exceptionView);
  } else {
    out.records = await rows(
      sql,
      q.eventRecordsSql(f, RECORD_TYPES[id], limit, { utilisation: id === "utilisation-variance" }),
    );
    if (id === "utilisation-variance") {
      const u = await utilisation(sql, f);
      out.teams = utilisationByTeam(u);
      out.people = u
        .map((x) => ({ ...x, week: iso(x.week) }))
        .sort((a, b) => Math.abs(b.actual - b.planned) - Math.abs(a.actual - a.planned))
        .slice(0, limit);
    }
  }
  if (!out.runs.length) {
    const seen = new Map<string, string>();
    for (const r of out.records) {
      const run = r.run_id as string | undefined;
      if (run && !seen.has(run)) seen.set(run, String(r.flow_key ?? ""));
    }
    out.runs = [...seen].slice(0, limit).map(([runId, flowKey]) => ({ id: runId, flowKey }));
  }
  return out;
}
