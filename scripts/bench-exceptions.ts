// `npm run bench:exceptions`: the exception queue with 100,000 exceptions. In a throwaway database (an
// embedded Postgres in a temporary folder, or a new database on DATABASE_URL's server) it loads 100 k
// exceptions (and their runs) across 12 flows, 4 teams, 6 error classes and 60 signatures over 30 days,
// 85 % open, each with invoice/customer/hours/amount business keys; then times the queue's own read
// functions (server/exceptions/queue.ts) — the first page, a filtered page, a deep keyset page, search for
// one invoice and for a customer name, counts per dimension, signature groups, business impact — and
// reports p50/p95 against two baselines measured in the same process: a primary-key lookup of one
// exception, and the same searches without the trigram index (a scan over the business-key values).
// BENCH_EXCEPTIONS and BENCH_ITERATIONS change the size; `--open 1000000` loads enough exceptions for that
// many open ones. The whole-queue aggregates (counts, groups, impact) read the trigger-kept counters; each
// is compared with the full-scan query over the rows (queue.ts's *Scan functions) in the same run. Last, the
// run-failure path with the counters' trigger against the same inserts with it disabled: 16 concurrent
// writers opening exceptions of one signature in one hour (the hottest counter cell); BENCH_HOT_PER_WRITER=0
// skips it. One run in ten is in the test environment, so the operators' default view (production) is timed
// beside the whole queue: the counters key the environment (migration 20261206100000_environment_data).
import os from "node:os";
import pg from "pg";
import { benchDatabase } from "./lib/bench-db";
import { createDb, type Db } from "@/server/db/client";
import {
  businessImpact,
  businessImpactScan,
  listQueue,
  queueFacets,
  queueFacetsScan,
  queueGroups,
  queueGroupsScan,
} from "@/server/exceptions/queue";
import type { ExceptionFilter } from "@/core/exceptions/filter";
import { ms, pct, timeIt as timeFn } from "./lib/bench-timing";

const openArg = process.argv.indexOf("--open");
// 85 % of the generated exceptions are open.
const N =
  openArg > 0 ? Math.ceil(Number(process.argv[openArg + 1]) / 0.85) : Number(process.env.BENCH_EXCEPTIONS ?? 100_000);
const load1 = () =>
  os
    .loadavg()
    .map((x) => x.toFixed(1))
    .join(" / ");
const ITER = Number(process.env.BENCH_ITERATIONS ?? 60);
const TARGET_MS = 150;

const timeIt = (fn: () => Promise<unknown>, iterations = ITER) => timeFn(fn, iterations, 3);
/** The operators' default view: the exceptions of production runs. */
const PROD: ExceptionFilter = { environment: "production" };

