// `npm run bench:kpis`: the Business page's KPI queries at 1,000,000 business events and 100,000 projects. In a
// throwaway database (embedded Postgres, or a new database on DATABASE_URL's server) it loads a firm's facts
// in the runtime's shape — deals won, projects live in the PSA and the ERP, assignments, approved time (some
// approved twice, as the daily batch lists it again), invoiced time, invoices — over 26 weeks across 4 teams
// and 2,000 customers, plus 20,000 runs and 2,000 open exceptions keyed by project; then it folds the unbilled
// day cells' deltas (as the minute job does) and runs `VACUUM ANALYZE`.
// It times the KPI queries exactly as the page runs them (server/kpis/sql.ts through queries.ts), unfiltered
// and per customer, reports p50/p95 and the ratio to a primary-key lookup of one event measured in the same
// run, and the machine's load. BENCH_EVENTS, BENCH_PROJECTS and BENCH_ITERATIONS change the size.
import os from "node:os";
import pg from "pg";
import { benchDatabase } from "./lib/bench-db";
import { kpiDrill, kpiSummary, kpiTile } from "@/server/kpis/queries";
import { KPI_IDS } from "@/core/kpis/definitions";
import { ms, timeIt as timeFn } from "./lib/bench-timing";

const EVENTS = Number(process.env.BENCH_EVENTS ?? 1_000_000);
const PROJECTS = Number(process.env.BENCH_PROJECTS ?? 100_000);
const ITER = Number(process.env.BENCH_ITERATIONS ?? 20);
const TARGET_MS = 300;

const timeIt = (fn: () => Promise<unknown>, iterations = ITER) => timeFn(fn, iterations, 2);

