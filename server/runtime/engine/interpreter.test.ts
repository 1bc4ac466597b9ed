// The DSL interpreter end to end: weft/1 documents executed by real workers on real Postgres/pg-boss,
// calling the real Salesforce sandbox (connectors/) through executeOperation, which counts effects per
// idempotency key. Each test fails when its behaviour is wrong: retry/backoff timing, Retry-After, catch
// routing, compensation order, foreach tolerated failures, timeouts, subflows, emit → event triggers.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { PgBoss } from "pg-boss";
import { createTestDatabase, type TestDatabase } from "../../testing/db";
import { runtimePool, type Pool } from "../sql";
import { createRun } from "../runs";
import { ensureTestSecrets, publishFlow, testBoss } from "../testing";
import { startRuntimeWorkers, type RuntimeWorkers } from "../worker";
import { syncTriggers } from "../triggers";
import { createSalesforceSandbox } from "../../../connectors/salesforce/sandbox";
import { seal } from "../../connections/secret-box";
import type { Sandbox } from "../../../connectors/sandbox-kit/server";
import { runRowSettled } from "../../testing/runs";

type Doc = Record<string, unknown>;

function doc(key: string, start: string, steps: unknown[], extra: Doc = {}): Doc {
  return {
    dsl: "weft/1",
    key,
    version: "1.0.0",
    name: key,
    description: "",
    domain: "customer",
    owner: "platform",
    classification: "internal",
    trigger: { type: "manual" },
    start,
    steps,
    ...extra,
  };
}

const create = (id: string, name: string, extra: Doc = {}) => ({
  id,
  type: "call",
  connector: "salesforce",
  operation: "createRecord",
  connection: "sf",
  input: { sobject: '"Account"', "fields.Name": name },
  ...extra,
});

