// Reads of the exception queue: the page of rows (keyset-paged, newest first), counts per dimension,
// groups by signature and the business-impact header. Plain SQL over indexed columns so that the queue
// stays fast with 100,000 exceptions (scripts/bench-exceptions.ts measures it).
import "server-only";
import type { Db } from "../db/client";
import { AGE_LABELS, type ExceptionFilter } from "../../core/exceptions/filter";
import type { ExceptionStatus } from "../db/generated/enums";

/** Default ageing threshold when a flow has no exception_policy row. */
export const DEFAULT_AGEING_HOURS = 24;

const TEAM = `COALESCE(e.assignee_team_id, f.owner_team_id)`;
const AGEING = `(e.status = 'open' AND e.created_at < now() - make_interval(hours => COALESCE(p.ageing_hours, ${DEFAULT_AGEING_HOURS})))`;
const FROM = `exception e JOIN flow f ON f.id = e.flow_id LEFT JOIN exception_policy p ON p.flow_id = e.flow_id`;

type Dim = "errorClass" | "flowKey" | "domain" | "teamId" | "age";

/** Escapes LIKE wildcards in a search term. */
const likeEscape = (s: string) => s.replace(/[\\%_]/g, (c) => `\\${c}`);

export class SqlParams {
  readonly values: unknown[] = [];
  add(v: unknown): string {
    this.values.push(v);
    return `$${this.values.length}`;
  }
}

/** The WHERE clause of a filter; `omit` leaves one dimension out (its own facet counts every value). */
export function whereOf(
  f: ExceptionFilter & { ids?: readonly string[] },
  p: SqlParams,
  opts: { userId?: string | null; omit?: Dim } = {},
): string {
  const c: string[] = [];
  if (f.ids) c.push(`e.id = ANY(${p.add(f.ids)}::uuid[])`);
  const status = f.status ?? "open";
  if (status !== "all") c.push(`e.status = ${p.add(status)}::"ExceptionStatus"`);
  // Flow and domain as conditions on e.flow_id: the planner then walks (flow_id, status, created_at) in order.
  if (f.flowKey && opts.omit !== "flowKey") c.push(`e.flow_id = (SELECT id FROM flow WHERE key = ${p.add(f.flowKey)})`);
  if (f.domain && opts.omit !== "domain")
    c.push(`e.flow_id IN (SELECT id FROM flow WHERE domain = ${p.add(f.domain)})`);
  if (f.teamId && opts.omit !== "teamId") c.push(`${TEAM} = ${p.add(f.teamId)}::uuid`);
  if (f.errorClass && opts.omit !== "errorClass") c.push(`e.error_class = ${p.add(f.errorClass)}`);
  if (f.signature) c.push(`e.signature = ${p.add(f.signature)}`);
  if (f.assignee === "unassigned") c.push(`e.assignee_id IS NULL`);
  else if (f.assignee) c.push(`e.assignee_id = ${p.add(f.assignee === "me" ? (opts.userId ?? "") : f.assignee)}`);
  if (f.q) c.push(`e.search_text LIKE ${p.add(`%${likeEscape(f.q.toLowerCase())}%`)}`);
  if (f.age && opts.omit !== "age") {
    const bounds: Record<string, string> = {
      lt1h: `e.created_at >= now() - interval '1 hour'`,
      "1h-24h": `e.created_at < now() - interval '1 hour' AND e.created_at >= now() - interval '24 hours'`,
      "1d-7d": `e.created_at < now() - interval '24 hours' AND e.created_at >= now() - interval '7 days'`,
      gt7d: `e.created_at < now() - interval '7 days'`,
      ageing: AGEING,
    };
    c.push(`(${bounds[f.age]})`);
  }
  return c.length ? `WHERE ${c.join(" AND ")}` : "";
}

