// `npm run bench:polls`: the poll scheduler with 1,000 polling flows. A throwaway database (embedded
// Postgres unless DATABASE_URL), the Salesforce sandbox in this process, BENCH_FLOWS (default 1,000)
// published flows each polling closed-won opportunities by SystemModstamp, one in-process runtime worker
// with production settings. Measures: the tick (one indexed query + one batch insert of the due polls), a
// drain of all flows due at once (polls/s, each a real SOQL call over HTTP with OAuth and the SSRF guard, and
// a commit), and the database's work per poll (commits and rows read, from pg_stat_database) — plus the
// idle tick's cost when nothing is due.
import pg from "pg";
import { PgBoss } from "pg-boss";
import { benchDatabase } from "./lib/bench-db";
import { createSalesforceSandbox } from "@/connectors/salesforce/sandbox";
import { sealSecrets } from "@/server/connections/service";
import { runtimePool, type Pool } from "@/server/runtime/sql";
import { ensureRuntimeQueues } from "@/server/runtime/queues";
import { enqueueDuePolls } from "@/server/runtime/poll";
import { startRuntimeWorkers } from "@/server/runtime/worker";

const FLOWS = Number(process.env.BENCH_FLOWS ?? 1000);
const ms = (t0: bigint) => Number(process.hrtime.bigint() - t0) / 1e6;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

const trigger = {
  type: "poll",
  connector: "salesforce",
  connection: "salesforce-bench",
  operation: "query",
  interval: "1m",
  input: {
    soql: "'SELECT Id, Name, SystemModstamp FROM Opportunity WHERE IsWon = true AND SystemModstamp >= ' & $substring($trigger.cursor, 0, 19) & 'Z ORDER BY SystemModstamp ASC, Id ASC'",
  },
  cursor: "SystemModstamp",
  recordId: "Id",
};

