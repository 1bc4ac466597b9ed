// The KPI projections of migration 20261206120000 (kpi_deal, kpi_project, kpi_deal_project and the unbilled day
// cells kept through kpi_unbilled_day_delta) against the same figures computed here, in TypeScript, from the
// business_event rows themselves: after random sequences of first recordings, out-of-order and repeated events,
// replays and resumed steps recording the same step again, test runs, concurrent single-event writers, deleted
// runs and compactions (fast-check generates them), for several "as of" instants — now, a day boundary, and
// instants whose ageing boundaries fall inside days with entries. Runs write in two environments (production and
// staging): every projection is keyed by environment, production is counted by default, "all" sums them.
// Approvals may say the day the work was performed (days before the approval, or not at all): kpi_time_entry keeps
// the first approval's, and utilisation's actual hours count in that day's week, else the approval's.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import fc from "fast-check";
import { createTestDatabase, type TestDatabase } from "../testing/db";
import { insertRuns, makeFlow } from "../governance/testing";
import { runtimePool, type Pool } from "../runtime/sql";
import { insertBusinessEvents } from "../runtime/business-events";
import type { BusinessEvent } from "../../core/dsl";
import { resolveFilter, type KpiFilterInput } from "./filter";
import * as q from "./sql";
import type { UnbilledCell } from "./queries";

const DAY = 86_400_000;
const HOUR = 3_600_000;
const TYPES = [
  "deal.won",
  "project.created",
  "project.live",
  "invoice.posted",
  "time.approved",
  "time.invoiced",
] as const;
type EventType = (typeof TYPES)[number];

/** Monday 00:00 UTC of t's week (the test's own, not core/kpis/math). */
const mondayOf = (t: number) => {
  const day = Math.floor(t / DAY) * DAY;
  return day - ((new Date(day).getUTCDay() + 6) % 7) * DAY;
};
const pct = (values: number[], p: number) => {
  const s = [...values].sort((a, b) => a - b);
  const r = p * (s.length - 1);
  return s[Math.floor(r)]! + (s[Math.ceil(r)]! - s[Math.floor(r)]!) * (r - Math.floor(r));
};

type Env = "production" | "staging";
interface GenEvent {
  type: EventType;
  /** The environment of the run that writes it (a write's run takes its first event's). */
  env: Env;
  opp: number;
  project: number;
  entry: number;
  customer: number;
  team: "finance" | "pmo" | null;
  system: "psa" | "erp";
  /** Hours before the base instant. */
  ago: number;
  minute: number;
  amount: number;
  hours: number;
  currency: "EUR" | "USD";
  /** time.approved: the work was performed this many days before the approval (null: the flow does not say). */
  performed: number | null;
}
type Op =
  | { kind: "write"; events: GenEvent[]; test: boolean }
  | { kind: "again"; run: number; events: GenEvent[]; replay: boolean }
  | { kind: "concurrent"; events: GenEvent[] }
  | { kind: "delete"; run: number }
  | { kind: "compact" };

const genEvent = fc.record<GenEvent>({
  type: fc.constantFrom(...TYPES),
  env: fc.constantFrom<Env>("production", "production", "staging"),
  opp: fc.nat(4),
  project: fc.nat(5),
  entry: fc.nat(9),
  customer: fc.nat(2),
  team: fc.constantFrom("finance", "pmo", null),
  system: fc.constantFrom("psa", "erp"),
  ago: fc.nat(75 * 24),
  minute: fc.nat(59),
  amount: fc.integer({ min: 1, max: 5000 }),
  hours: fc.integer({ min: 1, max: 8 }),
  currency: fc.constantFrom("EUR", "EUR", "USD"),
  performed: fc.option(fc.nat(20), { nil: null }),
});
const genOp: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 5,
    arbitrary: fc.record({
      kind: fc.constant("write" as const),
      events: fc.array(genEvent, { minLength: 1, maxLength: 6 }),
      test: fc.boolean(),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant("again" as const),
      run: fc.nat(),
      events: fc.array(genEvent, { minLength: 1, maxLength: 6 }),
      replay: fc.boolean(),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant("concurrent" as const),
      events: fc.array(genEvent, { minLength: 2, maxLength: 8 }),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("delete" as const), run: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("compact" as const) }) },
);