export interface QueueRow {
  id: string;
  createdAt: Date;
  status: ExceptionStatus;
  errorClass: string;
  message: string;
  stepPath: string | null;
  signature: string;
  businessKeys: Record<string, unknown> | null;
  impactAmount: number | null;
  impactHours: number | null;
  runId: string;
  flowKey: string;
  flowName: string;
  domain: string;
  teamId: string | null;
  teamName: string | null;
  assigneeId: string | null;
  assigneeName: string | null;
  ageing: boolean;
  ageingHours: number;
}

export interface ListOptions {
  userId?: string | null;
  /** "createdAt|id" of the last row of the previous page. */
  cursor?: string | null;
  limit?: number;
}

export async function listQueue(
  db: Db,
  f: ExceptionFilter,
  o: ListOptions = {},
): Promise<{ items: QueueRow[]; nextCursor: string | null }> {
  const limit = Math.min(Math.max(o.limit ?? 50, 1), 200);
  const p = new SqlParams();
  let where = whereOf(f, p, { userId: o.userId });
  if (o.cursor) {
    const [at, id] = o.cursor.split("|");
    const keyset = `(e.created_at, e.id) < (${p.add(at)}::timestamptz, ${p.add(id)}::uuid)`;
    where = where ? `${where} AND ${keyset}` : `WHERE ${keyset}`;
  }
  const rows = await db.$queryRawUnsafe<QueueRow[]>(
    `SELECT e.id::text AS "id", e.created_at AS "createdAt", e.status::text AS "status", e.error_class AS "errorClass", e.message, e.step_path AS "stepPath",
            e.signature, e.business_keys AS "businessKeys", e.impact_amount AS "impactAmount", e.impact_hours AS "impactHours", e.run_id::text AS "runId",
            f.key AS "flowKey", f.name AS "flowName", f.domain, t.id::text AS "teamId", t.name AS "teamName",
            e.assignee_id AS "assigneeId", u.name AS "assigneeName", ${AGEING} AS "ageing", COALESCE(p.ageing_hours, ${DEFAULT_AGEING_HOURS}) AS "ageingHours"
       FROM ${FROM} LEFT JOIN team t ON t.id = ${TEAM} LEFT JOIN "user" u ON u.id = e.assignee_id
       ${where}
      ORDER BY e.created_at DESC, e.id DESC
      LIMIT ${limit + 1}`,
    ...p.values,
  );
  const items = rows.slice(0, limit);
  const last = items.at(-1);
  return { items, nextCursor: rows.length > limit && last ? `${last.createdAt.toISOString()}|${last.id}` : null };
}

export interface Facet {
  value: string;
  label: string;
  count: number;
}

export interface Facets {
  total: number;
  ageing: number;
  errorClass: Facet[];
  flow: Facet[];
  domain: Facet[];
  team: Facet[];
  age: Facet[];
}

/**
 * Counts per error class, flow, domain, owner team and age — each with the other filters applied (a value
 * of the filtered dimension still shows what choosing it instead would give). One scan: the matching
 * exceptions grouped at the finest grain (flow × class × team × age bucket × ageing, a few hundred rows at
 * most), then summed per dimension here.
 */
