// `npm run bench:runtime`: throughput and latency of the durable runtime, against raw pg-boss measured in
// the same process. A benchmark, not a test: figures go to docs/benchmarks.md (## Runtime).
//
// Flow (a weft/1 document, run by the DSL interpreter): webhook → map → call (Salesforce sandbox,
// createRecord through the connectors SDK) → map → emit, executed by 1 and then 2 worker processes
// (scripts/worker.ts). Ingress runs in this process through acceptWebhook — the
// function the POST /api/hooks route calls (HMAC check included), without Next.js in front.
//   peak:      N signed webhooks as fast as 32 senders can, completed runs per second
//   half-peak: an open-loop stream at half of that rate for a few seconds, latency from webhook accepted
//              (run.created_at) to run completed (run.finished_at), both on the database clock
// Options (env): DATABASE_URL (else an embedded Postgres in a temporary folder), BENCH_RUNS (4000),
// BENCH_SECONDS (8), BENCH_WORKERS ("1,2"), BENCH_CONCURRENCY (per worker, 32).
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { PgBoss } from "pg-boss";
import { runMain } from "./lib/boot";
import { stopProcess } from "./lib/processes";
import { rawPgBoss } from "./lib/bench-baselines";

const RUNS = Number(process.env.BENCH_RUNS ?? 4000);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 8);
const WORKERS = (process.env.BENCH_WORKERS ?? "1,2").split(",").map(Number);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 32);
const SECRET = "bench-signing-secret-0123456789";
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const BENCH_FLOW = {
  dsl: "weft/1",
  key: "bench",
  version: "1.0.0",
  name: "Benchmark: order to CRM account",
  description: "webhook → map → call → map → emit",
  domain: "customer",
  owner: "platform",
  classification: "internal",
  trigger: { type: "webhook", secret: "webhook-bench", idempotencyKey: "$trigger.body.orderId" },
  businessKeys: { order: "$trigger.body.orderId" },
  start: "toAccount",
  steps: [
    {
      id: "toAccount",
      type: "map",
      output: { name: "'Order ' & $trigger.body.orderId", total: "$trigger.body.amount" },
      next: "post",
    },
    {
      id: "post",
      type: "call",
      connector: "salesforce",
      operation: "createRecord",
      connection: "sf",
      input: { sobject: '"Account"', "fields.Name": "$steps.toAccount.output.name" },
      retry: { maxAttempts: 3 },
      next: "toEvent",
    },
    {
      id: "toEvent",
      type: "map",
      output: { orderId: "$trigger.body.orderId", accountId: "$steps.post.output.id" },
      next: "done",
    },
    { id: "done", type: "emit", event: "crm.account.created", payload: "$steps.toEvent.output" },
  ],
};

