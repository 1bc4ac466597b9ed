// `npm run bench:slo`: SLO computation over 10 million runs. In a throwaway database (an embedded
// Postgres in a temporary folder, or a new database on DATABASE_URL's server) it inserts 10 M synthetic
// finished runs spread over 28 days across 20 flows (generate_series), folds them into 5-minute buckets
// with the production fold, and times per-flow SLO status (3 SLOs, burn-rate windows and a 28-day hourly
// chart series) against a baseline that counts the same flow's runs straight from the run table.
// BENCH_RUNS and BENCH_FLOWS change the size.
import os from "node:os";
import pg from "pg";
import { benchDatabase } from "./lib/bench-db";
import { createDb } from "@/server/db/client";
import { foldRuns, flowSloDetails, sloSummaries, evaluateAlerts } from "@/server/governance/slo-store";

const RUNS = Number(process.env.BENCH_RUNS ?? 10_000_000);
const FLOWS = Number(process.env.BENCH_FLOWS ?? 20);
const DAYS = 28;

const ms = (t0: bigint) => Number(process.hrtime.bigint() - t0) / 1e6;
const fmt = (x: number) => (x >= 1000 ? `${(x / 1000).toFixed(2)} s` : `${x.toFixed(1)} ms`);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function main(): Promise<void> {
  const bench = await benchDatabase("weft_bench_slo");
  const url = bench.url;
  const db = createDb(url, 4);
  try {
    const sql = new pg.Client({ connectionString: url });
    sql.on("error", () => undefined);
    await sql.connect();
    const now = new Date();
    const {
      rows: [team],
    } = await sql.query<{ id: string }>(
      `INSERT INTO team (id, key, name) VALUES (gen_random_uuid(), 'bench', 'Bench') RETURNING id`,
    );
    const flowIds: string[] = [];
    for (let f = 0; f < FLOWS; f++) {
      const { rows } = await sql.query<{ id: string }>(
        `INSERT INTO flow (id, key, name, domain, owner_team_id, draft, lifecycle) VALUES (gen_random_uuid(), $1, $1, 'invoice', $2, '{}', 'active') RETURNING id`,
        [`bench-${f}`, team!.id],
      );
      flowIds.push(rows[0]!.id);
    }
    // Bulk load the way one would: secondary indexes dropped during the load and rebuilt after it.
    await sql.query(`SET synchronous_commit = off`);
    const { rows: indexes } = await sql.query<{ indexname: string; indexdef: string }>(
      `SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'run' AND indexname <> 'run_pkey'`,
    );
    for (const i of indexes) await sql.query(`DROP INDEX "${i.indexname}"`);
    const perFlow = Math.floor(RUNS / FLOWS);
    console.log(
      `inserting ${(perFlow * FLOWS).toLocaleString()} runs (${FLOWS} flows × ${perFlow.toLocaleString()}) over ${DAYS} days…`,
    );
    let t0 = process.hrtime.bigint();
    for (const [f, id] of flowIds.entries()) {
      // ~1 % failures, latencies 0.2–60 s, source events 0–2 h before the run; deterministic per index.
      await sql.query(
        `INSERT INTO run (id, flow_id, status, trigger_type, input, created_at, started_at, finished_at)
         SELECT gen_random_uuid(), $1::uuid,
                (CASE WHEN (i * 7919 + $4) % 100 = 0 THEN 'failed' ELSE 'succeeded' END)::"RunStatus", 'event',
                jsonb_build_object('occurredAt', to_char((t - ((i * 131) % 7200) * interval '1 second') AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')),
                t, t, t + (200 + (i * 104729) % 60000) * interval '1 millisecond'
           FROM (SELECT i, $2::timestamptz - (i * ($3::float8 / $5::int)) * interval '1 second' AS t FROM generate_series(1::bigint, $5::bigint) AS i) g`,
        [id, now, DAYS * 86400, f, perFlow],
      );
      process.stdout.write(`\r  ${f + 1}/${FLOWS} flows`);
    }
    const insertMs = ms(t0);
    console.log(`\ninserted in ${fmt(insertMs)}; rebuilding ${indexes.length} indexes and ANALYZE…`);
    t0 = process.hrtime.bigint();
    for (const i of indexes) await sql.query(i.indexdef);
    const indexMs = ms(t0);
    await sql.query(`ANALYZE run`);

    t0 = process.hrtime.bigint();
    const fold = await foldRuns(db, { now, lagMs: 0 });
    const foldMs = ms(t0);
    const {
      rows: [b],
    } = await sql.query<{ n: string }>(`SELECT count(*) AS n FROM slo_bucket`);
    console.log(
      `fold: ${fold.folded.toLocaleString()} runs → ${Number(b!.n).toLocaleString()} buckets in ${fmt(foldMs)}`,
    );
    await sql.query(`ANALYZE slo_bucket`);

    for (const id of flowIds) {
      await sql.query(
        `INSERT INTO slo (id, flow_id, name, kind, target, threshold_ms, updated_at) VALUES
           (gen_random_uuid(), $1, 'success', 'success', 0.99, NULL, now()),
           (gen_random_uuid(), $1, 'latency', 'latency', 0.95, 30000, now()),
           (gen_random_uuid(), $1, 'freshness', 'freshness', 0.99, 7200000, now())`,
        [id],
      );
    }

    // Per flow: 3 SLOs' status (attainment, budget, burn rate, 4 window pairs) and a 28-day hourly series.
    const per: number[] = [];
    for (const id of flowIds) {
      t0 = process.hrtime.bigint();
      const details = await flowSloDetails(db, id, now);
      per.push(ms(t0));
      if (details.length !== 3 || details[0]!.status.total < perFlow * 0.99)
        throw new Error(`unexpected status for ${id}: ${details[0]?.status.total}`);
    }
    const sample = await flowSloDetails(db, flowIds[0]!, now);
    // Baseline: the same flow's success ratio straight from 10 M runs, and a count(*) of the whole table.
    t0 = process.hrtime.bigint();
    const {
      rows: [raw],
    } = await sql.query<{ total: string; good: string }>(
      `SELECT count(*) AS total, count(*) FILTER (WHERE status = 'succeeded') AS good FROM run WHERE flow_id = $1 AND created_at >= $2`,
      [flowIds[0], new Date(now.getTime() - DAYS * 86_400_000)],
    );
    const rawFlowMs = ms(t0);
    t0 = process.hrtime.bigint();
    await sql.query(`SELECT count(*) FROM run`);
    const countAllMs = ms(t0);
    t0 = process.hrtime.bigint();
    await sloSummaries(db, flowIds, now);
    const catalogMs = ms(t0);
    t0 = process.hrtime.bigint();
    await evaluateAlerts(db, now);
    const evalMs = ms(t0);
    await sql.end();

    const s = sample[0]!.status;
    const lines = [
      `runs: ${(perFlow * FLOWS).toLocaleString()} over ${DAYS} days, ${FLOWS} flows (${perFlow.toLocaleString()} each); buckets: ${Number(b!.n).toLocaleString()}`,
      `insert (generate_series): ${fmt(insertMs)}, index rebuild ${fmt(indexMs)}; fold of all runs into buckets (250k-run slices): ${fmt(foldMs)}`,
      `SLO status per flow (3 SLOs + 28-day hourly series, from buckets): median ${fmt(median(per))}, max ${fmt(Math.max(...per))}`,
      `baseline, one flow's success ratio from the run table: ${fmt(rawFlowMs)} (${Number(raw!.total).toLocaleString()} runs; bucketed status is ${(rawFlowMs / median(per)).toFixed(1)}× faster)`,
      `baseline, count(*) over the run table: ${fmt(countAllMs)} (${(countAllMs / median(per)).toFixed(1)}× the per-flow status)`,
      `catalog summary of all ${FLOWS} flows' SLOs (one SQL pass): ${fmt(catalogMs)}; burn-rate evaluation of all ${FLOWS * 3} SLOs: ${fmt(evalMs)}`,
      `check: flow 0 success attainment ${(s.attainment! * 100).toFixed(3)}% from buckets vs ${((Number(raw!.good) / Number(raw!.total)) * 100).toFixed(3)}% from runs`,
      `machine: ${os.cpus().length} × ${os.cpus()[0]?.model ?? "cpu"}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}, ${bench.where}`,
    ];
    console.log(`\n${lines.map((l) => `- ${l}`).join("\n")}`);
    if (median(per) >= 1000) process.exitCode = 1;
  } catch (e) {
    console.error(e);
    process.exitCode = 1;
  } finally {
    await db.$disconnect();
    await bench.drop();
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
