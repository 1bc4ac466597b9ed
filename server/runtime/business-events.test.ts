// Business events end to end: a flow's declared facts are written with the step's success by real workers
// (real Postgres, pg-boss, the Salesforce sandbox over HTTP); a replay that reuses the call records nothing
// twice; a dry test run shows the events in the step's attempt log and stores none; a deal is won once however
// many runs announce it at the same moment.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { PgBoss } from "pg-boss";
import { createTestDatabase, type TestDatabase } from "../testing/db";
import { runtimePool, type Pool } from "./sql";
import { createRun } from "./runs";
import { ensureTestSecrets, insertConnection, publishFlow, testBoss } from "./testing";
import { startRuntimeWorkers, type RuntimeWorkers } from "./worker";
import { createSalesforceSandbox } from "../../connectors/salesforce/sandbox";
import type { Sandbox } from "../../connectors/sandbox-kit/server";
import { runRowSettled } from "../testing/runs";

const flow = {
  dsl: "weft/1",
  key: "time-billing",
  version: "1.0.0",
  name: "Time billing",
  description: "",
  domain: "invoice",
  owner: "finance",
  classification: "internal",
  trigger: { type: "manual" },
  start: "shape",
  steps: [
    {
      id: "shape",
      type: "map",
      output: "$trigger.entries",
      business: [
        {
          type: "time.approved",
          each: "$output",
          when: "billable",
          keys: { timeEntry: "id", project: "$trigger.project", person: "person" },
          hours: "minutes / 60",
          amount: "minutes / 60 * rate",
          currency: "'eur'",
          occurredAt: "approvedAt",
          performedOn: "date",
        },
      ],
      next: "post",
    },
    {
      id: "post",
      type: "call",
      connector: "salesforce",
      operation: "createRecord",
      connection: "sf",
      input: { sobject: '"Account"', "fields.Name": "$trigger.name" },
      business: [
        {
          type: "invoice.posted",
          keys: { invoice: "$output.id", project: "$trigger.project", customer: "$trigger.customer" },
          amount: "$sum($steps.shape.output[billable].(minutes / 60 * rate))",
          currency: "'EUR'",
        },
      ],
      next: "check",
    },
    { id: "check", type: "switch", cases: [{ when: "$trigger.fail", next: "boom" }] },
    { id: "boom", type: "fail", code: "told_to_fail", message: "The input asked this run to fail." },
  ],
};

/** Announces a won deal, as the Salesforce poll, its CDC push twin and the project set-up each do. */
const wonFlow = {
  ...flow,
  key: "deal-announcer",
  domain: "opportunity",
  trigger: { type: "manual" },
  start: "announce",
  steps: [
    {
      id: "announce",
      type: "map",
      output: "$trigger",
      business: [
        {
          type: "deal.won",
          keys: { opportunity: "$trigger.opportunity" },
          amount: "$trigger.amount",
          currency: "'EUR'",
          occurredAt: "$trigger.at",
        },
      ],
    },
  ],
};

const entries = [
  {
    id: "te-1",
    person: "p-1",
    minutes: 120,
    rate: 100,
    billable: true,
    approvedAt: "2026-11-02T10:00:00Z",
    date: "2026-10-30",
  },
  { id: "te-2", person: "p-2", minutes: 90, rate: 80, billable: true, approvedAt: "2026-11-03T10:00:00Z" },
  { id: "te-3", person: "p-2", minutes: 60, rate: 80, billable: false, approvedAt: "2026-11-03T11:00:00Z" },
];

