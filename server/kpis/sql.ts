// The KPI queries as SQL text + parameters (core/kpis/definitions.ts says what each computes). Builders only:
// no I/O here, so the benchmark (scripts/bench-kpis.ts) and the orchestration (queries.ts) run the same text.
// Weeks are ISO weeks in UTC (date_trunc('week', t AT TIME ZONE 'UTC')), like core/kpis/math.ts weekStart.
import type { KpiFilter } from "./filter";

export interface Query {
  text: string;
  values: unknown[];
}

/** Parameters numbered as they are added. */
class Params {
  readonly values: unknown[] = [];
  add(v: unknown): string {
    this.values.push(v);
    return `$${this.values.length}`;
  }
}

const WEEK = (col: string) => `(date_trunc('week', ${col} AT TIME ZONE 'UTC') AT TIME ZONE 'UTC')`;
/** Open = not resolved (an exception being retried still holds the work up). */
const OPEN_EXCEPTION = `x.status <> 'resolved'`;

/** p50/p90 of `d` (week, v) per week and overall (the week-null row): the cycle-time KPIs' last step. */
const PERCENTILES_OF_D = `SELECT week, count(*)::int AS n, percentile_cont(0.5) WITHIN GROUP (ORDER BY v) AS p50,
             percentile_cont(0.9) WITHIN GROUP (ORDER BY v) AS p90
      FROM d GROUP BY GROUPING SETS ((week), ()) ORDER BY week NULLS FIRST`;

/** The runs the touchless rate counts (as `r`, with the owning team as `t`): no tests or replays, finished. */
const COUNTED_RUNS = `run r JOIN flow fl ON fl.id = r.flow_id JOIN team t ON t.id = fl.owner_team_id`;
const COUNTED_RUN = `NOT r.is_test AND r.trigger_type NOT IN ('replay', 'test') AND r.status IN ('succeeded', 'failed')`;

/**
 * The filter's environment on a row `alias` with an `environment` column (a run, or a business event,
 * reconciliation summary, exception or time entry, which carry their run's). Production by default
 * (`resolveFilter`): a run in another environment is a trial against sandboxes.
 */
const envFilter = (alias: string, f: KpiFilter, p: Params) =>
  f.environment ? ` AND ${alias}.environment = ${p.add(f.environment)}` : "";

/** A team filter on the owning team `t`. */
const ownerTeamFilter = (f: KpiFilter, p: Params) => (f.team ? ` AND t.key = ${p.add(f.team)}` : "");

/** Environment, team (owning team `t`) and customer (a business key of run `r`) filters on counted runs. */
function runFilter(f: KpiFilter, p: Params): string {
  let sql = envFilter("r", f, p) + ownerTeamFilter(f, p);
  if (f.customer) sql += ` AND r.business_key_values @> ARRAY['customer=' || ${p.add(f.customer)}::text]`;
  return sql;
}

/** Environment and owning-team filters on reconciliation summaries `rr` (owning team `t`). */
const reconciliationFilter = (f: KpiFilter, p: Params) => envFilter("rr", f, p) + ownerTeamFilter(f, p);

/** The projects of customer parameter `c`: those named on any event that carries both keys. */
const PROJECTS_OF = (c: string) =>
  `SELECT c.project FROM business_event c WHERE c.customer = ${c} AND c.project IS NOT NULL`;

/** Team and customer filters on the keys of one event (its team, customer and project columns). */
function keysFilter(cols: { team: string; customer: string; project: string }, f: KpiFilter, p: Params): string {
  let sql = "";
  if (f.team) sql += ` AND ${cols.team} = ${p.add(f.team)}`;
  if (f.customer) {
    const c = p.add(f.customer);
    sql += ` AND (${cols.customer} = ${c} OR ${cols.project} IN (${PROJECTS_OF(c)}))`;
  }
  return sql;
}

/**
 * Environment, team and customer filters on a business_event alias: a customer matches its own events and its
 * projects' events.
 */
const eventFilter = (alias: string, f: KpiFilter, p: Params) =>
  envFilter(alias, f, p) +
  keysFilter({ team: `${alias}.team`, customer: `${alias}.customer`, project: `${alias}.project` }, f, p);

/**
 * Environment, team and customer filters on a kpi_time_entry alias, on the keys of its first approval (or, with `invoice`, of
 * its first invoicing): an entry belongs to the event that made it count.
 */
function entryFilter(alias: string, f: KpiFilter, p: Params, invoice = false): string {
  const col = (c: string) => `${alias}.${invoice ? `invoice_${c}` : c}`;
  return (
    envFilter(alias, f, p) + keysFilter({ team: col("team"), customer: col("customer"), project: col("project") }, f, p)
  );
}

/**
 * kpi_deal (migration 20261206120000) keeps each first event's keys; like a time entry, a deal belongs to the
 * events that made it count: its set-up to both first project.live events, its first invoice to that
 * invoice.posted. Its environment (part of its key) is filtered once per row with envFilter.
 */
const liveFilter = (alias: string, system: "psa" | "erp", f: KpiFilter, p: Params) =>
  keysFilter(
    { team: `${alias}.${system}_team`, customer: `${alias}.${system}_customer`, project: `${alias}.${system}_project` },
    f,
    p,
  );

