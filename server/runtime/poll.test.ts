// Poll triggers end to end: real Postgres, real pg-boss workers, the Salesforce sandbox over HTTP. A poll
// of closed-won opportunities (SOQL over SystemModstamp) starts exactly one run per opportunity across a
// worker restart, two concurrent workers and a failing poll, and a record changed while a poll is in flight
// — stamped with the same instant as the poll's newest record, as a late-committing transaction would be —
// is not skipped.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { PgBoss } from "pg-boss";
import { createTestDatabase, type TestDatabase } from "../testing/db";
import { runtimePool, type Pool } from "./sql";
import { ensureTestSecrets, insertConnection, publishFlow, testBoss } from "./testing";
import { ensureRuntimeQueues } from "./queues";
import { killWorkers, spawnWorker, type Worker } from "./worker-processes";
import { startRuntimeWorkers, type RuntimeWorkers } from "./worker";
import { activatePoll, compareCursors, normaliseCursor, pollOnce, readPollState } from "./poll";
import { syncTriggers } from "./triggers";
import { pollDelayMs, POLL_BACKOFF_MAX_MS } from "../../core/dsl/defaults";
import { createSalesforceSandbox } from "@/connectors/salesforce/sandbox";
import { validate } from "../../core/dsl";
import { connectorCatalog } from "@/connectors/registry";
import { createCaller } from "../api/root";
import { factsOfFlow } from "../governance/flow-facts";
import type { Role } from "../../core/roles";

const CONNECTION = "sf-poll";
const FLOW = "deals-won";

const flowDoc = {
  dsl: "weft/1",
  key: FLOW,
  version: "1.0.0",
  name: "Deals won",
  description: "One run per opportunity that became Closed Won.",
  domain: "project",
  owner: "platform",
  classification: "internal",
  trigger: {
    type: "poll",
    connector: "salesforce",
    connection: CONNECTION,
    operation: "query",
    interval: "10s",
    input: {
      soql: "'SELECT Id, Name, StageName, Amount, SystemModstamp FROM Opportunity WHERE IsWon = true AND SystemModstamp >= ' & $substring($trigger.cursor, 0, 19) & 'Z ORDER BY SystemModstamp ASC, Id ASC'",
    },
    cursor: "SystemModstamp",
    recordId: "Id",
  },
  start: "note",
  steps: [{ id: "note", type: "map", output: { opportunity: "$trigger.Id", stage: "$trigger.StageName" } }],
};