async function load(sql: pg.Client): Promise<void> {
  const teams: string[] = [];
  for (const [key, name] of [
    ["finance", "Finance"],
    ["pmo", "PMO"],
    ["hr", "HR"],
    ["platform", "Platform Engineering"],
  ]) {
    teams.push(
      (
        await sql.query<{ id: string }>(
          `INSERT INTO team (id, key, name) VALUES (gen_random_uuid(), $1, $2) RETURNING id`,
          [key, name],
        )
      ).rows[0]!.id,
    );
  }
  const domains = ["invoice", "project", "time-expense", "resource", "customer", "reporting"];
  for (let f = 0; f < 12; f++) {
    await sql.query(
      `INSERT INTO flow (id, key, name, domain, owner_team_id, draft, lifecycle) VALUES (gen_random_uuid(), $1, $2, $3, $4, '{}', 'active')`,
      [`bench-flow-${f}`, `Bench flow ${f}`, domains[f % domains.length], teams[f % teams.length]],
    );
  }
  await sql.query(`SET synchronous_commit = off`);
  // Runs first (the exception's foreign key), then exceptions in the runtime's shape; the trigger derives
  // search text and impact exactly as it does for the runtime's inserts.
  await sql.query(
    `
    CREATE TEMP TABLE gen AS
    SELECT i, gen_random_uuid() AS run_id, f.id AS flow_id, f.key AS flow_key,
           (ARRAY['transient','auth','validation','mapping','business','internal'])[1 + (i * 7) % 6] AS error_class,
           now() - ((i::float8 / $1) * interval '30 days') AS at,
           'INV-' || lpad(i::text, 6, '0') AS invoice,
           (ARRAY['Northwind','Contoso','Fabrikam','Tailspin','Adventure Works','Wide World','Litware','Proseware','Lucerne','Woodgrove'])[1 + i % 10] || ' ' || (i % 37) AS customer,
           round(((i % 80) + 0.5)::numeric, 1) AS hours, (i % 500) * 25 + 100 AS amount
      FROM generate_series(1, $1) i
      JOIN LATERAL (SELECT id, key FROM flow ORDER BY key OFFSET (i % 12) LIMIT 1) f ON true`,
    [N],
  );
  await sql.query(`INSERT INTO run (id, flow_id, status, trigger_type, input, business_keys, business_key_values, created_at, started_at, finished_at, environment)
    SELECT run_id, flow_id, 'failed', 'event', jsonb_build_object('invoice', invoice), jsonb_build_object('invoice', invoice, 'customer', customer, 'hours', hours, 'amount', amount),
           ARRAY['invoice=' || invoice, 'customer=' || customer, 'hours=' || hours, 'amount=' || amount], at, at, at + interval '2 seconds',
           CASE WHEN i % 10 = 9 THEN 'test' ELSE 'production' END FROM gen`);
  await sql.query(`INSERT INTO exception (id, run_id, flow_id, step_path, error_class, message, signature, business_keys, business_key_values, status, created_at, updated_at)
    SELECT gen_random_uuid(), run_id, flow_id, 'step' || (i % 5), error_class,
           'Step failed: ' || error_class || ' error number ' || (i % 6) || ' for ' || invoice,
           md5(flow_key || (i % 5) || error_class || (i % 6)),
           jsonb_build_object('invoice', invoice, 'customer', customer, 'hours', hours, 'amount', amount),
           ARRAY['invoice=' || invoice, 'customer=' || customer, 'hours=' || hours, 'amount=' || amount],
           (CASE WHEN i % 20 < 17 THEN 'open' WHEN i % 20 < 19 THEN 'resolved' ELSE 'retrying' END)::"ExceptionStatus", at, at FROM gen`);
  // What the minute job does to the counters' deltas (the load appended one per cell).
  await sql.query(`SELECT exception_tally_compact()`);
  // What autovacuum does to a table this size after a bulk load: statistics and the visibility map.
  await sql.query(`VACUUM ANALYZE`);
}

/**
 * The run-failure path's cost of the counters: 16 writers, each committing run + exception transactions
 * (the runtime's shape) of one signature in one hour — every one updates the same two counter cells —
 * with the counter triggers on, then off, alternating rounds so that load drifts hit both alike.
 */
