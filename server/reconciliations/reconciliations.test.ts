// The Reconciliation page's backend on real PostgreSQL and pg-boss workers: a reconcile flow over two tables
// of a warehouse database and a re-sync flow that copies one ERP line into the warehouse. Each completed run
// leaves a summary row (trend); a break's record pair is stored; "Re-sync" starts exactly one run of the
// named flow per request, audited and linked to the exception, and the next run resolves the break; it is
// refused for an exception that is not a break, a reconciliation without a re-sync flow, and the wrong role
// or team.
import { randomUUID } from "node:crypto";
import { TRPCError } from "@trpc/server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { PgBoss } from "pg-boss";
import pg from "pg";
import { createEmptyDatabase, createTestDatabase, type TestDatabase } from "../testing/db";
import { runRowSettled } from "../testing/runs";
import { runtimePool, type Pool } from "../runtime/sql";
import { createRun } from "../runtime/runs";
import { sloPoints } from "../kpis/slo";
import {
  ensureTestSecrets,
  insertConnection,
  lineDefinition,
  lineSide,
  postgresConnection,
  publishFlow,
  reconcileFlow,
  testBoss,
} from "../runtime/testing";
import { startRuntimeWorkers, type RuntimeWorkers } from "../runtime/worker";
import { registerExceptionJobs } from "../exceptions/jobs";
import { closePostgresPools } from "../../connectors/postgres/pg";
import { makeUser } from "../governance/testing";
import { createCaller } from "../api/root";
import type { SessionUser } from "../auth/session-user";
import { recentRuns, runsOf } from "./runs-sql";

const definition = lineDefinition("invoice-lines", "Invoice lines", {
  money: [{ side: "erp", path: "amount" }],
  currency: "USD",
});
const flowDoc = (key: string, step: Record<string, unknown>) =>
  reconcileFlow(key, key, { definition, sources: { erp: lineSide("erp_lines"), dw: lineSide("dw_lines") }, ...step });
const reconFlow = flowDoc("invoice-recon", { resync: { flow: "dw-line-sync", input: { lineId: "recordKey" } } });
const plainFlow = flowDoc("invoice-recon-plain", {});
/** Copies one ERP line into the warehouse: what "Re-sync" runs for a break. */
const syncFlow = {
  ...flowDoc("dw-line-sync", {}),
  start: "copy",
  steps: [
    {
      id: "copy",
      type: "call",
      connector: "postgres",
      operation: "query",
      connection: "warehouse",
      input: {
        sql: `"INSERT INTO dw_lines SELECT * FROM erp_lines WHERE line_id = $1 ON CONFLICT (line_id) DO UPDATE SET customer = EXCLUDED.customer, amount = EXCLUDED.amount"`,
        params: "[$trigger.lineId]",
      },
    },
  ],
};

