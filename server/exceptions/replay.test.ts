// Replay and recovery of a webhook flow on real Postgres, real pg-boss workers, the DSL runtime and the
// NetSuite sandbox: the first call creates a customer record, the second (the invoice) fails through an
// injected fault. Proves: the replay editor checks the shape the trigger produces ({body, headers, query})
// and refuses a bare body; a replay reuses the succeeded first step (no second customer record, however
// often it is replayed, on the same or the latest version) and runs only what changed; the plan the
// operator sees says so beforehand; a replay whose business keys come out empty closes nothing.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { setWebhookSecret } from "../runtime/testing";
import { acceptWebhook, signWebhook, SIGNATURE_HEADER, TIMESTAMP_HEADER } from "../runtime/ingress";
import { forgetPublishedFlow } from "../runtime/flow-source";
import { VENDOR_BILLING_WEBHOOK_FLOW } from "../seed/vendor-billing-flow";
import { startExceptionRuntime, type ExceptionRuntime } from "../testing/exceptions";

const FLOW = VENDOR_BILLING_WEBHOOK_FLOW.key;
const SECRET = "whsec_replay_0123456789abcdef";
const body = (n: number, over: Record<string, unknown> = {}) => ({
  invoice: `INV-${n}`,
  company: `Replay Co ${n}`,
  hours: 10,
  amount: 1500,
  ...over,
});

