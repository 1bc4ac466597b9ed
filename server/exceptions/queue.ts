// Reads of the exception queue: the page of rows (keyset-paged, newest first), counts per dimension,
// groups by signature and the business-impact header. Plain SQL over indexed columns; the whole-queue
// aggregates read the trigger-kept counters (exception_tally, exception_signature_tally — migration
// 20261205170000_exception_tally, keyed by environment since 20261206100000_environment_data) so they cost
// O(cells), not O(open exceptions) — the operators' default production view included; a search, assignee or
// signature filter (a slice the counters do not key) scans the matching rows as before.
// scripts/bench-exceptions.ts measures both at 100k and 1M exceptions.
import "server-only";
import type { Db } from "../db/client";
import { AGE_LABELS, environmentOf, type ExceptionFilter } from "../../core/exceptions/filter";
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
  // The failed run's environment, copied onto the exception by a trigger.
  const env = environmentOf(f);
  if (env) c.push(`e.environment = ${p.add(env)}`);
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

/** A facet cell: the matching exceptions at the finest grain the facets need. */
interface FacetCell {
  flowKey: string;
  flowName: string;
  domain: string;
  errorClass: string;
  teamId: string | null;
  teamName: string | null;
  age: string;
  ageing: boolean;
  n: number;
}

/** The assignee team as the counters store it: a key column cannot be NULL. */
const NO_TEAM = "00000000-0000-0000-0000-000000000000";

/** The counter cells: the folded ones plus the deltas the triggers appended since the last compaction. */
const HOUR_CELLS = `(SELECT status, environment, hour, flow_id, error_class, team_id, n, amount, hours FROM exception_tally UNION ALL SELECT status, environment, hour, flow_id, error_class, team_id, n, amount, hours FROM exception_tally_delta)`;
const SIGNATURE_CELLS = `(SELECT status, environment, signature, flow_id, error_class, team_id, n, amount, hours, amount_n, hours_n FROM exception_signature_tally UNION ALL SELECT status, environment, signature, flow_id, error_class, team_id, n, amount, hours, amount_n, hours_n FROM exception_tally_delta)`;

/**
 * The status and environment conditions on `alias` (a counter table or exception rows, which both have the
 * columns); "all" statuses are named so that (status, …) indexes still apply.
 */
function statusCond(f: ExceptionFilter, p: SqlParams, alias: string): string {
  const status = f.status ?? "open";
  const env = environmentOf(f);
  return (
    (status === "all"
      ? `${alias}.status = ANY(enum_range(NULL::"ExceptionStatus"))`
      : `${alias}.status = ${p.add(status)}::"ExceptionStatus"`) +
    (env ? ` AND ${alias}.environment = ${p.add(env)}` : "")
  );
}

/** Filters the counters cannot answer: they key neither the search text, the assignee nor (for counts) the signature. */
const needsScan = (f: ExceptionFilter) => Boolean(f.q || f.assignee || f.signature);

const AGE_OF = (at: string) =>
  `CASE WHEN ${at} >= now() - interval '1 hour' THEN 'lt1h' WHEN ${at} >= now() - interval '24 hours' THEN '1h-24h'
        WHEN ${at} >= now() - interval '7 days' THEN '1d-7d' ELSE 'gt7d' END`;
/** Each flow's ageing boundary (now − its threshold). */
const POLICY = `pol AS (SELECT f.id AS flow_id, x.ab, date_trunc('hour', x.ab, 'UTC') AS abh
                   FROM flow f LEFT JOIN exception_policy p ON p.flow_id = f.id
                   CROSS JOIN LATERAL (SELECT now() - make_interval(hours => COALESCE(p.ageing_hours, ${DEFAULT_AGEING_HOURS})) AS ab) x)`;
/** The age buckets' boundaries, computed once per statement rather than per cell. */
const BOUNDS = `bd AS (SELECT now() - interval '1 hour' AS b1, now() - interval '24 hours' AS b24, now() - interval '7 days' AS b7)`;
const AGE_BY = (at: string) =>
  `CASE WHEN ${at} >= bd.b1 THEN 'lt1h' WHEN ${at} >= bd.b24 THEN '1h-24h' WHEN ${at} >= bd.b7 THEN '1d-7d' ELSE 'gt7d' END`;