describe("reconciliations", () => {
  let t: TestDatabase;
  let wh: Awaited<ReturnType<typeof createEmptyDatabase>>;
  let whc: pg.Client;
  let pool: Pool;
  let boss: PgBoss;
  let workers: RuntimeWorkers;
  const flows: Record<string, { flowId: string; versionId: string }> = {};
  let operator: SessionUser;
  let foreignOperator: SessionUser;
  let viewer: SessionUser;
  const saved = { url: process.env.DATABASE_URL, allow: process.env.WEFT_HTTP_ALLOWLIST };
  const as = (u: SessionUser) => createCaller({ db: t.db, requestId: "test", user: u });

  beforeAll(async () => {
    ensureTestSecrets();
    t = await createTestDatabase();
    process.env.DATABASE_URL = t.url; // the exception jobs' Prisma client and the web boss of the router
    wh = await createEmptyDatabase();
    const u = new URL(wh.url);
    process.env.WEFT_HTTP_ALLOWLIST = `${u.hostname}:${u.port || 5432}`;
    whc = new pg.Client({ connectionString: wh.url });
    await whc.connect();
    await whc.query(`CREATE TABLE erp_lines (line_id text PRIMARY KEY, customer text, amount numeric(12,2));
                     CREATE TABLE dw_lines (line_id text PRIMARY KEY, customer text, amount numeric(12,2));`);
    await whc.query(
      `INSERT INTO erp_lines SELECT 'L' || lpad(i::text, 3, '0'), 'Acme', 100.00 FROM generate_series(1, 10) i`,
    );
    await whc.query(`INSERT INTO dw_lines SELECT * FROM erp_lines WHERE line_id <> 'L004'`);
    await whc.query(`UPDATE dw_lines SET amount = 100.02 WHERE line_id = 'L006'`);
    pool = runtimePool(t.url, 6);
    await insertConnection(pool, postgresConnection("warehouse", wh.url));
    boss = await testBoss(t.url, { supervise: true });
    workers = await startRuntimeWorkers(boss, { databaseUrl: t.url, concurrency: 4, triggerSyncSeconds: 0 });
    await registerExceptionJobs(boss);
    for (const f of [syncFlow, reconFlow, plainFlow]) flows[f.key] = await publishFlow(pool, f.key, f);
    operator = await makeUser(t.db, "op@recon", ["operator", "designer"], ["platform"]);
    foreignOperator = await makeUser(t.db, "op@finance", ["operator"], ["finance"]);
    viewer = await makeUser(t.db, "viewer@recon", ["viewer"], ["platform"]);
  });

  afterAll(async () => {
    const g = globalThis as unknown as { __weftBoss?: Promise<PgBoss> };
    await (await g.__weftBoss)?.stop({ graceful: false });
    g.__weftBoss = undefined;
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

  const run = async (key: string) => {
    const { runId } = await createRun(pool, boss, {
      flowId: flows[key]!.flowId,
      flowVersionId: flows[key]!.versionId,
      triggerType: "manual",
      input: {},
    });
    const r = await runRowSettled(pool, runId, 60_000);
    expect(r.status, JSON.stringify(r.error)).toBe("succeeded");
    return runId;
  };
  const breakOf = async (identity: string) =>
    (
      await pool.query<{ id: string; status: string; resync_run_id: string | null; break_detail: unknown }>(
        `SELECT id::text AS id, status::text AS status, resync_run_id::text AS resync_run_id, break_detail
           FROM exception WHERE break_identity = $1 ORDER BY created_at DESC LIMIT 1`,
        [identity],
      )
    ).rows[0]!;
  async function until<T>(what: string, f: () => Promise<T | null | undefined | false>, ms = 30_000): Promise<T> {
    const end = Date.now() + ms;
    for (;;) {
      const v = await f();
      if (v) return v;
      if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  const codeOf = async (p: Promise<unknown>) => {
    try {
      await p;
      return "OK";
    } catch (e) {
      return e instanceof TRPCError ? `${e.code}: ${e.message}` : String(e);
    }
  };
  let firstRun: string;

  it("leaves one summary row per completed run, and the trend reads them newest first", async () => {
    firstRun = await run("invoice-recon");
    const [s] = await runsOf(pool, flows["invoice-recon"]!.flowId, "invoice-lines", 10);
    expect(s).toMatchObject({
      runId: firstRun,
      path: "match",
      name: "Invoice lines",
      keys: 10,
      matched: 8,
      mismatched: 1,
      missing: 1,
      duplicate: 0,
      unkeyed: 0,
      outOfScope: 0,
      breaks: 2,
      missingOn: { erp: 0, dw: 1 },
      byRule: { amount: 1 },
      matchRate: 0.8,
      moneyAtStake: "200", // the missing line in full, and the whole ERP amount of the mismatched one
      currency: "USD",
    });
    expect(s!.startedAt.getTime()).toBeLessThanOrEqual(s!.finishedAt.getTime());
    // A test run is not part of the trend.
    const { runId } = await createRun(pool, boss, {
      flowId: flows["invoice-recon"]!.flowId,
      flowVersionId: flows["invoice-recon"]!.versionId,
      triggerType: "manual",
      input: {},
      isTest: true,
      testMode: "dry-run",
    });
    await runRowSettled(pool, runId, 60_000);
    const second = await run("invoice-recon");
    const trend = await recentRuns(pool, [flows["invoice-recon"]!.flowId], 5);
    expect(trend.map((r) => r.runId)).toEqual([second, firstRun]);
    const list = await as(viewer).reconciliations.list();
    const item = list.find((x) => x.flow.key === "invoice-recon")!;
    expect(item).toMatchObject({
      key: "invoice-lines",
      resync: { flow: "dw-line-sync" },
      lastRun: { runId: second, matchRate: 0.8 },
      open: {
        breaks: 2,
        byRule: expect.arrayContaining([
          { rule: "amount", open: 1 },
          { rule: "missing:dw", open: 1 },
        ]),
      },
    });
    expect(item.trend.map((x) => x.matchRate)).toEqual([0.8, 0.8]);
  });

  it("stores the record pair with both values; the detail groups open breaks by rule", async () => {
    const b = await breakOf("invoice-lines|amount|L006");
    expect(b.break_detail).toMatchObject({
      rule: "amount",
      recordKey: "L006",
      keyParts: ["L006"],
      ids: { erp: ["L006"], dw: ["L006"] },
      difference: { a: { side: "erp", value: "100" }, b: { side: "dw", value: "100.02" } },
    });
    const view = await as(viewer).reconciliations.break({ id: b.id });
    expect(view.detail?.difference?.detail).toMatch(/0.02/);
    expect(view.canResync).toEqual({ allowed: false, reason: "This needs the operator role." });
    const d = await as(operator).reconciliations.detail({ flowKey: "invoice-recon", key: "invoice-lines" });
    expect(d.breaksByRule.map((g) => [g.rule, g.items.map((i) => i.recordKey)])).toEqual([
      ["amount", ["L006"]],
      ["missing:dw", ["L004"]],
    ]);
    expect(d.canRun.allowed).toBe(true);
    expect(d.canResync.allowed).toBe(true);
    expect(d.runs).toHaveLength(2);
  });

  it("re-sync starts exactly one run per request, audited and linked; the next run resolves the break", async () => {
    const b = await breakOf("invoice-lines|missing:dw|L004");
    const requestId = randomUUID();
    const [r1, r2] = await Promise.all([
      as(operator).reconciliations.resync({ id: b.id, requestId }),
      as(operator)
        .reconciliations.resync({ id: b.id, requestId })
        .catch(() => null),
    ]);
    const again = await as(operator).reconciliations.resync({ id: b.id, requestId });
    expect(again.runId).toBe(r1.runId);
    if (r2) expect(r2.runId).toBe(r1.runId);
    const { rows: started } = await pool.query(`SELECT id FROM run WHERE flow_id = $1::uuid AND NOT is_test`, [
      flows["dw-line-sync"]!.flowId,
    ]);
    expect(started).toHaveLength(1);
    const settled = await runRowSettled(pool, r1.runId, 60_000);
    expect(settled.status, JSON.stringify(settled.error)).toBe("succeeded");
    const { rows: input } = await pool.query(`SELECT input FROM run WHERE id = $1::uuid`, [r1.runId]);
    expect(input[0]!.input).toEqual({ lineId: "L004" });
    expect((await breakOf("invoice-lines|missing:dw|L004")).resync_run_id).toBe(r1.runId);
    const audit = await t.db.auditLog.findMany({ where: { action: "exception.resync", entityId: b.id } });
    expect(audit).toHaveLength(1);
    expect(audit[0]!.after).toMatchObject({ runId: r1.runId, flowKey: "dw-line-sync", recordKey: "L004" });
    // The line is in the warehouse now: the next run finds the pair matching and resolves the break itself.
    const next = await run("invoice-recon");
    const resolved = await until("L004 resolved", async () => {
      const x = await breakOf("invoice-lines|missing:dw|L004");
      return x.status === "resolved" ? x : null;
    });
    expect(resolved.status).toBe("resolved");
    const { rows } = await pool.query(`SELECT resolved_by_run_id::text AS r FROM exception WHERE id = $1::uuid`, [
      b.id,
    ]);
    expect(rows[0]!.r).toBe(next);
    // A resolved break is not re-synced.
    expect(await codeOf(as(operator).reconciliations.resync({ id: b.id, requestId: randomUUID() }))).toMatch(
      /^CONFLICT: .*no longer open/,
    );
  });

  it("refuses a non-break exception, a reconciliation without re-sync, and the wrong role or team", async () => {
    const amount = await breakOf("invoice-lines|amount|L006");
    expect(await codeOf(as(viewer).reconciliations.resync({ id: amount.id, requestId: randomUUID() }))).toMatch(
      /^FORBIDDEN: .*operator role/,
    );
    expect(
      await codeOf(as(foreignOperator).reconciliations.resync({ id: amount.id, requestId: randomUUID() })),
    ).toMatch(/^FORBIDDEN: .*belongs to/);
    expect(
      await codeOf(as(foreignOperator).reconciliations.runNow({ flowKey: "invoice-recon", key: "invoice-lines" })),
    ).toMatch(/^FORBIDDEN/);
    const { rows: failed } = await pool.query<{ id: string }>(
      `INSERT INTO exception (id, run_id, flow_id, error_class, message, signature, status, updated_at)
       VALUES (gen_random_uuid(), $1::uuid, $2::uuid, 'business', 'Project code unknown', 'sig', 'open', now()) RETURNING id::text AS id`,
      [firstRun, flows["invoice-recon"]!.flowId],
    );
    expect(await codeOf(as(operator).reconciliations.resync({ id: failed[0]!.id, requestId: randomUUID() }))).toMatch(
      /^PRECONDITION_FAILED: Only a reconciliation break/,
    );
    await run("invoice-recon-plain");
    const plain = await pool.query<{ id: string }>(
      `SELECT id::text AS id FROM exception WHERE flow_id = $1::uuid AND status = 'open' LIMIT 1`,
      [flows["invoice-recon-plain"]!.flowId],
    );
    expect(
      await codeOf(as(operator).reconciliations.resync({ id: plain.rows[0]!.id, requestId: randomUUID() })),
    ).toMatch(/^PRECONDITION_FAILED: .*names no re-sync flow/);
    const { rows: syncRuns } = await pool.query(`SELECT id FROM run WHERE flow_id = $1::uuid`, [
      flows["dw-line-sync"]!.flowId,
    ]);
    expect(syncRuns).toHaveLength(1);
  });

  it("run now starts the owning flow's published version, audited", async () => {
    const r = await as(operator).reconciliations.runNow({ flowKey: "invoice-recon", key: "invoice-lines" });
    expect((await runRowSettled(pool, r.runId, 60_000)).status).toBe("succeeded");
    expect(await t.db.auditLog.count({ where: { action: "run.start", entityId: r.runId } })).toBe(1);
    expect(await codeOf(as(operator).reconciliations.runNow({ flowKey: "invoice-recon", key: "nope" }))).toMatch(
      /^NOT_FOUND/,
    );
  });

  // The business KPI and a business SLO read the same runs: figures against the runs' own step outputs.
  it("the Business page's match rate is matched ÷ compared keys of the runs' own outputs; an SLO on it judges each key", async () => {
    await run("invoice-recon-plain");
    const outputs = (
      await pool.query<{ output: { totals: { keys: number; matched: number }; summary: { moneyAtStake: string } } }>(
        `SELECT s.output FROM step_run s JOIN run r ON r.id = s.run_id
          WHERE s.path = 'match' AND s.status = 'succeeded' AND r.status = 'succeeded' AND NOT r.is_test`,
      )
    ).rows.map((r) => r.output);
    expect(outputs.length).toBeGreaterThan(0);
    const keys = outputs.reduce((n, o) => n + o.totals.keys, 0);
    const matched = outputs.reduce((n, o) => n + o.totals.matched, 0);

    const summary = await as(viewer).kpis.summary({});
    const tile = summary.tiles.find((x) => x.id === "reconciliation-match-rate")!;
    expect(tile.value).toBeCloseTo(matched / keys, 10);
    expect(tile.detail).toMatchObject({ keys, matched, reconciliations: 2, currency: "USD" });
    // Unreconciled: the money at stake in the latest run of each reconciliation, from those runs' own outputs.
    const latest = (
      await pool.query<{ money: string }>(
        `SELECT DISTINCT ON (r.flow_id) s.output->'summary'->>'moneyAtStake' AS money FROM step_run s JOIN run r ON r.id = s.run_id
          WHERE s.path = 'match' AND s.status = 'succeeded' AND r.status = 'succeeded' AND NOT r.is_test
          ORDER BY r.flow_id, s.finished_at DESC`,
      )
    ).rows;
    expect(latest).toHaveLength(2);
    expect(tile.detail.unreconciledAmount).toBe(latest.reduce((n, x) => n + Number(x.money), 0));
    expect(tile.detail.unreconciledAmount).toBeGreaterThan(0);
    const drill = await as(viewer).kpis.drill({ kpi: "reconciliation-match-rate" });
    expect(drill.runs.map((r) => r.flowKey).sort()).toEqual(["invoice-recon", "invoice-recon-plain"]);
    const open = await pool.query<{ id: string }>(
      `SELECT id::text FROM exception WHERE status = 'open' AND break_identity IS NOT NULL`,
    );
    expect(drill.exceptions.map((x) => x.id).sort()).toEqual(open.rows.map((r) => r.id).sort());

    const admin = await makeUser(t.db, "admin@recon", ["admin", "designer"], ["platform"]);
    await as(admin).kpis.slo.create({
      name: "Reconciled records match",
      kpi: "reconciliation-match-rate",
      target: 0.99,
      ownerTeamKey: "platform",
      minEvents: 1,
    });
    const [slo] = (await as(viewer).kpis.slo.list()).filter((x) => x.kpi === "reconciliation-match-rate");
    expect(slo).toBeDefined();
    expect(JSON.stringify(slo)).toContain(String(keys));
  }, 120_000);

  it("a reconciliation run in the test environment counts only where asked: match rate, list, detail, SLO", async () => {
    const matchRate = async (environment?: string) =>
      (await as(viewer).kpis.summary({ environment })).tiles.find((x) => x.id === "reconciliation-match-rate")!;
    const before = await matchRate();
    const { runId: trial } = await createRun(pool, boss, {
      flowId: flows["invoice-recon"]!.flowId,
      flowVersionId: flows["invoice-recon"]!.versionId,
      triggerType: "manual",
      input: {},
      environment: "test",
    });
    expect((await runRowSettled(pool, trial, 60_000)).status).toBe("succeeded");
    const [summary] = (
      await pool.query<{ environment: string }>(`SELECT environment FROM reconciliation_run WHERE run_id = $1`, [trial])
    ).rows;
    expect(summary).toEqual({ environment: "test" });

    // Production by default: the trial changes nothing; "test" shows it alone; "all" adds it.
    expect((await matchRate()).detail).toEqual(before.detail);
    expect((await matchRate("production")).detail).toEqual(before.detail);
    // (What matched depends on the breaks the earlier tests re-synced: the trial's own step output says.)
    const out = (
      await pool.query<{ output: { totals: { keys: number; matched: number } } }>(
        `SELECT output FROM step_run WHERE run_id = $1 AND path = 'match'`,
        [trial],
      )
    ).rows[0]!.output.totals;
    expect((await matchRate("test")).detail).toMatchObject({ runs: 1, keys: out.keys, matched: out.matched });
    expect((await matchRate("all")).detail).toMatchObject({
      runs: (before.detail.runs as number) + 1,
      keys: (before.detail.keys as number) + out.keys,
      matched: (before.detail.matched as number) + out.matched,
    });
    const last = async (environment?: string) =>
      (await as(viewer).reconciliations.list(environment ? { environment } : undefined)).find(
        (x) => x.flow.key === "invoice-recon",
      )!.lastRun?.runId;
    expect(await last()).not.toBe(trial);
    expect(await last("test")).toBe(trial);
    expect(await last("all")).toBe(trial);
    const detail = await as(viewer).reconciliations.detail({
      flowKey: "invoice-recon",
      key: "invoice-lines",
      environment: "test",
    });
    expect(detail.runs.map((r) => r.runId)).toEqual([trial]);
    expect(
      (await as(viewer).reconciliations.detail({ flowKey: "invoice-recon", key: "invoice-lines" })).runs.map(
        (r) => r.runId,
      ),
    ).not.toContain(trial);

    // The business SLO judges production's compared keys only.
    const slo = (await t.db.businessSlo.findFirst({ where: { kpi: "reconciliation-match-rate" } }))!;
    const points = await sloPoints(t.db, slo, new Date(Date.now() - 86_400_000), new Date(Date.now() + 600_000));
    expect(points.reduce((n, p) => n + p.total, 0)).toBe(before.detail.keys);

    // The trial's breaks are its own (one open exception per identity and environment): production's L006 was
    // not marked seen by it, and re-syncing the test break repairs it through test's deployment of the flow.
    const l006 = (
      await pool.query<{ id: string; environment: string; seen: string }>(
        `SELECT id::text, environment, break_seen_run_id::text AS seen FROM exception
          WHERE flow_id = $1 AND break_identity = 'invoice-lines|amount|L006' AND status = 'open' ORDER BY environment`,
        [flows["invoice-recon"]!.flowId],
      )
    ).rows;
    expect(l006.map((e) => [e.environment, e.seen === trial])).toEqual([
      ["production", false],
      ["test", true],
    ]);
    const testBreak = l006[1]!.id;
    expect(await codeOf(as(operator).reconciliations.resync({ id: testBreak, requestId: randomUUID() }))).toMatch(
      /^CONFLICT: No version of dw-line-sync is deployed to the test environment/,
    );
    for (const environment of ["production", "test"])
      await pool.query(
        `INSERT INTO deployment (id, environment_key, flow_id, flow_version_id, kind) VALUES (gen_random_uuid(), $1, $2, $3, 'deploy')`,
        [environment, flows["dw-line-sync"]!.flowId, flows["dw-line-sync"]!.versionId],
      );
    const r = await as(operator).reconciliations.resync({ id: testBreak, requestId: randomUUID() });
    const { rows: started } = await pool.query(`SELECT environment FROM run WHERE id = $1::uuid`, [r.runId]);
    expect(started).toEqual([{ environment: "test" }]);
    expect((await runRowSettled(pool, r.runId, 60_000)).status).toBe("succeeded");
  }, 120_000);
});