describe("business events", () => {
  let t: TestDatabase;
  let pool: Pool;
  let boss: PgBoss;
  let workers: RuntimeWorkers;
  let sandbox: Sandbox;
  let ids: { flowId: string; versionId: string };
  let wonIds: { flowId: string; versionId: string };
  const savedAllow = process.env.WEFT_HTTP_ALLOWLIST;

  beforeAll(async () => {
    ensureTestSecrets();
    t = await createTestDatabase();
    pool = runtimePool(t.url, 6);
    sandbox = createSalesforceSandbox().sandbox;
    await sandbox.start("127.0.0.1", 0);
    process.env.WEFT_HTTP_ALLOWLIST = new URL(sandbox.baseUrl).host;
    await insertConnection(pool, {
      key: "sf",
      connectorKey: "salesforce",
      config: { instanceUrl: sandbox.baseUrl },
      secrets: { clientId: "3MVG9Weft.Sandbox.Salesforce.ConsumerKey", clientSecret: "weft-sandbox-sf-secret-7f3a9c" },
    });
    boss = await testBoss(t.url, { supervise: true });
    workers = await startRuntimeWorkers(boss, { databaseUrl: t.url, concurrency: 4, triggerSyncSeconds: 0 });
    ids = await publishFlow(pool, flow.key, flow, { version: flow.version });
    wonIds = await publishFlow(pool, wonFlow.key, wonFlow, { version: wonFlow.version });
  });
  afterAll(async () => {
    await workers.stop();
    await boss.stop({ graceful: false });
    await sandbox.close();
    process.env.WEFT_HTTP_ALLOWLIST = savedAllow;
    await t.drop();
  });

  const events = async (originRunId: string) =>
    (
      await pool.query(
        `SELECT run_id, origin_run_id, step_path, idx, type, time_entry, project, person, invoice, customer, team,
                amount::float8 AS amount, currency, hours::float8 AS hours, occurred_at, performed_on::text AS performed_on, is_test
         FROM business_event WHERE origin_run_id = $1 ORDER BY step_path DESC, idx`,
        [originRunId],
      )
    ).rows;

  it("records the declared facts with the step, once; a replay reusing the call records nothing twice", async () => {
    const input = { entries, project: "PRJ-7", customer: "C-1", name: "Acme BV", fail: true };
    const { runId } = await createRun(pool, boss, {
      flowId: ids.flowId,
      flowVersionId: ids.versionId,
      triggerType: "manual",
      input,
    });
    const settled = await runRowSettled(pool, runId);
    expect(settled.status).toBe("failed");
    const first = await events(runId);
    expect(first).toHaveLength(3);
    expect(first[0]).toMatchObject({ step_path: "shape", idx: 0, type: "time.approved", time_entry: "te-1" });
    expect(first[0]).toMatchObject({ project: "PRJ-7", person: "p-1", hours: 2, amount: 200, currency: "EUR" });
    expect(first[0]).toMatchObject({ team: "finance", is_test: false, run_id: runId });
    expect(new Date(first[0]!.occurred_at as string).toISOString()).toBe("2026-11-02T10:00:00.000Z");
    expect(first[1]).toMatchObject({ step_path: "shape", idx: 1, time_entry: "te-2", hours: 1.5, amount: 120 });
    // The day the work was performed, when the entry says it (te-2 does not); the KPI projection keeps it.
    expect([first[0]!.performed_on, first[1]!.performed_on]).toEqual(["2026-10-30", null]);
    const projected = await pool.query(
      `SELECT time_entry, performed_on::text AS performed_on, worked_at FROM kpi_time_entry WHERE time_entry IN ('te-1', 'te-2') ORDER BY 1`,
    );
    expect(projected.rows).toEqual([
      { time_entry: "te-1", performed_on: "2026-10-30", worked_at: new Date("2026-10-30T00:00:00Z") },
      { time_entry: "te-2", performed_on: null, worked_at: new Date("2026-11-03T10:00:00Z") },
    ]);
    const invoice = first[2]!;
    expect(invoice).toMatchObject({ step_path: "post", type: "invoice.posted", amount: 320, customer: "C-1" });
    expect(invoice.invoice).toMatch(/^001/);

    // The replay reuses the call (same input) and recomputes the map: the facts stay as they were, once.
    const replay = await createRun(pool, boss, {
      flowId: ids.flowId,
      flowVersionId: ids.versionId,
      triggerType: "replay",
      replayOfId: runId,
      input: { ...input, fail: false },
    });
    expect((await runRowSettled(pool, replay.runId)).status).toBe("succeeded");
    const after = await events(runId);
    expect(after).toEqual(first);
    const { rows } = await pool.query(`SELECT attempt_log FROM step_run WHERE run_id = $1 AND path = 'post'`, [
      replay.runId,
    ]);
    expect(rows[0]!.attempt_log[0].outcome).toBe("reused");
  });

  it("a value of the wrong kind fails the step naming the event and field", async () => {
    const bad = { ...entries[0], minutes: "a lot" };
    const { runId } = await createRun(pool, boss, {
      flowId: ids.flowId,
      flowVersionId: ids.versionId,
      triggerType: "manual",
      input: { entries: [bad], project: "PRJ-8", customer: "C-1", name: "X" },
    });
    const r = await runRowSettled(pool, runId);
    expect(r.status).toBe("failed");
    const { rows } = await pool.query(`SELECT error FROM step_run WHERE run_id = $1 AND path = 'shape'`, [runId]);
    expect(rows[0]!.error).toMatchObject({ errorClass: "mapping" });
    expect(rows[0]!.error.message).toMatch(
      /^business\[0\]\.amount \(time\.approved\): The left side of the "\/" operator/,
    );
    expect(await events(runId)).toHaveLength(0);

    // A performed day that is no day fails the same way.
    const late = await createRun(pool, boss, {
      flowId: ids.flowId,
      flowVersionId: ids.versionId,
      triggerType: "manual",
      input: {
        entries: [{ ...entries[0], id: "te-9", date: "last Friday" }],
        project: "PRJ-9",
        customer: "C-1",
        name: "Y",
      },
    });
    expect((await runRowSettled(pool, late.runId)).status).toBe("failed");
    const step = await pool.query(`SELECT error FROM step_run WHERE run_id = $1 AND path = 'shape'`, [late.runId]);
    expect(step.rows[0]!.error).toMatchObject({
      errorClass: "mapping",
      message:
        'business[0].performedOn (time.approved): performedOn gave "last Friday", not a day (YYYY-MM-DD) or an ISO 8601 timestamp.',
    });
    expect(await events(late.runId)).toHaveLength(0);
  });

  it("a dry test run shows the events in the attempt log and stores none", async () => {
    const { runId } = await createRun(pool, boss, {
      flowId: ids.flowId,
      flowVersionId: null,
      dslSnapshot: flow,
      triggerType: "test",
      isTest: true,
      testMode: "dry-run",
      input: { entries, project: "PRJ-9", customer: "C-2", name: "Dry BV" },
    });
    expect((await runRowSettled(pool, runId)).status).toBe("succeeded");
    expect(await events(runId)).toHaveLength(0);
    const { rows } = await pool.query(
      `SELECT path, attempt_log FROM step_run WHERE run_id = $1 AND path IN ('shape', 'post') ORDER BY path`,
      [runId],
    );
    const shown = Object.fromEntries(rows.map((r) => [r.path, r.attempt_log.at(-1).businessEvents]));
    expect(shown.shape).toHaveLength(2);
    expect(shown.shape[0]).toMatchObject({ type: "time.approved", keys: { timeEntry: "te-1" }, hours: 2 });
    expect(shown.post[0]).toMatchObject({ type: "invoice.posted", amount: 320, currency: "EUR" });
  });

  it("deal.won is recorded once per opportunity, however many runs announce it at the same moment", async () => {
    const start = (i: number, opportunity: string, isTest = false) =>
      createRun(pool, boss, {
        flowId: wonIds.flowId,
        flowVersionId: isTest ? null : wonIds.versionId,
        ...(isTest ? { dslSnapshot: wonFlow, isTest: true, testMode: "live" as const } : {}),
        triggerType: isTest ? "test" : "manual",
        input: { opportunity, amount: 1000 + i, at: `2026-11-0${1 + (i % 5)}T10:00:00Z` },
      });
    const runs = await Promise.all([...Array.from({ length: 6 }, (_, i) => start(i, "006A")), start(9, "006B")]);
    for (const r of runs) {
      const row = await runRowSettled(pool, r.runId);
      expect(row.status, JSON.stringify(row.error)).toBe("succeeded");
    }
    const won = async (opportunity: string) =>
      (
        await pool.query(
          `SELECT run_id::text AS run_id, is_test FROM business_event WHERE type = 'deal.won' AND opportunity = $1`,
          [opportunity],
        )
      ).rows;
    expect(await won("006A")).toHaveLength(1);
    expect((await won("006A"))[0]!.run_id).toBeOneOf(runs.slice(0, 6).map((r) => r.runId));
    expect(await won("006B")).toHaveLength(1);
    // A live test run's facts stay apart from production's: the deal's real win is still recorded once.
    const test = await start(3, "006A", true);
    expect((await runRowSettled(pool, test.runId)).status).toBe("succeeded");
    expect((await won("006A")).map((r) => r.is_test).sort()).toEqual([false, true]);
    // So do a test environment's: a trial announcing the deal first does not hide production's win.
    const trial = await createRun(pool, boss, {
      flowId: wonIds.flowId,
      flowVersionId: wonIds.versionId,
      triggerType: "manual",
      input: { opportunity: "006C", amount: 5, at: "2026-11-01T10:00:00Z" },
      environment: "test",
    });
    expect((await runRowSettled(pool, trial.runId)).status).toBe("succeeded");
    const real = await start(7, "006C");
    expect((await runRowSettled(pool, real.runId)).status).toBe("succeeded");
    const envs = await pool.query<{ environment: string }>(
      `SELECT environment FROM business_event WHERE type = 'deal.won' AND opportunity = '006C' ORDER BY environment`,
    );
    expect(envs.rows.map((r) => r.environment)).toEqual(["production", "test"]);
  });
});