/** Time approved → invoiced per time entry invoiced in the period (first invoicing), in days, by week. */
export function invoiceCycleSql(f: KpiFilter): Query {
  const p = new Params();
  const from = p.add(f.from);
  const to = p.add(f.to);
  const filter = entryFilter("k", f, p, true);
  return {
    text: `WITH d AS (
        SELECT ${WEEK("k.invoiced_at")} AS week, extract(epoch FROM k.invoiced_at - k.approved_at) / 86400 AS v
        FROM kpi_time_entry k
        WHERE k.invoiced_at >= ${from} AND k.invoiced_at < ${to} AND k.invoiced_at >= k.approved_at${filter}
      )
      ${PERCENTILES_OF_D}`,
    values: p.values,
  };
}

/** Deal closed-won → the first invoice of a project created for it (kpi_deal), in days, by week of that invoice. */
export function dealToInvoiceSql(f: KpiFilter): Query {
  const p = new Params();
  const from = p.add(f.from);
  const to = p.add(f.to);
  const filter =
    envFilter("k", f, p) +
    keysFilter({ team: "k.invoice_team", customer: "k.invoice_customer", project: "k.invoice_project" }, f, p);
  return {
    text: `WITH d AS (
        SELECT ${WEEK("k.first_invoice_at")} AS week, extract(epoch FROM k.first_invoice_at - k.won_at) / 86400 AS v
        FROM kpi_deal k
        WHERE k.first_invoice_at >= ${from} AND k.first_invoice_at < ${to} AND k.first_invoice_at >= k.won_at${filter}
      )
      ${PERCENTILES_OF_D}`,
    values: p.values,
  };
}

/** The deals live in both the PSA and the ERP in [from, to) (kpi_deal), as `k`, filtered on both live events' keys. */
function liveDeals(f: KpiFilter, p: Params, from: string, to: string): string {
  return `kpi_deal k WHERE k.live_at >= ${from} AND k.live_at < ${to} AND k.won_at IS NOT NULL${envFilter("k", f, p)}${liveFilter("k", "psa", f, p)}${liveFilter("k", "erp", f, p)}`;
}

/** Deal closed-won → live in both the PSA and the ERP, in hours, by week it was live in both. */
export function setupTimeSql(f: KpiFilter): Query {
  const p = new Params();
  const from = p.add(f.from);
  const to = p.add(f.to);
  return {
    text: `WITH d AS (
        SELECT ${WEEK("k.live_at")} AS week, extract(epoch FROM k.live_at - k.won_at) / 3600 AS v
        FROM ${liveDeals(f, p, from, to)} AND k.live_at >= k.won_at
      )
      ${PERCENTILES_OF_D}`,
    values: p.values,
  };
}

/**
 * The time entries approved (first time.approved) before the end of the period with their first invoicing
 * (null when not invoiced by then) — the unbilled set and its weekly history. Only entries that were still
 * unbilled at the end of the first trend week matter.
 */
function unbilledEntries(f: KpiFilter, p: Params, firstWeekEnd: string): string {
  const to = p.add(f.to);
  const filter = entryFilter("k", f, p);
  // An invoicing after the period is not one yet.
  return `entries AS (
      SELECT * FROM (
        SELECT k.time_entry, k.approved_at AS at, coalesce(k.hours, 0)::float8 AS hours, coalesce(k.amount, 0)::float8 AS amount,
               coalesce(k.currency, '') AS currency, k.project, k.customer, k.person, k.team, k.run_id, k.flow_id,
               CASE WHEN k.invoiced_at < ${to} THEN k.invoiced_at END AS invoiced_at
        FROM kpi_time_entry k WHERE k.approved_at < ${to}${filter}
      ) a WHERE invoiced_at IS NULL OR invoiced_at >= ${firstWeekEnd}
    ), held_keys AS (
      SELECT DISTINCT k FROM exception x, unnest(x.business_key_values) AS k WHERE ${OPEN_EXCEPTION}${envFilter("x", f, p)}
    ), open AS (
      SELECT entries.*, floor(extract(epoch FROM ${to}::timestamptz - entries.at) / 86400)::int AS days,
             ('project=' || project) IN (SELECT k FROM held_keys) OR ('timeEntry=' || time_entry) IN (SELECT k FROM held_keys)
               OR ('customer=' || customer) IN (SELECT k FROM held_keys) AS held
      FROM entries WHERE invoiced_at IS NULL
    )`;
}

const BUCKET = `CASE WHEN days <= 7 THEN '0-7' WHEN days <= 30 THEN '8-30' WHEN days <= 60 THEN '31-60' ELSE '60+' END`;

const DAY_MS = 86_400_000;
const dayStart = (t: number) => new Date(Math.floor(t / DAY_MS) * DAY_MS);
/** The UTC date of a timestamptz parameter. */
const DATE = (param: string) => `(${param}::timestamptz AT TIME ZONE 'UTC')::date`;
/** kpi_unbilled_day's cells with the deltas not folded yet (migration 20261206120000_kpi_projections). */
const UNBILLED_CELLS = `(SELECT environment, team, currency, approved_day, settled_day, entries, hours, amount FROM kpi_unbilled_day
  UNION ALL SELECT environment, team, currency, approved_day, settled_day, entries, hours, amount FROM kpi_unbilled_day_delta)`;