interface Row {
  id: number;
  environment: string;
  type: string;
  at: number;
  customer: string | null;
  project: string | null;
  opportunity: string | null;
  time_entry: string | null;
  person: string | null;
  team: string | null;
  system: string | null;
  amount: number | null;
  currency: string | null;
  hours: number | null;
  performed_on: string | null;
}

/** A key of an event's environment (every projection is per environment). */
const inEnv = (k: string | null, r: Row) => (k === null ? null : `${r.environment}|${k}`);

/** The first event (by occurred_at, then id) of `type` per key. */
function firsts(rows: Row[], type: string, key: (r: Row) => string | null): Map<string, Row> {
  const m = new Map<string, Row>();
  for (const r of rows) {
    const k = key(r);
    if (r.type !== type || k === null) continue;
    const cur = m.get(k);
    if (!cur || r.at < cur.at || (r.at === cur.at && r.id < cur.id)) m.set(k, r);
  }
  return m;
}

/** A percentile tile's rows (week, n, p50, p90; the overall row first) from (week, value) pairs. */
function percentileRows(d: Array<{ at: number; v: number }>) {
  const byWeek = new Map<number, number[]>();
  for (const x of d) byWeek.set(mondayOf(x.at), [...(byWeek.get(mondayOf(x.at)) ?? []), x.v]);
  const out = [...byWeek]
    .sort((a, b) => a[0] - b[0])
    .map(([w, v]) => ({ week: w, n: v.length, p50: pct(v, 0.5), p90: pct(v, 0.9) }));
  const all = d.map((x) => x.v);
  // The overall row is there with no values too (GROUPING SETS' empty set).
  const overall = all.length
    ? { n: all.length, p50: pct(all, 0.5), p90: pct(all, 0.9) }
    : { n: 0, p50: null, p90: null };
  return [{ week: null, ...overall }, ...out];
}

