// `npm run bench:recon`: a reconcile step over BENCH_RECON_RECORDS (default 100,000) records a side. A
// throwaway database (embedded Postgres unless DATABASE_URL) holds Weft's tables and the "warehouse" (two
// tables of invoice lines, a handful of injected differences); a published flow with one reconcile step, both
// sides SQL through the postgres connector (keyset pages of 5,000, a checkpoint every 1,000 keys), is run by
// one in-process runtime worker as a real run. Reports wall time (run created → run finished), the step's own
// time, records/s, peak RSS (process.resourceUsage().maxRSS, and sampled RSS above the pre-run baseline), the
// breaks found, and — on the same data in the same process — a plain SQL FULL OUTER JOIN returning the
// differing rows, with the ratio. Then the same with the erp side read through a connector operation (the
// Salesforce sandbox over HTTP, staged and read back in key order): wall time and sampled RSS. Prints the machine's load (os.loadavg) before and after: the figures move
// with it on a shared machine.
import os from "node:os";
import pg from "pg";
import { PgBoss } from "pg-boss";
import { benchDatabase } from "./lib/bench-db";
import { runtimePool, type Pool } from "@/server/runtime/sql";
import { ensureRuntimeQueues } from "@/server/runtime/queues";
import { startRuntimeWorkers } from "@/server/runtime/worker";
import { createRun } from "@/server/runtime/runs";
import {
  insertConnection,
  LINE_COLUMNS,
  lineDefinition,
  lineSide,
  postgresConnection,
  publishFlow,
  reconcileFlow,
} from "@/server/runtime/testing";
import { closePostgresPools } from "@/connectors/postgres/pg";
import { createSalesforceSandbox } from "@/connectors/salesforce/sandbox";