/** Time entries (as `k`) approved before `at` and not invoiced before it. */
const UNBILLED_AT = (at: string) => `k.approved_at < ${at} AND (k.invoiced_at IS NULL OR k.invoiced_at >= ${at})`;

/**
 * The entries unbilled at the end of the period that an open exception holds up (as `held`), found from the
 * exceptions' keys through kpi_time_entry's indexes, not by testing every unbilled entry.
 */
function heldEntries(f: KpiFilter, p: Params): string {
  const to = p.add(f.to);
  const filter = entryFilter("k", f, p);
  const by = (col: string, key: string) =>
    `SELECT k.time_entry, coalesce(k.hours, 0)::float8 AS hours, coalesce(k.amount, 0)::float8 AS amount,
            coalesce(k.currency, '') AS currency, k.project, k.customer FROM kpi_time_entry k
      WHERE k.${col} IN (SELECT substr(hk.k, ${key.length + 1}) FROM held_keys hk WHERE starts_with(hk.k, '${key}'))
        AND ${UNBILLED_AT(to)}${filter}`;
  return `held_keys AS (
      SELECT DISTINCT k FROM exception x, unnest(x.business_key_values) AS k WHERE ${OPEN_EXCEPTION}${envFilter("x", f, p)}
    ), held AS (
      ${by("project", "project=")} UNION ${by("time_entry", "timeEntry=")} UNION ${by("customer", "customer=")}
    )`;
}

/**
 * Unbilled approved time at the end of the period: per currency and ageing bucket (and totals), with the
 * held-up part on the totals. Whole days come from the day cells: approved before the day of `to` and settled
 * after it, on a day that lies in one ageing bucket; the entries approved on the day of `to` or on a day a
 * bucket boundary (8, 31, 61 days before `to`) falls in, or invoiced on the day of `to`, are decided one by one.
 * A customer filter (its projects are known only when reading) reads the entries.
 */
export function unbilledSql(f: KpiFilter, weekStarts: Date[]): Query {
  if (f.customer) return unbilledFromEntriesSql(f, weekStarts);
  const p = new Params();
  const to = p.add(f.to);
  const today = p.add(dayStart(f.to.getTime()));
  const edges = [8, 31, 61].map((n) => p.add(dayStart(f.to.getTime() - n * DAY_MS)));
  const cells = envFilter("c", f, p) + (f.team ? ` AND c.team = ${p.add(f.team)}` : "");
  const filter = entryFilter("k", f, p);
  const oneDay = (param: string, col = "approved_at") =>
    `k.${col} >= ${param} AND k.${col} < ${param}::timestamptz + interval '1 day'`;
  return {
    text: `WITH ${heldEntries(f, p)}, held_total AS (
        SELECT currency, count(*)::int AS n, sum(hours) AS hours, sum(amount) AS amount FROM held GROUP BY 1
      ), u AS (
        SELECT c.currency, ${DATE(today)} - c.approved_day AS days, c.entries, c.hours, c.amount FROM ${UNBILLED_CELLS} c
        WHERE c.approved_day < ${DATE(today)} AND c.settled_day > ${DATE(today)}
          AND c.approved_day NOT IN (${edges.map(DATE).join(", ")})${cells}
        UNION ALL
        SELECT coalesce(k.currency, ''), floor(extract(epoch FROM ${to}::timestamptz - k.approved_at) / 86400)::int, 1,
               coalesce(k.hours, 0), coalesce(k.amount, 0)
        FROM kpi_time_entry k
        WHERE (k.approved_at >= ${today} AND k.approved_at < ${to} OR ${edges.map((e) => oneDay(e)).join(" OR ")}
               OR ${oneDay(today, "invoiced_at")})
          AND ${UNBILLED_AT(to)}${filter}
      ), g AS (
        SELECT currency, ${BUCKET} AS bucket, sum(entries)::int AS entries, sum(hours)::float8 AS hours, sum(amount)::float8 AS amount
        FROM u GROUP BY GROUPING SETS ((currency, ${BUCKET}), (currency)) HAVING sum(entries) > 0
      )
      SELECT g.currency, g.bucket, g.entries, g.hours, g.amount, coalesce(h.n, 0) AS held_entries,
             coalesce(h.hours, 0) AS held_hours, coalesce(h.amount, 0) AS held_amount
      FROM g LEFT JOIN held_total h ON g.bucket IS NULL AND h.currency = g.currency
      ORDER BY g.currency, g.bucket NULLS FIRST`,
    values: p.values,
  };
}

/**
 * Unbilled amount (and hours) at the end of each trend week (capped at the end of the period), per currency,
 * from the day cells: at a week end on a day boundary the cells approved before it and settled on or after it;
 * at the end of the period (any instant) the cells of the days around it as in unbilledSql, plus that day's
 * entries one by one.
 */