/**
 * Counts per error class, flow, domain, owner team and age — each with the other filters applied (a value
 * of the filtered dimension still shows what choosing it instead would give). The matching exceptions are
 * grouped at the finest grain (flow × class × team × age bucket × ageing, a few hundred cells at most),
 * then summed per dimension here.
 */
export async function queueFacets(db: Db, f: ExceptionFilter, userId?: string | null): Promise<Facets> {
  return needsScan(f) ? queueFacetsScan(db, f, userId) : facetsOf(f, await facetCellsFromCounters(db, f));
}

/**
 * The cells from the hourly counters. An hour cell lies wholly on one side of every age boundary (now − 1 h,
 * − 24 h, − 7 d, each flow's ageing threshold) except the hour that contains the boundary: those few hours
 * are counted from the exception rows themselves (an index range of one hour each — OFFSET 0 keeps the
 * planner from flattening it into a join that may scan the table), so the buckets and "ageing" stay exact. One statement, so the counters, the rows and now() share one snapshot.
 */
async function facetCellsFromCounters(db: Db, f: ExceptionFilter): Promise<FacetCell[]> {
  const p = new SqlParams();
  return db.$queryRawUnsafe<FacetCell[]>(
    `WITH ${POLICY}, ${BOUNDS},
     bh AS (SELECT DISTINCT date_trunc('hour', b, 'UTC') AS h
              FROM (SELECT b1 FROM bd UNION ALL SELECT b24 FROM bd UNION ALL SELECT b7 FROM bd UNION ALL SELECT ab FROM pol) x(b)),
     c AS (
       SELECT t.flow_id, t.error_class, t.team_id, ${AGE_BY("t.hour")} AS age, (t.status = 'open' AND t.hour < pol.ab) AS ageing, sum(t.n)::int AS n
         FROM ${HOUR_CELLS} t JOIN pol ON pol.flow_id = t.flow_id CROSS JOIN bd
        WHERE ${statusCond(f, p, "t")} AND t.hour NOT IN (SELECT h FROM bh)
        GROUP BY 1, 2, 3, 4, 5
       UNION ALL
       SELECT e.flow_id, e.error_class, COALESCE(e.assignee_team_id, '${NO_TEAM}'::uuid), ${AGE_BY("e.created_at")}, (e.status = 'open' AND e.created_at < pol.ab), count(*)::int
         FROM bh CROSS JOIN LATERAL (
                SELECT e.flow_id, e.error_class, e.assignee_team_id, e.status, e.created_at FROM exception e
                 WHERE ${statusCond(f, p, "e")} AND e.created_at >= bh.h AND e.created_at < bh.h + interval '1 hour' OFFSET 0) e
         JOIN pol ON pol.flow_id = e.flow_id CROSS JOIN bd
        GROUP BY 1, 2, 3, 4, 5)
     SELECT f.key AS "flowKey", min(f.name) AS "flowName", min(f.domain) AS domain, c.error_class AS "errorClass", t.id::text AS "teamId", min(t.name) AS "teamName",
            c.age, c.ageing, sum(c.n)::int AS n
       FROM c JOIN flow f ON f.id = c.flow_id LEFT JOIN team t ON t.id = CASE WHEN c.team_id = '${NO_TEAM}'::uuid THEN f.owner_team_id ELSE c.team_id END
      GROUP BY f.key, c.error_class, t.id, c.age, c.ageing
     HAVING sum(c.n) <> 0`,
    ...p.values,
  );
}

