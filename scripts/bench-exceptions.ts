// `npm run bench:exceptions`: the exception queue with 100,000 exceptions. In a throwaway database (an
// embedded Postgres in a temporary folder, or a new database on DATABASE_URL's server) it loads 100 k
// exceptions (and their runs) across 12 flows, 4 teams, 6 error classes and ~360 signatures over 30 days,
// 85 % open, each with invoice/customer/hours/amount business keys; then times the queue's own read
// functions (server/exceptions/queue.ts) — the first page, a filtered page, a deep keyset page, search for
// one invoice and for a customer name, counts per dimension, signature groups, business impact — and
// reports p50/p95 against two baselines measured in the same process: a primary-key lookup of one
// exception, and the same searches without the trigram index (a scan over the business-key values).
// BENCH_EXCEPTIONS and BENCH_ITERATIONS change the size.
import pg from "pg";
import { benchDatabase } from "./lib/bench-db";
import { createDb, type Db } from "@/server/db/client";
import { businessImpact, listQueue, queueFacets, queueGroups } from "@/server/exceptions/queue";
import type { ExceptionFilter } from "@/core/exceptions/filter";

const N = Number(process.env.BENCH_EXCEPTIONS ?? 100_000);
const ITER = Number(process.env.BENCH_ITERATIONS ?? 60);
const TARGET_MS = 150;

const ms = (t0: bigint) => Number(process.hrtime.bigint() - t0) / 1e6;
const pct = (xs: number[], p: number) =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p))]!;

async function timeIt(fn: () => Promise<unknown>, iterations = ITER): Promise<{ p50: number; p95: number }> {
  for (let i = 0; i < 3; i++) await fn(); // warm the plan and the cache
  const xs: number[] = [];
  for (let i = 0; i < iterations; i++) {
    const t0 = process.hrtime.bigint();
    await fn();
    xs.push(ms(t0));
  }
  return { p50: pct(xs, 0.5), p95: pct(xs, 0.95) };
}

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
  await sql.query(`INSERT INTO run (id, flow_id, status, trigger_type, input, business_keys, business_key_values, created_at, started_at, finished_at)
    SELECT run_id, flow_id, 'failed', 'event', jsonb_build_object('invoice', invoice), jsonb_build_object('invoice', invoice, 'customer', customer, 'hours', hours, 'amount', amount),
           ARRAY['invoice=' || invoice, 'customer=' || customer, 'hours=' || hours, 'amount=' || amount], at, at, at + interval '2 seconds' FROM gen`);
  await sql.query(`INSERT INTO exception (id, run_id, flow_id, step_path, error_class, message, signature, business_keys, business_key_values, status, created_at, updated_at)
    SELECT gen_random_uuid(), run_id, flow_id, 'step' || (i % 5), error_class,
           'Step failed: ' || error_class || ' error number ' || (i % 6) || ' for ' || invoice,
           md5(flow_key || (i % 5) || error_class || (i % 6)),
           jsonb_build_object('invoice', invoice, 'customer', customer, 'hours', hours, 'amount', amount),
           ARRAY['invoice=' || invoice, 'customer=' || customer, 'hours=' || hours, 'amount=' || amount],
           (CASE WHEN i % 20 < 17 THEN 'open' WHEN i % 20 < 19 THEN 'resolved' ELSE 'retrying' END)::"ExceptionStatus", at, at FROM gen`);
  // What autovacuum does to a table this size after a bulk load: statistics and the visibility map.
  await sql.query(`VACUUM ANALYZE`);
}

async function main(): Promise<void> {
  const bench = await benchDatabase("weft_bench_exc");
  const url = bench.url;
  const db: Db = createDb(url, 8);
  const sql = new pg.Client({ connectionString: url });
  sql.on("error", () => undefined);
  try {
    await sql.connect();
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
    ];
    const scans: Record<string, () => Promise<unknown>> = {
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
    console.log(`| query | p50 | p95 | p95 ÷ PK lookup | vs. scan without the index | target p95 < ${TARGET_MS} ms |`);
    console.log(`|---|---|---|---|---|---|`);
    for (const [label, fn] of cases) {
      const r = await timeIt(fn);
      let vsScan = "—";
      if (scans[label]) {
        const s = await timeIt(scans[label]!, Math.max(10, Math.floor(ITER / 4)));
        vsScan = `scan p95 ${s.p95.toFixed(1)} ms (${(s.p95 / r.p95).toFixed(1)}× slower)`;
      }
      console.log(
        `| ${label} | ${r.p50.toFixed(1)} ms | ${r.p95.toFixed(1)} ms | ${(r.p95 / baseline.p95).toFixed(0)}× | ${vsScan} | ${r.p95 < TARGET_MS ? "✓" : "✗"} |`,
      );
    }
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