export function unbilledTrendSql(f: KpiFilter, weekStarts: Date[]): Query {
  if (f.customer) return unbilledTrendFromEntriesSql(f, weekStarts);
  const p = new Params();
  const weeks = p.add(weekStarts.map((w) => w.toISOString()));
  const to = p.add(f.to);
  const cells = envFilter("c", f, p) + (f.team ? ` AND c.team = ${p.add(f.team)}` : "");
  const filter = entryFilter("k", f, p);
  return {
    text: `WITH pts AS (
        SELECT week, e, d0, (d0 AT TIME ZONE 'UTC')::date AS d, e = d0 AS aligned FROM (
          SELECT week, e, date_trunc('day', e AT TIME ZONE 'UTC') AT TIME ZONE 'UTC' AS d0 FROM (
            SELECT ws::timestamptz AS week, least(ws::timestamptz + interval '7 days', ${to}::timestamptz) AS e
            FROM unnest(${weeks}::text[]) AS ws) w) x
      ), u AS (
        SELECT pts.week, c.currency, c.entries, c.hours, c.amount
        FROM pts JOIN ${UNBILLED_CELLS} c ON c.approved_day < pts.d AND (c.settled_day > pts.d OR pts.aligned AND c.settled_day = pts.d)
        WHERE c.settled_day >= (SELECT min(d) FROM pts)${cells}
        UNION ALL
        SELECT pts.week, coalesce(k.currency, ''), 1, coalesce(k.hours, 0), coalesce(k.amount, 0)
        FROM pts CROSS JOIN LATERAL (
          SELECT * FROM kpi_time_entry k
          WHERE NOT pts.aligned AND (k.approved_at >= pts.d0 AND k.approved_at < pts.e
                OR k.invoiced_at >= pts.d0 AND k.invoiced_at < pts.d0 + interval '1 day')
            AND ${UNBILLED_AT("pts.e")}${filter}) k
      )
      SELECT week, currency, sum(amount)::float8 AS amount, sum(hours)::float8 AS hours, sum(entries)::int AS entries
      FROM u GROUP BY 1, 2 HAVING sum(entries) > 0 ORDER BY week, currency`,
    values: p.values,
  };
}

/** unbilledSql from the entries one by one (kpi_time_entry): a customer filter, and the check of the day cells. */
export function unbilledFromEntriesSql(f: KpiFilter, weekStarts: Date[]): Query {
  const p = new Params();
  const firstWeekEnd = p.add(new Date(weekStarts[0]!.getTime() + 7 * 86_400_000));
  return {
    text: `WITH ${unbilledEntries(f, p, firstWeekEnd)}
      SELECT currency, ${BUCKET} AS bucket, count(*)::int AS entries, sum(hours) AS hours, sum(amount) AS amount,
             count(*) FILTER (WHERE held)::int AS held_entries, coalesce(sum(hours) FILTER (WHERE held), 0) AS held_hours,
             coalesce(sum(amount) FILTER (WHERE held), 0) AS held_amount
      FROM open GROUP BY GROUPING SETS ((currency, ${BUCKET}), (currency)) ORDER BY currency, bucket NULLS FIRST`,
    values: p.values,
  };
}

/** unbilledTrendSql from the entries one by one (kpi_time_entry): a customer filter, and the check of the day cells. */
export function unbilledTrendFromEntriesSql(f: KpiFilter, weekStarts: Date[]): Query {
  const p = new Params();
  const firstWeekEnd = p.add(new Date(weekStarts[0]!.getTime() + 7 * 86_400_000));
  const weeks = p.add(weekStarts.map((w) => w.toISOString()));
  const to = p.add(f.to);
  return {
    // An entry counts in week i when approved before the week's end and not invoiced before it: weeks
    // [first, stop) as width_bucket over the ascending week ends. Summing +1 at first and −1 at stop and running
    // the total over the weeks is one pass over the entries (a join of weeks × entries was 134,000 × 9 rows).
    text: `WITH ${unbilledEntries(f, p, firstWeekEnd)},
      ends AS (SELECT array_agg(least(ws::timestamptz + interval '7 days', ${to}::timestamptz) ORDER BY ws::timestamptz) AS e,
                      count(*)::int AS n FROM unnest(${weeks}::text[]) AS ws),
      span AS (
        SELECT e.currency, e.amount, e.hours, width_bucket(e.at, ends.e) AS first,
               CASE WHEN e.invoiced_at IS NULL THEN ends.n ELSE width_bucket(e.invoiced_at, ends.e) END AS stop, ends.n
        FROM entries e, ends
      ), delta AS (
        SELECT i, currency, sum(amount) AS amount, sum(hours) AS hours, sum(c)::int AS c FROM (
          SELECT first AS i, currency, amount, hours, 1 AS c FROM span WHERE first < stop
          UNION ALL SELECT stop, currency, -amount, -hours, -1 FROM span WHERE first < stop AND stop < n
        ) d GROUP BY 1, 2
      ), running AS (
        SELECT g.i, cur.currency, sum(delta.amount) OVER w AS amount, sum(delta.hours) OVER w AS hours, sum(delta.c) OVER w AS entries
        FROM ends, generate_series(0, ends.n - 1) AS g(i) CROSS JOIN (SELECT DISTINCT currency FROM delta) cur
          LEFT JOIN delta ON delta.i = g.i AND delta.currency = cur.currency
        WINDOW w AS (PARTITION BY cur.currency ORDER BY g.i)
      )
      SELECT (${weeks}::text[])[i + 1]::timestamptz AS week, currency, amount, hours,
             entries::int AS entries
      FROM running WHERE entries > 0 ORDER BY week, currency`,
    values: p.values,
  };
}