describe("KPI projections (deals, projects, unbilled day cells)", () => {
  let t: TestDatabase;
  let pool: Pool;
  let flowId: string;
  const base = Date.now();

  beforeAll(async () => {
    t = await createTestDatabase();
    pool = runtimePool(t.url, 8);
    flowId = await makeFlow(t.db, { key: "kpi-projections", teamKey: "finance" });
  });
  afterAll(async () => {
    await pool.end();
    await t.drop();
  });

  const toEvent = (g: GenEvent): BusinessEvent => {
    const keys: Record<string, string> = {};
    if (g.type === "deal.won" || g.type === "project.created" || g.type === "project.live")
      keys.opportunity = `O-${g.opp}`;
    if (g.type !== "deal.won" && (g.type !== "project.live" || g.project !== 5)) keys.project = `P-${g.project}`;
    if (g.type.startsWith("time.")) keys.timeEntry = `TE-${g.entry}`;
    if (g.type !== "time.approved" || g.customer !== 2) keys.customer = `C-${g.customer}`;
    if (g.team) keys.team = g.team;
    if (g.type === "time.approved") keys.person = `U-${g.opp}`;
    const money = g.type === "time.approved" || g.type === "time.invoiced" || g.type === "invoice.posted";
    return {
      type: g.type,
      keys,
      amount: money ? g.amount : null,
      currency: money ? g.currency : null,
      hours: g.type.startsWith("time.") ? g.hours : null,
      system: g.type === "project.live" ? g.system : null,
      occurredAt: new Date(base - g.ago * HOUR - g.minute * 60_000).toISOString(),
      performedOn:
        g.type === "time.approved" && g.performed !== null
          ? new Date(base - g.ago * HOUR - g.minute * 60_000 - g.performed * DAY).toISOString().slice(0, 10)
          : null,
    } as BusinessEvent;
  };

  const newRun = async (opts: { isTest?: boolean; replayOf?: string; environment?: Env } = {}) => {
    const [id] = await insertRuns(t.db, flowId, [
      { status: "succeeded", createdAt: new Date(base), isTest: opts.isTest, environment: opts.environment },
    ]);
    if (opts.replayOf)
      await pool.query(`UPDATE run SET replay_of_id = $1::uuid, trigger_type = 'replay' WHERE id = $2::uuid`, [
        opts.replayOf,
        id,
      ]);
    return id!;
  };

  async function apply(ops: Op[]): Promise<void> {
    const runs: Array<{ id: string; path: string; env: Env }> = [];
    let n = 0;
    for (const op of ops) {
      const path = `step-${n++}`;
      if (op.kind === "write") {
        const env = op.events[0]!.env;
        const id = await newRun({ isTest: op.test, environment: env });
        await insertBusinessEvents(pool, id, path, op.events.map(toEvent), "finance");
        runs.push({ id, path, env });
      } else if (op.kind === "again" && runs.length) {
        // The same step recorded again: by the run itself (resumed) or by a replay of it (other values even).
        const prev = runs[op.run % runs.length]!;
        const id = op.replay ? await newRun({ replayOf: prev.id, environment: prev.env }) : prev.id;
        await insertBusinessEvents(pool, id, prev.path, op.events.map(toEvent), "finance");
      } else if (op.kind === "concurrent") {
        const ids = await insertRuns(
          t.db,
          flowId,
          op.events.map((e) => ({ status: "succeeded" as const, createdAt: new Date(base), environment: e.env })),
        );
        await Promise.all(op.events.map((e, i) => insertBusinessEvents(pool, ids[i]!, path, [toEvent(e)], "finance")));
        ids.forEach((id, i) => runs.push({ id, path, env: op.events[i]!.env }));
      } else if (op.kind === "delete" && runs.length) {
        const [gone] = runs.splice(op.run % runs.length, 1);
        await pool.query(`DELETE FROM run WHERE id = $1::uuid OR replay_of_id = $1::uuid`, [gone!.id]);
      } else if (op.kind === "compact") {
        await pool.query(`SELECT kpi_unbilled_compact()`);
      }
    }
  }

  async function events(): Promise<Row[]> {
    const r = await pool.query(
      `SELECT id::int AS id, environment, type, occurred_at, customer, project, opportunity, time_entry, person, team, system,
              amount::float8 AS amount, currency, hours::float8 AS hours, performed_on::text AS performed_on
       FROM business_event WHERE NOT is_test`,
    );
    return r.rows.map((x: Row & { occurred_at: Date }) => ({ ...x, at: x.occurred_at.getTime() }));
  }

  /** The figures of the KPIs the projections serve, from the events, as the SQL returns them. */
  function expected(all: Row[], input: KpiFilterInput, now: Date) {
    const { filter: f, weeks } = resolveFilter(input, now);
    // The filter's environment (none: all of them); every key below is per environment.
    const rows = all.filter((r) => !f.environment || r.environment === f.environment);
    const from = f.from.getTime();
    const to = f.to.getTime();
    const team = (r: Row | undefined) => !f.team || r?.team === f.team;
    // Unbilled approved time: first approval and first invoicing per time entry.
    const approved = firsts(rows, "time.approved", (r) => inEnv(r.time_entry, r));
    const invoiced = firsts(rows, "time.invoiced", (r) => inEnv(r.time_entry, r));
    const openAt = (at: number) =>
      [...approved.values()].filter(
        (a) => team(a) && a.at < at && !((invoiced.get(inEnv(a.time_entry, a)!)?.at ?? Infinity) < at),
      );
    // The open exceptions are production's: they hold time up when the filter takes production.
    const exceptionKeys = new Set(
      !f.environment || f.environment === "production" ? ["project=P-1", "timeEntry=TE-3", "customer=C-0"] : [],
    );
    const cells = new Map<string, UnbilledCell>();
    for (const a of openAt(to)) {
      const days = Math.floor((to - a.at) / DAY);
      const bucket = days <= 7 ? "0-7" : days <= 30 ? "8-30" : days <= 60 ? "31-60" : "60+";
      const held = [`project=${a.project}`, `timeEntry=${a.time_entry}`, `customer=${a.customer}`].some((k) =>
        exceptionKeys.has(k),
      );
      for (const b of [null, bucket]) {
        const k = `${a.currency ?? ""}|${b}`;
        const c = cells.get(k) ?? {
          currency: a.currency ?? "",
          bucket: b,
          entries: 0,
          hours: 0,
          amount: 0,
          held_entries: 0,
          held_hours: 0,
          held_amount: 0,
        };
        c.entries += 1;
        c.hours += a.hours ?? 0;
        c.amount += a.amount ?? 0;
        if (held && b === null) {
          c.held_entries += 1;
          c.held_hours += a.hours ?? 0;
          c.held_amount += a.amount ?? 0;
        }
        cells.set(k, c);
      }
    }
    const unbilled = [...cells.values()].sort((a, b) =>
      a.currency !== b.currency
        ? a.currency < b.currency
          ? -1
          : 1
        : a.bucket === null
          ? -1
          : b.bucket === null
            ? 1
            : a.bucket < b.bucket
              ? -1
              : 1,
    );
    const trend = weeks.flatMap((w) => {
      const end = Math.min(w.getTime() + 7 * DAY, to);
      const by = new Map<string, { week: number; currency: string; amount: number; hours: number; entries: number }>();
      for (const a of openAt(end)) {
        const c = by.get(a.currency ?? "") ?? {
          week: w.getTime(),
          currency: a.currency ?? "",
          amount: 0,
          hours: 0,
          entries: 0,
        };
        c.amount += a.amount ?? 0;
        c.hours += a.hours ?? 0;
        c.entries += 1;
        by.set(c.currency, c);
      }
      return [...by.values()].sort((a, b) => (a.currency < b.currency ? -1 : 1));
    });
    // Set-up: won → the later of the first project.live in the PSA and in the ERP (both filtered on their keys).
    const won = firsts(rows, "deal.won", (r) => inEnv(r.opportunity, r));
    const psa = firsts(rows, "project.live", (r) => (r.system === "psa" ? inEnv(r.opportunity, r) : null));
    const erp = firsts(rows, "project.live", (r) => (r.system === "erp" ? inEnv(r.opportunity, r) : null));
    const setup: Array<{ at: number; v: number }> = [];
    for (const [opp, w] of won) {
      const p = psa.get(opp);
      const e = erp.get(opp);
      if (!p || !e || !team(p) || !team(e)) continue;
      const live = Math.max(p.at, e.at);
      if (live >= from && live < to && live >= w.at) setup.push({ at: live, v: (live - w.at) / HOUR });
    }
    // Deal → first invoice: the earliest (by occurred_at, then id) first invoice of the deal's linked projects,
    // filtered on that invoice's keys.
    const firstInvoice = firsts(rows, "invoice.posted", (r) => inEnv(r.project, r));
    const links = new Set(
      rows
        .filter((r) => (r.type === "project.created" || r.type === "project.live") && r.opportunity && r.project)
        .map((r) => `${r.environment}|${r.project}|${r.opportunity}`),
    );
    const d2i: Array<{ at: number; v: number }> = [];
    for (const w of won.values()) {
      const first = [...firstInvoice.values()]
        .filter((i) => links.has(`${i.environment}|${i.project}|${w.opportunity}`) && i.environment === w.environment)
        .sort((a, b) => a.at - b.at || a.id - b.id)[0];
      if (first && team(first) && first.at >= from && first.at < to && first.at >= w.at)
        d2i.push({ at: first.at, v: (first.at - w.at) / DAY });
    }
    // Utilisation's actual side (no plan events here): the first approvals' hours per person, in the week of the
    // day the work was performed (00:00 UTC), else of the approval, within the period. The Weft team filter does
    // not apply: utilisation's team is the person's HRIS team (none here).
    type Worked = { person: string; week: number; team: null; team_name: null; planned: number; actual: number };
    const worked = new Map<string, Worked>();
    for (const a of approved.values()) {
      const at = a.performed_on ? Date.parse(`${a.performed_on}T00:00:00Z`) : a.at;
      if (!a.person || at < from || at >= to) continue;
      const k = `${mondayOf(at)}|${a.person}`;
      const c = worked.get(k) ?? {
        person: a.person,
        week: mondayOf(at),
        team: null,
        team_name: null,
        planned: 0,
        actual: 0,
      };
      c.actual += a.hours ?? 0;
      worked.set(k, c);
    }
    const utilisation = [...worked.values()].sort((a, b) => a.week - b.week || (a.person < b.person ? -1 : 1));
    return { unbilled, trend, setup: percentileRows(setup), d2i: percentileRows(d2i), utilisation };
  }

  async function actual(input: KpiFilterInput, now: Date) {
    const { filter: f, weeks } = resolveFilter(input, now);
    const run = async (query: q.Query) => (await pool.query(query.text, query.values)).rows;
    const pctRows = async (query: q.Query) =>
      (await run(query)).map((x: { week: Date | null; n: number; p50: number; p90: number }) => ({
        ...x,
        week: x.week?.getTime() ?? null,
      }));
    return {
      unbilled: await run(q.unbilledSql(f, weeks)),
      trend: (await run(q.unbilledTrendSql(f, weeks))).map((x: { week: Date }) => ({ ...x, week: x.week.getTime() })),
      setup: await pctRows(q.setupTimeSql(f)),
      d2i: await pctRows(q.dealToInvoiceSql(f)),
      utilisation: (await run(q.utilisationSql(f))).map((x: { week: Date }) => ({ ...x, week: x.week.getTime() })),
      // The same figures from the entries one by one: the day cells must not differ from them either.
      unbilledFromEntries: (await run(q.unbilledFromEntriesSql(f, weeks))).map(
        ({ currency, bucket, entries, hours, amount }) => ({ currency, bucket, entries, hours, amount }),
      ),
      trendFromEntries: (await run(q.unbilledTrendFromEntriesSql(f, weeks))).map((x: { week: Date }) => ({
        ...x,
        week: x.week.getTime(),
      })),
    };
  }

  /** Deep equality with numbers compared to 6 decimals (sums of float8 in another order). */
  const close = (a: unknown, b: unknown): unknown =>
    typeof b === "number"
      ? expect.closeTo(b, 6)
      : Array.isArray(b)
        ? b.map((x, i) => close((a as unknown[])?.[i], x))
        : b && typeof b === "object"
          ? Object.fromEntries(Object.entries(b).map(([k, v]) => [k, close((a as Record<string, unknown>)?.[k], v)]))
          : b;

  async function check(): Promise<void> {
    const rows = await events();
    const today = Math.floor(base / DAY) * DAY;
    // Now; a day boundary; instants whose 8/31/61-day ageing boundaries fall mid-day.
    const instants = [base, today - 20 * DAY, base - 33 * DAY - 5 * HOUR];
    // And instants that put an approval on a boundary day: its own day, each ageing boundary's day (just before
    // and just after the boundary), and the day an entry was invoiced.
    const approvals = firsts(rows, "time.approved", (r) => inEnv(r.time_entry, r));
    for (const a of [...approvals.values()].slice(0, 2))
      instants.push(a.at + 30 * 60_000, a.at + 8 * DAY - 60_000, a.at + 31 * DAY + 60_000, a.at + 61 * DAY - 1);
    const invoicings = [...firsts(rows, "time.invoiced", (r) => inEnv(r.time_entry, r)).values()].filter(
      (i) => (approvals.get(inEnv(i.time_entry, i)!)?.at ?? Infinity) < i.at - DAY,
    );
    for (const i of invoicings.slice(0, 2)) instants.push(i.at + 1, i.at - 1);
    for (const at of instants)
      for (const input of [
        { weeks: 12 },
        { weeks: 12, team: "pmo" },
        { weeks: 12, environment: "staging" },
        { weeks: 12, environment: "all", team: "pmo" },
      ] as KpiFilterInput[]) {
        const now = new Date(at);
        const want = expected(rows, input, now);
        const got = await actual(input, now);
        const label = `as of ${now.toISOString()} ${input.environment ?? ""} ${input.team ?? ""}`;
        expect(got.unbilled, label).toEqual(close(got.unbilled, want.unbilled));
        expect(got.trend, label).toEqual(close(got.trend, want.trend));
        expect(got.setup, label).toEqual(close(got.setup, want.setup));
        expect(got.d2i, label).toEqual(close(got.d2i, want.d2i));
        expect(got.utilisation, label).toEqual(close(got.utilisation, want.utilisation));
        expect(got.unbilledFromEntries, label).toEqual(
          close(
            got.unbilledFromEntries,
            want.unbilled.map(({ currency, bucket, entries, hours, amount }) => ({
              currency,
              bucket,
              entries,
              hours,
              amount,
            })),
          ),
        );
        expect(got.trendFromEntries, label).toEqual(close(got.trendFromEntries, want.trend));
      }
    // The projection tables equal their recomputation from the events (the migration's backfill functions), and
    // the day cells (folded + pending deltas) equal kpi_time_entry grouped by cell.
    const snapshot = async () =>
      Promise.all(
        [
          `SELECT * FROM kpi_deal ORDER BY environment, opportunity`,
          `SELECT * FROM kpi_project ORDER BY environment, project`,
          `SELECT * FROM kpi_deal_project ORDER BY environment, project, opportunity`,
          `SELECT * FROM kpi_time_entry ORDER BY environment, time_entry`,
        ].map(async (s) => (await pool.query(s)).rows),
      );
    const kept = await snapshot();
    await pool.query(`SELECT kpi_deal_recompute(env, ARRAY(SELECT DISTINCT opportunity FROM business_event WHERE opportunity IS NOT NULL AND environment = env)),
                             kpi_project_recompute(env, ARRAY(SELECT DISTINCT project FROM business_event WHERE project IS NOT NULL AND environment = env)),
                             kpi_time_entry_recompute(env, ARRAY(SELECT DISTINCT time_entry FROM business_event WHERE time_entry IS NOT NULL AND environment = env))
                      FROM (SELECT DISTINCT environment FROM business_event) x(env)`);
    expect(await snapshot()).toEqual(kept);
    // Each entry's performed day is its first approval's (by occurred_at, then id).
    const performed = (
      await pool.query(
        `SELECT environment || '|' || time_entry AS k, performed_on::text AS performed_on FROM kpi_time_entry WHERE approved_at IS NOT NULL`,
      )
    ).rows.map((x: { k: string; performed_on: string | null }) => [x.k, x.performed_on] as const);
    expect(new Map(performed)).toEqual(
      new Map([...firsts(rows, "time.approved", (r) => inEnv(r.time_entry, r))].map(([k, a]) => [k, a.performed_on])),
    );
    const cells = await pool.query(
      `SELECT environment, team, currency, approved_day::text, settled_day::text, sum(entries)::int AS entries, sum(hours)::float8 AS hours, sum(amount)::float8 AS amount
       FROM (SELECT environment, team, currency, approved_day, settled_day, entries, hours, amount FROM kpi_unbilled_day
             UNION ALL SELECT environment, team, currency, approved_day, settled_day, entries, hours, amount FROM kpi_unbilled_day_delta) c
       GROUP BY 1, 2, 3, 4, 5 HAVING sum(entries) <> 0 OR sum(hours) <> 0 OR sum(amount) <> 0 ORDER BY 1, 2, 3, 4, 5`,
    );
    const fromEntries = await pool.query(
      `SELECT environment, coalesce(team, '') AS team, coalesce(currency, '') AS currency, (approved_at AT TIME ZONE 'UTC')::date::text AS approved_day,
              CASE WHEN invoiced_at IS NULL THEN 'infinity' ELSE (greatest(approved_at, invoiced_at) AT TIME ZONE 'UTC')::date::text END AS settled_day,
              count(*)::int AS entries, sum(coalesce(hours, 0))::float8 AS hours, sum(coalesce(amount, 0))::float8 AS amount
       FROM kpi_time_entry WHERE approved_at IS NOT NULL GROUP BY 1, 2, 3, 4, 5 ORDER BY 1, 2, 3, 4, 5`,
    );
    expect(cells.rows).toEqual(close(cells.rows, fromEntries.rows));
  }

  it("equals the from-events calculation after random writes, replays, out-of-order events, deletes and compactions", async () => {
    // Open exceptions holding time up by project, time entry and customer key (the held-up part of unbilled time).
    const [xrun] = await insertRuns(t.db, flowId, [{ status: "failed", createdAt: new Date(base) }]);
    await pool.query(
      `INSERT INTO exception (id, run_id, flow_id, step_path, error_class, message, signature, business_keys, business_key_values, status, created_at, updated_at)
       SELECT gen_random_uuid(), $1::uuid, $2::uuid, 'post', 'validation', 'held', 'sig', '{}', ARRAY[k], 'open', now(), now()
       FROM unnest(ARRAY['project=P-1', 'timeEntry=TE-3', 'customer=C-0']) AS k`,
      [xrun, flowId],
    );
    await fc.assert(
      fc.asyncProperty(fc.array(genOp, { minLength: 10, maxLength: 30 }), async (ops) => {
        await pool.query(`DELETE FROM run WHERE id <> $1::uuid`, [xrun]);
        await pool.query(`SELECT kpi_unbilled_compact()`);
        await apply(ops);
        await check();
      }),
      { numRuns: 6, seed: 20261206, endOnFailure: true },
    );
  }, 600_000);

  it("empties with business_event (truncate) and rebuilds the day cells by compaction alone", async () => {
    const id = await newRun();
    await insertBusinessEvents(
      pool,
      id,
      "s",
      (["time.approved", "deal.won"] as const).map((type) =>
        toEvent({
          type,
          env: "production",
          opp: 0,
          project: 0,
          entry: 0,
          customer: 0,
          team: null,
          system: "psa",
          ago: 30,
          minute: 0,
          amount: 10,
          hours: 1,
          currency: "EUR",
          performed: 3,
        }),
      ),
      "finance",
    );
    expect(await pool.query(`SELECT kpi_unbilled_compact() AS n`)).toMatchObject({ rows: [{ n: expect.any(Number) }] });
    expect((await pool.query(`SELECT count(*)::int AS n FROM kpi_unbilled_day_delta`)).rows[0].n).toBe(0);
    expect((await pool.query(`SELECT sum(entries)::int AS n FROM kpi_unbilled_day`)).rows[0].n).toBeGreaterThan(0);
    await pool.query(`TRUNCATE run CASCADE`);
    for (const table of ["kpi_deal", "kpi_project", "kpi_deal_project", "kpi_unbilled_day", "kpi_unbilled_day_delta"])
      expect((await pool.query(`SELECT count(*)::int AS n FROM ${table}`)).rows[0].n).toBe(0);
  });
});