async function hotCell(url: string, sql: pg.Client): Promise<void> {
  const WRITERS = 16;
  const PER = Number(process.env.BENCH_HOT_PER_WRITER ?? 150);
  const flow = (await sql.query<{ id: string }>(`SELECT id::text FROM flow ORDER BY key LIMIT 1`)).rows[0]!.id;
  const clients = await Promise.all(
    Array.from({ length: WRITERS }, async () => {
      const c = new pg.Client({ connectionString: url });
      c.on("error", () => undefined);
      await c.connect();
      return c;
    }),
  );
  const round = async () => {
    const t0 = process.hrtime.bigint();
    const lat: number[] = [];
    await Promise.all(
      clients.map(async (c) => {
        for (let i = 0; i < PER; i++) {
          const s0 = process.hrtime.bigint();
          await c.query("BEGIN");
          const run = (
            await c.query<{ id: string }>(
              `INSERT INTO run (id, flow_id, status, trigger_type, input) VALUES (gen_random_uuid(), $1::uuid, 'failed', 'event', '{}') RETURNING id::text`,
              [flow],
            )
          ).rows[0]!.id;
          await c.query(
            `INSERT INTO exception (id, run_id, flow_id, error_class, message, signature, business_keys, business_key_values, status, updated_at)
             VALUES (gen_random_uuid(), $1::uuid, $2::uuid, 'transient', 'hot', 'hot-signature', '{"amount": 10, "hours": 1}', ARRAY['amount=10'], 'open', now())`,
            [run, flow],
          );
          await c.query("COMMIT");
          lat.push(ms(s0));
        }
      }),
    );
    return { perSec: (WRITERS * PER) / (ms(t0) / 1000), p50: pct(lat, 0.5), p99: pct(lat, 0.99) };
  };
  const setTrigger = async (on: boolean) => {
    for (const t of ["exception_tally_insert", "exception_tally_update", "exception_tally_delete"])
      await sql.query(`ALTER TABLE exception ${on ? "ENABLE" : "DISABLE"} TRIGGER ${t}`);
  };
  const withT: Array<Awaited<ReturnType<typeof round>>> = [];
  const without: Array<Awaited<ReturnType<typeof round>>> = [];
  try {
    for (let r = 0; r < 3; r++) {
      await setTrigger(true);
      withT.push(await round());
      await setTrigger(false);
      without.push(await round());
    }
  } finally {
    // (The rounds without the triggers left rows the counters do not hold; the database is dropped next.)
    await setTrigger(true);
    await Promise.all(clients.map((c) => c.end().catch(() => undefined)));
  }
  const med = (xs: Array<{ perSec: number; p50: number; p99: number }>, k: "perSec" | "p50" | "p99") =>
    pct(
      xs.map((x) => x[k]),
      0.5,
    );
  console.log(
    `\nrun-failure path, ${WRITERS} writers × ${PER} run+exception commits, one signature and hour (3 alternating rounds, medians):`,
  );
  console.log(
    `  with the counter triggers    ${med(withT, "perSec").toFixed(0)} commits/s, p50 ${med(withT, "p50").toFixed(1)} ms, p99 ${med(withT, "p99").toFixed(1)} ms`,
  );
  console.log(
    `  without them                 ${med(without, "perSec").toFixed(0)} commits/s, p50 ${med(without, "p50").toFixed(1)} ms, p99 ${med(without, "p99").toFixed(1)} ms`,
  );
  console.log(
    `  ratio                        ${(med(withT, "perSec") / med(without, "perSec")).toFixed(2)}× the throughput`,
  );
}