/** The unbilled entries themselves (drill-down), largest first, with whether an open exception holds them up. */
export function unbilledRecordsSql(f: KpiFilter, weekStarts: Date[], limit: number): Query {
  const p = new Params();
  const firstWeekEnd = p.add(new Date(weekStarts[0]!.getTime() + 7 * 86_400_000));
  const lim = p.add(limit);
  return {
    text: `WITH ${unbilledEntries(f, p, firstWeekEnd)}
      SELECT o.time_entry, o.at, o.hours, o.amount, o.currency, o.project, o.customer, o.person, o.team, o.run_id::text AS run_id,
             fl.key AS flow_key, o.days, o.held, ${BUCKET} AS bucket
      FROM open o JOIN flow fl ON fl.id = o.flow_id ORDER BY o.amount DESC, o.time_entry LIMIT ${lim}`,
    values: p.values,
  };
}

/** The open exceptions holding unbilled approved time up, with how much each holds (an entry may be held by several). */
export function unbilledExceptionsSql(f: KpiFilter, limit: number): Query {
  const p = new Params();
  const lim = p.add(limit);
  return {
    text: `WITH ${heldEntries(f, p)}, keyed AS (
        SELECT h.time_entry, h.hours, h.amount, k FROM held h,
          unnest(ARRAY['project=' || h.project, 'timeEntry=' || h.time_entry, 'customer=' || h.customer]) AS k
        WHERE k IS NOT NULL
      ), xkeys AS (
        SELECT x.id, k FROM exception x, unnest(x.business_key_values) AS k WHERE ${OPEN_EXCEPTION}${envFilter("x", f, p)}
      ), matched AS (
        SELECT DISTINCT xkeys.id, keyed.time_entry, keyed.hours, keyed.amount FROM xkeys JOIN keyed USING (k)
      )
      SELECT x.id::text AS id, x.message, x.error_class, x.created_at, fl.key AS flow_key, x.run_id::text AS run_id,
             count(*)::int AS entries, sum(m.hours) AS hours, sum(m.amount) AS amount
      FROM matched m JOIN exception x ON x.id = m.id JOIN flow fl ON fl.id = x.flow_id
      GROUP BY x.id, fl.key ORDER BY amount DESC NULLS LAST, x.created_at LIMIT ${lim}`,
    values: p.values,
  };
}

/**
 * Utilisation's filters: environment and customer as the other KPIs, the person's HRIS team instead of the Weft
 * team. A Weft team owns the flows that record the facts (PMO books, finance bills), which says nothing about
 * whose people worked; utilisation's team is the person's (docs/kpis.md "Utilisation variance").
 */
const utilisationKeysFilter = (alias: string, cols: { customer: string; project: string }, f: KpiFilter, p: Params) =>
  envFilter(alias, f, p) + keysFilter({ team: "", ...cols }, { ...f, team: undefined }, p);

/**
 * Planned (assignment.made, else capacity.planned) vs actual (first time.approved per entry, kpi_time_entry) billable
 * hours per person and week, with the person's team in the HRIS (personTeam) that week. Actual hours count in the
 * week the work was performed (worked_at: the approval's performed day, else the approval itself): approval comes
 * days or weeks after the work, and the plan is by the week worked. A person-week's team is the one on its latest
 * approved time (recorded as the week is worked), else on its latest plan (recorded when booked, often weeks
 * before); the person-team filter keeps the person-weeks of that team, so a person who moved counts in each
 * team for the weeks spent there.
 */
