// The kernel on real Postgres and pg-boss, driven by small programs written against its API (the DSL
// interpreter is tested on top of it elsewhere): memoization, classified retries with backoff and
// Retry-After, suspension and resume, durable waits, subflows, exactly-once emit → event-triggered flows.
import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { PgBoss } from "pg-boss";
import { createTestDatabase, type TestDatabase } from "../../testing/db";
import { runtimePool, type Pool } from "../sql";
import { createRun } from "../runs";
import { ensureTestSecrets, publishFlow, testBoss } from "../testing";
import { startRuntimeWorkers, type RuntimeWorkers } from "../worker";
import { StepError } from "../errors";
import type { Kernel, RetryPolicy } from "./kernel";
import type { Compile, RunEnv } from "./run";
import { syncTriggers } from "../triggers";
import { runRowSettled } from "../../testing/runs";

type Prog = (k: Kernel, env: RunEnv) => Promise<unknown>;

/** A tiny target system: counts effects per Idempotency-Key and fails on demand. */
function target() {
  const effects = new Map<string, number>();
  const calls: string[] = [];
  let failures: Array<{ status: number; retryAfter?: string }> = [];
  const server = http.createServer((req, res) => {
    const key = String(req.headers["idempotency-key"] ?? "");
    calls.push(key);
    const f = failures.shift();
    if (f) {
      res
        .writeHead(f.status, f.retryAfter ? { "retry-after": f.retryAfter } : {})
        .end(JSON.stringify({ error: "injected" }));
      return;
    }
    effects.set(key, (effects.get(key) ?? 0) + 1);
    res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ ok: true, key }));
  });
  return {
    effects,
    calls,
    fail: (list: Array<{ status: number; retryAfter?: string }>) => {
      failures = list;
    },
    start: () =>
      new Promise<string>((r) =>
        server.listen(0, "127.0.0.1", () => r(`http://127.0.0.1:${(server.address() as AddressInfo).port}`)),
      ),
    stop: () => new Promise<void>((r) => server.close(() => r())),
  };
}

async function post(url: string, key: string, signal: AbortSignal): Promise<unknown> {
  const res = await fetch(url, { method: "POST", headers: { "idempotency-key": key }, signal });
  const body = (await res.json()) as unknown;
  if (!res.ok)
    throw Object.assign(new Error(`HTTP ${res.status}`), {
      status: res.status,
      response: { status: res.status, headers: Object.fromEntries(res.headers) },
    });
  return body;
}

const transient = (n: number, initialDelayMs: number, jitter: RetryPolicy["jitter"] = "none"): RetryPolicy => ({
  on: ["transient"],
  maxAttempts: n,
  initialDelayMs,
  backoffRate: 2,
  maxDelayMs: 60_000,
  jitter,
});

