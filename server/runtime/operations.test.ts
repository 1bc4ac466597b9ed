// Exception and run operations through the real tRPC router (roles, audit) on real Postgres and pg-boss
// workers: a failed run opens an exception with its business keys; retry continues the same run without
// repeating completed steps; replay runs an edited input; replay-latest uses the newest version; resolve
// and assign are audited.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { PgBoss } from "pg-boss";
import { createTestDatabase, type TestDatabase } from "../testing/db";
import { runSettled } from "../testing/runs";
import { createCaller } from "../api/root";
import type { Role } from "../../core/roles";
import { runtimePool, type Pool } from "./sql";
import { ensureTestSecrets, publishFlow, testBoss } from "./testing";
import { startRuntimeWorkers, type RuntimeWorkers } from "./worker";
import { StepError } from "./errors";
import type { Compile } from "./engine/run";

describe("runtime operations", () => {
  let t: TestDatabase;
  let pool: Pool;
  let boss: PgBoss;
  let workers: RuntimeWorkers;
  const savedUrl = process.env.DATABASE_URL;
  /** Effects per step, and whether the "post" step should fail (a vendor rejecting the customer). */
  const effects: Record<string, number> = {};
  let rejectCustomer = true;

  // A two-step flow: "fetch" (always works) then "post" (fails with a validation error while rejectCustomer).
  const compile: Compile = (dsl) => ({
    businessKeys: async (input) => ({ invoiceId: (input as { invoiceId: string }).invoiceId }),
    execute: async (k, env) => {
      const input = env.run.input as { invoiceId: string; amount: number };
      const fetched = await k.step({ path: "fetch", stepId: "fetch", type: "call", effectful: true }, async () => {
        effects.fetch = (effects.fetch ?? 0) + 1;
        return { amount: input.amount };
      });
      return k.step({ path: "post", stepId: "post", type: "call", effectful: true }, async () => {
        if (rejectCustomer && input.amount > 0)
          throw new StepError({
            errorClass: "validation",
            message: `Customer C-${Math.floor(input.amount)} is inactive`,
            request: { method: "POST", headers: { authorization: "Bearer secret-token-123" } },
          });
        effects.post = (effects.post ?? 0) + 1;
        return { posted: fetched.amount, version: (dsl as { v: number }).v };
      });
    },
  });

  beforeAll(async () => {
    ensureTestSecrets();
    t = await createTestDatabase();
    process.env.DATABASE_URL = t.url; // the routers' sending boss (webBoss) joins this database
    pool = runtimePool(t.url, 6);
    boss = await testBoss(t.url, { supervise: true });
    workers = await startRuntimeWorkers(boss, { databaseUrl: t.url, compile, concurrency: 4, triggerSyncSeconds: 0 });
    await t.db.user.create({ data: { id: "u-op", name: "Op", email: "op@weft.local", roles: ["operator"] } });
    await publishFlow(pool, "invoice-post", { v: 1, trigger: { type: "manual" } });
    // The operator works for the flow's owning team (operators act on their teams' exceptions).
    teamIds = [(await t.db.flow.findFirstOrThrow({ where: { key: "invoice-post" } })).ownerTeamId];
  });
  afterAll(async () => {
    await workers.stop();
    await boss.stop({ graceful: false });
    const g = globalThis as unknown as { __weftBoss?: Promise<PgBoss> };
    await (await g.__weftBoss)?.stop({ graceful: false });
    process.env.DATABASE_URL = savedUrl;
    await t.drop();
  });

  let teamIds: string[] = [];
  const as = (role: Role) =>
    createCaller({
      db: t.db,
      requestId: "req-ops",
      user: { id: "u-op", email: "op@weft.local", name: "Op", roles: [role], teamIds },
    });

  const settled = (runId: string, ms = 20_000) => runSettled(t, runId, ms, 50);

  async function failedRun(invoiceId: string, amount: number) {
    const { runId } = await as("designer").runs.start({ flowKey: "invoice-post", input: { invoiceId, amount } });
    expect((await settled(runId)).status).toBe("failed");
    const ex = (await as("viewer").exceptions.queue({ filter: { q: invoiceId } })).items.filter(
      (e) => e.runId === runId,
    );
    expect(ex).toHaveLength(1);
    return { runId, exception: ex[0]! };
  }

  it("a failed run opens one exception with class, step, redacted request, business keys; identical failures group", async () => {
    const a = await failedRun("INV-1", 101);
    await failedRun("INV-2", 202);
    expect(a.exception).toMatchObject({
      status: "open",
      errorClass: "validation",
      stepPath: "post",
      businessKeys: { invoiceId: "INV-1" },
    });
    const stored = await t.db.exception.findUniqueOrThrow({ where: { id: a.exception.id } });
    expect(JSON.stringify(stored.request)).not.toContain("secret-token-123");
    const groups = await as("viewer").exceptions.signatureGroups({ filter: {} });
    const g = groups.find((x) => x.stepPath === "post")!;
    expect(g.count).toBe(2);
    const timeline = await as("viewer").runs.timeline({ runId: a.runId });
    expect(timeline.steps.map((s) => [s.path, s.status])).toEqual([
      ["fetch", "succeeded"],
      ["post", "failed"],
    ]);
  });

  it("the runs list finds runs by part of a business key, within a flow and a time range (bound as parameters)", async () => {
    const { runId } = await failedRun("INV-LIKE-9%_x", 303);
    const created = (await t.db.run.findUniqueOrThrow({ where: { id: runId } })).createdAt;
    const around = { from: new Date(created.getTime() - 1000), to: new Date(created.getTime() + 1000) };
    const ids = async (f: Record<string, unknown>) => (await as("viewer").runs.list(f)).items.map((r) => r.id);
    expect(await ids({ businessKey: "LIKE-9%_", flowKey: "invoice-post", ...around })).toEqual([runId]);
    // % and _ are literal characters in the search, not wildcards.
    expect(await ids({ businessKey: "LIKE-9__" })).toEqual([]);
    // Outside the time range, or in another flow: nothing.
    expect(await ids({ businessKey: "LIKE-9", from: new Date(created.getTime() + 60_000) })).toEqual([]);
    expect(await ids({ businessKey: "LIKE-9", to: new Date(created.getTime() - 60_000) })).toEqual([]);
    expect(await ids({ businessKey: "LIKE-9", flowKey: "no-such-flow" })).toEqual([]);
  });

  it("retry continues the same run: completed steps are not executed again, the exception resolves itself, audited", async () => {
    const { runId, exception } = await failedRun("INV-3", 303);
    const fetchesBefore = effects.fetch;
    rejectCustomer = false;
    try {
      expect(await as("operator").exceptions.retry({ id: exception.id })).toEqual({ runId });
      expect((await settled(runId)).status).toBe("succeeded");
    } finally {
      rejectCustomer = true;
    }
    expect(effects.fetch).toBe(fetchesBefore); // memoized
    const e = await t.db.exception.findUniqueOrThrow({ where: { id: exception.id } });
    expect(e.status).toBe("resolved");
    const audit = await t.db.auditLog.findMany({ where: { entityId: exception.id, action: "exception.retry" } });
    expect(audit).toHaveLength(1);
    expect(audit[0]!.actorId).toBe("u-op");
    // A second retry of the same exception is refused (it is no longer open).
    await expect(as("operator").exceptions.retry({ id: exception.id })).rejects.toThrow(/resolved/);
  });

  it("a retried run that fails again reopens the same exception", async () => {
    const { runId, exception } = await failedRun("INV-4", 404);
    await as("operator").exceptions.retry({ id: exception.id });
    expect((await settled(runId)).status).toBe("failed");
    const list = await t.db.exception.findMany({ where: { runId } });
    expect(list).toHaveLength(1);
    expect(list[0]).toMatchObject({ id: exception.id, status: "open" });
  });

  it("replay with an edited input runs a new run linked to the original", async () => {
    const { runId, exception } = await failedRun("INV-5", 505);
    const r = await as("operator").exceptions.replay({ id: exception.id, input: { invoiceId: "INV-5", amount: 0 } });
    const replay = await settled(r.runId);
    expect(replay).toMatchObject({
      status: "succeeded",
      replayOfId: runId,
      input: { invoiceId: "INV-5", amount: 0 },
      triggerType: "replay",
    });
    expect((await t.db.exception.findUniqueOrThrow({ where: { id: exception.id } })).status).toBe("resolved");
    expect(await t.db.auditLog.count({ where: { entityId: exception.id, action: "exception.replay" } })).toBe(1);
  });

  it("replay on the latest published version uses the newest version", async () => {
    const { exception } = await failedRun("INV-6", 606);
    await publishFlow(pool, "invoice-post", { v: 2, trigger: { type: "manual" } });
    rejectCustomer = false;
    try {
      const r = await as("operator").exceptions.replayLatest({ id: exception.id });
      const run = await settled(r.runId);
      expect(run.status).toBe("succeeded");
      expect(run.output).toMatchObject({ version: 2 });
    } finally {
      rejectCustomer = true;
    }
  });

  it("resolve (with a reason) and assign are audited; viewers cannot operate", async () => {
    const { exception } = await failedRun("INV-7", 707);
    await expect(as("viewer").exceptions.resolve({ ids: [exception.id], reason: "n/a" })).rejects.toThrow(/operator/);
    await as("operator").exceptions.assign({ ids: [exception.id], userId: "u-op" });
    expect(
      await as("operator").exceptions.resolve({
        ids: [exception.id],
        reason: "Customer reactivated and invoice posted by hand",
      }),
    ).toEqual({ resolved: 1 });
    const e = await t.db.exception.findUniqueOrThrow({ where: { id: exception.id } });
    expect(e).toMatchObject({
      status: "resolved",
      assigneeId: "u-op",
      resolvedById: "u-op",
      resolution: "Customer reactivated and invoice posted by hand",
    });
    const actions = (await t.db.auditLog.findMany({ where: { entityId: exception.id }, orderBy: { seq: "asc" } })).map(
      (a) => a.action,
    );
    expect(actions).toEqual(["exception.assign", "exception.resolve"]);
  });

  it("test runs execute the draft through the same engine and open no exception", async () => {
    await t.db.flow.update({ where: { key: "invoice-post" }, data: { draft: { v: 99, trigger: { type: "manual" } } } });
    const { runId } = await as("designer").runs.test({
      flowKey: "invoice-post",
      input: { invoiceId: "T-1", amount: 0 },
    });
    const run = await settled(runId);
    expect(run).toMatchObject({ status: "succeeded", isTest: true, flowVersionId: null, output: { version: 99 } });
    const { runId: bad } = await as("designer").runs.test({
      flowKey: "invoice-post",
      input: { invoiceId: "T-2", amount: 5 },
    });
    expect((await settled(bad)).status).toBe("failed");
    expect(await t.db.exception.count({ where: { runId: bad } })).toBe(0);
    const list = await as("viewer").runs.list({ flowKey: "invoice-post", isTest: true });
    expect(list.items.map((r) => r.id)).toEqual(expect.arrayContaining([runId, bad]));
  });
});