async function main(): Promise<void> {
  process.env.WEFT_SECRET_KEY ??= Buffer.alloc(32, 7).toString("base64");
  process.env.LOG_LEVEL ??= "warn";
  const bench = await benchDatabase("weft_bench_polls");
  const sf = createSalesforceSandbox({ dailyApiLimit: 10_000_000 });
  await sf.sandbox.start("127.0.0.1", 0);
  process.env.WEFT_HTTP_ALLOWLIST = new URL(sf.sandbox.baseUrl).host;
  let pool: Pool | undefined;
  const sql = new pg.Client({ connectionString: bench.url });
  sql.on("error", () => undefined);
  await sql.connect();
  const boss = new PgBoss({
    connectionString: bench.url,
    schema: "pgboss",
    max: 8,
    supervise: true,
    schedule: false,
    migrate: true,
  });
  boss.on("error", () => undefined);
  await boss.start();
  try {
    await ensureRuntimeQueues(boss);
    const info = sf.info();
    await sql.query(
      `INSERT INTO connection (id, key, name, connector_key, config, secrets_enc, updated_at) VALUES (gen_random_uuid(), 'salesforce-bench', 'bench', 'salesforce', $1, $2, now())`,
      [JSON.stringify(info.config), sealSecrets("salesforce-bench", info.secrets as Record<string, string>)],
    );
    const {
      rows: [team],
    } = await sql.query<{ id: string }>(
      `INSERT INTO team (id, key, name) VALUES (gen_random_uuid(), 'bench', 'Bench') RETURNING id`,
    );
    // Flows, their published versions (the same poll, each under its own key) and active poll states whose
    // cursor is "now": every poll is a real query that finds nothing new — the scheduler's own cost.
    await sql.query(
      `WITH f AS (
         INSERT INTO flow (id, key, name, domain, owner_team_id, draft, lifecycle)
         SELECT gen_random_uuid(), 'poll-bench-' || i, 'poll-bench-' || i, 'opportunity', $1::uuid, '{}', 'active' FROM generate_series(1, $2::int) i
         RETURNING id, key)
       , v AS (
         INSERT INTO flow_version (id, flow_id, version, dsl, content_hash, status, approved_at)
         SELECT gen_random_uuid(), f.id, '1.0.0', jsonb_build_object('dsl', 'weft/1', 'key', f.key, 'version', '1.0.0', 'name', f.key, 'description', 'bench', 'domain', 'opportunity', 'owner', 'bench', 'classification', 'internal', 'trigger', $3::jsonb, 'start', 's', 'steps', jsonb_build_array(jsonb_build_object('id', 's', 'type', 'map', 'output', jsonb_build_object('id', '$trigger.Id')))), md5(f.key), 'approved', now()
           FROM f RETURNING flow_id)
       INSERT INTO poll_state (flow_id, status, cursor, revision, interval_seconds, next_poll_at)
       SELECT flow_id, 'active', to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'), 1, 60, now() + interval '1 hour' FROM v`,
      [team!.id, FLOWS, JSON.stringify(trigger)],
    );
    await sql.query(`ANALYZE poll_state`);
    pool = runtimePool(bench.url, 8);

    // The idle tick: nothing due (every poll is an hour away).
    const idle: number[] = [];
    for (let i = 0; i < 20; i++) {
      const t0 = process.hrtime.bigint();
      await enqueueDuePolls(pool, boss);
      idle.push(ms(t0));
    }

    // The fan-out tick: every flow due at once.
    await sql.query(`UPDATE poll_state SET next_poll_at = now()`);
    let t0 = process.hrtime.bigint();
    const enqueued = await enqueueDuePolls(pool, boss);
    const fanoutMs = ms(t0);

    // Drain: one worker polls them all (ticks off: the jobs are already queued).
    const stat = async () =>
      (
        await sql.query<{ c: string; r: string; f: string }>(
          `SELECT xact_commit::text AS c, tup_returned::text AS r, tup_fetched::text AS f FROM pg_stat_database WHERE datname = current_database()`,
        )
      ).rows[0]!;
    const s0 = await stat();
    const start = new Date();
    t0 = process.hrtime.bigint();
    const workers = await startRuntimeWorkers(boss, {
      databaseUrl: bench.url,
      concurrency: 8,
      triggerSyncSeconds: 0,
      pollTickSeconds: 0,
      useGivenInstance: true,
    });
    for (;;) {
      const { rows } = await sql.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM poll_state WHERE last_poll_at >= $1`,
        [start],
      );
      if (rows[0]!.n >= FLOWS) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const drainMs = ms(t0);
    const s1 = await stat();
    await workers.stop();
    const { rows: failed } = await sql.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM poll_state WHERE consecutive_failures > 0`,
    );

    const perPoll = (a: string, b: string) => ((Number(b) - Number(a)) / FLOWS).toFixed(1);
    console.log(`\nPoll scheduler, ${FLOWS.toLocaleString()} polling flows (${bench.where}):`);
    console.log(`  idle tick (nothing due):        median ${median(idle).toFixed(2)} ms`);
    console.log(
      `  fan-out tick (${enqueued} due):      ${fanoutMs.toFixed(1)} ms (one query + one batch insert of ${enqueued} jobs)`,
    );
    console.log(
      `  drain, 1 worker:                ${(FLOWS / (drainMs / 1000)).toFixed(0)} polls/s (${(drainMs / 1000).toFixed(1)} s for ${FLOWS}; ${failed[0]!.n} failed)`,
    );
    console.log(
      `  database per poll:              ${perPoll(s0.c, s1.c)} commits, ${perPoll(s0.r, s1.r)} rows returned, ${perPoll(s0.f, s1.f)} rows fetched (pg-boss included)`,
    );
    console.log(`  steady state at a 1-minute interval: ${(FLOWS / 60).toFixed(1)} polls/s needed`);
  } finally {
    await boss.stop({ graceful: false }).catch(() => undefined);
    await pool?.end().catch(() => undefined);
    await sql.end().catch(() => undefined);
    await sf.sandbox.close();
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
