// `npm run bench:recovery`: how long the runtime takes to recover from its two likely failures. A benchmark,
// not a test (server/runtime/handoff.test.ts proves the bound): figures go to docs/benchmarks.md (## Recovery).
//
// Everything runs on an embedded Postgres this script starts in a temporary folder — part 2 stops and starts
// it, so it is never DATABASE_URL's (shared) server.
//   1. hand-off: real worker processes (scripts/worker.ts, production pg-boss settings) run the "chain"
//      program of server/runtime/testing-programs.ts against an HTTP stub that holds step s2 open. With the
//      runs in flight in worker X, a fresh worker Y starts and X is SIGKILLed; measured: kill → Y resuming each
//      orphaned run (the "interrupted" attempt Y writes for s2), against RUN_HANDOFF_BOUND_SECONDS. --kills N.
//   2. Postgres restart: one worker, an open-loop stream of createRun at --rate runs/s (one-call chain), the
//      server stopped for --outage seconds and started again. Measured: restart → first run completed, and →
//      the first 1 s window completing at least 90 % of the pre-outage rate; every run accepted (createRun
//      resolved) must end succeeded with its effect applied exactly once.
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { runMain } from "./lib/boot";
// The hand-off test's worker processes (scripts/worker.ts as `npm run worker` runs it: production settings).
import { killWorkers, spawnWorker, type Worker } from "@/server/runtime/worker-processes";

const arg = (name: string, dflt: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
};
const KILLS = arg("kills", 5);
const IN_FLIGHT = arg("runs", 4);
const RATE = arg("rate", 40);
const OUTAGE_S = arg("outage", 5);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const load = () =>
  os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(" / ");
const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(p * s.length))]!;
};

