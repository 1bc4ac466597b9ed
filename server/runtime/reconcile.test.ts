// The reconcile step end to end: a published flow run by real pg-boss workers reconciles ERP invoice lines
// (read through the postgres connector's query operation, sorted in memory) against the warehouse's copy
// (SQL paged by keyset) in a real PostgreSQL database. Injected differences become exactly those
// exceptions; a second concurrent run adds none; a fix auto-resolves its break; clean data flags nothing;
// a run stopped after a checkpoint resumes there without duplicating an exception.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { PgBoss } from "pg-boss";
import pg from "pg";
import { createEmptyDatabase, createTestDatabase, type TestDatabase } from "../testing/db";
import { runRowSettled } from "../testing/runs";
import { runtimePool, type Pool } from "./sql";
import { createRun } from "./runs";
import {
  ensureTestSecrets,
  insertConnection,
  LINE_COLUMNS,
  lineDefinition,
  lineSide,
  postgresConnection,
  publishFlow,
  reconcileFlow,
  testBoss,
} from "./testing";
import { startRuntimeWorkers, type RuntimeWorkers } from "./worker";
import { registerExceptionJobs } from "../exceptions/jobs";
import { autoResolveForRun, autoResolveSweep } from "../exceptions/auto-resolve";
import { replayException, retryException } from "./operations";
import { appendAudit, type AuditFn } from "../audit/audit";
import { logger } from "../observability/log";
import { resolveSources, runReconcile, type ReconcileOutput } from "./reconcile";
import { parseDefinition, type ReconDefinitionInput } from "../../core/reconcile";
import { closePostgresPools } from "../../connectors/postgres/pg";
import { evaluate, evaluateMapping } from "../../core/dsl";
import type { ReconcileStep } from "../../core/dsl/schema";
import { tallyDrift } from "../testing/exception-tally";

const step = {
  id: "match",
  type: "reconcile",
  checkpointEvery: 2,
  definition: lineDefinition("invoice-lines", "Invoice lines", {
    money: [
      { side: "erp", path: "amount" },
      { side: "dw", path: "amount" },
    ],
    currency: "USD",
  }),
  sources: {
    erp: {
      connector: "postgres",
      operation: "query",
      connection: "warehouse",
      input: { sql: `"SELECT ${LINE_COLUMNS} FROM erp_lines"` },
      items: "rows",
    },
    dw: lineSide("dw_lines", 3),
  },
};
const flow = reconcileFlow("invoice-recon", "Invoice reconciliation", step);