export async function queueFacets(db: Db, f: ExceptionFilter, userId?: string | null): Promise<Facets> {
  const p = new SqlParams();
  // The dimension filters are applied below, per facet; the rest (status, signature, assignee, search) here.
  const where = whereOf({ status: f.status, signature: f.signature, assignee: f.assignee, q: f.q }, p, { userId });
  // Aggregate first over the exception's own columns (an index-only scan of exception_facets_idx when only
  // status filters), then name the few hundred cells.
  const cells = await db.$queryRawUnsafe<
    Array<{
      flowKey: string;
      flowName: string;
      domain: string;
      errorClass: string;
      teamId: string | null;
      teamName: string | null;
      age: string;
      ageing: boolean;
      n: number;
    }>
  >(
    `WITH c AS (
       SELECT e.flow_id, e.error_class, e.assignee_team_id,
              CASE WHEN e.created_at >= now() - interval '1 hour' THEN 'lt1h' WHEN e.created_at >= now() - interval '24 hours' THEN '1h-24h'
                   WHEN e.created_at >= now() - interval '7 days' THEN '1d-7d' ELSE 'gt7d' END AS age,
              ${AGEING} AS ageing, count(*)::int AS n
         FROM exception e LEFT JOIN exception_policy p ON p.flow_id = e.flow_id ${where}
        GROUP BY 1, 2, 3, 4, 5)
     SELECT f.key AS "flowKey", min(f.name) AS "flowName", min(f.domain) AS domain, c.error_class AS "errorClass", t.id::text AS "teamId", min(t.name) AS "teamName",
            c.age, c.ageing, sum(c.n)::int AS n
       FROM c JOIN flow f ON f.id = c.flow_id LEFT JOIN team t ON t.id = COALESCE(c.assignee_team_id, f.owner_team_id)
      GROUP BY f.key, c.error_class, t.id, c.age, c.ageing`,
    ...p.values,
  );
  type Cell = (typeof cells)[number];
  const keep: Record<Dim, (c: Cell) => boolean> = {
    errorClass: (c) => !f.errorClass || c.errorClass === f.errorClass,
    flowKey: (c) => !f.flowKey || c.flowKey === f.flowKey,
    domain: (c) => !f.domain || c.domain === f.domain,
    teamId: (c) => !f.teamId || c.teamId === f.teamId,
    age: (c) => !f.age || (f.age === "ageing" ? c.ageing : c.age === f.age),
  };
  const dims = Object.keys(keep) as Dim[];
  const matching = (omit?: Dim) => cells.filter((c) => dims.every((d) => d === omit || keep[d](c)));
  const facet = (omit: Dim, value: (c: Cell) => string | null, label: (c: Cell) => string | null): Facet[] => {
    const m = new Map<string, Facet>();
    for (const c of matching(omit)) {
      const v = value(c);
      if (v === null) continue;
      const x = m.get(v) ?? { value: v, label: label(c) ?? v, count: 0 };
      x.count += c.n;
      m.set(v, x);
    }
    return [...m.values()].sort((a, b) => b.count - a.count || a.label.localeCompare(b.label)).slice(0, 50);
  };
  const all = matching();
  const ageCells = matching("age");
  return {
    total: all.reduce((n, c) => n + c.n, 0),
    ageing: all.reduce((n, c) => n + (c.ageing ? c.n : 0), 0),
    errorClass: facet(
      "errorClass",
      (c) => c.errorClass,
      (c) => c.errorClass,
    ),
    flow: facet(
      "flowKey",
      (c) => c.flowKey,
      (c) => c.flowName,
    ),
    domain: facet(
      "domain",
      (c) => c.domain,
      (c) => c.domain,
    ),
    team: facet(
      "teamId",
      (c) => c.teamId,
      (c) => c.teamName,
    ),
    age: (Object.keys(AGE_LABELS) as Array<keyof typeof AGE_LABELS>).map((k) => ({
      value: k,
      label: AGE_LABELS[k],
      count: ageCells.reduce((n, c) => n + ((k === "ageing" ? c.ageing : c.age === k) ? c.n : 0), 0),
    })),
  };
}

export interface GroupRow {
  signature: string;
  count: number;
  firstAt: Date;
  lastAt: Date;
  ageing: number;
  impactAmount: number | null;
  impactHours: number | null;
  exampleId: string;
  message: string;
  stepPath: string | null;
  errorClass: string;
  flowKey: string;
  flowName: string;
  domain: string;
}