runMain(async () => {
  process.env.WEFT_SECRET_KEY ??= Buffer.alloc(32, 9).toString("base64");
  process.env.BETTER_AUTH_SECRET ??= "bench-auth-secret-0123456789-0123456789";
  // pg-boss reports every connection the outage cuts (the sender reconnects on its own): not this output's story.
  process.env.LOG_LEVEL = "fatal";
  const { startEmbeddedPostgres } = await import("@/server/db/embedded");
  const { migrate } = await import("@/server/db/migrator");
  const { runtimePool } = await import("@/server/runtime/sql");
  const { createRun } = await import("@/server/runtime/runs");
  const { publishFlow } = await import("@/server/runtime/testing");
  const { startTestTarget } = await import("@/server/runtime/test-target");
  const { ensureRuntimeQueues, RUN_HANDOFF_BOUND_SECONDS } = await import("@/server/runtime/queues");
  const { startBoss } = await import("@/server/queue/boss");
  type AttemptLogEntry = import("@/server/runtime/engine/kernel").AttemptLogEntry;

  const tmp = await mkdtemp(path.join(os.tmpdir(), "weft-recovery-"));
  let emb = await startEmbeddedPostgres({ dataDir: tmp, database: "weft_recovery" });
  const url = emb.url;
  await migrate(url);
  const pool = runtimePool(url, 8);
  const sender = await startBoss({ url, role: "web", max: 4 });
  sender.on("error", () => undefined); // part 2 cuts its connections; it reconnects on its own
  await ensureRuntimeQueues(sender);
  const target = await startTestTarget();
  await publishFlow(pool, "chain", { program: "chain", steps: 3, trigger: { type: "manual" } });
  await publishFlow(pool, "one", { program: "chain", steps: 1, trigger: { type: "manual" } });
  const version = async (key: string) =>
    (
      await pool.query<{ flow_id: string; id: string }>(
        `SELECT v.flow_id, v.id FROM flow_version v JOIN flow f ON f.id = v.flow_id WHERE f.key = $1`,
        [key],
      )
    ).rows[0]!;
  const chain = await version("chain");
  const one = await version("one");
  const newRun = (v: { flow_id: string; id: string }, orderId: string) =>
    createRun(pool, sender, { flowId: v.flow_id, flowVersionId: v.id, triggerType: "manual", input: { orderId } });

  console.log(
    `weft recovery benchmark — ${os.cpus().length} CPUs, Node ${process.version}, embedded Postgres ${(await pool.query("SHOW server_version")).rows[0].server_version}, load ${load()} (1/5/15 min)`,
  );
  const workers: Worker[] = [];
  const spawn = () => spawnWorker(workers, { url, targetUrl: target.url });

  // ---------- 1. hand-off after SIGKILL ----------
  const handoffs: number[] = [];
  let current = await spawn();
  for (let k = 1; k <= KILLS; k++) {
    target.hold("s2");
    const ids: string[] = [];
    for (let i = 0; i < IN_FLIGHT; i++) ids.push((await newRun(chain, `kill${k}-${i}`)).runId);
    await target.waitForHeld(IN_FLIGHT); // every run is inside `current`, at its second call
    const next = await spawn();
    process.kill(-current.proc.pid!, "SIGKILL");
    const killedAt = Date.now();
    await current.exited;
    workers.splice(workers.indexOf(current), 1);
    target.release();
    const until = Date.now() + 120_000;
    for (;;) {
      const { rows } = await pool.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM run WHERE id = ANY($1::uuid[]) AND status = 'succeeded'`,
        [ids],
      );
      if (rows[0]!.n === ids.length) break;
      if (Date.now() > until) throw new Error(`kill ${k}: only ${rows[0]!.n} of ${ids.length} runs completed`);
      await sleep(200);
    }
    const { rows } = await pool.query<{ attempt_log: AttemptLogEntry[] }>(
      `SELECT attempt_log FROM step_run WHERE run_id = ANY($1::uuid[]) AND path = 's2'`,
      [ids],
    );
    const after = rows.map((r) => {
      const e = r.attempt_log.find((x) => x.outcome === "interrupted");
      if (!e) throw new Error(`kill ${k}: a run's s2 shows no interrupted attempt`);
      return Date.parse(e.at) - killedAt;
    });
    handoffs.push(...after);
    console.log(`kill ${k}: resumed after ${after.map((ms) => (ms / 1000).toFixed(1)).join(", ")} s`);
    current = next;
  }
  const dupHandoff = [...target.effects.values()].filter((n) => n > 1).length;
  if (KILLS > 0)
    console.log(
      `hand-off (${handoffs.length} runs, ${KILLS} kills): min ${(Math.min(...handoffs) / 1000).toFixed(1)} s, p50 ${(pct(handoffs, 0.5) / 1000).toFixed(1)} s, max ${(Math.max(...handoffs) / 1000).toFixed(1)} s — bound ${RUN_HANDOFF_BOUND_SECONDS} s; effects applied twice: ${dupHandoff}`,
    );
  console.log(`load ${load()}`);
  await killWorkers(workers);

  // ---------- 2. Postgres restart under load ----------
  target.hold(null);
  const survivor = await spawn();
  await sleep(500);
  const accepted: string[] = [];
  let refused = 0;
  let stopLoad = false;
  let downAt = 0;
  let upAt = 0;
  const inflight = new Set<Promise<void>>();
  const loadLoop = (async () => {
    const start = Date.now();
    for (let i = 0; !stopLoad; i++) {
      const wait = start + (i * 1000) / RATE - Date.now();
      if (wait > 1) await sleep(wait);
      const p = newRun(one, `pg-${i}`).then(
        (r) => void accepted.push(r.runId),
        () => void refused++,
      );
      inflight.add(p);
      void p.finally(() => inflight.delete(p));
    }
  })();
  await sleep(6000); // steady state before the outage
  const preFrom = Date.now() - 4000;
  downAt = Date.now();
  await emb.stop();
  const stoppedMs = Date.now() - downAt;
  await sleep(OUTAGE_S * 1000);
  emb = await startEmbeddedPostgres({ dataDir: tmp, database: "weft_recovery" });
  upAt = Date.now();
  console.log(
    `Postgres stopped (${stoppedMs} ms to stop), down ${((upAt - downAt) / 1000).toFixed(1)} s, restarted; load ${load()}`,
  );
  await sleep(20_000);
  stopLoad = true;
  await loadLoop;
  await Promise.all([...inflight]);

  // Drain: every accepted run must end succeeded.
  const until = Date.now() + 120_000;
  let done: number;
  for (;;) {
    done = (
      await pool.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM run WHERE id = ANY($1::uuid[]) AND status = 'succeeded'`,
        [accepted],
      )
    ).rows[0]!.n;
    if (done === accepted.length || Date.now() > until) break;
    await sleep(500);
  }
  const { rows: stuck } = await pool.query<{ status: string; n: number }>(
    `SELECT status, count(*)::int AS n FROM run WHERE id = ANY($1::uuid[]) AND status <> 'succeeded' GROUP BY status`,
    [accepted],
  );
  const { rows: fin } = await pool.query<{ t: number }>(
    `SELECT extract(epoch FROM finished_at) * 1000 AS t FROM run WHERE id = ANY($1::uuid[]) AND finished_at IS NOT NULL`,
    [accepted],
  );
  const times = fin.map((r) => Number(r.t));
  const pre = times.filter((t) => t >= preFrom && t < downAt).length / ((downAt - preFrom) / 1000);
  const firstAfter = Math.min(...times.filter((t) => t >= upAt));
  let fullAt: number | null = null;
  for (let w = upAt; w < upAt + 20_000; w += 100) {
    if (times.filter((t) => t >= w && t < w + 1000).length >= 0.9 * pre) {
      fullAt = w + 1000;
      break;
    }
  }
  const dup = [...target.effects.values()].filter((n) => n > 1).length;
  console.log(
    `pre-outage throughput ${pre.toFixed(1)} runs/s (offered ${RATE}/s); restart → first run completed ${((firstAfter - upAt) / 1000).toFixed(2)} s, → a 1 s window at ≥ 90 % of it ${fullAt ? `${((fullAt - upAt) / 1000).toFixed(2)} s` : "not within 20 s"}`,
  );
  console.log(
    `worker ${survivor.proc.exitCode === null ? "still running" : `exited with ${survivor.proc.exitCode}`}; runs accepted ${accepted.length} (refused while down: ${refused}); succeeded ${done}; not succeeded: ${stuck.map((s) => `${s.n} ${s.status}`).join(", ") || "none"}; effects applied twice: ${dup}`,
  );
  console.log(`load ${load()}`);

  await killWorkers(workers);
  target.release();
  await target.stop();
  await sender.stop({ graceful: false }).catch(() => undefined);
  await pool.end().catch(() => undefined);
  await emb.stop();
  await rm(tmp, { recursive: true, force: true });
  process.exit(done === accepted.length && dup === 0 && dupHandoff === 0 ? 0 : 1);
});