export function utilisationSql(f: KpiFilter): Query {
  const p = new Params();
  const from = p.add(f.from);
  const to = p.add(f.to);
  const filter = utilisationKeysFilter("k", { customer: "k.customer", project: "k.project" }, f, p);
  const filterP = utilisationKeysFilter("a", { customer: "a.customer", project: "a.project" }, f, p);
  const teamFilter = f.personTeam ? ` WHERE coalesce(act.team, plan.team) = ${p.add(f.personTeam)}` : "";
  // The latest (by time, then id) non-null team of a group and that event's name for it.
  const latest = (col: string, at: string, id: string) =>
    `(array_agg(${col} ORDER BY ${at} DESC, ${id} DESC) FILTER (WHERE person_team IS NOT NULL))[1]`;
  return {
    text: `WITH actual AS (
        SELECT k.person, k.worked_at AS occurred_at, coalesce(k.hours, 0)::float8 AS hours, k.approval_event_id AS id,
               k.person_team, k.person_team_name
        FROM kpi_time_entry k
        WHERE k.person IS NOT NULL AND k.worked_at >= ${from} AND k.worked_at < ${to}${filter}
      ), act AS (
        SELECT person, ${WEEK("occurred_at")} AS week, sum(hours) AS hours,
               ${latest("person_team", "occurred_at", "id")} AS team, ${latest("person_team_name", "occurred_at", "id")} AS team_name
        FROM actual GROUP BY 1, 2
      ), planned AS (
        SELECT a.person, ${WEEK("a.occurred_at")} AS week,
               sum(coalesce(a.hours, 0)) FILTER (WHERE a.type = 'assignment.made')::float8 AS assigned,
               sum(coalesce(a.hours, 0)) FILTER (WHERE a.type = 'capacity.planned')::float8 AS capacity,
               ${latest("a.person_team", "a.occurred_at", "a.id")} AS team,
               ${latest("a.person_team_name", "a.occurred_at", "a.id")} AS team_name
        FROM business_event a
        WHERE a.type IN ('assignment.made', 'capacity.planned') AND NOT a.is_test AND a.person IS NOT NULL
          AND a.occurred_at >= ${from} AND a.occurred_at < ${to}${filterP}
        GROUP BY 1, 2
      ), plan AS (
        -- Assignments plan the week when there are any; otherwise the person's planned capacity does.
        SELECT person, week, team, team_name, coalesce(assigned, capacity, 0) AS hours FROM planned
      )
      SELECT coalesce(plan.person, act.person) AS person, coalesce(plan.week, act.week) AS week,
             coalesce(act.team, plan.team) AS team, CASE WHEN act.team IS NOT NULL THEN act.team_name ELSE plan.team_name END AS team_name,
             coalesce(plan.hours, 0) AS planned, coalesce(act.hours, 0) AS actual
      FROM plan FULL JOIN act ON act.person = plan.person AND act.week = plan.week${teamFilter}
      ORDER BY week, person`,
    values: p.values,
  };
}

/**
 * The HRIS teams (personTeam) named by events, each with the name of its latest event that gives one: the
 * Business page's list of firm teams. Loose index scan over business_event(person_team, occurred_at).
 */
export function personTeamsSql(limit = 500): Query {
  return {
    text: `WITH RECURSIVE t(team) AS (
        (SELECT person_team FROM business_event WHERE person_team IS NOT NULL ORDER BY person_team LIMIT 1)
        UNION ALL
        SELECT (SELECT e.person_team FROM business_event e WHERE e.person_team > t.team ORDER BY e.person_team LIMIT 1)
        FROM t WHERE t.team IS NOT NULL
      )
      SELECT t.team AS id, coalesce((SELECT e.person_team_name FROM business_event e
                                      WHERE e.person_team = t.team AND e.person_team_name IS NOT NULL
                                      ORDER BY e.occurred_at DESC LIMIT 1), t.team) AS name
      FROM t WHERE t.team IS NOT NULL ORDER BY name, id LIMIT $1`,
    values: [limit],
  };
}

/** Runs started in the period (not tests, not replays) that finished: total and touchless, by week. */
export function touchlessSql(f: KpiFilter): Query {
  const p = new Params();
  const from = p.add(f.from);
  const to = p.add(f.to);
  const filter = runFilter(f, p);
  return {
    text: `SELECT ${WEEK("r.created_at")} AS week, count(*)::int AS runs,
             count(*) FILTER (WHERE r.status = 'succeeded' AND NOT EXISTS (SELECT 1 FROM exception x WHERE x.run_id = r.id))::int AS touchless
      FROM ${COUNTED_RUNS}
      WHERE r.created_at >= ${from} AND r.created_at < ${to} AND ${COUNTED_RUN}${filter}
      GROUP BY GROUPING SETS ((1), ()) ORDER BY week NULLS FIRST`,
    values: p.values,
  };
}

/** Reconciliation runs finished in the period (not tests): keys and matched keys, by week and in total. */
export function matchRateSql(f: KpiFilter): Query {
  const p = new Params();
  const from = p.add(f.from);
  const to = p.add(f.to);
  const filter = reconciliationFilter(f, p);
  return {
    text: `SELECT ${WEEK("rr.finished_at")} AS week, count(*)::int AS runs, sum(rr.keys)::int AS keys, sum(rr.matched)::int AS matched
      FROM reconciliation_run rr JOIN flow fl ON fl.id = rr.flow_id JOIN team t ON t.id = fl.owner_team_id
      WHERE rr.finished_at >= ${from} AND rr.finished_at < ${to} AND NOT rr.is_test${filter}
      GROUP BY GROUPING SETS ((1), ()) ORDER BY week NULLS FIRST`,
    values: p.values,
  };
}