async function main(): Promise<void> {
  const bench = await benchDatabase("weft_bench_exc");
  const url = bench.url;
  const db: Db = createDb(url, 8);
  const sql = new pg.Client({ connectionString: url });
  sql.on("error", () => undefined);
  try {
    await sql.connect();
    console.log(`load average before loading ${load1()} (${os.cpus().length} CPUs)`);
    const t0 = process.hrtime.bigint();
    await load(sql);
    const counts = (
      await sql.query<{ status: string; n: number }>(
        `SELECT status::text, count(*)::int AS n FROM exception GROUP BY 1 ORDER BY 1`,
      )
    ).rows;
    const signatures = (await sql.query<{ n: number }>(`SELECT count(DISTINCT signature)::int AS n FROM exception`))
      .rows[0]!.n;
    console.log(
      `loaded ${N.toLocaleString("en-US")} exceptions (${counts.map((c) => `${c.n.toLocaleString("en-US")} ${c.status}`).join(", ")}; ${signatures} signatures) in ${(ms(t0) / 1000).toFixed(1)} s\n`,
    );

    const anyId = (await sql.query<{ id: string }>(`SELECT id::text FROM exception ORDER BY random() LIMIT 1`)).rows[0]!
      .id;
    const baseline = await timeIt(() => db.$queryRawUnsafe(`SELECT * FROM exception WHERE id = $1::uuid`, anyId));
    const page5 = await (async () => {
      let cursor: string | null = null;
      for (let i = 0; i < 5; i++) cursor = (await listQueue(db, {}, { cursor, limit: 50 })).nextCursor;
      return cursor;
    })();
    const one = "INV-042017";
    const cases: Array<[string, () => Promise<unknown>]> = [
      ["list: open queue, first page (50)", () => listQueue(db, {}, { limit: 50 })],
      [
        "list: flow + error class filter",
        () => listQueue(db, { flowKey: "bench-flow-3", errorClass: "validation" } as ExceptionFilter, { limit: 50 }),
      ],
      ["list: 6th page (keyset cursor)", () => listQueue(db, {}, { cursor: page5, limit: 50 })],
      ["list: ageing (past flow threshold)", () => listQueue(db, { age: "ageing" }, { limit: 50 })],
      [`search: one invoice ("${one}")`, () => listQueue(db, { q: one }, { limit: 50 })],
      [`search: a customer name ("tailspin 14")`, () => listQueue(db, { q: "tailspin 14" }, { limit: 50 })],
      ["counts by class/flow/domain/team/age", () => queueFacets(db, {})],
      ["counts, searching one invoice", () => queueFacets(db, { q: one })],
      ["groups by signature (top 50)", () => queueGroups(db, {})],
      ["business impact header", () => businessImpact(db)],
      ["counts, production (operators' default)", () => queueFacets(db, PROD)],
      ["groups, production (operators' default)", () => queueGroups(db, PROD)],
      ["impact header, production (operators' default)", () => businessImpact(db, PROD)],
    ];
    const scans: Record<string, () => Promise<unknown>> = {
      "counts by class/flow/domain/team/age": () => queueFacetsScan(db, {}),
      "groups by signature (top 50)": () => queueGroupsScan(db, {}),
      "business impact header": () => businessImpactScan(db),
      "counts, production (operators' default)": () => queueFacetsScan(db, PROD),
      "groups, production (operators' default)": () => queueGroupsScan(db, PROD),
      "impact header, production (operators' default)": () => businessImpactScan(db, PROD),
      [`search: one invoice ("${one}")`]: () =>
        db.$queryRawUnsafe(
          `SELECT id FROM exception WHERE status = 'open' AND array_to_string(business_key_values, ' ') ILIKE $1 ORDER BY created_at DESC LIMIT 51`,
          `%${one}%`,
        ),
      [`search: a customer name ("tailspin 14")`]: () =>
        db.$queryRawUnsafe(
          `SELECT id FROM exception WHERE status = 'open' AND array_to_string(business_key_values, ' ') ILIKE $1 ORDER BY created_at DESC LIMIT 51`,
          `%tailspin 14%`,
        ),
    };
    console.log(
      `baseline: primary-key lookup of one exception  p50 ${baseline.p50.toFixed(2)} ms  p95 ${baseline.p95.toFixed(2)} ms\n`,
    );
    const cells = (
      await sql.query<{ h: number; s: number }>(
        `SELECT (SELECT count(*) FROM exception_tally WHERE status = 'open')::int AS h, (SELECT count(*) FROM exception_signature_tally WHERE status = 'open')::int AS s`,
      )
    ).rows[0]!;
    console.log(
      `counters: ${cells.h.toLocaleString("en-US")} open hour cells, ${cells.s.toLocaleString("en-US")} open signature cells; load average ${load1()}\n`,
    );
    console.log(
      `| query | p50 | p95 | p95 ÷ PK lookup | vs. scan (without the index / full-scan aggregate) | target p95 < ${TARGET_MS} ms |`,
    );
    console.log(`|---|---|---|---|---|---|`);
    for (const [label, fn] of cases) {
      const r = await timeIt(fn);
      let vsScan = "—";
      if (scans[label]) {
        const s = await timeIt(scans[label]!, Math.max(10, Math.floor(ITER / 4)));
        vsScan = `scan p50 ${s.p50.toFixed(1)} ms, p95 ${s.p95.toFixed(1)} ms (${(s.p95 / r.p95).toFixed(1)}× slower; ${(s.p95 / baseline.p95).toFixed(0)}× PK)`;
      }
      console.log(
        `| ${label} | ${r.p50.toFixed(1)} ms | ${r.p95.toFixed(1)} ms | ${(r.p95 / baseline.p95).toFixed(0)}× | ${vsScan} | ${r.p95 < TARGET_MS ? "✓" : "✗"} |`,
      );
    }
    console.log(`\nload average after the reads ${load1()}`);
    if (Number(process.env.BENCH_HOT_PER_WRITER ?? 150) > 0) await hotCell(url, sql);
    console.log(`load average at the end ${load1()}`);
  } finally {
    await sql.end().catch(() => undefined);
    await db.$disconnect();
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
