// A reconcile step whose worker process is SIGKILLed mid-run: another worker re-runs the step, which resumes
// from the last stored checkpoint (not from the start), ends with the totals of one uninterrupted pass, and
// leaves exactly one exception per break — including the break stored before the kill.
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
  lineDefinition,
  lineSide,
  postgresConnection,
  publishFlow,
  reconcileFlow,
  testBoss,
} from "./testing";
import { ensureRuntimeQueues } from "./queues";
import { killWorkers, spawnWorker, type Worker } from "./worker-processes";
import type { ReconcileOutput } from "./reconcile";

const N = 20_000;
const line = (i: number) => `L${String(i).padStart(6, "0")}`;
// Small pages: the run takes long enough that the kill lands in the middle.
const flow = reconcileFlow("lines-recon", "Lines reconciliation", {
  checkpointEvery: 200,
  definition: lineDefinition("lines", "Lines"),
  sources: { erp: lineSide("erp_lines", 100), dw: lineSide("dw_lines", 100) },
});

describe("reconcile step: worker killed mid-run", () => {
  let t: TestDatabase;
  let wh: Awaited<ReturnType<typeof createEmptyDatabase>>;
  let whc: pg.Client;
  let pool: Pool;
  let supervisor: PgBoss;
  const workers: Worker[] = [];
  const saved = { allow: process.env.WEFT_HTTP_ALLOWLIST };

  beforeAll(async () => {
    ensureTestSecrets();
    t = await createTestDatabase();
    wh = await createEmptyDatabase();
    const u = new URL(wh.url);
    process.env.WEFT_HTTP_ALLOWLIST = `${u.hostname}:${u.port || 5432}`;
    whc = new pg.Client({ connectionString: wh.url });
    await whc.connect();
    await whc.query(`CREATE TABLE erp_lines (line_id text PRIMARY KEY, customer text, amount numeric(12,2));
                     CREATE TABLE dw_lines (line_id text PRIMARY KEY, customer text, amount numeric(12,2));`);
    await whc.query(
      `INSERT INTO erp_lines SELECT 'L' || lpad(i::text, 6, '0'), 'Acme', 100.00 FROM generate_series(1, ${N}) i`,
    );
    await whc.query(`INSERT INTO dw_lines SELECT * FROM erp_lines WHERE line_id <> '${line(15_000)}'`);
    await whc.query(`UPDATE dw_lines SET amount = 100.02 WHERE line_id IN ('${line(10)}', '${line(5_000)}')`);
    await whc.query(`UPDATE dw_lines SET customer = 'Acme Corp' WHERE line_id = '${line(18_000)}'`);
    pool = runtimePool(t.url, 4);
    await insertConnection(pool, postgresConnection("warehouse", wh.url));
    supervisor = await testBoss(t.url, { supervise: true });
    await ensureRuntimeQueues(supervisor);
  });

  afterAll(async () => {
    await killWorkers(workers);
    await supervisor?.stop({ graceful: false });
    await whc?.end();
    await wh?.drop();
    await pool?.end();
    process.env.WEFT_HTTP_ALLOWLIST = saved.allow;
    await t?.drop();
  });

  it("resumes from the last checkpoint with the same totals and no duplicate exception", async () => {
    const { flowId, versionId } = await publishFlow(pool, flow.key, flow, { version: flow.version });
    const env = { WEFT_RUNTIME_COMPILE_MODULE: "", WEFT_HTTP_ALLOWLIST: process.env.WEFT_HTTP_ALLOWLIST! };
    const a = await spawnWorker(workers, { url: t.url, targetUrl: "http://127.0.0.1:9", env });
    const { runId } = await createRun(pool, supervisor, {
      flowId,
      flowVersionId: versionId,
      triggerType: "manual",
      input: {},
    });
    // Kill once a checkpoint past the first break (L000010) is stored, with that break's exception.
    for (const end = Date.now() + 60_000; ;) {
      const { rows } = await pool.query<{ n: number; last: string | null }>(
        `SELECT (SELECT count(*)::int FROM exception WHERE run_id = $1) AS n,
                (SELECT checkpoint->>'lastKey' FROM reconcile_checkpoint WHERE run_id = $1) AS last`,
        [runId],
      );
      if (rows[0]!.n >= 1 && rows[0]!.last) break;
      if (Date.now() > end) throw new Error("no checkpoint within 60 s");
      await new Promise((r) => setTimeout(r, 20));
    }
    process.kill(-a.proc.pid!, "SIGKILL");
    await a.exited;
    workers.splice(workers.indexOf(a), 1);
    const { rows: at } = await pool.query<{ last: string; done: boolean; status: string }>(
      `SELECT c.checkpoint->>'lastKey' AS last, c.done, r.status::text AS status FROM reconcile_checkpoint c JOIN run r ON r.id = c.run_id WHERE c.run_id = $1`,
      [runId],
    );
    expect(at[0]!.done).toBe(false); // killed in the middle, not after the end
    expect(at[0]!.status).not.toBe("succeeded");

    await spawnWorker(workers, { url: t.url, targetUrl: "http://127.0.0.1:9", env });
    const r = await runRowSettled(pool, runId, 120_000);
    expect(r.status, JSON.stringify(r.error)).toBe("succeeded");
    const out = r.output as unknown as ReconcileOutput;
    expect(out.resumedFrom).not.toBeNull();
    expect(out.exceptionsOpened).toBe(4); // before and after the kill
    expect(out.resumedFrom! >= at[0]!.last).toBe(true);
    expect(out.totals).toMatchObject({
      keys: N,
      matched: N - 4,
      missingOn: { erp: 0, dw: 1 },
      byRule: { amount: 2, customer: 1 },
      records: { erp: N, dw: N - 1 },
    });
    const { rows: ex } = await pool.query<{ identity: string; n: number }>(
      `SELECT break_identity AS identity, count(*)::int AS n FROM exception WHERE flow_id = $1 GROUP BY 1 ORDER BY 1`,
      [flowId],
    );
    expect(ex).toEqual([
      { identity: `lines|amount|${line(10)}`, n: 1 },
      { identity: `lines|amount|${line(5_000)}`, n: 1 },
      { identity: `lines|customer|${line(18_000)}`, n: 1 },
      { identity: `lines|missing:dw|${line(15_000)}`, n: 1 },
    ]);
    // The kernel saw the step's attempt interrupted and ran it again.
    const { rows: step } = await pool.query<{ log: Array<{ outcome: string }> }>(
      `SELECT attempt_log AS log FROM step_run WHERE run_id = $1 AND path = 'match'`,
      [runId],
    );
    expect(step[0]!.log.map((e) => e.outcome)).toContain("interrupted");
  }, 180_000);
});