async function load(sql: pg.Client): Promise<Record<string, number>> {
  const teams = ["finance", "pmo", "delivery", "sales"];
  for (const key of teams)
    await sql.query(`INSERT INTO team (id, key, name) VALUES (gen_random_uuid(), $1, $1)`, [key]);
  await sql.query(
    `INSERT INTO flow (id, key, name, domain, owner_team_id, draft, lifecycle)
     SELECT gen_random_uuid(), 'bench-' || t.key, 'Bench ' || t.key, 'invoice', t.id, '{}', 'active' FROM team t`,
  );
  await sql.query(`SET synchronous_commit = off`);
  // 20,000 runs carry the events (and the touchless rate); 10 % failed with an open exception keyed by project.
  await sql.query(`CREATE TEMP TABLE runs AS
    SELECT i, gen_random_uuid() AS id, (SELECT id FROM flow ORDER BY key OFFSET i % 4 LIMIT 1) AS flow_id,
           now() - ((i::float8 / 20000) * interval '182 days') AS at
      FROM generate_series(1, 20000) i`);
  await sql.query(`INSERT INTO run (id, flow_id, status, trigger_type, input, business_key_values, created_at, started_at, finished_at)
    SELECT id, flow_id, (CASE WHEN i % 10 = 0 THEN 'failed' ELSE 'succeeded' END)::"RunStatus", 'event', '{}',
           ARRAY['project=P-' || (i * 7 % ${PROJECTS})], at, at, at + interval '2 seconds' FROM runs`);
  await sql.query(`INSERT INTO exception (id, run_id, flow_id, step_path, error_class, message, signature, business_keys, business_key_values, status, created_at, updated_at)
    SELECT gen_random_uuid(), id, flow_id, 'post', 'validation', 'Customer missing in the ERP', 'sig-' || (i % 20),
           jsonb_build_object('project', 'P-' || (i * 7 % ${PROJECTS}), 'amount', 500 + i % 3000),
           ARRAY['project=P-' || (i * 7 % ${PROJECTS}), 'amount=' || (500 + i % 3000)], 'open', at, at
      FROM runs WHERE i % 10 = 0`);
  // Per project (100,000): a deal won, created and live in both systems; the rest of the events are time
  // entries (approved; 70 % invoiced; 10 % approved a second time) and their invoices, and assignments.
  const perProject = 5; // deal.won, project.created, project.live ×2, invoice.posted
  const entries = Math.max(0, Math.floor((EVENTS - PROJECTS * perProject - 40_000) / 1.8));
  const ins = `INSERT INTO business_event (run_id, origin_run_id, flow_id, step_path, idx, type, occurred_at, customer, project, opportunity, invoice, person, time_entry, team, system, amount, currency, hours)`;
  await sql.query(`CREATE TEMP TABLE p AS
    SELECT j, 'P-' || j AS project, 'O-' || j AS opp, 'C-' || (j % 2000) AS customer,
           (ARRAY['finance','pmo','delivery','sales'])[1 + j % 4] AS team,
           now() - ((j::float8 / ${PROJECTS}) * interval '182 days') AS won
      FROM generate_series(0, ${PROJECTS} - 1) j`);
  await sql.query(
    `CREATE TEMP TABLE pr AS SELECT p.*, r.id AS run_id, r.flow_id FROM p JOIN runs r ON r.i = 1 + p.j % 20000`,
  );
  await sql.query(
    `${ins} SELECT run_id, run_id, flow_id, 'won', j, 'deal.won', won, customer, NULL, opp, NULL, NULL, NULL, team, NULL, 10000 + j % 90000, 'EUR', NULL FROM pr`,
  );
  await sql.query(
    `${ins} SELECT run_id, run_id, flow_id, 'created', j, 'project.created', won + interval '2 hours', customer, project, opp, NULL, NULL, NULL, team, NULL, NULL, NULL, NULL FROM pr`,
  );
  await sql.query(
    `${ins} SELECT run_id, run_id, flow_id, 'psa', j, 'project.live', won + interval '2 hours', customer, project, opp, NULL, NULL, NULL, team, 'psa', NULL, NULL, NULL FROM pr`,
  );
  await sql.query(
    `${ins} SELECT run_id, run_id, flow_id, 'erp', j, 'project.live', won + ((j % 72) || ' hours')::interval, customer, project, opp, NULL, NULL, NULL, team, 'erp', NULL, NULL, NULL FROM pr`,
  );
  await sql.query(
    `${ins} SELECT run_id, run_id, flow_id, 'invoice', j, 'invoice.posted', won + ((20 + j % 30) || ' days')::interval, customer, project, opp, 'INV-' || j, NULL, NULL, team, NULL, 5000, 'EUR', NULL FROM pr WHERE won + ((20 + j % 30) || ' days')::interval < now()`,
  );
  await sql.query(`CREATE TEMP TABLE te AS
    SELECT k, 'TE-' || k AS id, 'P-' || (k % ${PROJECTS}) AS project, 'U-' || (k % 800) AS person,
           (ARRAY['finance','pmo','delivery','sales'])[1 + (k % 800) % 4] AS team, r.id AS run_id, r.flow_id,
           now() - ((k::float8 / ${entries}) * interval '182 days') AS approved, 1 + k % 8 AS hours, 100 + (k % 5) * 25 AS rate
      FROM generate_series(1, ${entries}) k JOIN runs r ON r.i = 1 + k % 20000`);
  await sql.query(
    `${ins} SELECT run_id, run_id, flow_id, 'approve[' || k || ']', 0, 'time.approved', approved, NULL, project, NULL, NULL, person, id, team, NULL, hours * rate, 'EUR', hours FROM te`,
  );
  await sql.query(
    `${ins} SELECT run_id, run_id, flow_id, 'approve-again[' || k || ']', 0, 'time.approved', approved + interval '1 day', NULL, project, NULL, NULL, person, id, team, NULL, hours * rate, 'EUR', hours FROM te WHERE k % 10 = 0`,
  );
  await sql.query(
    `${ins} SELECT run_id, run_id, flow_id, 'invoice[' || k || ']', 0, 'time.invoiced', approved + ((1 + k % 20) || ' days')::interval, NULL, project, NULL, 'INV-T' || (k / 20), person, id, team, NULL, hours * rate, 'EUR', hours FROM te WHERE k % 10 < 7 AND approved + ((1 + k % 20) || ' days')::interval < now()`,
  );
  await sql.query(
    `${ins} SELECT r.id, r.id, r.flow_id, 'assign[' || a || ']', 0, 'assignment.made', date_trunc('week', now()) - ((a % 26) || ' weeks')::interval + interval '1 hour', NULL, 'P-' || (a % ${PROJECTS}), NULL, NULL, 'U-' || (a % 800), NULL, (ARRAY['finance','pmo','delivery','sales'])[1 + (a % 800) % 4], NULL, NULL, NULL, 32 FROM generate_series(0, 40000 - 1) a JOIN runs r ON r.i = 1 + a % 20000`,
  );
  // What the minute job (server/kpis/jobs.ts) does: fold the unbilled day cells' deltas the load appended.
  await sql.query(`SELECT kpi_unbilled_compact()`);
  await sql.query(`VACUUM ANALYZE`);
  const counts = (
    await sql.query<{ type: string; n: number }>(
      `SELECT type, count(*)::int AS n FROM business_event GROUP BY 1 ORDER BY 1`,
    )
  ).rows;
  return Object.fromEntries(counts.map((c) => [c.type, c.n]));
}

