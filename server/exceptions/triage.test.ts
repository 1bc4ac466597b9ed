// The exception queue's services on real Postgres, real pg-boss workers, the real DSL runtime and the
// vendor sandboxes with fault injection: the reference flow "opportunity won → project" fails for real,
// failures group by signature, the queue reads/filters/searches/counts them, the detail speaks in business
// terms, edit-and-replay and skip work, bulk retry over a filter processes every match with a summary and
// can be cancelled, auto-resolve closes earlier exceptions when a later run for the same keys succeeds,
// viewers cannot act, every action is audited.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createCaller } from "../api/root";
import { INVOICE_POSTING_FLOW } from "../seed/demo-flows";
import { startExceptionRuntime, type ExceptionRuntime } from "../testing/exceptions";
import { tallyDrift } from "../testing/exception-tally";
import { autoResolveForRun, autoResolveSweep } from "./auto-resolve";

const FLOW = "post-invoice-to-netsuite";
const invoice = (n: number, over: Record<string, unknown> = {}) => ({
  invoice: `INV-${n}`,
  customer: "Laurentian Rail",
  customerId: "101",
  hours: 38.5,
  amount: 12400,
  currency: "USD",
  ...over,
});

describe("exception triage", () => {
  let rt: ExceptionRuntime;
  let t: ExceptionRuntime["t"];
  let boss: ExceptionRuntime["boss"];
  beforeAll(async () => {
    rt = await startExceptionRuntime({ flows: [INVOICE_POSTING_FLOW], concurrency: 8, requestId: "req-triage" });
    ({ t, boss } = rt);
  }, 120_000);
  afterAll(() => rt?.stop());

  // An operator of Finance, the flow's owning team.
  const as: ExceptionRuntime["as"] = (role) => rt.as(role);
  const settled: ExceptionRuntime["settled"] = (runId, ms) => rt.settled(runId, ms);
  const faults: ExceptionRuntime["faults"] = (system, f) => rt.faults(system, f);
  const clearFaults: ExceptionRuntime["clearFaults"] = (system) => rt.clearFaults(system);

  /** A bulk action once it is done (or as it is when `ms` ran out). */
  async function bulkFinished(id: string, ms: number) {
    const until = Date.now() + ms;
    let row = await as("viewer").exceptions.bulkGet({ id });
    while (row.status !== "done" && Date.now() < until) {
      await new Promise((r) => setTimeout(r, 200));
      row = await as("viewer").exceptions.bulkGet({ id });
    }
    return row;
  }

  const start = async (input: unknown) => (await as("designer").runs.start({ flowKey: FLOW, input })).runId;

  const openFor = async (inv: string) =>
    t.db.exception.findFirstOrThrow({
      where: { businessKeyValues: { has: `invoice=${inv}` } },
      orderBy: { createdAt: "desc" },
    });
  const faulty = async (from: number, n: number) => {
    await faults("netsuite", { errorRate: 1, errorStatus: 400, pathPattern: "invoice" });
    try {
      // A few at a time: the test database's client has 5 connections and each start is a transaction.
      const ids: string[] = [];
      for (let i = 0; i < n; i += 3)
        ids.push(
          ...(await Promise.all(
            Array.from({ length: Math.min(3, n - i) }, (_, k) =>
              start(invoice(from + i + k, { amount: 1000 + i + k })),
            ),
          )),
        );
      for (const id of ids) expect((await settled(id)).status).toBe("failed");
    } finally {
      await clearFaults("netsuite");
    }
  };

  it("a missing customer and an injected NetSuite fault fail the flow for real; the detail speaks in business terms", async () => {
    expect((await settled(await start(invoice(1001)))).status).toBe("succeeded");
    expect((await settled(await start(invoice(1002, { customerId: "99999" })))).status).toBe("failed");
    const e = await openFor("INV-1002");
    expect(e).toMatchObject({
      stepPath: "findCustomer",
      errorClass: "validation",
      impactAmount: 12400,
      impactHours: 38.5,
    });
    const d = await as("viewer").exceptions.detail({ id: e.id });
    expect(d.sentence).toBe(
      "Invoice INV-1002 for Laurentian Rail, 38.5 approved hours, $12,400, not posted to NetSuite: customer record 99999 missing",
    );
    expect(d.step).toMatchObject({ id: "findCustomer", system: "NetSuite" });
    expect(d.inputSchema.source).toBe("the flow's input schema");
    expect(d.failingStep?.input).toMatchObject({ recordType: "customer", id: "99999" });
  });

  it("groups identical failures by signature, counts them by dimension, searches business keys, sums the impact", async () => {
    await faulty(2000, 6);
    const filter = { flowKey: FLOW, q: "inv-20" };
    const groups = await as("viewer").exceptions.signatureGroups({ filter });
    expect(groups).toHaveLength(1);
    expect(groups[0]).toMatchObject({ count: 6, stepPath: "postInvoice", errorClass: "validation", flowKey: FLOW });
    expect(groups[0]!.impactAmount).toBe(6 * 1000 + 15);
    const facets = await as("viewer").exceptions.facets({ filter });
    expect(facets.total).toBe(6);
    expect(facets.errorClass).toEqual([{ value: "validation", label: "validation", count: 6 }]);
    expect(facets.team.map((x) => [x.label, x.count])).toEqual([["Finance", 6]]);
    expect(facets.age.find((a) => a.value === "lt1h")?.count).toBe(6);
    const one = await as("viewer").exceptions.queue({ filter: { q: "INV-2003" } });
    expect(one.items.map((x) => x.businessKeys?.invoice)).toEqual(["INV-2003"]);
    const paged = await as("viewer").exceptions.queue({ filter, limit: 4 });
    const rest = await as("viewer").exceptions.queue({ filter, limit: 4, cursor: paged.nextCursor });
    expect([...paged.items, ...rest.items].map((x) => x.id).sort()).toHaveLength(6);
    expect(rest.nextCursor).toBeNull();
    const impact = await as("viewer").exceptions.impact();
    expect(impact.byDomain.find((x) => x.domain === "invoice")).toMatchObject({ open: 7, hours: 7 * 38.5 });
    expect(impact.byTeam.find((x) => x.teamName === "Finance")?.amount).toBe(12400 + 6015);
  });

  it("edit and replay: a schema-checked input, a new run that succeeds, the exception resolved, audited with before/after", async () => {
    const e = await openFor("INV-1002");
    await expect(
      as("operator").exceptions.replay({ id: e.id, input: invoice(1002, { customerId: "nope" }) }),
    ).rejects.toThrow(/customerId does not match/);
    await expect(as("viewer").exceptions.replay({ id: e.id, input: invoice(1002) })).rejects.toThrow(/operator/);
    const { runId } = await as("operator").exceptions.replay({ id: e.id, input: invoice(1002) });
    expect((await settled(runId)).status).toBe("succeeded");
    const after = await t.db.exception.findUniqueOrThrow({ where: { id: e.id } });
    expect(after.status).toBe("resolved");
    const audit = await t.db.auditLog.findFirstOrThrow({ where: { entityId: e.id, action: "exception.replay" } });
    expect(audit).toMatchObject({ actorId: "u-op", before: { status: "open" }, after: { status: "retrying", runId } });
  });

  it("skip the step with a provided output: the same run continues after it", async () => {
    await faulty(4000, 1);
    const e = await openFor("INV-4000");
    const { runId } = await as("operator").exceptions.skip({ id: e.id, output: { id: "MANUAL-77" } });
    expect(runId).toBe(e.runId);
    const run = await settled(runId);
    expect(run).toMatchObject({ status: "succeeded", output: { invoiceId: "MANUAL-77" } });
    expect((await t.db.exception.findUniqueOrThrow({ where: { id: e.id } })).status).toBe("resolved");
    expect(await t.db.auditLog.count({ where: { entityId: e.id, action: "exception.skip_step" } })).toBe(1);
  });

  it("bulk retry over a whole filter (more than a page) processes every match with a summary; cancel stops a bulk action", async () => {
    await faulty(5000, 60);
    const filter = { flowKey: FLOW, q: "inv-50" };
    expect((await as("viewer").exceptions.facets({ filter })).total).toBe(60);
    await expect(as("viewer").exceptions.bulkStart({ kind: "retry", filter })).rejects.toThrow(/operator/);
    const bulk = await as("operator").exceptions.bulkStart({ kind: "retry", filter });
    expect(bulk.total).toBe(60);
    const row = await bulkFinished(bulk.id, 60_000);
    expect(row).toMatchObject({ status: "done", total: 60, processed: 60, succeeded: 60, failed: 0, skipped: 0 });
    expect(row.runs && row.runs.running + row.runs.succeeded + row.runs.failedAgain).toBe(60);
    const runs = await t.db.exception.findMany({
      where: { businessKeyValues: { hasSome: Array.from({ length: 60 }, (_, i) => `invoice=INV-${5000 + i}`) } },
      select: { runId: true },
    });
    for (const r of runs) expect((await settled(r.runId)).status).toBe("succeeded");
    // "Done" meant every run was started; the action follows them to their end (the exception queue polls this).
    await expect
      .poll(async () => (await as("viewer").exceptions.bulkGet({ id: bulk.id })).runs, { timeout: 30_000 })
      .toEqual({ running: 0, succeeded: 60, failedAgain: 0 });
    expect(
      await t.db.exception.count({
        where: {
          id: {
            in: (
              await t.db.exception.findMany({ where: { businessKeyValues: { hasSome: ["invoice=INV-5001"] } } })
            ).map((x) => x.id),
          },
          status: "resolved",
        },
      }),
    ).toBe(1);
    expect(
      await t.db.auditLog.count({
        where: { action: "exception.retry", meta: { path: ["bulkActionId"], equals: bulk.id } },
      }),
    ).toBe(60);

    // Cancel: requested before the worker's next batch, the action stops there.
    const { processBulk } = await import("./bulk");
    const held = await t.db.bulkAction.create({
      data: {
        kind: "resolve",
        filter: { flowKey: FLOW },
        params: { reason: "held" },
        total: 3,
        createdById: "u-op",
        status: "running",
      },
    });
    await as("operator").exceptions.bulkCancel({ id: held.id });
    await processBulk(t.db, boss, held.id, 1);
    expect(await t.db.bulkAction.findUniqueOrThrow({ where: { id: held.id } })).toMatchObject({
      status: "cancelled",
      processed: 0,
    });
  }, 180_000);

  it("bulk resolve over hand-ticked exceptions acts on exactly those, and only while they still match the filter", async () => {
    await faulty(6000, 5);
    const filter = { flowKey: FLOW, q: "inv-600" };
    const open = await as("viewer").exceptions.queue({ filter, limit: 50 });
    expect(open.items).toHaveLength(5);
    const ticked = open.items.slice(0, 2).map((e) => e.id);
    // A ticked id outside the filter (another search) is not acted on.
    const outside = (await openFor("INV-4000")).id;
    const bulk = await as("operator").exceptions.bulkStart({
      kind: "resolve",
      filter: { ...filter, ids: [...ticked, outside] },
      reason: "checked by hand",
    });
    expect(bulk.total).toBe(2);
    const row = await bulkFinished(bulk.id, 30_000);
    expect(row).toMatchObject({ status: "done", total: 2, processed: 2, succeeded: 2 });
    const after = await t.db.exception.findMany({
      where: { id: { in: open.items.map((e) => e.id) } },
      select: { id: true, status: true },
    });
    expect(
      after
        .filter((e) => e.status === "resolved")
        .map((e) => e.id)
        .sort(),
    ).toEqual([...ticked].sort());
    expect(after.filter((e) => e.status === "open")).toHaveLength(3);
    await expect(
      as("operator").exceptions.bulkStart({ kind: "retry", filter: { ...filter, ids: [] } }),
    ).rejects.toThrow();
  }, 120_000);

  it("auto-resolve: a later successful run for the same business keys resolves the open exception, recorded as such", async () => {
    await settled(await start(invoice(6001, { customerId: "99999" })));
    const e = await openFor("INV-6001");
    expect(e.status).toBe("open");
    const later = await start(invoice(6001));
    expect((await settled(later)).status).toBe("succeeded");
    const until = Date.now() + 20_000;
    let now = await t.db.exception.findUniqueOrThrow({ where: { id: e.id } });
    while (now.status !== "resolved" && Date.now() < until) {
      await new Promise((r) => setTimeout(r, 100));
      now = await t.db.exception.findUniqueOrThrow({ where: { id: e.id } });
    }
    expect(now).toMatchObject({ status: "resolved", resolvedByRunId: later, resolvedById: null });
    expect(now.resolution).toMatch(/^Auto-resolved: a later run/);
    expect(
      await t.db.auditLog.findFirstOrThrow({ where: { entityId: e.id, action: "exception.auto_resolve" } }),
    ).toMatchObject({ actorId: null, before: { status: "open" } });
  });

  it("auto-resolve stays in its environment: a test run's success leaves production's exception open", async () => {
    await settled(await start(invoice(6101, { customerId: "99999" })));
    const e = await openFor("INV-6101");
    expect(e).toMatchObject({ status: "open", environment: "production" });
    const flow = await t.db.flow.findUniqueOrThrow({ where: { key: FLOW }, select: { id: true } });
    if (!(await t.db.deployment.findFirst({ where: { flowId: flow.id, environmentKey: "test" } }))) {
      const v = await t.db.flowVersion.findFirstOrThrow({
        where: { flowId: flow.id, status: "approved" },
        orderBy: { createdAt: "desc" },
      });
      await as("designer").environments.deploy({ flowKey: FLOW, version: v.version });
    }
    const trial = (await as("designer").runs.start({ flowKey: FLOW, input: invoice(6101), environment: "test" })).runId;
    expect(await settled(trial)).toMatchObject({ status: "succeeded" });
    // Neither the job the run's end would queue nor the minute's sweep crosses environments.
    expect(await autoResolveForRun(t.db, trial)).toEqual([]);
    await autoResolveSweep(t.db);
    expect((await t.db.exception.findUniqueOrThrow({ where: { id: e.id } })).status).toBe("open");
    // Production's own success resolves it.
    const later = await start(invoice(6101));
    expect((await settled(later)).status).toBe("succeeded");
    await autoResolveSweep(t.db);
    expect(await t.db.exception.findUniqueOrThrow({ where: { id: e.id } })).toMatchObject({
      status: "resolved",
      resolvedByRunId: later,
    });
  });

  it("saved views are per user; viewers cannot act; reveal of sensitive payloads is audited", async () => {
    await as("viewer").exceptions.saveView({ name: "Finance, this week", filter: { domain: "invoice", age: "1d-7d" } });
    expect((await as("viewer").exceptions.views()).map((v) => [v.name, v.filter])).toEqual([
      ["Finance, this week", { domain: "invoice", age: "1d-7d" }],
    ]);
    const other = createCaller({
      db: t.db,
      requestId: "r2",
      user: { id: "u-other", email: "x@weft.local", name: "X", roles: ["viewer"], teamIds: [] },
    });
    expect(await other.exceptions.views()).toEqual([]);
    const e = await t.db.exception.findFirstOrThrow({ where: { status: "open" } });
    for (const act of [
      () => as("viewer").exceptions.retry({ id: e.id }),
      () => as("viewer").exceptions.resolve({ ids: [e.id], reason: "nope" }),
      () => as("viewer").exceptions.comment({ id: e.id, text: "hi" }),
    ]) {
      await expect(act()).rejects.toThrow(/operator/);
    }
    await as("operator").exceptions.comment({ id: e.id, text: "Customer master being fixed by AR." });
    const d = await as("viewer").exceptions.detail({ id: e.id });
    expect(d.history.find((h) => h.action === "exception.comment")).toMatchObject({
      actor: "Olu Operator",
      after: { comment: "Customer master being fixed by AR." },
    });
    await as("operator").exceptions.reveal({ id: e.id });
    expect(await t.db.auditLog.count({ where: { entityId: e.id, action: "exception.payload_view" } })).toBe(1);
  });

  it("kept the exception counters equal to the rows through failures, retries, bulk actions and auto-resolve", async () => {
    expect(await tallyDrift(t.db)).toEqual([]);
  });
});
