// `npm run bench:http`: the runtime measured from outside, as a sender's systems see it. A benchmark, not a
// test: figures go to docs/benchmarks.md (## Runtime through HTTP).
//
// Builds (or, with --no-build, reuses) the production build, makes a throwaway database (DATABASE_URL's server,
// else an embedded Postgres), and starts as separate processes: the web (`npm start`'s scripts/start.ts) and N
// workers (scripts/worker.ts). An admin is created with the CLI (`weft user create`); everything else goes
// through the HTTP API as a user would: sign-in, users, the HTTP connection to a local stub, the webhook's
// signing secret, the flow (created, its document PUT as the draft, a version requested by a designer and
// approved by an approver, run once in test, promoted to production with four eyes). The flow: webhook → map →
// call (http.request POST to the stub) → map → emit.
// A load process (scripts/lib/bench-load.ts, forked) POSTs signed webhooks to /api/hooks/<flow>:
//   closed loop: --points 16,64,256 senders, --count deliveries each point (default 600)
//   open loop:   --rate r1,r2 deliveries/s for --seconds (default: half of the 16-sender peak)
// Figures per point: ingress accepts/s, completed runs/s (first accept → last completion), accept→completion
// p50/p99 (run.created_at → run.finished_at, database clock), non-202 answers, commits and WAL bytes per run
// (pg_stat_database, pg_current_wal_lsn — the WAL figure is the whole server's, so other databases' writes
// count), web and worker CPU per run (/proc), and the top statements (pg_stat_statements, when installable).
// Baselines in the same run: raw pg-boss (send + fetch + complete), a bare Node HTTP server doing the run INSERT.
// --workers 1,2 repeats everything with 1 then 2 worker processes. --embedded runs on an embedded Postgres of its
// own with pg_stat_statements preloaded (the top statements per point are then printed). --stub-delay MS makes the
// stub ERP answer after MS and --concurrency N sets each worker's run slots (WEFT_RUNTIME_CONCURRENCY): with a
// slow vendor the workers' slots bound throughput, which shows how it grows with worker processes.
import { spawn, fork, type ChildProcess } from "node:child_process";
import { createHmac } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import http from "node:http";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { runMain } from "./lib/boot";
import { startProcess, stopProcess } from "./lib/processes";

/** A child's environment (Next's types make NODE_ENV required in NodeJS.ProcessEnv; children choose their own). */
type Env = Record<string, string | undefined>;
import { benchDatabase } from "./lib/bench-db";
import { rawPgBoss } from "./lib/bench-baselines";
import type { LoadOrder, LoadReport } from "./lib/bench-load";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function flag(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}
const list = (s: string | undefined, d: number[]) => (s ? s.split(",").map(Number) : d);
const POINTS = list(flag("points"), [16, 64, 256]);
const WORKERS = list(flag("workers"), [1]);
const COUNT = Number(flag("count") ?? 600);
const SECONDS = Number(flag("seconds") ?? 5);
const RATES = flag("rate") ? list(flag("rate"), []) : null;
const BUILD = !process.argv.includes("--no-build");
const CONCURRENCY = Number(flag("concurrency") ?? process.env.WEFT_RUNTIME_CONCURRENCY ?? 16);
/** The stub ERP's answer time: with a slow vendor a worker's slots, not the CPU, bound throughput. */
const STUB_DELAY_MS = Number(flag("stub-delay") ?? 0);

const ADMIN = { email: "admin@bench.local", password: "bench-admin-password-0123" };
const DESIGNER = { email: "designer@bench.local", password: "bench-designer-password-0123" };
const APPROVER = { email: "approver@bench.local", password: "bench-approver-password-0123" };
const FLOW_KEY = "bench-http";

function flowDocument() {
  return {
    dsl: "weft/1",
    key: FLOW_KEY,
    version: "1.0.0",
    name: "Benchmark: order to ERP over HTTP",
    description: "webhook → map → call → map → emit",
    domain: "invoice",
    owner: "platform",
    classification: "internal",
    trigger: { type: "webhook", secret: "webhook-bench-http", idempotencyKey: "$trigger.body.orderId" },
    businessKeys: { order: "$trigger.body.orderId" },
    start: "toOrder",
    steps: [
      {
        id: "toOrder",
        type: "map",
        output: { ref: "'Order ' & $trigger.body.orderId", total: "$trigger.body.amount" },
        next: "post",
      },
      {
        id: "post",
        type: "call",
        connector: "http",
        operation: "request",
        connection: "erp-stub",
        input: { method: '"POST"', url: '"/orders"', body: "$steps.toOrder.output" },
        retry: { maxAttempts: 3 },
        next: "toEvent",
      },
      {
        id: "toEvent",
        type: "map",
        output: { orderId: "$trigger.body.orderId", erpId: "$steps.post.output.body.id" },
        next: "done",
      },
      { id: "done", type: "emit", event: "erp.order.created", payload: "$steps.toEvent.output" },
    ],
  };
}

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.listen(0, "127.0.0.1", () => {
      const p = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(p));
    });
  });
}