describe("reconcile step", () => {
  let t: TestDatabase;
  let wh: Awaited<ReturnType<typeof createEmptyDatabase>>;
  let whc: pg.Client;
  let pool: Pool;
  let boss: PgBoss;
  let workers: RuntimeWorkers;
  let flowId: string;
  let versionId: string;
  const saved = { url: process.env.DATABASE_URL, allow: process.env.WEFT_HTTP_ALLOWLIST };

  beforeAll(async () => {
    ensureTestSecrets();
    t = await createTestDatabase();
    process.env.DATABASE_URL = t.url; // the exception jobs' Prisma client
    wh = await createEmptyDatabase();
    const u = new URL(wh.url);
    process.env.WEFT_HTTP_ALLOWLIST = `${u.hostname}:${u.port || 5432}`;
    whc = new pg.Client({ connectionString: wh.url });
    await whc.connect();
    await whc.query(`CREATE TABLE erp_lines (line_id text PRIMARY KEY, customer text, amount numeric(12,2));
                     CREATE TABLE dw_lines (line_id text PRIMARY KEY, customer text, amount numeric(12,2));`);
    pool = runtimePool(t.url, 6);
    await insertConnection(pool, postgresConnection("warehouse", wh.url));
    boss = await testBoss(t.url, { supervise: true });
    workers = await startRuntimeWorkers(boss, { databaseUrl: t.url, concurrency: 4, triggerSyncSeconds: 0 });
    await registerExceptionJobs(boss);
    ({ flowId, versionId } = await publishFlow(pool, flow.key, flow, { version: flow.version }));
  });

  afterAll(async () => {
    await workers?.stop();
    await boss?.stop({ graceful: false });
    await closePostgresPools();
    await whc?.end();
    await wh?.drop();
    await pool?.end();
    process.env.DATABASE_URL = saved.url;
    process.env.WEFT_HTTP_ALLOWLIST = saved.allow;
    await t?.drop();
  });

  /** Ten ERP lines; the warehouse misses L004, has L006 off by 0.02 and L008's customer renamed. */
  async function brokenData() {
    await whc.query(`TRUNCATE erp_lines, dw_lines`);
    await whc.query(
      `INSERT INTO erp_lines SELECT 'L' || lpad(i::text, 3, '0'), 'Acme', 100.00 FROM generate_series(1, 10) i`,
    );
    await whc.query(`INSERT INTO dw_lines SELECT * FROM erp_lines WHERE line_id <> 'L004'`);
    await whc.query(`UPDATE dw_lines SET amount = 100.02 WHERE line_id = 'L006'`);
    await whc.query(`UPDATE dw_lines SET customer = 'Acme Corp' WHERE line_id = 'L008'`);
  }

  const run = async () =>
    (await createRun(pool, boss, { flowId, flowVersionId: versionId, triggerType: "manual", input: {} })).runId;
  const output = async (runId: string) => {
    const r = await runRowSettled(pool, runId, 60_000);
    expect(r.status, JSON.stringify(r.error)).toBe("succeeded");
    return r.output as unknown as ReconcileOutput;
  };
  const exceptions = async () =>
    (
      await pool.query<{
        identity: string;
        status: string;
        signature: string;
        resolved_by_run_id: string | null;
        business_keys: Record<string, string>;
      }>(
        `SELECT break_identity AS identity, status::text AS status, signature, resolved_by_run_id::text AS resolved_by_run_id, business_keys
           FROM exception WHERE flow_id = $1 ORDER BY break_identity, created_at`,
        [flowId],
      )
    ).rows;
  async function until<T>(what: string, f: () => Promise<T | null | undefined | false>, ms = 30_000): Promise<T> {
    const end = Date.now() + ms;
    for (;;) {
      const v = await f();
      if (v) return v;
      if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  let firstTotals: ReconcileOutput["totals"];

  it("stores exactly the injected differences as exceptions, once, even with two runs at the same time", async () => {
    await brokenData();
    const [a, b] = await Promise.all([run(), run()]);
    const [oa, ob] = [await output(a), await output(b)];
    for (const o of [oa, ob]) {
      expect(o.summary).toMatchObject({ breaks: 3, matchRate: 0.7 });
      expect(o.totals).toMatchObject({
        keys: 10,
        matched: 7,
        missingOn: { erp: 0, dw: 1 },
        byRule: { amount: 1, customer: 1 },
      });
    }
    // One of the runs (one at a time under the step's lock) opened them; the other found them again.
    expect([oa.exceptionsOpened, ob.exceptionsOpened].sort()).toEqual([0, 3]);
    expect(oa.exceptionsSeenAgain + ob.exceptionsSeenAgain).toBe(3);
    firstTotals = oa.totals;
    // A break is not a failed run: the run operations refuse it, saying what to do instead.
    const { rows: ids } = await pool.query<{ id: string }>(
      `SELECT id::text AS id FROM exception WHERE flow_id = $1 LIMIT 1`,
      [flowId],
    );
    const audit: AuditFn = (tx, e) => appendAudit(tx, { ...e, actor: null });
    const ops = { db: t.db, boss, audit, userId: null };
    await expect(retryException(ops, ids[0]!.id)).rejects.toThrow(
      /reconciliation break, not a failed run: it cannot be retried/,
    );
    await expect(replayException(ops, ids[0]!.id, {})).rejects.toThrow(/cannot be replayed/);
    const ex = await exceptions();
    expect(ex.map((e) => [e.identity, e.status])).toEqual([
      ["invoice-lines|amount|L006", "open"],
      ["invoice-lines|customer|L008", "open"],
      ["invoice-lines|missing:dw|L004", "open"],
    ]);
    expect(ex.map((e) => e.signature).sort()).toEqual([
      "reconcile:invoice-lines:amount",
      "reconcile:invoice-lines:customer",
      "reconcile:invoice-lines:missing:dw",
    ]);
    expect(ex.find((e) => e.identity.endsWith("L006"))!.business_keys).toMatchObject({
      reconciliation: "invoice-lines",
      recordKey: "L006",
      rule: "amount",
      amountAtStake: "0.02",
    });
  });

  it("a fix in the source auto-resolves its break on the next run; the others stay open, not duplicated", async () => {
    await whc.query(`UPDATE dw_lines SET amount = 100.00 WHERE line_id = 'L006'`);
    const r = await run();
    const o = await output(r);
    expect(o.summary.breaks).toBe(2);
    expect(o.exceptionsOpened).toBe(0);
    const ex = await until("L006 resolved", async () => {
      const rows = await exceptions();
      return rows.find((e) => e.identity.endsWith("L006"))?.status === "resolved" ? rows : null;
    });
    expect(ex.find((e) => e.identity.endsWith("L006"))!.resolved_by_run_id).toBe(r);
    expect(ex.filter((e) => e.status === "open").map((e) => e.identity)).toEqual([
      "invoice-lines|customer|L008",
      "invoice-lines|missing:dw|L004",
    ]);
    expect(ex).toHaveLength(3);
  });

  it("flags nothing on clean data and resolves every open break", async () => {
    await whc.query(`INSERT INTO dw_lines SELECT * FROM erp_lines WHERE line_id = 'L004'`);
    await whc.query(`UPDATE dw_lines SET customer = 'Acme' WHERE line_id = 'L008'`);
    const o = await output(await run());
    expect(o.summary).toMatchObject({ breaks: 0, matchRate: 1 });
    expect(o.exceptionsOpened).toBe(0);
    await until("all resolved", async () => (await exceptions()).every((e) => e.status === "resolved"));
    expect(await exceptions()).toHaveLength(3);
    // A lost auto-resolve job: the minute sweep resolves what the last complete run no longer found.
    await pool.query(
      `UPDATE exception SET status = 'open', resolution = NULL, resolved_at = NULL, resolved_by_run_id = NULL WHERE break_identity = 'invoice-lines|customer|L008'`,
    );
    expect(await autoResolveSweep(t.db)).toBe(1);
    expect((await exceptions()).every((e) => e.status === "resolved")).toBe(true);
  });

  it("a dry test run reports the breaks but opens no exception", async () => {
    await brokenData();
    const before = (await exceptions()).length;
    const { runId } = await createRun(pool, boss, {
      flowId,
      flowVersionId: versionId,
      triggerType: "manual",
      input: {},
      isTest: true,
      testMode: "dry-run",
    });
    const o = await output(runId);
    expect(o.summary.breaks).toBe(3);
    expect(o.exceptionsOpened).toBe(0);
    expect(await exceptions()).toHaveLength(before);
  });

  it("a run stopped after a checkpoint resumes from it: same totals, no duplicate exception", async () => {
    await brokenData();
    const { rows } = await pool.query<{ id: string }>(
      `INSERT INTO run (id, flow_id, flow_version_id, status, trigger_type, input) VALUES (gen_random_uuid(), $1, $2, 'running', 'manual', '{}') RETURNING id::text AS id`,
      [flowId, versionId],
    );
    const runId = rows[0]!.id;
    const def = parseDefinition(step.definition as ReconDefinitionInput);
    const sources = await resolveSources(
      step as unknown as ReconcileStep,
      (e) => evaluate(e, {}),
      (m) => evaluateMapping(m, {}),
    );
    const env = { pool, run: { id: runId, flowId } } as Parameters<typeof runReconcile>[0];
    const args = { path: "match", definition: def, sources, checkpointEvery: 2, assignTeamKey: "platform", logger };
    // The "crash": the worker's signal aborts right after the second checkpoint was stored.
    const stop = new AbortController();
    let seen = 0;
    const crashed = await runReconcile(env, {
      ...args,
      signal: stop.signal,
      onCheckpoint: () => {
        if (++seen === 2) stop.abort(new Error("worker killed"));
      },
    }).then(
      () => null,
      (e: unknown) => e,
    );
    expect(String(crashed)).toContain("worker killed");
    const partial = await pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM exception WHERE run_id = $1`, [
      runId,
    ]);
    expect(partial.rows[0]!.n).toBe(1); // L004, found before the checkpoint at L004

    const resumed = await runReconcile(env, { ...args, signal: new AbortController().signal });
    expect(resumed.resumedFrom).toBe("L004");
    expect(resumed.totals).toEqual(firstTotals);
    expect(resumed.exceptionsOpened).toBe(3); // one before the stop, two after
    const open = (await exceptions()).filter((e) => e.status === "open").map((e) => e.identity);
    expect(open).toEqual(["invoice-lines|amount|L006", "invoice-lines|customer|L008", "invoice-lines|missing:dw|L004"]);
  });

  // A break is one open exception per identity, environment and period (docs/reconciliation.md "Breaks").
  it("a run in the test environment opens its own breaks and resolves only those; production's stay as they were", async () => {
    await brokenData();
    const open = async (environment: string) =>
      (
        await pool.query<{ id: string; identity: string; seen: string }>(
          `SELECT id::text, break_identity AS identity, break_seen_run_id::text AS seen FROM exception
            WHERE flow_id = $1 AND status = 'open' AND environment = $2 ORDER BY break_identity`,
          [flowId, environment],
        )
      ).rows;
    const injected = ["invoice-lines|amount|L006", "invoice-lines|customer|L008", "invoice-lines|missing:dw|L004"];
    const production = await open("production");
    expect(production.map((e) => e.identity)).toEqual(injected);
    const inTest = async () =>
      (
        await createRun(pool, boss, {
          flowId,
          flowVersionId: versionId,
          triggerType: "manual",
          input: {},
          environment: "test",
        })
      ).runId;

    const trial = await inTest();
    const o = await output(trial);
    expect(o.summary.breaks).toBe(3);
    expect(o.exceptionsOpened).toBe(3); // its own, not production's found again
    expect(o.exceptionsSeenAgain).toBe(0);
    expect((await open("test")).map((e) => e.identity)).toEqual(injected);
    expect(await open("production")).toEqual(production); // not marked seen by the trial

    // Fixed, and reconciled in test only: test's breaks resolve, production's stay open for production's run.
    await whc.query(`INSERT INTO dw_lines SELECT * FROM erp_lines WHERE line_id = 'L004'`);
    await whc.query(`UPDATE dw_lines SET amount = 100.00, customer = 'Acme'`);
    const clean = await inTest();
    expect((await output(clean)).summary.breaks).toBe(0);
    await autoResolveForRun(t.db, clean); // what its queued job does; done here so the check below is final
    expect(await open("test")).toEqual([]);
    expect(await open("production")).toEqual(production);

    const prod = await run();
    expect((await output(prod)).summary.breaks).toBe(0);
    await autoResolveForRun(t.db, prod);
    expect(await open("production")).toEqual([]);
    const resolvedBy = async (where: string, param: unknown) =>
      (
        await pool.query<{ r: string }>(
          `SELECT resolved_by_run_id::text AS r FROM exception WHERE ${where} AND status = 'resolved'`,
          [param],
        )
      ).rows.map((x) => x.r);
    expect(await resolvedBy("run_id = $1", trial)).toEqual([clean, clean, clean]);
    expect(
      await resolvedBy(
        "id = ANY($1::uuid[])",
        production.map((e) => e.id),
      ),
    ).toEqual([prod, prod, prod]);
  });

  it("one definition run for two periods: each period's breaks are its own, found again and resolved only by its runs", async () => {
    await whc.query(`CREATE TABLE erp_dated (line_id text, d date, amount numeric(12,2), PRIMARY KEY (line_id, d));
                     CREATE TABLE dw_dated (line_id text, d date, amount numeric(12,2), PRIMARY KEY (line_id, d));`);
    // The same lines in January and February: L2 is off by 0.02 in January; L1 and L2 in February.
    await whc.query(`INSERT INTO erp_dated VALUES ('L1', '2026-01-15', 100), ('L2', '2026-01-15', 100),
                                                  ('L1', '2026-02-15', 100), ('L2', '2026-02-15', 100)`);
    await whc.query(`INSERT INTO dw_dated VALUES ('L1', '2026-01-15', 100), ('L2', '2026-01-15', 100.02),
                                                 ('L1', '2026-02-15', 100.02), ('L2', '2026-02-15', 100.02)`);
    const side = (table: string) => ({
      connection: "warehouse",
      sql: `SELECT line_id || '@' || d AS id, line_id, d::text AS d, amount::text AS amount FROM ${table}`,
      sortKey: "line_id",
      idColumn: "id",
    });
    const periodFlow = (from: string, to: string, version: string) => ({
      ...reconcileFlow("dated-recon", "Dated lines", {
        definition: {
          key: "dated-lines",
          name: "Dated lines",
          period: { from, to },
          sides: [
            { name: "erp", key: ["line_id"], id: "id", date: "d" },
            { name: "dw", key: ["line_id"], id: "id", date: "d" },
          ],
          rules: [
            { id: "amount", type: "money", a: { side: "erp", path: "amount" }, b: { side: "dw", path: "amount" } },
          ],
        },
        sources: { erp: side("erp_dated"), dw: side("dw_dated") },
      }),
      version,
    });
    const jan = await publishFlow(pool, "dated-recon", periodFlow("2026-01-01", "2026-01-31", "1.0.0"), {
      version: "1.0.0",
    });
    const feb = await publishFlow(pool, "dated-recon", periodFlow("2026-02-01", "2026-02-28", "1.1.0"), {
      version: "1.1.0",
    });
    expect(feb.flowId).toBe(jan.flowId);
    const runOf = async (v: { flowId: string; versionId: string }) => {
      const { runId } = await createRun(pool, boss, {
        flowId: v.flowId,
        flowVersionId: v.versionId,
        triggerType: "manual",
        input: {},
      });
      const o = await output(runId);
      await autoResolveForRun(t.db, runId); // what its queued job does; done here so the checks below are final
      return { runId, o };
    };
    const breaks = async () =>
      (
        await pool.query<{ identity: string; period: string; status: string }>(
          `SELECT break_identity AS identity, break_period AS period, status::text AS status FROM exception
            WHERE flow_id = $1 ORDER BY break_period, break_identity`,
          [jan.flowId],
        )
      ).rows.map((e) => `${e.period} ${e.identity} ${e.status}`);

    const j1 = await runOf(jan);
    expect(j1.o.totals).toMatchObject({ keys: 2, matched: 1, outOfScope: 4 });
    expect(await breaks()).toEqual(["2026-01-01..2026-01-31 dated-lines|amount|L2 open"]);

    // February's L2 break is a break of its own, and January's stays open (February did not look at January).
    const f1 = await runOf(feb);
    expect(f1.o.exceptionsOpened).toBe(2);
    expect(f1.o.exceptionsSeenAgain).toBe(0);
    expect(await breaks()).toEqual([
      "2026-01-01..2026-01-31 dated-lines|amount|L2 open",
      "2026-02-01..2026-02-28 dated-lines|amount|L1 open",
      "2026-02-01..2026-02-28 dated-lines|amount|L2 open",
    ]);

    // January fixed: its rerun resolves January's break, and leaves February's alone.
    await whc.query(`UPDATE dw_dated SET amount = 100 WHERE d = '2026-01-15'`);
    const j2 = await runOf(jan);
    expect(j2.o.summary.breaks).toBe(0);
    expect(await breaks()).toEqual([
      "2026-01-01..2026-01-31 dated-lines|amount|L2 resolved",
      "2026-02-01..2026-02-28 dated-lines|amount|L1 open",
      "2026-02-01..2026-02-28 dated-lines|amount|L2 open",
    ]);
    // February's rerun finds its two again (no duplicate); the lost-job sweep resolves nothing across periods.
    const f2 = await runOf(feb);
    expect(f2.o).toMatchObject({ exceptionsOpened: 0, exceptionsSeenAgain: 2 });
    await autoResolveSweep(t.db);
    expect((await breaks()).filter((b) => b.endsWith("open"))).toHaveLength(2);
  });

  it("keeps the exception counters equal to the rows through opened, re-seen and resolved breaks", async () => {
    expect(await tallyDrift(t.db)).toEqual([]);
  });
});