async function main(): Promise<void> {
  const bench = await benchDatabase("weft_bench_kpis");
  const sql = new pg.Client({ connectionString: bench.url });
  sql.on("error", () => undefined);
  const pool = new pg.Pool({ connectionString: bench.url, max: 2 });
  pool.on("error", () => undefined); // dropping the database at the end terminates its idle connections
  try {
    await sql.connect();
    const t0 = process.hrtime.bigint();
    const counts = await load(sql);
    const total = Object.values(counts).reduce((a, b) => a + b, 0);
    console.log(
      `loaded ${total.toLocaleString("en-US")} business events (${Object.entries(counts)
        .map(([k, n]) => `${n.toLocaleString("en-US")} ${k}`)
        .join(
          ", ",
        )}), ${PROJECTS.toLocaleString("en-US")} projects in ${(ms(t0) / 1000).toFixed(0)} s on ${bench.where}\n`,
    );
    const anyId = (await sql.query<{ id: string }>(`SELECT id::text FROM business_event ORDER BY random() LIMIT 1`))
      .rows[0]!.id;
    const baseline = await timeIt(() => pool.query(`SELECT * FROM business_event WHERE id = $1`, [anyId]), ITER * 3);
    const load0 = os.loadavg();
    console.log(
      `baseline: primary-key lookup of one event  p50 ${baseline.p50.toFixed(2)} ms  p95 ${baseline.p95.toFixed(2)} ms`,
    );
    console.log(
      `machine: ${os.cpus().length} × ${os.cpus()[0]?.model ?? "?"}, load average ${load0.map((x) => x.toFixed(1)).join(" / ")}\n`,
    );
    console.log(`| query (8 weeks) | p50 | p95 | p95 ÷ PK lookup | target p95 < ${TARGET_MS} ms |`);
    console.log(`|---|---|---|---|---|`);
    const row = async (label: string, fn: () => Promise<unknown>) => {
      const r = await timeIt(fn);
      console.log(
        `| ${label} | ${r.p50.toFixed(1)} ms | ${r.p95.toFixed(1)} ms | ${(r.p95 / baseline.p95).toFixed(0)}× | ${r.p95 < TARGET_MS ? "✓" : "✗"} |`,
      );
    };
    for (const id of KPI_IDS) await row(`tile: ${id}`, () => kpiTile(pool, id, {}));
    await row("tile: unbilled-approved-time, one customer", () =>
      kpiTile(pool, "unbilled-approved-time", { customer: "C-42" }),
    );
    await row("tile: invoice-cycle-time, one team", () => kpiTile(pool, "invoice-cycle-time", { team: "pmo" }));
    await row("drill: unbilled → exceptions holding it up", () => kpiDrill(pool, "unbilled-approved-time", {}));
    await row("whole page (all tiles, one after another)", () => kpiSummary(pool, {}));
    console.log(
      `\nload average after: ${os
        .loadavg()
        .map((x) => x.toFixed(1))
        .join(" / ")}`,
    );
  } finally {
    await sql.end().catch(() => undefined);
    await pool.end().catch(() => undefined);
    await bench.drop();
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