const N = Number(process.env.BENCH_RECON_RECORDS ?? 100_000);
const ms = (t0: bigint) => Number(process.hrtime.bigint() - t0) / 1e6;
const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(0)} MB`;
const load = () =>
  os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(" / ");

const flow = reconcileFlow("bench-recon", "Bench reconciliation", {
  checkpointEvery: 1000,
  definition: lineDefinition("bench-lines", "Invoice lines", {
    money: [{ side: "erp", path: "amount" }],
    currency: "USD",
  }),
  sources: { erp: lineSide("erp_lines", 5000), dw: lineSide("dw_lines", 5000) },
});
/**
 * The connector point: the erp lines as Salesforce Accounts (Id = line id, Name = customer) read over HTTP
 * from the in-process sandbox, SOQL batches of 2,000, staged and read back in key order, vs dw_lines by SQL.
 */
const connectorFlow = reconcileFlow("bench-recon-connector", "Bench reconciliation (connector side)", {
  checkpointEvery: 1000,
  definition: {
    key: "bench-accounts",
    name: "Accounts",
    sides: [
      { name: "crm", key: ["Id"], id: "Id" },
      { name: "dw", key: ["line_id"], id: "line_id" },
    ],
    rules: [{ id: "customer", type: "equal", a: { side: "crm", path: "Name" }, b: { side: "dw", path: "customer" } }],
  },
  sources: {
    crm: {
      connector: "salesforce",
      operation: "query",
      connection: "crm",
      input: { soql: `"SELECT Id, Name FROM Account"`, batchSize: "2000" },
      items: "records",
    },
    dw: lineSide("dw_lines", 5000),
  },
});
/** The same question in plain SQL: every line missing on a side or differing beyond the tolerance. */
const JOIN = `SELECT e.line_id AS erp_line, d.line_id AS dw_line, e.amount AS erp_amount, d.amount AS dw_amount,
                     e.customer AS erp_customer, d.customer AS dw_customer
                FROM erp_lines e FULL OUTER JOIN dw_lines d ON d.line_id = e.line_id
               WHERE e.line_id IS NULL OR d.line_id IS NULL OR abs(e.amount - d.amount) > 0.01
                  OR e.customer IS DISTINCT FROM d.customer`;

async function main(): Promise<void> {
  process.env.WEFT_SECRET_KEY ??= Buffer.alloc(32, 7).toString("base64");
  process.env.LOG_LEVEL ??= "warn";
  const loadBefore = load();
  const bench = await benchDatabase("weft_bench_recon");
  const u = new URL(bench.url);
  process.env.WEFT_HTTP_ALLOWLIST = `${u.hostname}:${u.port || 5432}`;
  const sql = new pg.Client({ connectionString: bench.url });
  sql.on("error", () => undefined);
  await sql.connect();
  let pool: Pool | undefined;
  const boss = new PgBoss({
    connectionString: bench.url,
    schema: "pgboss",
    max: 4,
    supervise: true,
    schedule: false,
    migrate: true,
  });
  boss.on("error", () => undefined);
  await boss.start();
  try {
    await ensureRuntimeQueues(boss);
    // The warehouse: N lines a side; one missing on dw, two amounts 0.02 off, one 0.01 off (within
    // tolerance: no break), one customer renamed — four breaks.
    const line = (i: number) => `L${String(i).padStart(7, "0")}`;
    await sql.query(`CREATE TABLE erp_lines (line_id text PRIMARY KEY, customer text, amount numeric(12,2));
                     CREATE TABLE dw_lines (line_id text PRIMARY KEY, customer text, amount numeric(12,2));`);
    await sql.query(
      `INSERT INTO erp_lines SELECT 'L' || lpad(i::text, 7, '0'), 'Customer ' || (i % 997), round((i % 5000) * 1.37 + 10, 2) FROM generate_series(1, $1::int) i`,
      [N],
    );
    await sql.query(`INSERT INTO dw_lines SELECT * FROM erp_lines WHERE line_id <> $1`, [line(Math.floor(N * 0.75))]);
    await sql.query(`UPDATE dw_lines SET amount = amount + 0.02 WHERE line_id IN ($1, $2)`, [
      line(10),
      line(Math.floor(N / 2)),
    ]);
    await sql.query(`UPDATE dw_lines SET amount = amount + 0.01 WHERE line_id = $1`, [line(20)]);
    await sql.query(`UPDATE dw_lines SET customer = customer || ' Ltd' WHERE line_id = $1`, [line(N - 1)]);
    await sql.query(`ANALYZE erp_lines; ANALYZE dw_lines`);

    pool = runtimePool(bench.url, 4);
    const runs = pool;
    /**
     * A manual run of a published reconciliation flow in a worker of its own, followed until it ends: wall time,
     * RSS sampled while it ran, and its `match` step (the run must succeed).
     */
    const measuredRun = async (v: { flowId: string; versionId: string }, what: string) => {
      const workers = await startRuntimeWorkers(boss, {
        databaseUrl: bench.url,
        concurrency: 1,
        triggerSyncSeconds: 0,
        pollTickSeconds: 0,
        useGivenInstance: true,
      });
      global.gc?.();
      const rssBefore = process.memoryUsage().rss;
      let rssPeak = rssBefore;
      const sampler = setInterval(() => {
        rssPeak = Math.max(rssPeak, process.memoryUsage().rss);
      }, 20);
      const t0 = process.hrtime.bigint();
      const { runId } = await createRun(runs, boss, {
        flowId: v.flowId,
        flowVersionId: v.versionId,
        triggerType: "manual",
        input: {},
      });
      let status = "";
      while (!["succeeded", "failed", "cancelled"].includes(status)) {
        await new Promise((r) => setTimeout(r, 20));
        const { rows } = await sql.query<{ status: string }>(`SELECT status::text AS status FROM run WHERE id = $1`, [
          runId,
        ]);
        status = rows[0]!.status;
      }
      const wallMs = ms(t0);
      clearInterval(sampler);
      const maxRss = process.resourceUsage().maxRSS * 1024;
      await workers.stop();
      const {
        rows: [step],
      } = await sql.query<{
        ms: number;
        output: { totals: Record<string, unknown>; summary: Record<string, unknown> };
      }>(
        `SELECT extract(epoch FROM finished_at - started_at) * 1000 AS ms, output FROM step_run WHERE run_id = $1 AND path = 'match'`,
        [runId],
      );
      if (status !== "succeeded" || !step) throw new Error(`the ${what} run ${status}`);
      return { runId, wallMs, rssBefore, rssPeak, maxRss, step };
    };
    await insertConnection(pool, postgresConnection("warehouse", bench.url));
    const { flowId, versionId } = await publishFlow(pool, flow.key, flow, { version: flow.version });
    // The reconciliation: a real run, sampled for memory while it runs.
    const { runId, wallMs, rssBefore, rssPeak, maxRss, step } = await measuredRun(
      { flowId, versionId },
      "reconciliation",
    );
    const { rows: ex } = await sql.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM exception WHERE run_id = $1 AND break_identity IS NOT NULL`,
      [runId],
    );

    // The plain join on the same data, same process, same connection kind: warm-up, then the median of 3.
    const joins: number[] = [];
    let joinRows = 0;
    for (let i = 0; i < 4; i++) {
      const j0 = process.hrtime.bigint();
      const r = await sql.query(JOIN);
      if (i > 0) joins.push(ms(j0));
      joinRows = r.rowCount ?? 0;
    }
    const joinMs = [...joins].sort((a, b) => a - b)[1]!;
    // Where the rest goes: only reading both sides, sorted, every row into this process (one query each).
    const r0 = process.hrtime.bigint();
    for (const t of ["erp_lines", "dw_lines"])
      await sql.query(`SELECT ${LINE_COLUMNS} FROM ${t} ORDER BY line_id COLLATE "C"`);
    const readMs = ms(r0);
    const records = 2 * N;

    console.log(`\nReconcile step, ${N.toLocaleString()} × ${N.toLocaleString()} records (${bench.where}):`);
    console.log(`  load before / after (1, 5, 15 min):   ${loadBefore}  →  ${load()}  (${os.cpus().length} CPUs)`);
    console.log(
      `  wall time (run created → finished):  ${(wallMs / 1000).toFixed(2)} s; the step itself ${(step.ms / 1000).toFixed(2)} s`,
    );
    console.log(
      `  throughput:                          ${Math.round(records / (wallMs / 1000)).toLocaleString()} records/s`,
    );
    console.log(
      `  peak RSS of the process:             ${mb(maxRss)} (maxRSS); sampled during the run ${mb(rssPeak)}, ${mb(rssPeak - rssBefore)} above the ${mb(rssBefore)} before it`,
    );
    console.log(
      `  found:                               ${JSON.stringify(step.output.totals.byRule)}, missing ${JSON.stringify(step.output.totals.missingOn)}; ${ex[0]!.n} exceptions; match rate ${String(step.output.summary.matchRate)}`,
    );
    console.log(
      `  plain SQL FULL OUTER JOIN:           ${(joinMs / 1000).toFixed(3)} s (median of 3, ${joinRows} rows)`,
    );
    console.log(`  ratio reconcile ÷ join:              ${(wallMs / joinMs).toFixed(1)}×`);
    console.log(
      `  for scale: reading both sides sorted into the process takes ${(readMs / 1000).toFixed(2)} s (${(wallMs / readMs).toFixed(1)}× that)`,
    );

    // The connector point: same warehouse, the erp side from the Salesforce sandbox (in this process: its
    // query cursor holds the N projected Accounts, so the sampled RSS counts them as well as the worker).
    const sf = createSalesforceSandbox();
    await sf.sandbox.start("127.0.0.1", 0);
    try {
      const accounts = new Map<string, Record<string, unknown>>();
      const { rows: erp } = await sql.query<{ line_id: string; customer: string }>(
        `SELECT line_id, customer FROM erp_lines`,
      );
      for (const r of erp) accounts.set(r.line_id, { Id: r.line_id, Name: r.customer, IsDeleted: false });
      sf.store.set("Account", accounts);
      erp.length = 0;
      process.env.WEFT_HTTP_ALLOWLIST += `,${new URL(sf.sandbox.baseUrl).host}`;
      const info = sf.info();
      await insertConnection(pool, {
        key: "crm",
        connectorKey: "salesforce",
        config: info.config,
        secrets: info.secrets as Record<string, string>,
      });
      const c = await publishFlow(pool, connectorFlow.key, connectorFlow, { version: connectorFlow.version });
      const { wallMs: cWall, rssBefore: before, rssPeak: peak, step: cStep } = await measuredRun(c, "connector-side");
      console.log(`\nThe same with the erp side read from the Salesforce sandbox over HTTP (SOQL batches of 2,000):`);
      console.log(
        `  wall time (run created → finished):  ${(cWall / 1000).toFixed(2)} s; the step itself ${(cStep.ms / 1000).toFixed(2)} s; ${Math.round(records / (cWall / 1000)).toLocaleString()} records/s`,
      );
      console.log(
        `  RSS sampled during the run:          ${mb(peak)}, ${mb(peak - before)} above the ${mb(before)} before it (sandbox included)`,
      );
      console.log(
        `  found:                               ${JSON.stringify(cStep.output.totals.byRule)}, missing ${JSON.stringify(cStep.output.totals.missingOn)}`,
      );
    } finally {
      await sf.sandbox.close();
    }
  } finally {
    await boss.stop({ graceful: false }).catch(() => undefined);
    await closePostgresPools().catch(() => undefined);
    await pool?.end().catch(() => undefined);
    await sql.end().catch(() => undefined);
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