/** Identical failures (flow + step + error class + normalised message) as one row each. */
export async function queueGroups(db: Db, f: ExceptionFilter, userId?: string | null, limit = 50): Promise<GroupRow[]> {
  const p = new SqlParams();
  const where = whereOf(f, p, { userId });
  return db.$queryRawUnsafe<GroupRow[]>(
    `WITH g AS (
       SELECT e.signature, count(*)::int AS count, min(e.created_at) AS "firstAt", max(e.created_at) AS "lastAt", count(*) FILTER (WHERE ${AGEING})::int AS ageing,
              sum(e.impact_amount) AS "impactAmount", sum(e.impact_hours) AS "impactHours"
         FROM ${FROM} ${where}
        GROUP BY e.signature ORDER BY count DESC, max(e.created_at) DESC LIMIT ${Math.min(Math.max(limit, 1), 200)})
     SELECT g.*, x.* FROM g CROSS JOIN LATERAL (
       SELECT e.id::text AS "exampleId", e.message, e.step_path AS "stepPath", e.error_class AS "errorClass", f.key AS "flowKey", f.name AS "flowName", f.domain
         FROM exception e JOIN flow f ON f.id = e.flow_id WHERE e.signature = g.signature ORDER BY e.created_at DESC LIMIT 1) x
     ORDER BY g.count DESC, g."lastAt" DESC`,
    ...p.values,
  );
}

export interface ImpactRow {
  domain: string | null;
  teamId: string | null;
  teamName: string | null;
  open: number;
  ageing: number;
  amount: number;
  hours: number;
}

/** Money and hours held up by open exceptions, by domain and by owner team (plus the overall total). */
export async function businessImpact(
  db: Db,
): Promise<{ total: ImpactRow; byDomain: ImpactRow[]; byTeam: ImpactRow[] }> {
  // Summed per (flow, assignee team) over the exception's own columns first, then named and rolled up here.
  const cells = await db.$queryRawUnsafe<
    Array<{
      domain: string;
      teamId: string | null;
      teamName: string | null;
      open: number;
      ageing: number;
      amount: number;
      hours: number;
    }>
  >(
    `WITH c AS (
       SELECT e.flow_id, e.assignee_team_id, count(*)::int AS open, count(*) FILTER (WHERE ${AGEING})::int AS ageing,
              COALESCE(sum(e.impact_amount), 0)::float8 AS amount, COALESCE(sum(e.impact_hours), 0)::float8 AS hours
         FROM exception e LEFT JOIN exception_policy p ON p.flow_id = e.flow_id
        WHERE e.status = 'open'
        GROUP BY 1, 2)
     SELECT f.domain, t.id::text AS "teamId", t.name AS "teamName", c.open, c.ageing, c.amount, c.hours
       FROM c JOIN flow f ON f.id = c.flow_id LEFT JOIN team t ON t.id = COALESCE(c.assignee_team_id, f.owner_team_id)`,
  );
  const roll = (
    key: (c: (typeof cells)[number]) => string,
    make: (c: (typeof cells)[number]) => Omit<ImpactRow, "open" | "ageing" | "amount" | "hours">,
  ) => {
    const m = new Map<string, ImpactRow>();
    for (const c of cells) {
      const k = key(c);
      const r = m.get(k) ?? { ...make(c), open: 0, ageing: 0, amount: 0, hours: 0 };
      r.open += c.open;
      r.ageing += c.ageing;
      r.amount += c.amount;
      r.hours += c.hours;
      m.set(k, r);
    }
    return [...m.values()];
  };
  const sort = (a: ImpactRow, b: ImpactRow) => b.amount - a.amount || b.hours - a.hours || b.open - a.open;
  const total = roll(
    () => "",
    () => ({ domain: null, teamId: null, teamName: null }),
  )[0] ?? { domain: null, teamId: null, teamName: null, open: 0, ageing: 0, amount: 0, hours: 0 };
  return {
    total,
    byDomain: roll(
      (c) => c.domain,
      (c) => ({ domain: c.domain, teamId: null, teamName: null }),
    ).sort(sort),
    byTeam: roll(
      (c) => c.teamId ?? "",
      (c) => ({ domain: null, teamId: c.teamId, teamName: c.teamName }),
    ).sort(sort),
  };
}