/** The latest run in the period of each reconciliation (not tests): what it left unreconciled. */
export function latestReconciliationsSql(f: KpiFilter): Query {
  const p = new Params();
  const from = p.add(f.from);
  const to = p.add(f.to);
  const filter = reconciliationFilter(f, p);
  return {
    text: `SELECT DISTINCT ON (rr.flow_id, rr.reconciliation) rr.run_id::text AS run_id, fl.key AS flow_key, rr.reconciliation, rr.name,
             rr.finished_at, rr.keys, rr.matched, rr.match_rate, rr.money_at_stake::float8 AS money, rr.hours_at_stake::float8 AS hours, rr.currency
      FROM reconciliation_run rr JOIN flow fl ON fl.id = rr.flow_id JOIN team t ON t.id = fl.owner_team_id
      WHERE rr.finished_at >= ${from} AND rr.finished_at < ${to} AND NOT rr.is_test${filter}
      ORDER BY rr.flow_id, rr.reconciliation, rr.finished_at DESC`,
    values: p.values,
  };
}

/** Open reconciliation breaks (exceptions with a break identity) by money at stake (drill-down). */
export function openBreaksSql(f: KpiFilter, limit: number): Query {
  const p = new Params();
  const filter = envFilter("x", f, p) + ownerTeamFilter(f, p);
  const lim = p.add(limit);
  return {
    text: `SELECT x.id::text AS id, x.message, x.error_class, fl.key AS flow_key, x.run_id::text AS run_id, x.created_at,
             x.impact_amount::float8 AS amount, x.impact_hours::float8 AS hours
      FROM exception x JOIN flow fl ON fl.id = x.flow_id JOIN team t ON t.id = fl.owner_team_id
      WHERE x.status = 'open' AND x.break_identity IS NOT NULL${filter}
      ORDER BY x.impact_amount DESC NULLS LAST, x.created_at DESC LIMIT ${lim}`,
    values: p.values,
  };
}

/** Runs behind the touchless rate that needed a person: failed or had an exception (drill-down). */
export function touchedRunsSql(f: KpiFilter, limit: number): Query {
  const p = new Params();
  const from = p.add(f.from);
  const to = p.add(f.to);
  const filter = runFilter(f, p);
  const lim = p.add(limit);
  return {
    text: `SELECT r.id::text AS id, fl.key AS flow_key, r.status::text AS status, r.created_at,
             (SELECT x.id::text FROM exception x WHERE x.run_id = r.id ORDER BY x.created_at DESC LIMIT 1) AS exception_id
      FROM ${COUNTED_RUNS}
      WHERE r.created_at >= ${from} AND r.created_at < ${to} AND ${COUNTED_RUN}${filter}
        AND (r.status <> 'succeeded' OR EXISTS (SELECT 1 FROM exception x WHERE x.run_id = r.id))
      ORDER BY r.created_at DESC LIMIT ${lim}`,
    values: p.values,
  };
}

function exceptionFilter(f: KpiFilter, p: Params): string {
  let sql = envFilter("x", f, p);
  if (f.team) sql += ` AND coalesce(at.key, ot.key) = ${p.add(f.team)}`;
  if (f.customer) sql += ` AND x.business_key_values @> ARRAY['customer=' || ${p.add(f.customer)}::text]`;
  return sql;
}
const EXCEPTION_TEAMS = `JOIN flow fl ON fl.id = x.flow_id JOIN team ot ON ot.id = fl.owner_team_id LEFT JOIN team at ON at.id = x.assignee_team_id`;

/** Open exceptions' blocked money per flow (and in total); the trend is by the week they were opened. */
export function blockedMoneySql(f: KpiFilter): Query {
  const p = new Params();
  const filter = exceptionFilter(f, p);
  return {
    text: `SELECT fl.key AS flow_key, count(*)::int AS exceptions, coalesce(sum(x.impact_amount), 0) AS amount,
             coalesce(sum(x.impact_hours), 0) AS hours
      FROM exception x ${EXCEPTION_TEAMS}
      WHERE ${OPEN_EXCEPTION}${filter}
      GROUP BY GROUPING SETS ((fl.key), ()) ORDER BY amount DESC`,
    values: p.values,
  };
}

export function blockedMoneyTrendSql(f: KpiFilter): Query {
  const p = new Params();
  const from = p.add(f.from);
  const filter = exceptionFilter(f, p);
  return {
    text: `SELECT ${WEEK("x.created_at")} AS week, count(*)::int AS exceptions, coalesce(sum(x.impact_amount), 0) AS amount
      FROM exception x ${EXCEPTION_TEAMS}
      WHERE ${OPEN_EXCEPTION} AND x.created_at >= ${from}${filter}
      GROUP BY 1 ORDER BY 1`,
    values: p.values,
  };
}

/** The open exceptions with the most blocked money (drill-down). */
export function blockedExceptionsSql(f: KpiFilter, limit: number): Query {
  const p = new Params();
  const filter = exceptionFilter(f, p);
  const lim = p.add(limit);
  return {
    text: `SELECT x.id::text AS id, x.message, x.error_class, x.created_at, fl.key AS flow_key, x.run_id::text AS run_id,
             x.impact_amount AS amount, x.impact_hours AS hours
      FROM exception x ${EXCEPTION_TEAMS}
      WHERE ${OPEN_EXCEPTION}${filter}
      ORDER BY x.impact_amount DESC NULLS LAST, x.created_at DESC LIMIT ${lim}`,
    values: p.values,
  };
}