runMain(async () => {
  process.env.WEFT_SECRET_KEY ??= Buffer.alloc(32, 9).toString("base64");
  process.env.BETTER_AUTH_SECRET ??= "bench-auth-secret-0123456789-0123456789";
  process.env.LOG_LEVEL ??= "warn";
  const { startEmbeddedPostgres } = await import("@/server/db/embedded");
  const { migrate } = await import("@/server/db/migrator");
  let tmp: string | null = null;
  let stopDb = async () => undefined as void;
  let adminUrl: string;
  if (process.env.DATABASE_URL) {
    adminUrl = process.env.DATABASE_URL;
  } else {
    tmp = await mkdtemp(path.join(os.tmpdir(), "weft-bench-"));
    const emb = await startEmbeddedPostgres({ dataDir: tmp });
    adminUrl = emb.adminUrl;
    stopDb = () => emb.stop();
  }
  const dbName = `weft_bench_${Date.now().toString(36)}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE "${dbName}"`);
  const url = new URL(adminUrl);
  url.pathname = `/${dbName}`;
  const dbUrl = url.toString();
  process.env.DATABASE_URL = dbUrl;
  await migrate(dbUrl);

  const { runtimePool } = await import("@/server/runtime/sql");
  const { publishFlow, setWebhookSecret } = await import("@/server/runtime/testing");
  const { acceptWebhook, signWebhook } = await import("@/server/runtime/ingress");
  const { ensureRuntimeQueues } = await import("@/server/runtime/queues");
  const { createSalesforceSandbox } = await import("@/connectors/salesforce/sandbox");
  const { seal } = await import("@/server/connections/secret-box");
  const pool = runtimePool(dbUrl, 16);
  const sender = new PgBoss({
    connectionString: dbUrl,
    schema: "pgboss",
    max: 16,
    supervise: false,
    schedule: false,
    useListenNotify: true,
  });
  sender.on("error", () => undefined);
  await sender.start();
  await ensureRuntimeQueues(sender);
  const { sandbox } = createSalesforceSandbox();
  await sandbox.start("127.0.0.1", 0);
  const allow = new URL(sandbox.baseUrl).host;
  await pool.query(
    `INSERT INTO connection (id, key, name, connector_key, config, secrets_enc, updated_at) VALUES (gen_random_uuid(), 'sf', 'Salesforce sandbox', 'salesforce', $1, $2, now())`,
    [
      JSON.stringify({ instanceUrl: sandbox.baseUrl }),
      seal(
        JSON.stringify({
          clientId: "3MVG9Weft.Sandbox.Salesforce.ConsumerKey",
          clientSecret: "weft-sandbox-sf-secret-7f3a9c",
        }),
        "connection:sf",
      ),
    ],
  );
  await publishFlow(pool, "bench", BENCH_FLOW, { version: "1.0.0" });
  await setWebhookSecret(pool, "bench", SECRET, "webhook-bench");

  console.log(
    `weft runtime benchmark — ${os.cpus().length} CPUs, Node ${process.version}, Postgres ${(await pool.query("SHOW server_version")).rows[0].server_version}`,
  );

  // ---------- baseline: raw pg-boss, same process ----------
  const raw = await rawPgBoss(dbUrl, RUNS);
  console.log(`raw pg-boss (send + work + complete, empty jobs, batch 16 × 4 loops): ${raw.toFixed(0)} jobs/s`);

  let seq = 0;
  const fire = async () => {
    const n = seq++;
    const body = JSON.stringify({ orderId: `SO-${n}`, amount: 100 + (n % 50), lines: [{ sku: "CONSULT", hours: 8 }] });
    const ts = Math.floor(Date.now() / 1000);
    const r = await acceptWebhook(
      { pool, boss: sender },
      {
        flowKey: "bench",
        headers: new Headers({
          "content-type": "application/json",
          "x-weft-timestamp": String(ts),
          "x-weft-signature": signWebhook(SECRET, ts, body),
        }),
        body: Buffer.from(body),
      },
    );
    if (r.status !== 202) throw new Error(`ingress answered ${r.status}: ${JSON.stringify(r.body)}`);
  };
  const succeeded = async () =>
    (await pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM run WHERE status = 'succeeded'`)).rows[0]!.n;
  const waitFor = async (n: number, timeoutMs: number) => {
    const until = Date.now() + timeoutMs;
    while ((await succeeded()) < n) {
      if (Date.now() > until) throw new Error(`only ${await succeeded()} of ${n} runs completed`);
      await sleep(50);
    }
  };

  const results: string[] = [];
  for (const w of WORKERS) {
    await pool.query(`TRUNCATE run CASCADE`);
    const procs = await Promise.all(Array.from({ length: w }, () => startWorker(dbUrl, allow)));
    await sleep(500);
    // warm-up: JIT, connection pools, caches
    for (let i = 0; i < 200; i++) await fire();
    await waitFor(200, 60_000);
    await pool.query(`TRUNCATE run CASCADE`);

    // peak
    const t0 = Date.now();
    let sent = 0;
    await Promise.all(
      Array.from({ length: 32 }, async () => {
        while (sent < RUNS) {
          sent++;
          await fire();
        }
      }),
    );
    const acceptedMs = Date.now() - t0;
    await waitFor(RUNS, 300_000);
    const peakMs = Date.now() - t0;
    const peak = RUNS / (peakMs / 1000);
    const peakLat = await latencies();
    await pool.query(`TRUNCATE run CASCADE`);

    // half of peak, open loop
    const rate = peak / 2;
    const total = Math.round(rate * SECONDS);
    const start = Date.now();
    const inflight: Promise<void>[] = [];
    for (let i = 0; i < total; i++) {
      const due = start + (i * 1000) / rate;
      const wait = due - Date.now();
      if (wait > 1) await sleep(wait);
      inflight.push(fire());
    }
    await Promise.all(inflight);
    await waitFor(total, 120_000);
    const half = await latencies();
    const line = `| ${w} | ${peak.toFixed(0)} | ${(RUNS / (acceptedMs / 1000)).toFixed(0)} | ${(peak / raw).toFixed(2)} | ${rate.toFixed(0)} | ${half.p50.toFixed(0)} | ${half.p99.toFixed(0)} | ${peakLat.p50.toFixed(0)} / ${peakLat.p99.toFixed(0)} |`;
    results.push(line);
    console.log(
      `${w} worker(s): peak ${peak.toFixed(0)} runs/s (ingress ${(RUNS / (acceptedMs / 1000)).toFixed(0)}/s, ${((peak / raw) * 100).toFixed(0)}% of raw pg-boss); at ${rate.toFixed(0)} runs/s: p50 ${half.p50.toFixed(0)} ms, p99 ${half.p99.toFixed(0)} ms [queue wait p50 ${half.waitP50.toFixed(0)} ms, execution p50 ${half.execP50.toFixed(0)} ms] (at peak: p50 ${peakLat.p50.toFixed(0)} ms, p99 ${peakLat.p99.toFixed(0)} ms)`,
    );
    await Promise.all(procs.map((p) => stopProcess(p, 10_000)));
    await sleep(1000);
  }
  console.log(
    "\n| workers | peak runs/s | ingress accepts/s | runtime ÷ raw pg-boss | half-peak load (runs/s) | p50 ms | p99 ms | at peak p50 / p99 ms |",
  );
  console.log("| --- | --- | --- | --- | --- | --- | --- | --- |");
  for (const l of results) console.log(l);
  console.log(`raw pg-boss baseline: ${raw.toFixed(0)} jobs/s`);

  const dup = [...sandbox.effects.values()].filter((e) => e.effects > 1).length;
  if (dup) throw new Error(`${dup} effects applied more than once`);
  await sandbox.close();
  await sender.stop({ graceful: false });
  await pool.end();
  await admin.query(`DROP DATABASE IF EXISTS "${dbName}" WITH (FORCE)`);
  await admin.end();
  await stopDb();
  if (tmp) await rm(tmp, { recursive: true, force: true });
  process.exit(0);

  async function latencies(): Promise<{ p50: number; p99: number; waitP50: number; execP50: number }> {
    const { rows } = await pool.query<{ p: number[]; w: number; e: number }>(
      `SELECT percentile_cont(ARRAY[0.5, 0.99]) WITHIN GROUP (ORDER BY extract(epoch FROM finished_at - created_at) * 1000) AS p,
              percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM started_at - created_at) * 1000) AS w,
              percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM finished_at - started_at) * 1000) AS e
         FROM run WHERE status = 'succeeded'`,
    );
    return { p50: rows[0]!.p[0]!, p99: rows[0]!.p[1]!, waitP50: rows[0]!.w, execP50: rows[0]!.e };
  }
});

function startWorker(dbUrl: string, allowHost: string): Promise<ChildProcess> {
  const { NODE_ENV: _n, ...inherited } = process.env;
  const env = {
    ...inherited,
    DATABASE_URL: dbUrl,
    WEFT_HTTP_ALLOWLIST: allowHost,
    WEFT_RUNTIME_CONCURRENCY: String(CONCURRENCY),
    LOG_LEVEL: "warn",
  };
  const proc = spawn(path.resolve("node_modules/.bin/tsx"), ["scripts/worker.ts"], {
    env: env as unknown as NodeJS.ProcessEnv,
    stdio: ["ignore", "pipe", "inherit"],
    detached: true,
  });
  return new Promise((resolve, reject) => {
    proc.stdout!.on("data", (d: Buffer) => {
      if (d.toString().includes("running")) resolve(proc);
    });
    proc.once("exit", (code) => reject(new Error(`worker exited with ${code}`)));
  });
}
