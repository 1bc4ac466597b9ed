// Proof of durability with real worker processes (scripts/worker.ts), real Postgres, real pg-boss and an
// idempotent HTTP target that counts effects per idempotency key:
//   - SIGKILL a worker while calls are in flight: another worker completes every run, no effect twice;
//   - SIGTERM a worker while calls are in flight: it hands its runs on and exits 0, another completes them;
//   - cut the workers' database connections mid-run: they reconnect and every run completes;
//   - a burst of 5,000 signed webhook calls through the real route, 10% duplicates: exactly the unique
//     ones run, each once.
import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { PgBoss } from "pg-boss";
import { createTestDatabase, type TestDatabase } from "../testing/db";
import { runtimePool, type Pool } from "./sql";
import { createRun } from "./runs";
import { ensureTestSecrets, publishFlow, setWebhookSecret, testBoss } from "./testing";
import { startTestTarget, type TestTarget } from "./test-target";
import { signWebhook, SIGNATURE_HEADER, TIMESTAMP_HEADER } from "./ingress";
import { ensureRuntimeQueues } from "./queues";
import { killWorkers, spawnWorker, type Worker } from "./worker-processes";

describe("durability with worker processes", () => {
  let t: TestDatabase;
  let pool: Pool;
  let supervisor: PgBoss;
  let target: TestTarget;
  const workers: Worker[] = [];
  const savedUrl = process.env.DATABASE_URL;

  const startWorker = (extraEnv: Record<string, string> = {}) =>
    spawnWorker(workers, { url: t.url, targetUrl: target.url, env: extraEnv });

  async function allSucceeded(runIds: string[], timeoutMs = 90_000): Promise<void> {
    const until = Date.now() + timeoutMs;
    for (;;) {
      const { rows } = await pool.query<{ status: string; n: number }>(
        `SELECT status::text AS status, count(*)::int AS n FROM run WHERE id = ANY($1::uuid[]) GROUP BY 1`,
        [runIds],
      );
      const done = rows.find((r) => r.status === "succeeded")?.n ?? 0;
      if (done === runIds.length) return;
      if (rows.some((r) => r.status === "failed")) throw new Error(`runs failed: ${JSON.stringify(rows)}`);
      if (Date.now() > until) throw new Error(`not all runs succeeded: ${JSON.stringify(rows)}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  /** Every step of every run applied its effect exactly once, keyed by the step's idempotency key. */
  async function expectEffectsOnce(runIds: string[], stepsPerRun: number) {
    const { rows } = await pool.query<{ idempotency_key: string }>(
      `SELECT idempotency_key FROM step_run WHERE run_id = ANY($1::uuid[]) AND idempotency_key IS NOT NULL`,
      [runIds],
    );
    expect(rows).toHaveLength(runIds.length * stepsPerRun);
    for (const r of rows) expect(target.effects.get(r.idempotency_key), r.idempotency_key).toBe(1);
    return rows.map((r) => r.idempotency_key);
  }

  beforeAll(async () => {
    ensureTestSecrets();
    t = await createTestDatabase();
    process.env.DATABASE_URL = t.url;
    pool = runtimePool(t.url, 8);
    // Any pg-boss instance may supervise; this one checks expiry and heartbeats every second.
    supervisor = await testBoss(t.url, { supervise: true });
    await ensureRuntimeQueues(supervisor);
    target = await startTestTarget();
    await publishFlow(pool, "chain", { program: "chain", steps: 4, trigger: { type: "manual" } });
  });

  afterAll(async () => {
    target.release();
    await killWorkers(workers);
    await supervisor.stop({ graceful: false });
    const g = globalThis as unknown as { __weftBoss?: Promise<PgBoss> };
    await (await g.__weftBoss)?.stop({ graceful: false }).catch(() => undefined);
    await target.stop();
    process.env.DATABASE_URL = savedUrl;
    await t.drop();
  });

  async function startRuns(n: number, prefix: string): Promise<string[]> {
    const { rows } = await pool.query<{ flow_id: string; id: string }>(
      `SELECT v.flow_id, v.id FROM flow_version v JOIN flow f ON f.id = v.flow_id WHERE f.key = 'chain'`,
    );
    const ids: string[] = [];
    for (let i = 0; i < n; i++)
      ids.push(
        (
          await createRun(pool, supervisor, {
            flowId: rows[0]!.flow_id,
            flowVersionId: rows[0]!.id,
            triggerType: "manual",
            input: { orderId: `${prefix}-${i}` },
          })
        ).runId,
      );
    return ids;
  }

  it("SIGKILL mid-run: another worker completes every run and no effect happens twice", async () => {
    target.hold("s2");
    const a = await startWorker();
    const runIds = await startRuns(12, "kill");
    await target.waitForHeld(4); // calls to step 2 are in flight inside worker A
    process.kill(-a.proc.pid!, "SIGKILL");
    await a.exited;
    target.release();
    await startWorker();
    await allSucceeded(runIds);
    const keys = await expectEffectsOnce(runIds, 4);
    // The calls that were in flight when A died were made again by B with the same key, and de-duplicated.
    const repeated = keys.filter((k) => (target.calls.get(k) ?? 0) > 1);
    expect(repeated.length).toBeGreaterThanOrEqual(4);
    const { rows } = await pool.query(
      `SELECT count(*)::int AS n FROM step_run WHERE run_id = ANY($1::uuid[]) AND attempt_log @> '[{"outcome":"interrupted"}]'`,
      [runIds],
    );
    expect(rows[0].n).toBeGreaterThanOrEqual(4);
  }, 120_000);

  it("SIGTERM mid-run: the worker hands its runs on and exits 0; another worker completes them, no effect twice", async () => {
    await killWorkers(workers);
    target.hold("s2");
    const a = await startWorker();
    const runIds = await startRuns(8, "term");
    await target.waitForHeld(4);
    let out = "";
    a.proc.stdout!.on("data", (d: Buffer) => (out += d.toString()));
    process.kill(-a.proc.pid!, "SIGTERM");
    // The in-flight calls finish (released here), each run checkpoints and is handed on instead of holding the stop.
    setTimeout(() => target.release(), 500);
    expect(await a.exited).toBe(0);
    expect(out).toContain("stopped");
    const { rows: pending } = await pool.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM run WHERE id = ANY($1::uuid[]) AND status <> 'succeeded'`,
      [runIds],
    );
    expect(pending[0]!.n).toBeGreaterThan(0); // runs were left for another worker, not finished during the stop
    const port = 20_000 + (process.pid % 20_000);
    await startWorker({ WEFT_METRICS_PORT: String(port) });
    await allSucceeded(runIds);
    await expectEffectsOnce(runIds, 4);
    // The worker that ran them reports them on its own metrics port.
    const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    const succeeded = [...text.matchAll(/^weft_runs_total\{[^}]*status="succeeded"[^}]*\} (\d+)/gm)].reduce(
      (n, m) => n + Number(m[1]),
      0,
    );
    expect(succeeded).toBeGreaterThanOrEqual(pending[0]!.n);
    expect(text).toMatch(/^weft_step_duration_seconds_count\{/m);
  }, 120_000);

  it("cutting the workers' database connections mid-run: they reconnect and every run completes", async () => {
    target.hold("s3");
    const runIds = await startRuns(12, "cut");
    await target.waitForHeld(3);
    const { rows } = await pool.query<{ n: number }>(
      `SELECT count(pg_terminate_backend(pid))::int AS n FROM pg_stat_activity
        WHERE datname = current_database() AND pid <> pg_backend_pid() AND application_name IN ('weft-worker', 'weft-worker-runs', 'weft-runtime-weft-worker')`,
    );
    expect(rows[0]!.n).toBeGreaterThan(0);
    target.release();
    await allSucceeded(runIds);
    await expectEffectsOnce(runIds, 4);
  }, 120_000);

  it("a burst of 5,000 signed webhook calls with 10% duplicates runs exactly the unique ones, each once", async () => {
    await publishFlow(pool, "burst", {
      program: "chain",
      steps: 1,
      trigger: { type: "webhook", idempotencyKey: "$trigger.body.eventId" },
    });
    await setWebhookSecret(pool, "burst", "burst-secret-0123456789");
    await startWorker(); // two workers share the burst
    const { POST } = await import("../../app/api/hooks/[flowKey]/route");
    // The real route handler behind a plain HTTP server (what Next.js does for it in production).
    const server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        const request = new Request(`http://localhost${req.url}`, {
          method: "POST",
          headers: req.headers as Record<string, string>,
          body: Buffer.concat(chunks),
        });
        void POST(request, { params: Promise.resolve({ flowKey: req.url!.split("/").pop()! }) }).then(async (r) => {
          res.writeHead(r.status, { "content-type": "application/json" }).end(await r.text());
        });
      });
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/hooks/burst`;

    const TOTAL = 5000;
    const unique = 4500;
    // 4,500 distinct events, then 500 repeats of earlier ones spread through the stream.
    const events: number[] = Array.from({ length: unique }, (_, i) => i);
    for (let d = 0; d < TOTAL - unique; d++)
      events.splice(Math.floor(((d + 1) * events.length) / (TOTAL - unique + 1)) + 1, 0, (d * 9) % unique);
    expect(events).toHaveLength(TOTAL);
    const runIdOf = new Map<number, string>();
    const agent = new http.Agent({ keepAlive: true, maxSockets: 32 });
    const postOne = (ev: number) =>
      new Promise<{ status: number; body: { runId: string; duplicate: boolean } }>((resolve, reject) => {
        const body = JSON.stringify({ eventId: `evt-${ev}`, orderId: `SO-${ev}` });
        const ts = Math.floor(Date.now() / 1000);
        const req = http.request(
          base,
          {
            method: "POST",
            agent,
            headers: {
              "content-type": "application/json",
              [TIMESTAMP_HEADER]: String(ts),
              [SIGNATURE_HEADER]: signWebhook("burst-secret-0123456789", ts, body),
            },
          },
          (res) => {
            let text = "";
            res.on("data", (c: Buffer) => (text += c.toString()));
            res.on("end", () =>
              resolve({ status: res.statusCode!, body: JSON.parse(text) as { runId: string; duplicate: boolean } }),
            );
          },
        );
        req.on("error", reject);
        req.end(body);
      });
    let next = 0;
    let duplicates = 0;
    const lane = async () => {
      while (next < events.length) {
        const ev = events[next++]!;
        const r = await postOne(ev);
        expect(r.status).toBe(202);
        if (r.body.duplicate) duplicates++;
        const seen = runIdOf.get(ev);
        if (seen) expect(r.body.runId).toBe(seen);
        else runIdOf.set(ev, r.body.runId);
      }
    };
    // Duplicates in flight at the same time as their original are the hard case: lanes overlap them.
    await Promise.all(Array.from({ length: 32 }, lane));
    agent.destroy();
    server.close();
    expect(duplicates).toBe(TOTAL - unique);
    const runIds = [...new Set(runIdOf.values())];
    expect(runIds).toHaveLength(unique);
    const { rows } = await pool.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM run r JOIN flow f ON f.id = r.flow_id WHERE f.key = 'burst'`,
    );
    expect(rows[0]!.n).toBe(unique);
    await allSucceeded(runIds, 150_000);
    const keys = await expectEffectsOnce(runIds, 1);
    expect(keys.every((k) => target.calls.get(k) === 1)).toBe(true); // each ran once: no call was even repeated
  }, 240_000);
});