describe("DSL interpreter", () => {
  let t: TestDatabase;
  let pool: Pool;
  let boss: PgBoss;
  let workers: RuntimeWorkers;
  let sandbox: Sandbox;
  const savedAllow = process.env.WEFT_HTTP_ALLOWLIST;

  beforeAll(async () => {
    ensureTestSecrets();
    t = await createTestDatabase();
    pool = runtimePool(t.url, 6);
    sandbox = createSalesforceSandbox().sandbox;
    await sandbox.start("127.0.0.1", 0);
    process.env.WEFT_HTTP_ALLOWLIST = new URL(sandbox.baseUrl).host;
    await pool.query(
      `INSERT INTO connection (id, key, name, connector_key, config, secrets_enc, updated_at) VALUES (gen_random_uuid(), 'sf', 'SF', 'salesforce', $1, $2, now())`,
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
    boss = await testBoss(t.url, { supervise: true });
    workers = await startRuntimeWorkers(boss, {
      databaseUrl: t.url,
      concurrency: 8,
      inlineDelayMaxMs: 300,
      triggerSyncSeconds: 0,
    });
  });
  afterAll(async () => {
    await workers.stop();
    await boss.stop({ graceful: false });
    await sandbox.close();
    process.env.WEFT_HTTP_ALLOWLIST = savedAllow;
    await t.drop();
  });

  async function run(d: Doc, input: unknown = {}): Promise<string> {
    const { flowId, versionId } = await publishFlow(pool, d.key as string, d, { version: d.version as string });
    return (await createRun(pool, boss, { flowId, flowVersionId: versionId, triggerType: "manual", input })).runId;
  }

  const settled = (runId: string, ms = 20_000) => runRowSettled(pool, runId, ms);

  const step = async (runId: string, path: string) =>
    (
      await pool.query(
        `SELECT status, attempts, attempt_log, idempotency_key, output, error, started_at FROM step_run WHERE run_id = $1 AND path = $2`,
        [runId, path],
      )
    ).rows[0] as {
      status: string;
      attempts: number;
      attempt_log: Array<{ outcome: string; delayMs?: number; at: string; errorClass?: string }>;
      idempotency_key: string;
      output: Record<string, unknown>;
      error: { errorClass: string; code?: string } | null;
    };

  const faults = (f: Doc) =>
    fetch(`${sandbox.baseUrl}/__sandbox/faults`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(f),
    });
  const clearFaults = () => fetch(`${sandbox.baseUrl}/__sandbox/faults`, { method: "DELETE" });

  it("map → call → map → emit: runs each step once, maps data through, and the event starts its listener", async () => {
    await publishFlow(
      pool,
      "listener",
      doc("listener", "got", [{ id: "got", type: "map", output: { account: "$trigger.accountId" } }], {
        trigger: { type: "event", event: "crm.account.created" },
      }),
    );
    await syncTriggers(pool, boss);
    const runId = await run(
      doc(
        "account-sync",
        "shape",
        [
          {
            id: "shape",
            type: "map",
            output: { name: "'Acme ' & $trigger.customer", number: "$trigger.number" },
            next: "post",
          },
          create("post", "$steps.shape.output.name", { next: "result" }),
          {
            id: "result",
            type: "map",
            output: { accountId: "$steps.post.output.id", customer: "$trigger.customer" },
            next: "announce",
          },
          { id: "announce", type: "emit", event: "crm.account.created", payload: "$steps.result.output" },
        ],
        {
          businessKeys: { customer: "$trigger.number", account: "$steps.post.output.id" },
          output: "$steps.result.output",
        },
      ),
      { customer: "Corp", number: "CUST-9" },
    );
    const r = await settled(runId);
    expect(r.status).toBe("succeeded");
    expect(r.output).toMatchObject({ customer: "Corp", accountId: expect.stringMatching(/^001/) });
    expect(r.business_keys).toEqual({ customer: "CUST-9", account: r.output.accountId });
    const post = await step(runId, "post");
    expect(sandbox.effects.get(post.idempotency_key)).toEqual({ calls: 1, effects: 1 });
    const until = Date.now() + 15_000;
    let rows: Array<{ id: string }> = [];
    while (!rows.length && Date.now() < until) {
      ({ rows } = await pool.query(`SELECT r.id FROM run r JOIN flow f ON f.id = r.flow_id WHERE f.key = 'listener'`));
      await new Promise((res) => setTimeout(res, 50));
    }
    expect(rows).toHaveLength(1);
    expect((await settled(rows[0]!.id)).output).toEqual({ account: r.output.accountId });
  });

  it("retries transient failures with exponential backoff and honours Retry-After; the effect happens once", async () => {
    await faults({
      pathPattern: "sobjects",
      next: [
        { status: 503, retryAfterSeconds: 0, times: 1 },
        { status: 429, retryAfterSeconds: 1, times: 1 },
      ],
    });
    const runId = await run(
      doc("retrying", "post", [
        create("post", "'Retry Co'", { retry: { maxAttempts: 4, interval: "100ms", backoffRate: 3, jitter: "none" } }),
      ]),
    );
    const r = await settled(runId);
    await clearFaults();
    expect(r.status).toBe("succeeded");
    const post = await step(runId, "post");
    expect(post.attempt_log.map((a) => a.outcome)).toEqual(["failed", "failed", "succeeded"]);
    // 100 ms after the 503; the 429 said Retry-After: 1 s, more than the computed 300 ms.
    expect(post.attempt_log.map((a) => a.delayMs)).toEqual([100, 1000, undefined]);
    const at = post.attempt_log.map((a) => Date.parse(a.at));
    expect(at[1]! - at[0]!).toBeGreaterThanOrEqual(100);
    expect(at[2]! - at[1]!).toBeGreaterThanOrEqual(1000 - 50);
    expect(sandbox.effects.get(post.idempotency_key)?.effects).toBe(1);
  });

  it("does not retry what the policy does not name, and routes the failure to the matching catch", async () => {
    const runId = await run(
      doc("catching", "post", [
        create("post", "null", {
          retry: { maxAttempts: 5, interval: "100ms" },
          catch: [
            { errors: ["auth"], next: "wrong" },
            { errors: ["validation"], next: "handle" },
          ],
        }),
        { id: "wrong", type: "map", output: "'auth route'" },
        { id: "handle", type: "map", output: { handled: "$error.errorClass", step: "$error.stepId" } },
      ]),
    );
    const r = await settled(runId);
    expect(r, JSON.stringify(r.error)).toMatchObject({
      status: "succeeded",
      output: { handled: "validation", step: "post" },
    });
    expect((await step(runId, "post")).attempts).toBe(1);
    expect(await step(runId, "wrong")).toBeUndefined();
  });

  it("a catch route with an output stands in for the failed step's output, and the run goes on", async () => {
    const runId = await run(
      doc("continued", "post", [
        create("post", "null", {
          catch: [{ errors: ["any"], next: "after", output: { error: "$error.message", class: "$error.errorClass" } }],
          next: "after",
        }),
        { id: "after", type: "map", output: { seen: "$steps.post.output" } },
      ]),
    );
    const r = await settled(runId);
    expect(r, JSON.stringify(r.error)).toMatchObject({
      status: "succeeded",
      output: { seen: { class: "validation" } },
    });
    expect(typeof (r.output as { seen: { error: unknown } }).seen.error).toBe("string");
    expect((await step(runId, "post")).status).toBe("failed");
  });

  it("a failure no catch matches fails the run with an exception of its class", async () => {
    const runId = await run(
      doc("uncaught", "post", [
        create("post", "null", { catch: [{ errors: ["auth"], next: "x" }] }),
        { id: "x", type: "map", output: "1" },
      ]),
    );
    const r = await settled(runId);
    expect(r.status).toBe("failed");
    const { rows } = await pool.query(`SELECT error_class, step_path FROM exception WHERE run_id = $1`, [runId]);
    expect(rows).toEqual([{ error_class: "validation", step_path: "post" }]);
  });

  it("compensates completed steps in reverse order when a later step fails", async () => {
    const writesBefore = sandbox.writes.length;
    const update = (id: string, target: string, name: string) => ({
      id,
      type: "call",
      connector: "salesforce",
      operation: "updateRecord",
      connection: "sf",
      input: { sobject: '"Account"', id: `$steps.${target}.output.id`, "fields.Name": name },
    });
    const runId = await run(
      doc("saga", "a", [
        create("a", "'Saga A'", { compensate: "undoA", next: "b" }),
        create("b", "'Saga B'", { compensate: "undoB", next: "check" }),
        { id: "check", type: "fail", code: "credit_hold", message: "Customer is on credit hold" },
        update("undoA", "a", "'Saga A (undone)'"),
        update("undoB", "b", "'Saga B (undone)'"),
      ]),
    );
    const r = await settled(runId);
    expect(r.status).toBe("failed");
    expect(r.error).toMatchObject({ errorClass: "business", code: "credit_hold" });
    const idA = (await step(runId, "a")).output.id;
    const idB = (await step(runId, "b")).output.id;
    const writes = sandbox.writes.slice(writesBefore).map((w) => `${w.action} ${w.id}`);
    // B was done last, so it is undone first.
    expect(writes).toEqual([`create ${idA}`, `create ${idB}`, `update ${idB}`, `update ${idA}`]);
    expect((await step(runId, "a")).status).toBe("compensated");
    expect((await step(runId, "a~compensate")).status).toBe("succeeded");
  });

  it("foreach tolerates failures up to the configured share, and fails beyond it", async () => {
    const body = { start: "post", steps: [create("post", "$item.name")] };
    const items = { lines: [{ name: "L1" }, { name: null }, { name: "L3" }, { name: "L4" }] };
    const ok = await run(
      doc("fe-ok", "each", [
        { id: "each", type: "foreach", items: "$trigger.lines", maxConcurrency: 2, toleratedFailurePercent: 30, body },
      ]),
      items,
    );
    const r1 = await settled(ok);
    expect(r1.status).toBe("succeeded");
    expect(r1.output).toMatchObject({ failures: [{ index: 1, errorClass: "validation" }] });
    expect((r1.output.results as unknown[]).filter(Boolean)).toHaveLength(3);
    const bad = await run(
      doc("fe-bad", "each", [
        { id: "each", type: "foreach", items: "$trigger.lines", maxConcurrency: 2, toleratedFailurePercent: 20, body },
      ]),
      items,
    );
    const r2 = await settled(bad);
    expect(r2.status).toBe("failed");
    expect((await step(bad, "each[1].post")).status).toBe("failed");
    expect((await step(bad, "each[2].post")).status).toBe("succeeded");
  });

  it("times out a step that takes longer than its timeout", async () => {
    await faults({ pathPattern: "sobjects", latencyMs: 2500 });
    const runId = await run(doc("slow", "post", [create("post", "'Slow Co'", { timeout: "1s" })]));
    const r = await settled(runId);
    await clearFaults();
    expect(r.status).toBe("failed");
    const post = await step(runId, "post");
    expect(post.error).toMatchObject({ errorClass: "timeout" });
    expect(post.attempt_log[0]!.outcome).toBe("timeout");
  });

  it("runs a subflow on the newest version in its range and continues with its output", async () => {
    await publishFlow(
      pool,
      "child-calc",
      doc("child-calc", "calc", [{ id: "calc", type: "map", output: "$trigger.n * 2" }], {
        output: { doubled: "$steps.calc.output" },
      }),
      { version: "1.0.0" },
    );
    await publishFlow(
      pool,
      "child-calc",
      doc("child-calc", "calc", [{ id: "calc", type: "map", output: "$trigger.n * 3" }], {
        version: "1.1.0",
        output: { doubled: "$steps.calc.output" },
      }),
      { version: "1.1.0" },
    );
    await publishFlow(
      pool,
      "child-calc",
      doc("child-calc", "calc", [{ id: "calc", type: "map", output: "$trigger.n * 100" }], {
        version: "2.0.0",
        output: { doubled: "$steps.calc.output" },
      }),
      { version: "2.0.0" },
    );
    const runId = await run(
      doc("parent-calc", "sub", [
        { id: "sub", type: "subflow", flow: "child-calc", version: "^1.0.0", input: { n: "$trigger.n" }, next: "use" },
        { id: "use", type: "map", output: "$steps.sub.output.doubled + 1" },
      ]),
      { n: 7 },
    );
    expect(await settled(runId)).toMatchObject({ status: "succeeded", output: 22 }); // 1.1.0: 7 × 3 + 1
  });

  it("switch takes the first matching case, parallel joins all branches, wait resumes later", async () => {
    const runId = await run(
      doc("routing", "route", [
        {
          id: "route",
          type: "switch",
          cases: [
            { when: "$trigger.amount > 1000", next: "big" },
            { when: "$trigger.amount > 10", next: "mid" },
          ],
          default: "small",
        },
        { id: "big", type: "map", output: "'big'" },
        { id: "small", type: "map", output: "'small'" },
        { id: "mid", type: "map", output: "'mid'", next: "both" },
        {
          id: "both",
          type: "parallel",
          join: "all",
          branches: [
            { name: "left", start: "l", steps: [{ id: "l", type: "map", output: "1" }] },
            {
              name: "right",
              start: "r",
              steps: [
                { id: "r", type: "wait", duration: "600ms", next: "r2" },
                { id: "r2", type: "map", output: "2" },
              ],
            },
          ],
          next: "sum",
        },
        {
          id: "sum",
          type: "map",
          output: "$steps.both.output.left + $steps.both.output.right & ' ' & $steps.mid.output",
        },
      ]),
      { amount: 50 },
    );
    expect(await settled(runId)).toMatchObject({ status: "succeeded", output: "3 mid" });
    expect(await step(runId, "big")).toBeUndefined();
    expect((await step(runId, "both.right.r")).status).toBe("succeeded");
  });

  it("runs with the same concurrency key never execute at the same time", async () => {
    await faults({ pathPattern: "sobjects", latencyMs: 300 });
    const d = doc("per-project", "post", [create("post", "$trigger.name")], {
      concurrency: { key: "$trigger.project" },
    });
    const { flowId, versionId } = await publishFlow(pool, "per-project", d);
    const { createRun: create2 } = await import("../runs");
    const { evaluateKey } = await import("../dsl-view");
    const ids: string[] = [];
    for (let i = 0; i < 4; i++) {
      const input = { project: "P-1", name: `Same ${i}` };
      ids.push(
        (
          await create2(pool, boss, {
            flowId,
            flowVersionId: versionId,
            triggerType: "manual",
            input,
            concurrencyKey: `per-project:${await evaluateKey("$trigger.project", input)}`,
          })
        ).runId,
      );
    }
    for (const id of ids) expect((await settled(id)).status).toBe("succeeded");
    await clearFaults();
    const { rows } = await pool.query<{ s: Date; f: Date }>(
      `SELECT started_at AS s, finished_at AS f FROM step_run WHERE run_id = ANY($1::uuid[]) AND path = 'post' ORDER BY started_at`,
      [ids],
    );
    expect(rows).toHaveLength(4);
    for (let i = 1; i < rows.length; i++) expect(rows[i]!.s.getTime()).toBeGreaterThanOrEqual(rows[i - 1]!.f.getTime());
  });

  it("an event trigger's filter decides which events start a run", async () => {
    await publishFlow(
      pool,
      "big-only",
      doc("big-only", "got", [{ id: "got", type: "map", output: "$trigger.amount" }], {
        trigger: { type: "event", event: "erp.invoice.posted", filter: "amount > 100" },
      }),
    );
    await syncTriggers(pool, boss);
    const emitter = (amount: number) =>
      doc(`emit-${amount}`, "e", [
        { id: "e", type: "emit", event: "erp.invoice.posted", payload: { amount: `${amount}` } },
      ]);
    expect((await settled(await run(emitter(50)))).status).toBe("succeeded");
    expect((await settled(await run(emitter(500)))).status).toBe("succeeded");
    const until = Date.now() + 15_000;
    let rows: Array<{ input: { amount: number } }>;
    while (Date.now() < until) {
      ({ rows } = await pool.query(
        `SELECT r.input FROM run r JOIN flow f ON f.id = r.flow_id WHERE f.key = 'big-only'`,
      ));
      if (rows.length) break;
      await new Promise((res) => setTimeout(res, 50));
    }
    await new Promise((res) => setTimeout(res, 500)); // the small one, had it passed, would be there by now
    ({ rows } = await pool.query(`SELECT r.input FROM run r JOIN flow f ON f.id = r.flow_id WHERE f.key = 'big-only'`));
    expect(rows.map((r) => r.input.amount)).toEqual([500]);
  });

  it("a schedule trigger starts runs through boss.schedule, and stops when the flow is retired", async () => {
    const cron = await testBoss(t.url, { schedule: true });
    try {
      await publishFlow(
        pool,
        "every-2s",
        doc("every-2s", "tick", [{ id: "tick", type: "map", output: "$trigger.firedAt" }], {
          trigger: { type: "schedule", cron: "*/2 * * * * *", timezone: "Europe/Amsterdam" },
        }),
      );
      expect((await syncTriggers(pool, boss)).schedules).toContain("every-2s");
      const until = Date.now() + 20_000;
      let rows: Array<{ id: string; trigger_type: string }> = [];
      while (!rows.length && Date.now() < until) {
        ({ rows } = await pool.query(
          `SELECT r.id, r.trigger_type FROM run r JOIN flow f ON f.id = r.flow_id WHERE f.key = 'every-2s'`,
        ));
        await new Promise((res) => setTimeout(res, 100));
      }
      expect(rows[0]?.trigger_type).toBe("schedule");
      expect((await settled(rows[0]!.id)).output).toEqual(expect.stringMatching(/^\d{4}-/));
      await pool.query(`UPDATE flow SET lifecycle = 'retired' WHERE key = 'every-2s'`);
      expect((await syncTriggers(pool, boss)).schedules).not.toContain("every-2s");
      expect(await boss.getSchedules("weft.schedule", "every-2s")).toEqual([]);
    } finally {
      await cron.stop({ graceful: false });
    }
  });

  it("onFailure routes a failed run to a team's exception queue, or to a failure-handler flow instead", async () => {
    await pool.query(
      `INSERT INTO team (id, key, name) VALUES (gen_random_uuid(), 'finance', 'Finance') ON CONFLICT (key) DO NOTHING`,
    );
    const failing = (key: string, onFailure: Doc) =>
      doc(key, "no", [{ id: "no", type: "fail", code: "blocked", message: "Blocked" }], { onFailure });
    const a = await run(failing("to-finance", { type: "exception-queue", assignTo: "finance" }));
    expect((await settled(a)).status).toBe("failed");
    const { rows } = await pool.query(
      `SELECT t.key FROM exception e JOIN team t ON t.id = e.assignee_team_id WHERE e.run_id = $1`,
      [a],
    );
    expect(rows).toEqual([{ key: "finance" }]);

    await publishFlow(
      pool,
      "on-failure",
      doc("on-failure", "note", [{ id: "note", type: "map", output: "$trigger.failedRun.error.code" }]),
    );
    const b = await run(failing("to-handler", { type: "flow", flow: "on-failure" }));
    expect((await settled(b)).status).toBe("failed");
    expect((await pool.query(`SELECT 1 FROM exception WHERE run_id = $1`, [b])).rows).toHaveLength(0);
    const { rows: handled } = await pool.query<{ id: string }>(
      `SELECT r.id FROM run r JOIN flow f ON f.id = r.flow_id WHERE f.key = 'on-failure'`,
    );
    expect(handled).toHaveLength(1);
    expect((await settled(handled[0]!.id)).output).toBe("blocked");
  });

  it("a step's concurrency key lets only one run at a time execute that step for the key", async () => {
    await faults({ pathPattern: "sobjects", latencyMs: 250 });
    const d = doc("step-key", "post", [create("post", "$trigger.name", { concurrencyKey: "$trigger.customer" })]);
    const { flowId, versionId } = await publishFlow(pool, "step-key", d);
    const ids: string[] = [];
    for (let i = 0; i < 4; i++)
      ids.push(
        (
          await createRun(pool, boss, {
            flowId,
            flowVersionId: versionId,
            triggerType: "manual",
            input: { customer: "C-1", name: `Keyed ${i}` },
          })
        ).runId,
      );
    for (const id of ids) expect((await settled(id)).status).toBe("succeeded");
    await clearFaults();
    const { rows } = await pool.query<{ s: Date; f: Date }>(
      `SELECT started_at AS s, finished_at AS f FROM step_run WHERE run_id = ANY($1::uuid[]) AND path = 'post' ORDER BY started_at`,
      [ids],
    );
    expect(rows).toHaveLength(4);
    for (let i = 1; i < rows.length; i++) expect(rows[i]!.s.getTime()).toBeGreaterThanOrEqual(rows[i - 1]!.f.getTime());
  });

  // Names that are also Object.prototype's (`__proto__`, `constructor`, …): step ids are refused by the
  // validator (reserved-id), but branch names and business-key names may take them, and the runtime keeps
  // what they hold (on a plain object `__proto__` would replace the prototype and the value would be lost).
  it("branches and business keys called __proto__, constructor or hasOwnProperty keep their values", async () => {
    const d = doc(
      "proto-names",
      "par",
      [
        {
          id: "par",
          type: "parallel",
          join: "all",
          next: "done",
          branches: [
            { name: "__proto__", start: "p1", steps: [{ id: "p1", type: "map", output: "1" }] },
            {
              name: "constructor",
              start: "c1",
              steps: [
                { id: "c1", type: "wait", duration: "10ms", next: "c2" },
                { id: "c2", type: "map", output: "2" },
              ],
            },
            { name: "hasOwnProperty", start: "h1", steps: [{ id: "h1", type: "map", output: "3" }] },
          ],
        },
        {
          id: "done",
          type: "map",
          output: {
            a: "$steps.par.output.`__proto__`",
            b: "$steps.par.output.constructor",
            c: "$steps.par.output.hasOwnProperty",
          },
        },
      ],
      {
        businessKeys: JSON.parse(
          '{"__proto__":"$steps.done.output.a","constructor":"$steps.done.output.b","hasOwnProperty":"$steps.done.output.c"}',
        ),
        output: "$steps.done.output",
      },
    );
    const r = await settled(await run(d));
    expect(r.error).toBeNull();
    expect(r).toMatchObject({ status: "succeeded", output: { a: 1, b: 2, c: 3 } });
    expect(JSON.stringify(r.business_keys)).toBe('{"__proto__":1,"constructor":2,"hasOwnProperty":3}');
  });

  it("a document with a step called __proto__ fails to start with a validation error naming the step", async () => {
    const r = await settled(await run(doc("proto-step", "__proto__", [{ id: "__proto__", type: "map", output: "1" }])));
    expect(r.status).toBe("failed");
    expect(r.error).toMatchObject({
      errorClass: "validation",
      message: expect.stringContaining("'__proto__' is a reserved word"),
    });
  });
});