describe("replay and recovery of a webhook flow", () => {
  let rt: ExceptionRuntime;
  let t: ExceptionRuntime["t"];
  let pool: ExceptionRuntime["pool"];
  let boss: ExceptionRuntime["boss"];
  beforeAll(async () => {
    rt = await startExceptionRuntime({ flows: [VENDOR_BILLING_WEBHOOK_FLOW], concurrency: 4, requestId: "req-replay" });
    ({ t, pool, boss } = rt);
    await setWebhookSecret(pool, FLOW, SECRET, VENDOR_BILLING_WEBHOOK_FLOW.trigger.secret);
  }, 120_000);
  afterAll(() => rt?.stop());

  // An operator of Finance, the team that owns the flow (and so its exceptions).
  const as: ExceptionRuntime["as"] = (role) => rt.as(role);
  const settled: ExceptionRuntime["settled"] = (runId, ms) => rt.settled(runId, ms);
  const netsuite = () => rt.admin("netsuite");
  const faultInvoices = () => rt.faults("netsuite", { errorRate: 1, errorStatus: 400, pathPattern: "invoice" });
  const clearFaults = () => rt.clearFaults("netsuite");
  /** Customer records in the sandbox with this company name: the vendor-side effect a replay must not repeat. */
  const customers = async (company: string) =>
    (
      (await (await fetch(`${netsuite()}/records/customer`)).json()) as { records: Array<{ companyName: string }> }
    ).records.filter((r) => r.companyName === company).length;
  const invoices = async (externalId: string) =>
    (
      (await (await fetch(`${netsuite()}/records/invoice`)).json()) as { records: Array<{ externalId?: string }> }
    ).records.filter((r) => r.externalId === externalId).length;

  async function send(payload: unknown) {
    const raw = JSON.stringify(payload);
    const ts = Math.floor(Date.now() / 1000);
    return acceptWebhook(
      { pool, boss },
      {
        flowKey: FLOW,
        body: Buffer.from(raw),
        query: "source=test",
        headers: new Headers({
          "content-type": "application/json",
          [TIMESTAMP_HEADER]: String(ts),
          [SIGNATURE_HEADER]: signWebhook(SECRET, ts, raw),
        }),
      },
    );
  }

  /** A webhook run that created its customer and then failed at the invoice (fault), with its open exception. */
  async function failedAtInvoice(n: number) {
    await faultInvoices();
    try {
      const r = await send(body(n));
      expect(r.status).toBe(202);
      const run = await settled(String(r.body.runId));
      expect(run.status).toBe("failed");
      const e = await t.db.exception.findFirstOrThrow({ where: { runId: run.id } });
      expect(e).toMatchObject({ status: "open", stepPath: "postInvoice" });
      return { run, exception: e };
    } finally {
      await clearFaults();
    }
  }

  it("the editor checks the webhook's run input {body, headers, query}; the body alone is refused naming the field", async () => {
    const { run, exception } = await failedAtInvoice(5001);
    const d = await as("viewer").exceptions.detail({ id: exception.id });
    expect(d.editableInput).toMatchObject({ body: body(5001), query: { source: "test" } });
    expect(d.inputSchema.source).toMatch(/payload schema/);
    // The original input (the envelope) passes — the button is enabled for it — and so does an edited body.
    const original = run.input as { body: Record<string, unknown> };
    await expect(as("operator").exceptions.replayPlan({ id: exception.id, input: original })).resolves.toBeTruthy();
    // The class of wrong inputs: a bare body, a body breaking the payload schema, headers that are not strings.
    await expect(as("operator").exceptions.replay({ id: exception.id, input: body(5001) })).rejects.toThrow(
      /"body" is required/,
    );
    await expect(
      as("operator").exceptions.replay({
        id: exception.id,
        input: { ...original, body: { ...original.body, invoice: "5001" } },
      }),
    ).rejects.toThrow(/\$\.body\.invoice does not match/);
    await expect(
      as("operator").exceptions.replay({ id: exception.id, input: { ...original, headers: { "x-n": 1 } } }),
    ).rejects.toThrow(/\$\.headers\["x-n"\] expected string/);
    await expect(
      as("operator").exceptions.replayPlan({ id: exception.id, input: { body: original.body } }),
    ).rejects.toThrow(/"headers" is required/);
    expect(await t.db.run.count({ where: { replayOfId: run.id } })).toBe(0);
  });

  it("a replay reuses the customer created by the original run: one record however often it is replayed", async () => {
    const { run, exception } = await failedAtInvoice(5002);
    expect(await customers("Replay Co 5002")).toBe(1);
    // Replayed while the fault persists (on this version and on the latest): fails again, no new customer.
    await faultInvoices();
    let origin = run.id;
    let open = exception.id;
    try {
      for (const latest of [false, true, false]) {
        const plan = await as("operator").exceptions.replayPlan({ id: open, input: undefined, latest });
        expect(plan.steps.map((s) => [s.stepId, s.plan])).toEqual([
          ["createCustomer", "reused"],
          ["postInvoice", "runs"],
        ]);
        const r = await as("operator").exceptions.replay({ id: open, input: undefined, latest });
        expect((await settled(r.runId)).status).toBe("failed");
        const steps = await t.db.stepRun.findMany({ where: { runId: r.runId }, orderBy: { path: "asc" } });
        const created = steps.find((s) => s.path === "createCustomer")!;
        expect(created).toMatchObject({
          status: "succeeded",
          attempts: 0,
          attemptLog: [{ outcome: "reused", reusedFrom: origin }],
        });
        expect(created.output).toEqual(
          (await t.db.stepRun.findFirstOrThrow({ where: { runId: run.id, path: "createCustomer" } })).output,
        );
        origin = r.runId;
        open = (await t.db.exception.findFirstOrThrow({ where: { runId: r.runId } })).id;
      }
    } finally {
      await clearFaults();
    }
    expect(await customers("Replay Co 5002")).toBe(1);
    // Fault gone: the replay posts the invoice against the same customer and the exception resolves.
    const r = await as("operator").exceptions.replay({ id: open, input: undefined });
    expect(r.plan).toEqual({ reused: ["createCustomer"], runs: ["postInvoice"] });
    const done = await settled(r.runId);
    expect(done.status).toBe("succeeded");
    expect(await customers("Replay Co 5002")).toBe(1);
    expect(await invoices("INV-5002")).toBe(1);
    expect((await t.db.exception.findUniqueOrThrow({ where: { id: open } })).status).toBe("resolved");
    const audit = await t.db.auditLog.findFirstOrThrow({ where: { entityId: open, action: "exception.replay" } });
    expect(audit.meta).toMatchObject({ reusedSteps: ["createCustomer"], stepsRunAgain: ["postInvoice"] });
  }, 120_000);

  it("an edited body that changes the first step's input runs it again, and the plan says so first", async () => {
    const { run, exception } = await failedAtInvoice(5003);
    const input = run.input as {
      body: Record<string, unknown>;
      headers: Record<string, string>;
      query: Record<string, string>;
    };
    // Only the amount changes: the customer step's input is the same (reused), the invoice runs.
    const amountOnly = { ...input, body: { ...input.body, amount: 1800 } };
    expect(
      (await as("operator").exceptions.replayPlan({ id: exception.id, input: amountOnly })).steps.map((s) => s.plan),
    ).toEqual(["reused", "runs"]);
    // The company changes: the customer step runs again; the invoice's input is only known after it ("later").
    const renamed = { ...input, body: { ...input.body, company: "Replay Co 5003 Ltd" } };
    const plan = await as("operator").exceptions.replayPlan({ id: exception.id, input: renamed });
    expect(plan.steps.map((s) => [s.stepId, s.plan, s.reason])).toEqual([
      ["createCustomer", "runs", "its input differs from the original run's"],
      ["postInvoice", "later", "runs if reached (after createCustomer runs again)"],
    ]);
    const r = await as("operator").exceptions.replay({ id: exception.id, input: renamed });
    expect((await settled(r.runId)).status).toBe("succeeded");
    expect(await customers("Replay Co 5003 Ltd")).toBe(1);
    expect(await customers("Replay Co 5003")).toBe(1); // the original's record stays; the operator chose a new one
  }, 120_000);

  it("a replay whose business keys come out empty does not close the exception", async () => {
    const { run, exception } = await failedAtInvoice(5004);
    const input = run.input as { body: Record<string, unknown> };
    // The flow's keys read $trigger.body.invoice and .company; a schema-valid edit cannot drop them here, so the
    // class is exercised on the latest version whose keys read fields this input does not have.
    const next = {
      ...VENDOR_BILLING_WEBHOOK_FLOW,
      version: "1.1.0",
      businessKeys: { invoice: "$trigger.body.invoiceNumber" },
    };
    const flow = await t.db.flow.findUniqueOrThrow({ where: { key: FLOW } });
    await t.db.flowVersion.create({
      data: {
        flowId: flow.id,
        version: "1.1.0",
        dsl: next as object,
        contentHash: "test-1.1.0",
        status: "approved",
        approvedAt: new Date(),
      },
    });
    forgetPublishedFlow(FLOW);
    const plan = await as("operator").exceptions.replayPlan({ id: exception.id, input: input, latest: true });
    expect(plan.emptyBusinessKeys).toBe(true);
    const r = await as("operator").exceptions.replay({ id: exception.id, input, latest: true });
    const done = await settled(r.runId);
    expect(done.status).toBe("succeeded");
    expect(done.businessKeyValues).toEqual([]);
    const e = await t.db.exception.findUniqueOrThrow({ where: { id: exception.id } });
    expect(e.status).toBe("open"); // back in the queue, not closed by a run that processed no invoice
  }, 120_000);
});
