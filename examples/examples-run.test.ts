// The reference flows in examples/ run, not only validate: published in the demo workspace (seedDemoWorkspace
// publishes them as demo boot does) and run through the real runtime (pg-boss workers) against the vendor
// sandboxes and the reporting schema of this database. Each test asserts the run succeeds and its effect is
// visible in the sandbox it wrote to.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { PgBoss } from "pg-boss";
import { createTestDatabase, type TestDatabase } from "@/server/testing/db";
import { startDemoRuntime, type DemoRuntime } from "@/server/testing/demo";
import type { StartedSandboxes } from "@/connectors/sandboxes";
import type { Pool } from "@/server/runtime/sql";
import { loadPublishedFlow } from "@/server/runtime/flow-source";
import { createRun } from "@/server/runtime/runs";
import { referenceFlows } from "@/server/seed/demo-flows";
import { activatePoll, pollOnce } from "@/server/runtime/poll";
import { callConnector } from "@/server/runtime/connectors";
import pino from "pino";

describe("the example flows run against the sandboxes", () => {
  let t: TestDatabase;
  let rt: DemoRuntime;
  let sandboxes: StartedSandboxes;
  let pool: Pool;
  let boss: PgBoss;

  beforeAll(async () => {
    t = await createTestDatabase();
    rt = await startDemoRuntime(t);
    ({ sandboxes, pool, boss } = rt);
  }, 120_000);
  afterAll(async () => {
    await rt?.stop();
    await t?.drop();
  });

  async function run(
    flowKey: string,
    triggerType: "event" | "schedule" | "webhook",
    input: Record<string, unknown>,
    timeoutMs = 90_000,
  ) {
    const flow = await loadPublishedFlow(pool, flowKey, { fresh: true });
    expect(flow, `${flowKey} is published`).toBeTruthy();
    const { runId } = await createRun(pool, boss, {
      flowId: flow!.flowId,
      flowVersionId: flow!.versionId,
      triggerType,
      input,
    });
    const until = Date.now() + timeoutMs;
    for (;;) {
      const { rows } = await pool.query(`SELECT status::text AS status, output, error FROM run WHERE id = $1`, [runId]);
      if (["succeeded", "failed", "cancelled"].includes(rows[0]?.status))
        return { runId, ...(rows[0] as { status: string; output: Record<string, unknown>; error: unknown }) };
      if (Date.now() > until) throw new Error(`run of ${flowKey} still ${rows[0]?.status}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  const steps = async (runId: string, id: string) =>
    (
      await pool.query<{ status: string; input: Record<string, unknown>; output: Record<string, unknown> }>(
        `SELECT status, input, output FROM step_run WHERE run_id = $1 AND (path = $2 OR path LIKE '%' || $2) ORDER BY path`,
        [runId, id],
      )
    ).rows;
  /** A collection of a vendor sandbox as it is now (its admin API), to see what the flows wrote. */
  async function records(system: string, collection: string): Promise<Record<string, unknown>[]> {
    const s = sandboxes.systems.find((x) => x.system === system);
    expect(s, `sandbox ${system}`).toBeDefined();
    const res = await fetch(`${String(s!.admin)}/records/${collection}`);
    expect(res.status, `${system} ${collection}`).toBe(200);
    return ((await res.json()) as { records: Record<string, unknown>[] }).records;
  }

  it("the demo workspace has every example published, with names unlike any other flow", async () => {
    const examples = referenceFlows();
    expect(examples.map((e) => e.key).sort()).toEqual([
      "approved-time-to-invoice",
      "kantata-time-approved-push",
      "opportunity-won-to-project",
      "salesforce-cdc-opportunity-won",
      "salesforce-won-opportunities",
      "timesheet-to-reporting",
      "worker-onboarding-hris-to-psa",
    ]);
    const flows = await t.db.flow.findMany({ select: { key: true, name: true } });
    for (const e of examples) expect(flows.find((f) => f.key === e.key)?.name).toBe(e.name);
    const names = flows.map((f) => f.name);
    expect(names.filter((n, i) => names.indexOf(n) !== i)).toEqual([]);
  });

  it("opportunity-won-to-project: customer in NetSuite, Kantata workspace with the EUR rate card, NetSuite job, link, project.created", async () => {
    const r = await run("opportunity-won-to-project", "event", { opportunityId: "006Wf0000000001AAA", amount: 585000 });
    expect(r, JSON.stringify(r.error)).toMatchObject({ status: "succeeded" });
    const [account] = await steps(r.runId, "getAccount");
    const accountId = String(account!.output.Id);
    expect(accountId).toMatch(/^001/);
    const { projectId, erpJobId, customerId } = r.output as Record<string, string>;
    const customer = (await records("netsuite", "customer")).find((c) => c.id === customerId);
    expect(customer).toMatchObject({ externalId: accountId, companyName: account!.output.Name });
    const workspace = (await records("psa", "workspaces")).find((w) => w.id === projectId);
    const rateCards = await records("psa", "rate_card_sets");
    expect(workspace).toMatchObject({
      title: "Laurentian Rail – Data Platform Modernisation",
      price_in_cents: 58_500_000,
      rate_card_id: rateCards.find((c) => String(c.title).includes("(EUR)"))!.id,
    });
    expect((await records("netsuite", "job")).find((j) => j.id === erpJobId)).toMatchObject({
      externalId: `kantata-${projectId}`,
      parent: { id: customerId },
    });
    expect(
      (await records("psa", "external_references")).filter(
        (x) => x.subject_type === "Workspace" && x.subject_id === projectId && x.service_name === "NetSuite",
      ),
    ).toMatchObject([{ service_model_ref: erpJobId }]);
    expect((await steps(r.runId, "announce"))[0]!.input).toMatchObject({
      event: "project.created",
      payload: { projectId, erpJobId, customerId, opportunityId: "006Wf0000000001AAA" },
    });
  }, 120_000);

  it("salesforce-won-opportunities → opportunity-won-to-project: a deal closed in Salesforce is polled, announced once, and becomes a project", async () => {
    const sf = (operation: string, input: unknown) =>
      callConnector(
        { pool },
        {
          connector: "salesforce",
          operation,
          connection: "salesforce-prod",
          input,
          idempotencyKey: `examples-run:${operation}:${JSON.stringify(input)}`,
          signal: AbortSignal.timeout(30_000),
          logger: pino({ level: "silent" }),
        },
      );
    const poll = await loadPublishedFlow(pool, "salesforce-won-opportunities", { fresh: true });
    // Started "from now", as an operator would: only deals closed from here on are announced.
    await activatePoll(pool, { flowId: poll!.flowId, from: new Date(), actorId: null, intervalSeconds: 60 });
    const open = (await sf("query", {
      soql: "SELECT Id, Amount FROM Opportunity WHERE IsClosed = false ORDER BY Id LIMIT 1",
    })) as { records: Array<{ Id: string; Amount: number }> };
    const opp = open.records[0]!;
    await sf("updateRecord", { sobject: "Opportunity", id: opp.Id, fields: { StageName: "Closed Won" } });
    // The worker's tick polls the flow too; whichever poll commits, the deal starts one run.
    await pollOnce({ pool, boss }, poll!.flowId);
    await pollOnce({ pool, boss }, poll!.flowId);
    const runsOf = async (flowKey: string, field: string) =>
      (
        await pool.query<{ id: string; status: string }>(
          `SELECT r.id, r.status::text AS status FROM run r JOIN flow f ON f.id = r.flow_id WHERE f.key = $1 AND r.input->>$2 = $3`,
          [flowKey, field, opp.Id],
        )
      ).rows;
    const until = Date.now() + 120_000;
    for (;;) {
      const project = await runsOf("opportunity-won-to-project", "opportunityId");
      if (project.length && ["succeeded", "failed"].includes(project[0]!.status)) break;
      if (Date.now() > until) throw new Error(`no finished project set-up for ${opp.Id}`);
      await new Promise((r) => setTimeout(r, 200));
    }
    const announced = await runsOf("salesforce-won-opportunities", "Id");
    expect(announced).toMatchObject([{ status: "succeeded" }]);
    expect((await steps(announced[0]!.id, "announce"))[0]!.input).toMatchObject({
      event: "crm.opportunity.won",
      payload: { opportunityId: opp.Id, amount: opp.Amount },
    });
    const project = await runsOf("opportunity-won-to-project", "opportunityId");
    expect(project).toMatchObject([{ status: "succeeded" }]);
  }, 180_000);

  it("opportunity-won-to-project, fixed fee: one Kantata milestone per payment term", async () => {
    // First Up Consultants – SOC 2 Readiness: won, Billing_Type__c "Fixed Fee", 180,000.
    const milestones = [
      { name: "Readiness assessment", dueDate: "2024-08-15", amount: 80000 },
      { name: "Audit support", dueDate: "2024-10-15", amount: 100000 },
    ];
    const r = await run("opportunity-won-to-project", "event", {
      opportunityId: "006Wf0000000015AAA",
      amount: 180000,
      milestones,
    });
    expect(r, JSON.stringify(r.error)).toMatchObject({ status: "succeeded" });
    const projectId = String(r.output.projectId);
    const stories = (await records("psa", "stories")).filter((s) => s.workspace_id === projectId);
    expect(
      stories
        .map((s) => ({
          title: s.title,
          story_type: s.story_type,
          due_date: s.due_date,
          budget_estimate_in_cents: s.budget_estimate_in_cents,
        }))
        .sort((a, b) => String(a.due_date).localeCompare(String(b.due_date))),
    ).toEqual(
      milestones.map((m) => ({
        title: m.name,
        story_type: "milestone",
        due_date: m.dueDate,
        budget_estimate_in_cents: m.amount * 100,
      })),
    );
    expect(await steps(r.runId, "setRates")).toEqual([]);
    expect((await steps(r.runId, "announce"))[0]!.input).toMatchObject({ payload: { billing: "fixed-fee" } });
  }, 120_000);

  it("approved-time-to-invoice: the batch of a day posts time bills and the invoice to NetSuite, marks the time invoiced in Kantata, announces invoice.created", async () => {
    // Up to 2026-01-15 the only approved, uninvoiced time is eight billable entries on workspace 10006.
    const r = await run("approved-time-to-invoice", "schedule", { firedAt: "2026-01-15T05:00:00.000Z" }, 240_000);
    expect(r, JSON.stringify(r.error)).toMatchObject({ status: "succeeded", output: { projects: 1 } });
    const invoiceId = String((r.output as { invoices: unknown }).invoices);
    const entries = (await records("psa", "time_entries")).filter(
      (e) => e.workspace_id === "10006" && String(e.date_performed) <= "2026-01-15" && e.approved,
    );
    expect(entries).toHaveLength(8);
    const amount =
      Math.round(
        entries.reduce((s, e) => s + (Number(e.time_in_minutes) / 60) * (Number(e.rate_in_cents) / 100), 0) * 100,
      ) / 100;
    const timeBills = (await records("netsuite", "timebill")).filter((b) =>
      entries.some((e) => b.externalId === `kantata-time-${String(e.id)}`),
    );
    expect(timeBills).toHaveLength(8);
    for (const b of timeBills)
      expect(b).toMatchObject({
        customer: { id: "5006" },
        item: { id: "5" },
        isBillable: true,
        employee: { id: expect.stringMatching(/^2\d{3}$/) },
      });
    const invoice = (await records("netsuite", "invoice")).find((i) => i.id === invoiceId);
    expect(invoice).toMatchObject({ job: { id: "5006" }, externalId: "invoice-10006-2026-01-15", total: amount });
    expect(entries.every((e) => e.is_invoiced === true && e.invoice_id)).toBe(true);
    const kantataInvoice = (await records("psa", "invoices")).find((i) => i.id === entries[0]!.invoice_id);
    expect(kantataInvoice).toMatchObject({ purchase_order: invoiceId });
    expect((await steps(r.runId, "invoiceCreated"))[0]!.input).toMatchObject({
      event: "invoice.created",
      payload: { invoiceId, projectId: "10006", amount, currency: entries[0]!.currency },
    });
  }, 300_000);

  it("timesheet-to-reporting: time bills in NetSuite as the worker's employee, time entries and utilization in the reporting warehouse", async () => {
    const r = await run("timesheet-to-reporting", "event", {
      userId: "30066",
      weekStart: "2026-05-04",
      weekEnd: "2026-05-10",
    });
    expect(r, JSON.stringify(r.error)).toMatchObject({ status: "succeeded" });
    const entries = (await records("psa", "time_entries")).filter(
      (e) =>
        e.user_id === "30066" &&
        e.approved &&
        String(e.date_performed) >= "2026-05-04" &&
        String(e.date_performed) <= "2026-05-10",
    );
    expect(entries).toHaveLength(8);
    const timeBills = (await records("netsuite", "timebill")).filter((b) =>
      entries.some((e) => b.externalId === `kantata-time-${String(e.id)}`),
    );
    expect(timeBills.map((b) => (b.employee as { id: string }).id)).toEqual(Array(8).fill("2066"));
    const { rows: facts } = await pool.query<{ id: string; source: string }>(
      `SELECT id, source FROM reporting.time_entry WHERE id = ANY($1) ORDER BY id`,
      [entries.map((e) => `kantata-time-${String(e.id)}`)],
    );
    expect(facts).toHaveLength(8);
    const { rows: events } = await pool.query<{ type: string; data: Record<string, unknown> }>(
      `SELECT type, data FROM reporting.event WHERE id = 'utilization-30066-2026-05-04'`,
    );
    const billable = entries.filter((e) => e.billable).reduce((s, e) => s + Number(e.time_in_minutes), 0) / 60;
    expect(events).toEqual([
      {
        type: "reporting.utilization.updated",
        data: expect.objectContaining({ resourceId: "30066", week: "2026-05-04", billableHours: billable }),
      },
    ]);

    // A week without approved time has nothing to post or load: the run ends after the facts.
    const empty = await run("timesheet-to-reporting", "event", {
      userId: "30066",
      weekStart: "2020-01-06",
      weekEnd: "2020-01-12",
    });
    expect(empty, JSON.stringify(empty.error)).toMatchObject({ status: "succeeded" });
    expect(await steps(empty.runId, "findWorker")).toEqual([]);
  }, 120_000);

  it("worker-onboarding-hris-to-psa: NetSuite employee with the cost rate, the Kantata user linked to the Workday worker", async () => {
    const wid = "f08029a68128c27f35719a72c7ed3e6c"; // Olivia Okafor, hired 2022 (the wait for the start date has passed)
    const r = await run("worker-onboarding-hris-to-psa", "webhook", {
      headers: { "x-workday-event-id": "evt-test-1" },
      body: { workerId: wid, eventType: "HIRE" },
    });
    expect(r, JSON.stringify(r.error)).toMatchObject({ status: "succeeded" });
    const employee = (await records("netsuite", "employee")).find((e) => e.externalId === wid);
    expect(employee).toMatchObject({ email: "olivia.okafor@meridianpartners.com", isInactive: false });
    const user = (await records("psa", "users")).find((u) => u.email_address === "olivia.okafor@meridianpartners.com")!;
    expect(
      (await records("psa", "external_references"))
        .filter((x) => x.subject_type === "User" && x.subject_id === user.id && x.service_name === "Workday")
        .map((x) => x.service_model_ref),
    ).toContain(wid);
    // The default skills come from the assign-default-skills subflow (published beside the examples).
    expect((await steps(r.runId, "assignSkills"))[0]).toMatchObject({
      status: "succeeded",
      output: { output: { skills: ["Account management", "Practice leadership"] } },
    });
    expect((await steps(r.runId, "onboarded"))[0]!.input).toMatchObject({
      event: "resource.onboarded",
      payload: { workerId: wid, contractor: false },
    });
  }, 120_000);
});