/** utime + stime of a process, in ms (Linux /proc; 0 elsewhere). */
function cpuMs(pid: number | undefined): number {
  try {
    const f = readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = f.slice(f.lastIndexOf(")") + 2).split(" ");
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100; // CLK_TCK is 100 on Linux
  } catch {
    return 0;
  }
}

function run(cmd: string, args: string[], env: Env): Promise<string> {
  return new Promise((resolve, reject) => {
    const p = spawn(cmd, args, { env: env as NodeJS.ProcessEnv, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    p.stdout.on("data", (d: Buffer) => (out += d.toString()));
    p.stderr.on("data", (d: Buffer) => (out += d.toString()));
    p.once("exit", (code) => (code === 0 ? resolve(out) : reject(new Error(`${cmd} ${args.join(" ")}: ${out}`))));
  });
}

/** A signed-in user of the web process: cookies from better-auth, tRPC over HTTP (superjson envelopes). */
class ApiUser {
  private cookie = "";
  constructor(private base: string) {}
  async signIn(email: string, password: string): Promise<void> {
    const r = await fetch(`${this.base}/api/auth/sign-in/email`, {
      method: "POST",
      headers: { "content-type": "application/json", origin: this.base },
      body: JSON.stringify({ email, password }),
    });
    if (!r.ok) throw new Error(`sign-in of ${email}: ${r.status} ${await r.text()}`);
    this.cookie = r.headers
      .getSetCookie()
      .map((c) => c.split(";")[0])
      .join("; ");
  }
  async call<T>(proc: string, input: unknown, kind: "query" | "mutation" = "mutation"): Promise<T> {
    const url = `${this.base}/api/trpc/${proc}`;
    const r =
      kind === "query"
        ? await fetch(`${url}?input=${encodeURIComponent(JSON.stringify({ json: input }))}`, {
            headers: { cookie: this.cookie },
          })
        : await fetch(url, {
            method: "POST",
            headers: { "content-type": "application/json", cookie: this.cookie, origin: this.base },
            body: JSON.stringify({ json: input }),
          });
    const body = (await r.json()) as { result?: { data: { json: T } }; error?: { json: { message: string } } };
    if (!r.ok || !body.result) throw new Error(`${proc}: ${r.status} ${body.error?.json.message ?? ""}`);
    return body.result.data.json;
  }
  async put(pathname: string, doc: unknown): Promise<void> {
    const r = await fetch(`${this.base}${pathname}`, {
      method: "PUT",
      headers: { "content-type": "application/json", cookie: this.cookie, origin: this.base },
      body: JSON.stringify(doc),
    });
    if (!r.ok) throw new Error(`PUT ${pathname}: ${r.status} ${await r.text()}`);
  }
}

function pct(sorted: number[], p: number): number {
  return sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]! : NaN;
}

runMain(async () => {
  // --embedded: a Postgres of its own with pg_stat_statements preloaded, so the run's statements can be listed
  // (the shared server does not preload it).
  if (process.argv.includes("--embedded")) delete process.env.DATABASE_URL;
  else process.env.DATABASE_URL ??= "postgresql://postgres@127.0.0.1:5432/postgres";
  const load0 = os.loadavg();
  if (BUILD) {
    console.log("building (next build; --no-build reuses .next)…");
    await run(process.execPath, [path.resolve("node_modules/next/dist/bin/next"), "build"], {
      ...process.env,
      NEXT_TELEMETRY_DISABLED: "1",
    });
  } else if (!existsSync(".next/BUILD_ID")) {
    throw new Error("--no-build: there is no production build in .next; run `npm run build` first.");
  }

  const database = await benchDatabase("weft_bench_http");
  const admin = new pg.Pool({ connectionString: database.url, max: 4 });
  admin.on("error", () => undefined); // an idle connection cut by the server must not end the benchmark
  const dbName = new URL(database.url).pathname.slice(1);

  // The flow's HTTP call goes here: answers every POST with a new id, as an ERP would.
  let stubHits = 0;
  const stub = http.createServer((req, res) => {
    req.resume();
    req.on("end", () => {
      const id = `ERP-${++stubHits}`;
      const answer = () => res.writeHead(201, { "content-type": "application/json" }).end(JSON.stringify({ id }));
      if (STUB_DELAY_MS > 0) setTimeout(answer, STUB_DELAY_MS);
      else answer();
    });
  });
  await new Promise<void>((r) => stub.listen(0, "127.0.0.1", r));
  const stubHost = `127.0.0.1:${(stub.address() as net.AddressInfo).port}`;

  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  // NODE_ENV is the scripts' own business (start.ts sets production); not inherited from this process.
  const { NODE_ENV: _nodeEnv, WEFT_DEMO: _demo, WEFT_WORKERS_IN_PROCESS: _inProcess, ...inherited } = process.env;
  const env: Env = {
    ...inherited,
    DATABASE_URL: database.url,
    PORT: String(port),
    BETTER_AUTH_SECRET: "bench-http-auth-secret-0123456789-0123456789",
    WEFT_SECRET_KEY: Buffer.alloc(32, 7).toString("base64"),
    WEFT_AUDIT_KEY: Buffer.alloc(32, 5).toString("base64"),
    WEFT_BASE_URL: base,
    WEFT_HTTP_ALLOWLIST: stubHost,
    WEFT_SIGNIN_PER_MINUTE: "10000",
    LOG_LEVEL: "warn",
    NEXT_TELEMETRY_DISABLED: "1",
  };

  const procs: ChildProcess[] = [];
  const cleanup = async () => {
    await Promise.all(procs.map(stopProcess));
    stub.close();
    await admin.end().catch(() => undefined);
    await database.drop();
  };
  try {
    await run(
      process.execPath,
      [
        "--import",
        "tsx",
        "scripts/cli.ts",
        "user",
        "create",
        "--admin",
        "--email",
        ADMIN.email,
        "--password",
        ADMIN.password,
        "--team",
        "platform",
      ],
      env,
    );
    const web = await startProcess(["scripts/start.ts"], env, /web listening/, "web");
    procs.push(web);

    // ---------- set up through the API, as people would ----------
    const adminUser = new ApiUser(base);
    await adminUser.signIn(ADMIN.email, ADMIN.password);
    await adminUser.call("admin.createUser", {
      ...DESIGNER,
      name: "Bench Designer",
      roles: ["designer"],
      teamKeys: ["platform"],
    });
    await adminUser.call("admin.createUser", {
      ...APPROVER,
      name: "Bench Approver",
      roles: ["approver"],
      teamKeys: ["platform"],
    });
    await adminUser.call("connections.create", {
      key: "erp-stub",
      name: "ERP stub",
      connectorKey: "http",
      config: { baseUrl: `http://${stubHost}` },
      allowedHosts: [stubHost],
    });
    const designer = new ApiUser(base);
    await designer.signIn(DESIGNER.email, DESIGNER.password);
    await designer.call("flows.create", {
      key: FLOW_KEY,
      name: "Benchmark: order to ERP over HTTP",
      domain: "invoice",
      ownerTeamKey: "platform",
    });
    const { secret } = await adminUser.call<{ secret: string }>("connections.createWebhookSecret", {
      key: "webhook-bench-http",
      flowKey: FLOW_KEY,
    });
    // The emitted event needs a contract in the registry before a version that emits it can be published.
    await designer.call("governance.contracts.create", {
      name: "erp.order.created",
      ownerTeamKey: "platform",
      domain: "invoice",
      schema: {
        type: "object",
        properties: { orderId: { type: "string" }, erpId: { type: "string" } },
        required: ["orderId"],
      },
    });
    const doc = flowDocument();
    await designer.put(`/api/v1/flows/${FLOW_KEY}`, doc);
    const req = await designer.call<{ ok: boolean; versionId?: string; report?: unknown }>(
      "governance.versions.request",
      { flowKey: FLOW_KEY, version: "1.0.0", dsl: doc, changelog: "Benchmark flow." },
    );
    if (!req.ok || !req.versionId) throw new Error(`publish request refused: ${JSON.stringify(req.report)}`);
    const approver = new ApiUser(base);
    await approver.signIn(APPROVER.email, APPROVER.password);
    await approver.call("governance.versions.approve", { versionId: req.versionId });
    const hookUrl = `${base}/api/hooks/${FLOW_KEY}`;
    // Approval deploys to test only; production gets the version by promotion, as a user would: a signed
    // delivery to the test webhook that succeeds, the designer's request, the approver's four-eyes approval.
    // Done once workers run (they create the run queue a delivery is sent to).
    let promoted = false;
    const promote = async () => {
      const trial = JSON.stringify({ orderId: "trial-1", amount: 1 });
      const ts = String(Math.floor(Date.now() / 1000));
      const trialRes = await fetch(`${hookUrl}?env=test`, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          "x-weft-timestamp": ts,
          "x-weft-signature": `v1=${createHmac("sha256", secret).update(`${ts}.${trial}`).digest("hex")}`,
        },
        body: trial,
      });
      if (trialRes.status !== 202) throw new Error(`test delivery: ${trialRes.status} ${await trialRes.text()}`);
      const { runId: trialRun } = (await trialRes.json()) as { runId: string };
      const trialStatus = () =>
        admin
          .query<{ status: string }>(`SELECT status::text FROM run WHERE id = $1`, [trialRun])
          .then((r) => r.rows[0]!.status);
      const deadline = Date.now() + 120_000;
      for (;;) {
        const status = await trialStatus();
        if (status === "succeeded") break;
        if (status === "failed" || status === "cancelled" || Date.now() > deadline)
          throw new Error(`the run in test did not succeed (${status})`);
        await sleep(200);
      }
      const { promotionId } = await designer.call<{ promotionId: string }>("environments.requestPromotion", {
        flowKey: FLOW_KEY,
        version: "1.0.0",
      });
      await approver.call("environments.approvePromotion", { promotionId });
      promoted = true;
    };

    const cpus = os.cpus();
    const pgVersion = (await admin.query("SHOW server_version")).rows[0].server_version as string;
    console.log(
      `weft HTTP benchmark — ${cpus.length} × ${cpus[0]?.model ?? "CPU"}, Node ${process.version}, Postgres ${pgVersion} (${database.where}); load average at start ${load0.map((l) => l.toFixed(2)).join(" ")}; ${CONCURRENCY} run slots per worker${STUB_DELAY_MS ? `, the stub answers after ${STUB_DELAY_MS} ms` : ""}`,
    );
    const statements = await admin
      .query("CREATE EXTENSION IF NOT EXISTS pg_stat_statements")
      .then(() => admin.query("SELECT 1 FROM pg_stat_statements LIMIT 1"))
      .then(
        () => true,
        (e: Error) => (console.log(`(pg_stat_statements unavailable: ${e.message})`), false),
      );

    const loader = fork(path.resolve("scripts/lib/bench-load.ts"), [], {
      execArgv: ["--import", "tsx"],
      stdio: ["ignore", "inherit", "inherit", "ipc"],
    });
    procs.push(loader);
    const load = (o: Omit<LoadOrder, "secret" | "prefix" | "url"> & { url?: string }, prefix: string) =>
      new Promise<LoadReport>((resolve) => {
        loader.once("message", (r) => resolve(r as LoadReport));
        loader.send({ ...o, url: o.url ?? hookUrl, secret, prefix });
      });

    // ---------- baselines ----------
    const raw = await rawPgBoss(database.url, COUNT * 2);
    console.log(`baseline raw pg-boss (send + fetch + complete, empty jobs): ${raw.toFixed(0)} jobs/s`);
    const flowRow = (
      await admin.query<{ id: string; vid: string }>(
        `SELECT f.id::text, v.id::text AS vid FROM flow f JOIN flow_version v ON v.flow_id = f.id WHERE f.key = $1`,
        [FLOW_KEY],
      )
    ).rows[0]!;
    const bare = fork(path.resolve("scripts/lib/bench-bare-server.ts"), [], {
      execArgv: ["--import", "tsx"],
      env: {
        ...env,
        BARE_FLOW_ID: flowRow.id,
        BARE_VERSION_ID: flowRow.vid,
        BARE_SECRET: secret,
      } as unknown as NodeJS.ProcessEnv,
      stdio: ["ignore", "inherit", "inherit", "ipc"],
    });
    const barePort = await new Promise<number>((r) => bare.once("message", (m) => r((m as { port: number }).port)));
    const bareFigures: string[] = [];
    for (const c of [16, 64]) {
      const r = await load({ url: `http://127.0.0.1:${barePort}/`, concurrency: c, count: COUNT * 2 }, `bare${c}`);
      const line = `baseline bare Node HTTP + run INSERT, ${c} senders: ${((r.accepted / r.ms) * 1000).toFixed(0)} accepts/s (round trip p50 ${r.p50.toFixed(1)} ms, p99 ${r.p99.toFixed(1)} ms)`;
      bareFigures.push(line);
      console.log(line);
    }
    bare.kill();
    await admin.query("TRUNCATE run CASCADE");

    // ---------- the real path ----------
    const rows: string[] = [];
    const dbStats = async () => {
      const { rows: r } = await admin.query<{ x: string; lsn: string }>(
        `SELECT xact_commit::text AS x, pg_current_wal_lsn()::text AS lsn FROM pg_stat_database WHERE datname = $1`,
        [dbName],
      );
      return r[0]!;
    };
    const walBytes = async (a: string, b: string) =>
      Number((await admin.query(`SELECT pg_wal_lsn_diff($1, $2)::bigint AS d`, [b, a])).rows[0].d);
    // Each point counts the runs created since it started (no TRUNCATE between points: with workers running,
    // its exclusive lock can deadlock with their jobs). Every earlier run has finished before a point starts.
    // created_at is stored to the millisecond (rounded): a millisecond of margin so no new run falls before it.
    const dbNow = async () =>
      (
        await admin.query<{ t: Date }>(
          `SELECT date_trunc('milliseconds', clock_timestamp()) - interval '1 millisecond' AS t`,
        )
      ).rows[0]!.t;
    const succeeded = async (since: Date) =>
      (
        await admin.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM run WHERE status = 'succeeded' AND created_at >= $1`,
          [since],
        )
      ).rows[0]!.n;
    const waitFor = async (n: number, timeoutMs: number, since: Date) => {
      const until = Date.now() + timeoutMs;
      for (;;) {
        const s = await succeeded(since);
        if (s >= n) return;
        if (Date.now() > until) throw new Error(`only ${s} of ${n} runs completed`);
        await sleep(50);
      }
    };
    const latencies = async (since: Date) => {
      const { rows: r } = await admin.query<{ d: number[] }>(
        `SELECT array_agg(extract(epoch FROM finished_at - created_at) * 1000 ORDER BY finished_at - created_at) AS d
           FROM run WHERE status = 'succeeded' AND created_at >= $1`,
        [since],
      );
      const d = (r[0]!.d ?? []).map(Number);
      return { p50: pct(d, 0.5), p99: pct(d, 0.99) };
    };
    const point = async (label: string, workers: ChildProcess[], o: Parameters<typeof load>[0]) => {
      const since = await dbNow();
      if (statements) await admin.query("SELECT pg_stat_statements_reset()");
      // stats_fetch_consistency: a fresh snapshot for each read of pg_stat_database
      await admin.query("SELECT pg_stat_clear_snapshot()");
      const s0 = await dbStats();
      const cpu0 = { web: cpuMs(web.pid), workers: workers.reduce((a, w) => a + cpuMs(w.pid), 0) };
      const t0 = Date.now();
      const r = await load(o, `${label}-${t0}`);
      await waitFor(r.accepted, 300_000, since);
      const ms = Date.now() - t0;
      await admin.query("SELECT pg_stat_clear_snapshot()");
      const s1 = await dbStats();
      const cpu = {
        web: cpuMs(web.pid) - cpu0.web,
        workers: workers.reduce((a, w) => a + cpuMs(w.pid), 0) - cpu0.workers,
      };
      const lat = await latencies(since);
      const n = r.accepted || 1;
      const non202 = Object.entries(r.other)
        .map(([s, c]) => `${c}×${s}`)
        .join(" ");
      const fivexx = Object.entries(r.other)
        .filter(([s]) => s.startsWith("5"))
        .reduce((a, [, c]) => a + c, 0);
      const f = {
        accepts: (r.accepted / r.ms) * 1000,
        completed: (r.accepted / ms) * 1000,
        p50: lat.p50,
        p99: lat.p99,
        fivexx,
        commits: (Number(s1.x) - Number(s0.x)) / n,
        wal: (await walBytes(s0.lsn, s1.lsn)) / n,
        webCpu: cpu.web / n,
        workerCpu: cpu.workers / n,
      };
      console.log(
        `${label}: ${f.completed.toFixed(0)} runs/s completed, ingress ${f.accepts.toFixed(0)} accepts/s, accept→completion p50 ${f.p50.toFixed(0)} ms p99 ${f.p99.toFixed(0)} ms, ${r.accepted} accepted${non202 ? `, other answers ${non202}` : ""}${r.errors ? `, ${r.errors} connection errors` : ""}; per run ${f.commits.toFixed(1)} commits, ${(f.wal / 1024).toFixed(1)} KB WAL, CPU web ${f.webCpu.toFixed(1)} ms + workers ${f.workerCpu.toFixed(1)} ms; load ${os
          .loadavg()
          .map((l) => l.toFixed(2))
          .join(" ")}`,
      );
      if (statements) {
        const { rows: top } = await admin.query<{ calls: string; total: number; mean: number; q: string }>(
          `SELECT calls::text, total_exec_time AS total, mean_exec_time AS mean, regexp_replace(query, '\\s+', ' ', 'g') AS q
             FROM pg_stat_statements s JOIN pg_database d ON d.oid = s.dbid
            WHERE d.datname = $1 ORDER BY total_exec_time DESC LIMIT 6`,
          [dbName],
        );
        for (const t of top)
          console.log(
            `    ${(t.total / n).toFixed(2)} ms/run  ${(Number(t.calls) / n).toFixed(1)} calls/run  ${t.mean.toFixed(2)} ms  ${t.q.slice(0, 110)}`,
          );
      }
      return f;
    };

    for (const w of WORKERS) {
      const workers = await Promise.all(
        Array.from({ length: w }, () =>
          startProcess(
            ["scripts/worker.ts"],
            { ...env, NODE_ENV: "production", WEFT_RUNTIME_CONCURRENCY: String(CONCURRENCY) },
            /running/,
            "worker",
          ),
        ),
      );
      procs.push(...workers);
      if (!promoted) await promote();
      // warm-up: JIT, pools, the route's first compile-free request, prepared plans
      const warmSince = await dbNow();
      const warm = await load({ concurrency: 16, count: 200 }, `warm${w}-${Date.now()}`);
      await waitFor(warm.accepted, 120_000, warmSince);
      let peak16 = 0;
      for (const c of POINTS) {
        const f = await point(`${w} worker(s), ${c} senders`, workers, { concurrency: c, count: COUNT });
        if (c === POINTS[0]) peak16 = f.completed;
        rows.push(
          `| ${w} | ${c} senders | ${f.accepts.toFixed(0)} | ${f.completed.toFixed(0)} | ${f.p50.toFixed(0)} / ${f.p99.toFixed(0)} | ${f.fivexx} | ${f.commits.toFixed(1)} | ${(f.wal / 1024).toFixed(1)} | ${f.webCpu.toFixed(1)} / ${f.workerCpu.toFixed(1)} | ${(f.completed / raw).toFixed(2)} |`,
        );
      }
      for (const rate of RATES ?? [Math.max(5, Math.round(peak16 / 2))]) {
        const f = await point(`${w} worker(s), open loop ${rate}/s`, workers, { rate, seconds: SECONDS });
        rows.push(
          `| ${w} | ${rate}/s open loop | ${f.accepts.toFixed(0)} | ${f.completed.toFixed(0)} | ${f.p50.toFixed(0)} / ${f.p99.toFixed(0)} | ${f.fivexx} | ${f.commits.toFixed(1)} | ${(f.wal / 1024).toFixed(1)} | ${f.webCpu.toFixed(1)} / ${f.workerCpu.toFixed(1)} | — |`,
        );
      }
      await Promise.all(workers.map(stopProcess));
      procs.splice(procs.length - w, w);
    }

    console.log(
      `\n| workers | load | accepts/s | completed runs/s | p50 / p99 ms | 5xx | commits/run | WAL KB/run | CPU ms/run web / worker | ÷ raw pg-boss |`,
    );
    console.log("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |");
    for (const r of rows) console.log(r);
    console.log(`raw pg-boss: ${raw.toFixed(0)} jobs/s; ${bareFigures.join("; ")}`);
    console.log(
      `load average at end ${os
        .loadavg()
        .map((l) => l.toFixed(2))
        .join(" ")}; stub calls ${stubHits}`,
    );
    loader.kill();
  } finally {
    await cleanup();
  }
  process.exit(0);
});