/** The same counts over the matching exception rows (the path for search, assignee and signature filters). */
export async function queueFacetsScan(db: Db, f: ExceptionFilter, userId?: string | null): Promise<Facets> {
  const p = new SqlParams();
  // The dimension filters are applied below, per facet; the rest (status, signature, assignee, search) here.
  const where = whereOf(
    { status: f.status, signature: f.signature, assignee: f.assignee, q: f.q, environment: f.environment },
    p,
    { userId },
  );
  // Aggregate first over the exception's own columns (an index-only scan of exception_facets_idx when only
  // status filters), then name the few hundred cells.
  const cells = await db.$queryRawUnsafe<FacetCell[]>(
    `WITH c AS (
       SELECT e.flow_id, e.error_class, e.assignee_team_id,
              ${AGE_OF("e.created_at")} AS age,
              ${AGEING} AS ageing, count(*)::int AS n
         FROM exception e LEFT JOIN exception_policy p ON p.flow_id = e.flow_id ${where}
        GROUP BY 1, 2, 3, 4, 5)
     SELECT f.key AS "flowKey", min(f.name) AS "flowName", min(f.domain) AS domain, c.error_class AS "errorClass", t.id::text AS "teamId", min(t.name) AS "teamName",
            c.age, c.ageing, sum(c.n)::int AS n
       FROM c JOIN flow f ON f.id = c.flow_id LEFT JOIN team t ON t.id = COALESCE(c.assignee_team_id, f.owner_team_id)
      GROUP BY f.key, c.error_class, t.id, c.age, c.ageing`,
    ...p.values,
  );
  return facetsOf(f, cells);
}