describe("kernel", () => {
  let t: TestDatabase;
  let pool: Pool;
  let boss: PgBoss;
  let workers: RuntimeWorkers;
  let url = "";
  const tgt = target();
  const programs: Record<string, Prog> = {};
  const compile: Compile = (dsl) => {
    const name = (dsl as { program: string }).program;
    return {
      businessKeys: async (input) => ({ orderId: (input as { orderId?: string } | null)?.orderId ?? null }),
      execute: (k, env) => programs[name]!(k, env),
    };
  };

  beforeAll(async () => {
    ensureTestSecrets();
    t = await createTestDatabase();
    pool = runtimePool(t.url, 6);
    boss = await testBoss(t.url, { supervise: true });
    url = await tgt.start();
    workers = await startRuntimeWorkers(boss, {
      databaseUrl: t.url,
      compile,
      concurrency: 8,
      inlineDelayMaxMs: 250,
      triggerSyncSeconds: 0,
    });
  });
  afterAll(async () => {
    await workers.stop();
    await boss.stop({ graceful: false });
    await tgt.stop();
    await t.drop();
  });

  async function start(flowKey: string, prog: Prog, input: unknown = {}, dslExtra: Record<string, unknown> = {}) {
    programs[flowKey] = prog;
    const { flowId, versionId } = await publishFlow(pool, flowKey, {
      program: flowKey,
      trigger: { type: "manual" },
      ...dslExtra,
    });
    return (await createRun(pool, boss, { flowId, flowVersionId: versionId, triggerType: "manual", input })).runId;
  }

  const settled = (runId: string, ms = 20_000) => runRowSettled(pool, runId, ms);

  const steps = async (runId: string) =>
    (
      await pool.query(
        `SELECT path, status, attempts, attempt_log, idempotency_key, output, error FROM step_run WHERE run_id = $1 ORDER BY started_at, path`,
        [runId],
      )
    ).rows as Array<{
      path: string;
      status: string;
      attempts: number;
      attempt_log: Array<{ at: string; outcome: string; delayMs?: number; errorClass?: string }>;
      idempotency_key: string | null;
      output: unknown;
      error: { errorClass: string } | null;
    }>;

  it("runs steps once, records them, retries a transient failure in process with the same idempotency key", async () => {
    tgt.fail([{ status: 503 }]);
    const runId = await start(
      "memo",
      async (k) => {
        const a = await k.pure({ path: "a", stepId: "a", type: "map" }, () => ({ n: 1 }));
        const b = await k.step(
          { path: "b", stepId: "b", type: "call", effectful: true, retry: transient(3, 20) },
          ({ idempotencyKey, signal }) => post(url, idempotencyKey, signal),
        );
        return { a, b };
      },
      { orderId: "SO-1" },
    );
    const r = await settled(runId);
    expect(r.status).toBe("succeeded");
    expect(r.business_keys).toEqual({ orderId: "SO-1" });
    const s = await steps(runId);
    const b = s.find((x) => x.path === "b")!;
    expect(b.attempts).toBe(2);
    expect(b.attempt_log.map((e) => e.outcome)).toEqual(["failed", "succeeded"]);
    expect(tgt.calls.filter((c) => c === b.idempotency_key)).toHaveLength(2);
    expect(tgt.effects.get(b.idempotency_key!)).toBe(1);
  });

  it("backs off exponentially, honours Retry-After, and opens an exception when attempts run out", async () => {
    tgt.fail([{ status: 503 }, { status: 429, retryAfter: "1" }, { status: 503 }]);
    const runId = await start(
      "backoff",
      async (k) =>
        k.step(
          { path: "call", stepId: "call", type: "call", effectful: true, retry: transient(3, 100) },
          ({ idempotencyKey, signal }) => post(url, idempotencyKey, signal),
        ),
      { orderId: "SO-2" },
    );
    const r = await settled(runId);
    expect(r.status).toBe("failed");
    const [call] = await steps(runId);
    const delays = call!.attempt_log.map((e) => e.delayMs);
    // 100 ms after the first failure; the second said Retry-After: 1 s, which beats the computed 200 ms.
    expect(delays).toEqual([100, 1000, undefined]);
    const at = call!.attempt_log.map((e) => Date.parse(e.at));
    expect(at[2]! - at[1]!).toBeGreaterThanOrEqual(1000 - 50);
    const { rows } = await pool.query(
      `SELECT error_class, step_path, status, business_keys, response FROM exception WHERE run_id = $1`,
      [runId],
    );
    expect(rows).toEqual([
      expect.objectContaining({
        error_class: "transient",
        step_path: "call",
        status: "open",
        business_keys: { orderId: "SO-2" },
      }),
    ]);
  });

  it("does not retry a class the policy does not name", async () => {
    tgt.fail([{ status: 422 }]);
    const runId = await start("noretry", async (k) =>
      k.step(
        { path: "call", stepId: "call", type: "call", effectful: true, retry: transient(5, 10) },
        ({ idempotencyKey, signal }) => post(url, idempotencyKey, signal),
      ),
    );
    expect((await settled(runId)).status).toBe("failed");
    const [call] = await steps(runId);
    expect(call).toMatchObject({ attempts: 1, status: "failed", error: { errorClass: "validation" } });
  });

  it("suspends for a long backoff (re-enqueued with startAfter) and resumes without re-running completed steps", async () => {
    let firstRuns = 0;
    const runId = await start("suspend", async (k) => {
      await k.step(
        { path: "first", stepId: "first", type: "call", effectful: true },
        async ({ idempotencyKey, signal }) => {
          firstRuns++;
          const r = await post(url, idempotencyKey, signal);
          tgt.fail([{ status: 503 }]); // the next call, "second", fails once
          return r;
        },
      );
      return k.step(
        { path: "second", stepId: "second", type: "call", effectful: true, retry: transient(2, 600) },
        ({ idempotencyKey, signal }) => post(url, idempotencyKey, signal),
      );
    });
    expect((await settled(runId)).status).toBe("succeeded");
    expect(firstRuns).toBe(1);
    const s = await steps(runId);
    expect(s.find((x) => x.path === "second")!.attempt_log.map((e) => e.outcome)).toEqual(["failed", "succeeded"]);
  });

  it("times a step out with the timeout class", async () => {
    const runId = await start("timeout", async (k) =>
      k.step(
        { path: "slow", stepId: "slow", type: "call", effectful: true, timeoutMs: 100 },
        () => new Promise(() => undefined),
      ),
    );
    expect((await settled(runId)).status).toBe("failed");
    const [slow] = await steps(runId);
    expect(slow).toMatchObject({ status: "failed", error: { errorClass: "timeout" } });
    expect(slow!.attempt_log[0]!.outcome).toBe("timeout");
  });

  it("waits durably and continues after the timer", async () => {
    const runId = await start("wait", async (k) => {
      await k.wait({ path: "pause", stepId: "pause", type: "wait" }, new Date(Date.now() + 700));
      return "after";
    });
    const r = await settled(runId);
    expect(r).toMatchObject({ status: "succeeded", output: "after" });
  });

  it("runs a subflow as a child run and continues with its output", async () => {
    programs["child"] = async (_k, env) => ({ doubled: (env.run.input as { n: number }).n * 2 });
    await publishFlow(pool, "child", { program: "child", trigger: { type: "manual" } });
    const runId = await start("parent", async (k, env) => {
      const r = (await env.subflow({ path: "sub", stepId: "sub" }, "child", { n: 21 })) as {
        output: { doubled: number };
      };
      return k.pure({ path: "after", stepId: "after", type: "map" }, () => r.output.doubled);
    });
    expect(await settled(runId)).toMatchObject({ status: "succeeded", output: 42 });
    const { rows } = await pool.query(
      `SELECT status::text AS status, parent_run_id FROM run WHERE parent_run_id = $1`,
      [runId],
    );
    expect(rows).toEqual([{ status: "succeeded", parent_run_id: runId }]);
  });

  it("fails the parent with the child's error class when the subflow fails", async () => {
    programs["child-bad"] = async () => {
      throw new StepError({ errorClass: "business", message: "no" });
    };
    await publishFlow(pool, "child-bad", { program: "child-bad", trigger: { type: "manual" } });
    const runId = await start("parent-bad", async (_k, env) =>
      env.subflow({ path: "sub", stepId: "sub" }, "child-bad", {}),
    );
    const r = await settled(runId);
    expect(r.status).toBe("failed");
    expect(r.error).toMatchObject({ errorClass: "business", step: "sub" });
  });

  it("emits an event exactly once and starts each flow whose trigger is that event", async () => {
    programs["listener"] = async (_k, env) => ({ got: env.run.input });
    await publishFlow(pool, "listener", { program: "listener", trigger: { type: "event", event: "order.closed" } });
    await syncTriggers(pool, boss);
    const runId = await start("emitter", async (k) =>
      k.emit({ path: "emit", stepId: "emit", type: "emit" }, "order.closed", { orderId: "SO-9" }),
    );
    expect((await settled(runId)).status).toBe("succeeded");
    const until = Date.now() + 15_000;
    let rows: Array<{ id: string; input: unknown; trigger_type: string }> = [];
    while (Date.now() < until) {
      ({ rows } = await pool.query(
        `SELECT r.id, r.input, r.trigger_type FROM run r JOIN flow f ON f.id = r.flow_id WHERE f.key = 'listener'`,
      ));
      if (rows.length) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ input: { orderId: "SO-9" }, trigger_type: "event" });
    expect(await settled(rows[0]!.id)).toMatchObject({ status: "succeeded", output: { got: { orderId: "SO-9" } } });
  });
});