describe("poll triggers over the Salesforce sandbox", () => {
  let t: TestDatabase;
  let pool: Pool;
  let supervisor: PgBoss;
  let flowId: string;
  const sf = createSalesforceSandbox();
  const savedUrl = process.env.DATABASE_URL;
  const savedAllow = process.env.WEFT_HTTP_ALLOWLIST;
  const running: Array<{ boss: PgBoss; workers: RuntimeWorkers }> = [];

  const opps = () => [...sf.store.get("Opportunity")!.values()];
  const wonIds = () =>
    opps()
      .filter((o) => o.IsWon === true)
      .map((o) => String(o.Id))
      .sort();
  const openOpps = () =>
    opps()
      .filter((o) => o.IsClosed !== true)
      .map((o) => String(o.Id))
      .sort();

  async function startWorker(): Promise<{ boss: PgBoss; workers: RuntimeWorkers }> {
    const boss = await testBoss(t.url);
    const workers = await startRuntimeWorkers(boss, {
      databaseUrl: t.url,
      concurrency: 4,
      triggerSyncSeconds: 0,
      pollTickSeconds: 1,
      useGivenInstance: true,
    });
    const w = { boss, workers };
    running.push(w);
    return w;
  }
  async function stopWorker(w: { boss: PgBoss; workers: RuntimeWorkers }): Promise<void> {
    await w.workers.stop();
    await w.boss.stop({ graceful: false });
    running.splice(running.indexOf(w), 1);
  }
  /** The poll runs of the flow: record id per run, every idempotency key once (the unique index guarantees it). */
  async function runs(): Promise<string[]> {
    const { rows } = await pool.query<{ id: string }>(
      `SELECT input->>'Id' AS id FROM run WHERE flow_id = $1::uuid AND trigger_type = 'poll' ORDER BY 1`,
      [flowId],
    );
    return rows.map((r) => r.id);
  }
  /** Waits (no timing assertion: only a generous bound) until the flow has a run for every closed-won opportunity. */
  async function untilEveryWonHasRun(timeoutMs = 60_000): Promise<void> {
    const until = Date.now() + timeoutMs;
    for (;;) {
      const have = new Set(await runs());
      if (wonIds().every((id) => have.has(id))) return;
      if (Date.now() > until)
        throw new Error(
          `missing runs for ${wonIds()
            .filter((id) => !have.has(id))
            .join(", ")}`,
        );
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  const expectOneRunPerWon = async () => expect(await runs()).toEqual(wonIds());

  beforeAll(async () => {
    ensureTestSecrets();
    t = await createTestDatabase();
    process.env.DATABASE_URL = t.url;
    pool = runtimePool(t.url, 8);
    supervisor = await testBoss(t.url, { supervise: true });
    await ensureRuntimeQueues(supervisor);
    await sf.sandbox.start("127.0.0.1", 0);
    process.env.WEFT_HTTP_ALLOWLIST = new URL(sf.sandbox.baseUrl).host;
    const info = sf.info();
    await insertConnection(pool, {
      key: CONNECTION,
      connectorKey: "salesforce",
      config: info.config,
      secrets: info.secrets as Record<string, string>,
    });
    ({ flowId } = await publishFlow(pool, FLOW, flowDoc));
  }, 120_000);

  afterAll(async () => {
    for (const w of [...running]) await stopWorker(w).catch(() => undefined);
    await supervisor?.stop({ graceful: false });
    const g = globalThis as unknown as { __weftBoss?: Promise<PgBoss> };
    await (await g.__weftBoss)?.stop({ graceful: false }).catch(() => undefined);
    await sf.sandbox.close();
    process.env.DATABASE_URL = savedUrl;
    process.env.WEFT_HTTP_ALLOWLIST = savedAllow;
    await t?.drop();
  });

  it("the flow document is valid DSL, and cursors compare as instants whatever the vendor's notation", () => {
    const r = validate(flowDoc);
    expect(r.problems.filter((p) => p.severity === "error")).toEqual([]);
    expect(normaliseCursor("2026-12-05T01:58:24.000+0000")).toBe("2026-12-05T01:58:24.000Z");
    expect(compareCursors("2026-12-05T01:58:24.000Z", "2026-12-05T01:58:25.000Z")).toBeLessThan(0);
    expect(compareCursors("10", "9")).toBeGreaterThan(0);
    expect([1, 2, 3, 20].map((n) => pollDelayMs(10_000, n))).toEqual([20_000, 40_000, 80_000, POLL_BACKOFF_MAX_MS]);
    // The validator names the field and the reason: a poll that writes, a too-short interval, an unknown connection.
    const catalog = { ...connectorCatalog(), connections: [{ key: CONNECTION, connectorKey: "salesforce" }] };
    expect(validate(flowDoc, { catalog }).problems.filter((p) => p.severity === "error")).toEqual([]);
    const bad = validate(
      { ...flowDoc, trigger: { ...flowDoc.trigger, operation: "createRecord", interval: "5s", connection: "nope" } },
      { catalog },
    ).problems;
    expect(bad.map((p) => [p.path.join("."), p.code])).toEqual(
      expect.arrayContaining([
        ["trigger.operation", "poll-operation-writes"],
        ["trigger.interval", "invalid-poll-interval"],
        ["trigger.connection", "unknown-connection"],
      ]),
    );
    expect(
      validate({ ...flowDoc, trigger: { ...flowDoc.trigger, cursor: "SystemModstamp >" } }).problems.some(
        (p) => p.path.join(".") === "trigger.cursor",
      ),
    ).toBe(true);
    // Lineage: the flow reads from Salesforce (system → flow), like a reading call step.
    expect(factsOfFlow(validate(flowDoc).flow!).systems).toContainEqual({
      system: "salesforce",
      kind: "crm",
      connection: CONNECTION,
      operation: "query",
      effect: "read",
    });
  });

  it("a published poll waits for its start; a backfill starts one run per closed-won opportunity, and a restarted worker starts only the new ones", async () => {
    await syncTriggers(pool, supervisor);
    expect((await readPollState(pool, flowId))?.status).toBe("awaiting_start");
    expect((await pollOnce({ pool, boss: supervisor }, flowId)).outcome).toBe("not_active");

    await activatePoll(pool, { flowId, from: new Date("2000-01-01T00:00:00Z"), actorId: null, intervalSeconds: 10 });
    const a = await startWorker();
    expect(wonIds().length).toBeGreaterThan(0);
    await untilEveryWonHasRun();
    await expectOneRunPerWon();
    const state = await readPollState(pool, flowId);
    expect(state).toMatchObject({ status: "active", consecutiveFailures: 0, lastError: null });
    expect(state!.runsStarted).toBe(wonIds().length);

    await stopWorker(a);
    for (const id of openOpps().slice(0, 3)) sf.touch("Opportunity", id, { StageName: "Closed Won" });
    // The restarted worker resumes from the committed cursor: the next poll is due now, as a simulator would make it.
    await pool.query(`UPDATE poll_state SET next_poll_at = now() WHERE flow_id = $1::uuid`, [flowId]);
    await startWorker();
    await untilEveryWonHasRun();
    await expectOneRunPerWon();
  }, 120_000);

  it("two concurrent workers (and polls racing each other directly) start each record version once", async () => {
    await startWorker(); // a second worker beside the first: both tick, both take poll jobs
    expect(running).toHaveLength(2);
    for (const id of openOpps().slice(0, 4)) sf.touch("Opportunity", id, { StageName: "Closed Won" });
    // Five polls at once from two "workers" (their own pg-boss instances): one commits per revision.
    const outcomes = await Promise.all(
      [0, 1, 2, 3, 4].map((i) => pollOnce({ pool, boss: running[i % 2]!.boss }, flowId)),
    );
    expect(outcomes.some((o) => o.outcome === "polled")).toBe(true);
    await untilEveryWonHasRun();
    await expectOneRunPerWon();
  }, 120_000);

  it("a failing poll backs off with its error visible, then resumes without losing or repeating a record", async () => {
    for (const w of [...running]) await stopWorker(w);
    await fetch(`${sf.sandbox.baseUrl}/__sandbox/faults`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ errorRate: 1, errorStatus: 503, pathPattern: "/query" }),
    });
    for (const id of openOpps().slice(0, 2)) sf.touch("Opportunity", id, { StageName: "Closed Won" });
    const before = await readPollState(pool, flowId);
    const failed = await pollOnce({ pool, boss: supervisor }, flowId);
    expect(failed.outcome).toBe("failed");
    const second = await pollOnce({ pool, boss: supervisor }, flowId);
    expect(second.outcome).toBe("failed");
    const state = await readPollState(pool, flowId);
    expect(state).toMatchObject({ consecutiveFailures: 2, lastErrorClass: "transient", cursor: before!.cursor });
    expect(state!.lastError).toMatch(/503|unavailable|fault/i);
    // Backed off: the next poll is due after two doublings of the interval, not after the interval.
    expect(Date.parse(state!.nextPollAt!) - Date.parse(state!.lastPollAt!)).toBe(pollDelayMs(10_000, 2));
    expect((await runs()).length).toBe(wonIds().length - 2);

    await fetch(`${sf.sandbox.baseUrl}/__sandbox/faults`, { method: "DELETE" });
    await pool.query(`UPDATE poll_state SET next_poll_at = now() WHERE flow_id = $1::uuid`, [flowId]);
    await startWorker();
    await untilEveryWonHasRun();
    await expectOneRunPerWon();
    expect(await readPollState(pool, flowId)).toMatchObject({ consecutiveFailures: 0, lastError: null });
  }, 120_000);

  it("a record changed while a poll is in flight, stamped at the poll's newest instant, is not skipped", async () => {
    for (const w of [...running]) await stopWorker(w);
    const [first, second] = openOpps();
    // Two records won "now", then a poll whose read returns them; while its answer is on the way, another
    // opportunity is won with the same SystemModstamp as the newest record of that answer.
    const stamp = new Date().toISOString();
    sf.touch("Opportunity", first!, { StageName: "Closed Won" }, stamp);
    let late: string | undefined;
    sf.sandbox.afterHandle = (req, res) => {
      if (!req.path.endsWith("/query") || late) return;
      const records = (res.body as { records: Array<{ Id: string; SystemModstamp: string }> }).records;
      const newest = records[records.length - 1]!;
      late = second!;
      sf.touch("Opportunity", late, { StageName: "Closed Won" }, newest.SystemModstamp);
    };
    try {
      const polled = await pollOnce({ pool, boss: supervisor }, flowId);
      expect(polled.outcome).toBe("polled");
      expect(late).toBeDefined();
      expect(await runs()).not.toContain(late); // the in-flight read did not see it
    } finally {
      sf.sandbox.afterHandle = null;
    }
    const next = await pollOnce({ pool, boss: supervisor }, flowId);
    expect(next.outcome).toBe("polled");
    expect(next.runsStarted).toBe(1); // the late record; the ones at the watermark were read again and dropped
    await expectOneRunPerWon();
  }, 120_000);

  it("a worker process killed while its poll is in flight (the vendor answered, nothing committed): another worker polls again, each record once", async () => {
    for (const w of [...running]) await stopWorker(w);
    const processes: Worker[] = [];
    let held!: () => void;
    const heldP = new Promise<void>((r) => (held = r));
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let holding = true;
    sf.sandbox.afterHandle = async (req) => {
      if (!holding || !req.path.endsWith("/query")) return;
      held();
      await gate;
    };
    try {
      for (const id of openOpps().slice(0, 2)) sf.touch("Opportunity", id, { StageName: "Closed Won" });
      const before = (await runs()).length;
      await pool.query(`UPDATE poll_state SET next_poll_at = now() WHERE flow_id = $1::uuid`, [flowId]);
      // Production settings: the worker's own tick (5 s), heartbeats, the DSL interpreter.
      const env = { WEFT_RUNTIME_COMPILE_MODULE: "", WEFT_HTTP_ALLOWLIST: process.env.WEFT_HTTP_ALLOWLIST! };
      const a = await spawnWorker(processes, { url: t.url, targetUrl: sf.sandbox.baseUrl, env });
      await heldP;
      process.kill(-a.proc.pid!, "SIGKILL");
      await a.exited;
      processes.splice(processes.indexOf(a), 1);
      holding = false;
      release();
      expect((await runs()).length).toBe(before); // the killed poll committed nothing
      await spawnWorker(processes, { url: t.url, targetUrl: sf.sandbox.baseUrl, env });
      await untilEveryWonHasRun(90_000);
      await expectOneRunPerWon();
    } finally {
      sf.sandbox.afterHandle = null;
      holding = false;
      release();
      await killWorkers(processes);
    }
  }, 180_000);

  it("the flow page reads the state (viewer) and a designer of the owning team restarts it from a date: only missing records start", async () => {
    const teamId = (await t.db.team.findUniqueOrThrow({ where: { key: "platform" }, select: { id: true } })).id;
    await t.db.user.upsert({
      where: { id: "u-poll" },
      create: { id: "u-poll", name: "Pat Poller", email: "poll@weft.local", roles: ["designer"] },
      update: {},
    });
    const as = (role: Role) =>
      createCaller({
        db: t.db,
        requestId: "req-poll",
        user: { id: "u-poll", email: "poll@weft.local", name: "Pat Poller", roles: [role], teamIds: [teamId] },
      });
    const view = await as("viewer").polls.state({ flowKey: FLOW });
    expect(view).toMatchObject({
      polls: true,
      source: { connector: "salesforce", connection: CONNECTION, operation: "query", interval: "10s" },
      state: { status: "active", consecutiveFailures: 0 },
    });
    await expect(as("viewer").polls.activate({ flowKey: FLOW, from: { mode: "now" } })).rejects.toMatchObject({
      code: "FORBIDDEN",
    });
    await expect(
      as("designer").polls.activate({ flowKey: FLOW, from: { mode: "date", date: "2999-01-01T00:00:00Z" } }),
    ).rejects.toThrow(/from.date is in the future/);
    await expect(
      as("designer").polls.activate({ flowKey: FLOW, from: { mode: "date", date: "yesterday" } }),
    ).rejects.toThrow(/from.date must be an ISO 8601/);

    const won = wonIds().length;
    await as("designer").polls.activate({ flowKey: FLOW, from: { mode: "date", date: "2000-01-01T00:00:00Z" } });
    expect((await readPollState(pool, flowId))?.cursor).toBe("2000-01-01T00:00:00.000Z");
    const replayed = await pollOnce({ pool, boss: supervisor }, flowId);
    expect(replayed).toMatchObject({ outcome: "polled", records: won, runsStarted: 0 });
    await expectOneRunPerWon();
    const audit = await t.db.auditLog.findFirst({ where: { action: "poll.activated", entityId: FLOW } });
    expect(audit?.after).toMatchObject({ mode: "date", cursor: "2000-01-01T00:00:00.000Z" });
  }, 60_000);
});