/** The business events behind a KPI in the period, newest first (drill-down: records and their runs). */
export function eventRecordsSql(
  f: KpiFilter,
  types: readonly string[],
  limit: number,
  opts: { utilisation?: boolean } = {},
): Query {
  const p = new Params();
  const from = p.add(f.from);
  const to = p.add(f.to);
  const t = p.add(types);
  // Utilisation's records are filtered as its figures are (utilisationSql): by the person's HRIS team, not the
  // Weft team, and in the period by the day the work was performed.
  const filter = opts.utilisation
    ? utilisationKeysFilter("e", { customer: "e.customer", project: "e.project" }, f, p) +
      (f.personTeam ? ` AND e.person_team = ${p.add(f.personTeam)}` : "")
    : eventFilter("e", f, p);
  const lim = p.add(limit);
  const at = opts.utilisation
    ? `coalesce(e.performed_on::timestamp AT TIME ZONE 'UTC', e.occurred_at)`
    : `e.occurred_at`;
  return {
    text: `SELECT e.id::text AS id, e.type, e.occurred_at, e.performed_on::text AS performed_on, e.customer, e.project, e.opportunity,
             e.invoice, e.person, e.person_team, e.person_team_name, e.time_entry, e.team, e.system, e.amount::float8 AS amount,
             e.currency, e.hours::float8 AS hours, e.run_id::text AS run_id, fl.key AS flow_key
      FROM business_event e JOIN flow fl ON fl.id = e.flow_id
      WHERE e.type = ANY (${t}::text[]) AND NOT e.is_test AND ${at} >= ${from} AND ${at} < ${to}${filter}
      ORDER BY ${at} DESC, e.id DESC LIMIT ${lim}`,
    values: p.values,
  };
}

/**
 * A business SLO's events in [from, to) as 5-minute buckets of { total, good } (core/kpis/slo.ts says what an
 * event is per KPI), the shape core/governance/slo-math.ts computes budgets and burn rates from.
 */
export function sloPointsSql(
  kpi:
    | "unbilled-approved-time"
    | "invoice-cycle-time"
    | "project-setup-time"
    | "touchless-rate"
    | "reconciliation-match-rate",
  threshold: number | null,
  f: KpiFilter,
  bucketMs: number,
): Query {
  const p = new Params();
  const from = p.add(f.from);
  const to = p.add(f.to);
  const bucket = p.add(bucketMs);
  const B = (col: string) => `(floor(extract(epoch FROM ${col}) * 1000 / ${bucket}) * ${bucket})::float8`;
  if (kpi === "reconciliation-match-rate") {
    // Each compared key is an event at its run's end; a run's keys are already counted, so sum them.
    const filter = reconciliationFilter(f, p);
    return {
      text: `SELECT ${B("rr.finished_at")} AS start, sum(rr.keys)::int AS total, sum(rr.matched)::int AS good
        FROM reconciliation_run rr JOIN flow fl ON fl.id = rr.flow_id JOIN team t ON t.id = fl.owner_team_id
        WHERE rr.finished_at >= ${from} AND rr.finished_at < ${to} AND NOT rr.is_test AND rr.keys > 0${filter}
        GROUP BY 1 ORDER BY 1`,
      values: p.values,
    };
  }
  let events: string;
  if (kpi === "touchless-rate") {
    const filter = runFilter(f, p);
    events = `SELECT r.finished_at AS at,
        (r.status = 'succeeded' AND NOT EXISTS (SELECT 1 FROM exception x WHERE x.run_id = r.id)) AS good
      FROM ${COUNTED_RUNS}
      WHERE r.finished_at >= ${from} AND r.finished_at < ${to} AND ${COUNTED_RUN}${filter}`;
  } else {
    const unit = kpi === "project-setup-time" ? "hours" : "days";
    const limit = `${p.add(threshold ?? 0)}::float8 * interval '1 ${unit === "hours" ? "hour" : "day"}'`;
    if (kpi === "project-setup-time") {
      events = `SELECT k.live_at AS at, k.live_at - k.won_at <= ${limit} AS good FROM ${liveDeals(f, p, from, to)}`;
    } else {
      // Per time entry: first approval and first invoicing; filtered on the keys of the event that closes it.
      const filter = entryFilter("k", f, p, kpi === "invoice-cycle-time");
      const entries = `SELECT k.approved_at AS approved, k.invoiced_at AS invoiced FROM kpi_time_entry k WHERE true${filter}`;
      events =
        kpi === "invoice-cycle-time"
          ? `SELECT invoiced AS at, invoiced - approved <= ${limit} AS good FROM (${entries}) te
             WHERE approved IS NOT NULL AND invoiced >= ${from} AND invoiced < ${to}`
          : `SELECT approved + ${limit} AS at, coalesce(invoiced <= approved + ${limit}, false) AS good FROM (${entries}) te
             WHERE approved IS NOT NULL AND approved + ${limit} >= ${from} AND approved + ${limit} < ${to}`;
    }
  }
  return {
    text: `SELECT ${B("ev.at")} AS start, count(*)::int AS total, count(*) FILTER (WHERE ev.good)::int AS good
      FROM (${events}) ev GROUP BY 1 ORDER BY 1`,
    values: p.values,
  };
}