/** Sums the cells per dimension, each facet with the other dimension filters applied. */
function facetsOf(f: ExceptionFilter, cells: FacetCell[]): Facets {
  type Cell = FacetCell;
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

/** A group's example (its newest exception) comes from the filter's environment. */
function exampleEnv(f: ExceptionFilter, p: SqlParams): string {
  const env = environmentOf(f);
  return env ? ` AND e.environment = ${p.add(env)}` : "";
}

/** Identical failures (flow + step + error class + normalised message) as one row each. */
export async function queueGroups(db: Db, f: ExceptionFilter, userId?: string | null, limit = 50): Promise<GroupRow[]> {
  // An age filter needs each group's rows by time: the scan, which the age condition narrows anyway.
  return needsScan(f) || f.age ? queueGroupsScan(db, f, userId, limit) : groupsFromCounters(db, f, limit);
}

/** The dimension filters (flow, domain, class, owner team) on a counter table `t` joined to its flow `f`. */
function counterDims(f: ExceptionFilter, p: SqlParams): string {
  const c: string[] = [];
  if (f.flowKey) c.push(`t.flow_id = (SELECT id FROM flow WHERE key = ${p.add(f.flowKey)})`);
  if (f.domain) c.push(`f.domain = ${p.add(f.domain)}`);
  if (f.errorClass) c.push(`t.error_class = ${p.add(f.errorClass)}`);
  if (f.teamId)
    c.push(
      `CASE WHEN t.team_id = '${NO_TEAM}'::uuid THEN f.owner_team_id ELSE t.team_id END = ${p.add(f.teamId)}::uuid`,
    );
  return c.map((x) => ` AND ${x}`).join("");
}

/**
 * Groups from the per-signature counters: count and impact per signature from its cells; the top `limit` by
 * count, ties at the cut resolved by each candidate's exact newest time (an index probe per status);
 * then, for the chosen groups only, the exact oldest time, the ageing count (open cells minus the open
 * exceptions newer than the flow's threshold, an index range over the recent ones) and the newest example.
 */
async function groupsFromCounters(db: Db, f: ExceptionFilter, limit: number): Promise<GroupRow[]> {
  const n = Math.min(Math.max(limit, 1), 200);
  const p = new SqlParams();
  const tallyWhere = `${statusCond(f, p, "t")}${counterDims(f, p)}`;
  const statuses =
    (f.status ?? "open") === "all"
      ? `enum_range(NULL::"ExceptionStatus")`
      : `ARRAY[${p.add(f.status ?? "open")}]::"ExceptionStatus"[]`;
  // The same dimensions as conditions on the rows (e, f); status comes from the probe.
  const rowDims = whereOf(
    {
      status: "all",
      flowKey: f.flowKey,
      domain: f.domain,
      teamId: f.teamId,
      errorClass: f.errorClass,
      environment: f.environment,
    },
    p,
  ).replace(/^WHERE /, " AND ");
  const probe = (sig: string, dir: "ASC" | "DESC") =>
    `(SELECT ${dir === "DESC" ? "max" : "min"}(l.at) FROM unnest(${statuses}) st(v) CROSS JOIN LATERAL (
        SELECT e.created_at AS at FROM exception e JOIN flow f ON f.id = e.flow_id
         WHERE e.signature = ${sig} AND e.status = st.v${rowDims} ORDER BY e.created_at ${dir} LIMIT 1) l)`;
  return db.$queryRawUnsafe<GroupRow[]>(
    `WITH ${POLICY},
     s AS (
       SELECT t.signature, sum(t.n)::int AS count, (sum(t.n) FILTER (WHERE t.status = 'open'))::int AS open,
              CASE WHEN sum(t.amount_n) > 0 THEN sum(t.amount)::float8 END AS "impactAmount",
              CASE WHEN sum(t.hours_n) > 0 THEN sum(t.hours)::float8 END AS "impactHours"
         FROM ${SIGNATURE_CELLS} t JOIN flow f ON f.id = t.flow_id
        WHERE ${tallyWhere}
        GROUP BY t.signature HAVING sum(t.n) > 0),
     cut AS (SELECT count FROM s ORDER BY count DESC OFFSET ${n - 1} LIMIT 1),
     cand AS (SELECT s.*, ${probe("s.signature", "DESC")} AS "lastAt" FROM s WHERE s.count >= COALESCE((SELECT count FROM cut), 0)),
     g AS (SELECT * FROM cand ORDER BY count DESC, "lastAt" DESC, signature LIMIT ${n})
     SELECT g.signature, g.count, ${probe("g.signature", "ASC")} AS "firstAt", g."lastAt",
            (COALESCE(g.open, 0) - (
               SELECT count(*) FROM exception e JOIN flow f ON f.id = e.flow_id JOIN pol ON pol.flow_id = e.flow_id
                WHERE e.signature = g.signature AND e.status = 'open' AND 'open' = ANY(${statuses})${rowDims}
                  AND e.created_at >= (SELECT min(pol.ab) FROM ${SIGNATURE_CELLS} t JOIN pol ON pol.flow_id = t.flow_id
                                        WHERE t.signature = g.signature AND t.status = 'open')
                  AND e.created_at >= pol.ab))::int AS ageing,
            g."impactAmount", g."impactHours", x.*
       FROM g CROSS JOIN LATERAL (
         SELECT e.id::text AS "exampleId", e.message, e.step_path AS "stepPath", e.error_class AS "errorClass", f.key AS "flowKey", f.name AS "flowName", f.domain
           FROM exception e JOIN flow f ON f.id = e.flow_id WHERE e.signature = g.signature${exampleEnv(f, p)} ORDER BY e.created_at DESC LIMIT 1) x
      ORDER BY g.count DESC, g."lastAt" DESC, g.signature`,
    ...p.values,
  );
}

/** The same groups over the matching exception rows (the path for search, assignee, signature and age filters). */
export async function queueGroupsScan(
  db: Db,
  f: ExceptionFilter,
  userId?: string | null,
  limit = 50,
): Promise<GroupRow[]> {
  const p = new SqlParams();
  const where = whereOf(f, p, { userId });
  return db.$queryRawUnsafe<GroupRow[]>(
    `WITH g AS (
       SELECT e.signature, count(*)::int AS count, min(e.created_at) AS "firstAt", max(e.created_at) AS "lastAt", count(*) FILTER (WHERE ${AGEING})::int AS ageing,
              sum(e.impact_amount) AS "impactAmount", sum(e.impact_hours) AS "impactHours"
         FROM ${FROM} ${where}
        GROUP BY e.signature ORDER BY count DESC, max(e.created_at) DESC, e.signature LIMIT ${Math.min(Math.max(limit, 1), 200)})
     SELECT g.*, x.* FROM g CROSS JOIN LATERAL (
       SELECT e.id::text AS "exampleId", e.message, e.step_path AS "stepPath", e.error_class AS "errorClass", f.key AS "flowKey", f.name AS "flowName", f.domain
         FROM exception e JOIN flow f ON f.id = e.flow_id WHERE e.signature = g.signature${exampleEnv(f, p)} ORDER BY e.created_at DESC LIMIT 1) x
     ORDER BY g.count DESC, g."lastAt" DESC, g.signature`,
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

type ImpactCell = Omit<ImpactRow, "domain"> & { domain: string };

/**
 * Money and hours held up by open exceptions, by domain and by owner team (plus the overall total), in the
 * filter's environment (every environment when it names none).
 */
export async function businessImpact(
  db: Db,
  f: Pick<ExceptionFilter, "environment"> = {},
): Promise<{ total: ImpactRow; byDomain: ImpactRow[]; byTeam: ImpactRow[] }> {
  const p = new SqlParams();
  const open = (alias: string) => statusCond({ status: "open", environment: f.environment }, p, alias);
  // Per (flow, assignee team) from the open hour cells; "ageing" takes the cells wholly before the flow's
  // threshold plus, from the rows, the open exceptions of the threshold's own hour that precede it.
  const cells = await db.$queryRawUnsafe<ImpactCell[]>(
    `WITH ${POLICY},
     c AS (
       SELECT t.flow_id, t.team_id, sum(t.n)::int AS open, (COALESCE(sum(t.n) FILTER (WHERE t.hour < pol.abh), 0))::int AS ageing,
              sum(t.amount)::float8 AS amount, sum(t.hours)::float8 AS hours
         FROM ${HOUR_CELLS} t JOIN pol ON pol.flow_id = t.flow_id
        WHERE ${open("t")}
        GROUP BY 1, 2
       HAVING sum(t.n) <> 0),
     -- Each distinct threshold hour once (materialised: else it may be re-scanned per flow).
     hb AS MATERIALIZED (SELECT DISTINCT abh FROM pol),
     b AS (
       SELECT e.flow_id, COALESCE(e.assignee_team_id, '${NO_TEAM}'::uuid) AS team_id, count(*)::int AS n
         FROM hb h CROSS JOIN LATERAL (
                SELECT e.flow_id, e.assignee_team_id, e.created_at FROM exception e
                 WHERE ${open("e")} AND e.created_at >= h.abh AND e.created_at < h.abh + interval '1 hour' OFFSET 0) e
         JOIN pol ON pol.flow_id = e.flow_id AND pol.abh = h.abh AND e.created_at < pol.ab
        GROUP BY 1, 2)
     SELECT f.domain, t.id::text AS "teamId", t.name AS "teamName", c.open, c.ageing + COALESCE(b.n, 0) AS ageing, c.amount, c.hours
       FROM c LEFT JOIN b ON b.flow_id = c.flow_id AND b.team_id = c.team_id
       JOIN flow f ON f.id = c.flow_id LEFT JOIN team t ON t.id = CASE WHEN c.team_id = '${NO_TEAM}'::uuid THEN f.owner_team_id ELSE c.team_id END`,
    ...p.values,
  );
  return impactOf(cells);
}

/** The same over the open exception rows: the reference the counters are tested against. */
export async function businessImpactScan(
  db: Db,
  f: Pick<ExceptionFilter, "environment"> = {},
): Promise<{ total: ImpactRow; byDomain: ImpactRow[]; byTeam: ImpactRow[] }> {
  const p = new SqlParams();
  // Summed per (flow, assignee team) over the exception's own columns first, then named and rolled up here.
  const cells = await db.$queryRawUnsafe<ImpactCell[]>(
    `WITH c AS (
       SELECT e.flow_id, e.assignee_team_id, count(*)::int AS open, count(*) FILTER (WHERE ${AGEING})::int AS ageing,
              COALESCE(sum(e.impact_amount), 0)::float8 AS amount, COALESCE(sum(e.impact_hours), 0)::float8 AS hours
         FROM exception e LEFT JOIN exception_policy p ON p.flow_id = e.flow_id
        WHERE ${statusCond({ status: "open", environment: f.environment }, p, "e")}
        GROUP BY 1, 2)
     SELECT f.domain, t.id::text AS "teamId", t.name AS "teamName", c.open, c.ageing, c.amount, c.hours
       FROM c JOIN flow f ON f.id = c.flow_id LEFT JOIN team t ON t.id = COALESCE(c.assignee_team_id, f.owner_team_id)`,
    ...p.values,
  );
  return impactOf(cells);
}

function impactOf(cells: ImpactCell[]): { total: ImpactRow; byDomain: ImpactRow[]; byTeam: ImpactRow[] } {
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
