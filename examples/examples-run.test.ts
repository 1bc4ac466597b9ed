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
import { createHash } from "node:crypto";
import { retryException } from "@/server/runtime/operations";
import { autoResolveForRun } from "@/server/exceptions/auto-resolve";
import { appendAudit, type AuditFn } from "@/server/audit/audit";
import { decideTask, listTasks } from "@/server/tasks/service";
import { demoStaffingRequest, seedDemoApprovals } from "@/server/seed/approvals";
import type { Role } from "@/core/roles";
import { DomainError } from "@/core/domain-error";
import { clientError } from "@/server/api/errors";
import { getHTTPStatusCodeFromError } from "@trpc/server/http";
import { sandboxTargets, VendorApis } from "@/connectors/sandbox-kit/simulate/vendors";

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
    triggerType: "event" | "schedule" | "webhook" | "manual",
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
  /** Starts a run and waits until it has finished or parked (waiting for a task, a timer or a child). */
  async function startAndPark(flowKey: string, input: Record<string, unknown>) {
    const flow = await loadPublishedFlow(pool, flowKey, { fresh: true });
    const { runId } = await createRun(pool, boss, {
      flowId: flow!.flowId,
      flowVersionId: flow!.versionId,
      triggerType: "manual",
      input,
    });
    const until = Date.now() + 60_000;
    for (;;) {
      const { rows } = await pool.query(`SELECT status::text AS status FROM run WHERE id = $1`, [runId]);
      if (["succeeded", "failed", "waiting"].includes(rows[0]?.status))
        return { runId, status: rows[0].status as string };
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

  /** One call of the Salesforce connector as the flows make it (the demo's connection), keyed by its input. */
  const sf = <T = unknown>(operation: string, input: unknown) =>
    callConnector(
      { pool },
      {
        connector: "salesforce",
        operation,
        connection: "salesforce-prod",
        input,
        idempotencyKey: `examples-run:${operation}:${createHash("sha256").update(JSON.stringify(input)).digest("hex")}`,
        signal: AbortSignal.timeout(30_000),
        logger: pino({ level: "silent" }),
      },
    ) as Promise<T>;

  it("the demo workspace has every example published, with names unlike any other flow", async () => {
    const examples = referenceFlows();
    expect(examples.map((e) => e.key).sort()).toEqual([
      "approved-time-to-invoice",
      "billing-terms-change",
      "customer-to-erp",
      "kantata-time-approved-push",
      "opportunity-won-to-project",
      "recon-customer-master",
      "recon-project-ids",
      "recon-time-vs-billing",
      "recon-workers",
      "relink-workspace-job",
      "salesforce-cdc-opportunity-won",
      "salesforce-won-opportunities",
      "staffing-request",
      "timesheet-to-reporting",
      "worker-onboarding-hris-to-psa",
    ]);
    const flows = await t.db.flow.findMany({ select: { key: true, name: true } });
    for (const e of examples) expect(flows.find((f) => f.key === e.key)?.name).toBe(e.name);
    const names = flows.map((f) => f.name);
    expect(names.filter((n, i) => names.indexOf(n) !== i)).toEqual([]);
  });

  it("opportunity-won-to-project: customer in NetSuite, Kantata workspace with the rate card of the deal's currency, NetSuite job, link, project.created", async () => {
    const r = await run("opportunity-won-to-project", "event", { opportunityId: "006Wf0000000001AAA", amount: 585000 });
    expect(r, JSON.stringify(r.error)).toMatchObject({ status: "succeeded" });
    const [opportunity] = await steps(r.runId, "getOpportunity");
    const [account] = await steps(r.runId, "getAccount");
    const accountId = String(account!.output.Id);
    expect(accountId).toMatch(/^001/);
    const currency = String(opportunity!.output.CurrencyIsoCode);
    expect(currency).toBe("CAD"); // Laurentian Rail, a Canadian customer
    const { projectId, erpJobId, customerId } = r.output as Record<string, string>;
    const customer = (await records("netsuite", "customer")).find((c) => c.id === customerId);
    expect(customer).toMatchObject({
      externalId: accountId,
      companyName: account!.output.Name,
      currency: { id: "3" },
      subsidiary: { id: "3" },
    });
    // The seeded account already carries its NetSuite id: nothing is written back to Salesforce.
    expect(account!.output.NetSuite_Id__c).toBe(customerId);
    expect(await steps(r.runId, "linkAccount")).toEqual([]);
    expect(await steps(r.runId, "createClientGroup")).toEqual([]); // Kantata knows the client already
    // …and the new project goes under it, beside the client's other projects.
    const clientRef = (await records("psa", "external_references")).find(
      (x) =>
        x.subject_type === "WorkspaceGroup" && x.service_name === "Salesforce" && x.service_model_ref === accountId,
    )!;
    const client = (await records("psa", "workspace_groups")).find((g) => g.id === clientRef.subject_id)!;
    expect(client.workspace_ids).toContain(projectId);
    expect((client.workspace_ids as string[]).length).toBeGreaterThan(1);
    const workspace = (await records("psa", "workspaces")).find((w) => w.id === projectId);
    const rateCards = await records("psa", "rate_card_sets");
    expect(workspace).toMatchObject({
      title: "Laurentian Rail – Data Platform Modernisation",
      price_in_cents: 58_500_000,
      currency,
      rate_card_id: rateCards.find((c) => String(c.title).includes(`(${currency})`))!.id,
    });
    expect((await records("netsuite", "job")).find((j) => j.id === erpJobId)).toMatchObject({
      externalId: `kantata-${projectId}`,
      parent: { id: customerId },
      currency: { id: "3" },
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
    // The project's fact carries the deal's currency (the Business page sums money per currency); deal.won is
    // recorded once per opportunity, by the demo's history here (the new-customer test below sees both).
    const facts = await pool.query<{ type: string; currency: string }>(
      `SELECT type, currency FROM business_event WHERE run_id = $1 AND amount IS NOT NULL ORDER BY type`,
      [r.runId],
    );
    expect(facts.rows).toEqual([{ type: "project.created", currency }]);
  }, 120_000);

  it("opportunity-won-to-project, a brand-new customer: created in NetSuite in its currency and subsidiary, its NetSuite id written back to the Salesforce account, a client group in Kantata", async () => {
    const account = await sf<{ id: string }>("createRecord", {
      sobject: "Account",
      fields: { Name: "Solent Marine Services", Type: "Customer", BillingCountry: "GB", CurrencyIsoCode: "GBP" },
    });
    const opp = await sf<{ id: string }>("createRecord", {
      sobject: "Opportunity",
      fields: {
        Name: "Solent Marine Services – Discovery Sprint",
        AccountId: account.id,
        Amount: 40_000,
        CloseDate: "2026-05-20",
        StageName: "Closed Won",
        CurrencyIsoCode: "GBP",
      },
    });
    const r = await run("opportunity-won-to-project", "event", { opportunityId: opp.id, amount: 40_000 });
    expect(r, JSON.stringify(r.error)).toMatchObject({ status: "succeeded" });
    const { projectId, customerId } = r.output as Record<string, string>;
    expect((await records("netsuite", "customer")).find((c) => c.id === customerId)).toMatchObject({
      externalId: account.id,
      companyName: "Solent Marine Services",
      currency: { id: "2" },
      subsidiary: { id: "2" },
    });
    // The ids come from NetSuite's own lists (SuiteQL currency, subsidiary), not from a table in the flow.
    expect((await steps(r.runId, "erpCurrencies"))[0]!.output.items).toContainEqual({ id: "2", symbol: "GBP" });
    const linked = (await records("salesforce", "Account")).find((a) => a.Id === account.id);
    expect(linked?.NetSuite_Id__c).toBe(customerId);
    // Kantata gets the client: a company group referencing the Salesforce Account and the NetSuite customer.
    const refs = (await records("psa", "external_references")).filter((x) => x.subject_type === "WorkspaceGroup");
    const group = refs.find((x) => x.service_name === "Salesforce" && x.service_model_ref === account.id);
    expect(group).toBeDefined();
    expect((await records("psa", "workspace_groups")).find((g) => g.id === group!.subject_id)).toMatchObject({
      name: "Solent Marine Services",
      company: true,
      workspace_ids: [projectId], // the project is under its client
    });
    expect(
      refs.filter((x) => x.subject_id === group!.subject_id).map((x) => [x.service_name, x.service_model_ref]),
    ).toEqual([
      ["Salesforce", account.id],
      ["NetSuite", customerId],
    ]);
    const workspace = (await records("psa", "workspaces")).find((w) => w.id === projectId);
    const rateCards = await records("psa", "rate_card_sets");
    expect(workspace).toMatchObject({
      currency: "GBP",
      rate_card_id: rateCards.find((c) => String(c.title).includes("(GBP)"))!.id,
    });
    const facts = await pool.query<{ type: string; currency: string }>(
      `SELECT type, currency FROM business_event WHERE run_id = $1 AND amount IS NOT NULL ORDER BY type`,
      [r.runId],
    );
    expect(facts.rows).toEqual([
      { type: "deal.won", currency: "GBP" },
      { type: "project.created", currency: "GBP" },
    ]);
    // Run again (a redelivered event): the account already carries the id, so nothing is written back twice.
    const again = await run("opportunity-won-to-project", "event", { opportunityId: opp.id, amount: 40_000 });
    expect(again.status).toBe("succeeded");
    expect(await steps(again.runId, "linkAccount")).toEqual([]);
    expect(await steps(again.runId, "createClientGroup")).toEqual([]);
    expect((await records("psa", "workspace_groups")).find((g) => g.id === group!.subject_id)?.workspace_ids).toEqual([
      projectId,
    ]);
  }, 120_000);

  it("salesforce-won-opportunities → opportunity-won-to-project: a deal closed in Salesforce is polled, announced once, and becomes a project", async () => {
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
    // Each approval fact carries the day Kantata says the work was performed (utilisation counts it in that week).
    const facts = await pool.query<{ time_entry: string; performed_on: string }>(
      `SELECT time_entry, performed_on::text AS performed_on FROM business_event WHERE run_id = $1 AND type = 'time.approved'`,
      [r.runId],
    );
    expect(new Map(facts.rows.map((x) => [x.time_entry, x.performed_on]))).toEqual(
      new Map(entries.map((e) => [String(e.id), String(e.date_performed)])),
    );
    // …and the person's team in Workday: the organisation of the worker the Kantata user is linked to.
    const teams = await pool.query<{ time_entry: string; person_team: string; person_team_name: string }>(
      `SELECT time_entry, person_team, person_team_name FROM business_event WHERE run_id = $1 AND type = 'time.approved'`,
      [r.runId],
    );
    const wid = new Map(
      (await records("psa", "external_references"))
        .filter((x) => x.subject_type === "User" && x.service_name === "Workday")
        .map((x) => [String(x.subject_id), String(x.service_model_ref)]),
    );
    const org = new Map((await records("workday", "workers")).map((w) => [String(w.wid), w.supervisoryOrganization]));
    expect(
      new Map(teams.rows.map((x) => [x.time_entry, { id: x.person_team, descriptor: x.person_team_name }])),
    ).toEqual(new Map(entries.map((e) => [String(e.id), org.get(wid.get(String(e.user_id))!)])));
    expect(new Set(teams.rows.map((x) => x.person_team)).size).toBeGreaterThan(0);
  }, 300_000);

  it("approved-time-to-invoice: a project with one approved entry gets a one-line invoice, beside a project with three", async () => {
    // Time logged and approved over Kantata's API on two linked projects (10001 ↔ job 5001, 10002 ↔ job 5002),
    // on a day before any of the firm's uninvoiced time, so this batch finds exactly these four entries.
    const api = new VendorApis(sandboxTargets((system) => sandboxes.systems.find((x) => x.system === system)!.baseUrl));
    const log = async (workspace: string, hours: number, rate: number, notes: string) => {
      const id = await api.createTimeEntry(
        {
          workspace_id: workspace,
          user_id: "30066", // linked to a Workday worker who is NetSuite employee 2066
          date_performed: "2025-12-01",
          time_in_minutes: hours * 60,
          billable: true,
          rate_in_cents: rate * 100,
          notes,
        },
        `single-entry-${workspace}-${notes}`,
      );
      await api.approveTimeEntry(id);
      return id;
    };
    const single = await log("10001", 8, 250, "Steering committee");
    const many = [
      await log("10002", 4, 150, "Workshop"),
      await log("10002", 3, 150, "Design"),
      await log("10002", 2, 150, "Review"),
    ];

    const r = await run("approved-time-to-invoice", "schedule", { firedAt: "2025-12-01T05:00:00.000Z" }, 240_000);
    expect(r, JSON.stringify(r.error)).toMatchObject({ status: "succeeded", output: { projects: 2 } });
    const invoices = (await records("netsuite", "invoice")).filter((i) => String(i.tranDate) === "2025-12-01");
    const one = invoices.find((i) => i.externalId === "invoice-10001-2025-12-01");
    expect(one).toMatchObject({
      job: { id: "5001" },
      total: 2000,
      item: {
        items: [
          {
            item: { id: "5" },
            quantity: 8,
            rate: 250,
            amount: 2000,
            description: "2025-12-01 Steering committee",
            // Each line names the Kantata entry it bills and its day, as recon-time-vs-billing reads them.
            custcol_kantata_time_entry: single,
            custcol_service_date: "2025-12-01",
          },
        ],
      },
    });
    const three = invoices.find((i) => i.externalId === "invoice-10002-2025-12-01");
    expect(three).toMatchObject({ job: { id: "5002" }, total: 1350 });
    expect((three!.item as { items: Array<Record<string, unknown>> }).items).toEqual([
      expect.objectContaining({
        quantity: 4,
        amount: 600,
        description: "2025-12-01 Workshop",
        custcol_kantata_time_entry: many[0],
      }),
      expect.objectContaining({
        quantity: 3,
        amount: 450,
        description: "2025-12-01 Design",
        custcol_kantata_time_entry: many[1],
      }),
      expect.objectContaining({
        quantity: 2,
        amount: 300,
        description: "2025-12-01 Review",
        custcol_kantata_time_entry: many[2],
      }),
    ]);
    // Kantata records each invoice on exactly its entries (which marks them invoiced).
    const entries = new Map((await records("psa", "time_entries")).map((e) => [String(e.id), e]));
    const kantataInvoices = await records("psa", "invoices");
    const recorded = (id: unknown) => kantataInvoices.find((i) => i.purchase_order === id)?.time_entry_ids;
    expect(recorded(one!.id)).toEqual([single]);
    expect(recorded(three!.id)).toEqual(many);
    for (const id of [single, ...many]) expect(entries.get(id)).toMatchObject({ is_invoiced: true });
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

  describe("staffing-request", () => {
    type Rec = Record<string, unknown>;
    const psa = (operation: string, input: unknown) =>
      callConnector(
        { pool },
        {
          connector: "kantata",
          operation,
          connection: "kantata-prod",
          input,
          idempotencyKey: `examples-run:${operation}:${JSON.stringify(input)}`,
          signal: AbortSignal.timeout(30_000),
          logger: pino({ level: "silent" }),
        },
      ) as Promise<Rec>;
    const runsOf = async (requestId: string, status?: string) =>
      (
        await pool.query<{ id: string; status: string; trigger: string; error: { message?: string } | null }>(
          `SELECT r.id, r.status::text AS status, r.trigger_type::text AS trigger, r.error FROM run r JOIN flow f ON f.id = r.flow_id
            WHERE f.key = 'staffing-request' AND r.input->>'id' = $1 AND ($2::text IS NULL OR r.input->>'status' = $2)
            ORDER BY r.created_at`,
          [requestId, status ?? null],
        )
      ).rows;
    /** The `want`-th run of a request in `status`, once it has ended (or, with `waiting`, parked at the approval). */
    async function settledRun(requestId: string, status: string, want = 1, ended = ["succeeded", "failed"]) {
      const until = Date.now() + 120_000;
      for (;;) {
        const rows = await runsOf(requestId, status);
        if (rows.length >= want && ended.includes(rows[want - 1]!.status)) return rows[want - 1]!;
        if (Date.now() > until) throw new Error(`staffing run of ${requestId} (${status}) not finished`);
        await new Promise((r) => setTimeout(r, 200));
      }
    }
    const day = (d: string, plus: number) =>
      new Date(Date.parse(`${d}T00:00:00Z`) + plus * 86_400_000).toISOString().slice(0, 10);
    const weekdays = (a: string, b: string) => {
      let n = 0;
      for (let d = a; d <= b; d = day(d, 1)) if (![0, 6].includes(new Date(`${d}T00:00:00Z`).getUTCDay())) n++;
      return n;
    };
    const r4 = (x: number) => Math.round(x * 1e4) / 1e4;
    const parked = ["waiting", "succeeded", "failed"];
    /** A resource manager: an approver in PMO (Weft has no resource-manager role). */
    let manager: { id: string; email: string; roles: Role[]; teamIds: string[] } | undefined;
    async function resourceManager() {
      if (manager) return manager;
      const pmo = await t.db.team.findUniqueOrThrow({ where: { key: "pmo" } });
      const u = await t.db.user.create({
        data: {
          id: "staffing-resource-manager",
          name: "Rita Resourcing",
          email: "rm@weft.local",
          roles: ["approver"],
          memberships: { create: { teamId: pmo.id } },
        },
      });
      return (manager = { id: u.id, email: u.email, roles: u.roles, teamIds: [pmo.id] });
    }
    /** The open choice of a request's pending run, from the resource manager's Inbox. */
    async function choiceOf(requestId: string) {
      const run = (await runsOf(requestId, "pending")).at(-1)!;
      const tasks = (await listTasks(t.db, await resourceManager())).filter((x) => x.runId === run.id);
      expect(tasks).toHaveLength(1);
      return { run, task: tasks[0]! };
    }

    /** The best three for a request, computed here from the sandboxes' own records by the rules in docs/dsl.md. */
    async function expectedOptions(requestId: string) {
      const request = (await records("psa", "resource_requests")).find((r) => r.id === requestId)!;
      const resource = (await records("psa", "workspace_resources")).find((r) => r.id === request.resource_id)!;
      const skillName = new Map((await records("psa", "skills")).map((k) => [k.id, String(k.name)]));
      const wanted = (await records("psa", "workspace_resource_skills"))
        .filter((x) => x.workspace_resource_id === resource.id)
        .map((x) => ({ name: skillName.get(x.skill_id)!, level: Number(x.level) }));
      const start = String(request.workspace_allocation_start_date);
      const end = String(request.workspace_allocation_end_date);
      const hours = Number(request.workspace_allocation_minutes) / 60;
      const days = weekdays(start, end);
      const userOf = new Map(
        (await records("psa", "external_references"))
          .filter((x) => x.subject_type === "User" && x.service_name === "Workday")
          .map((x) => [String(x.service_model_ref), String(x.subject_id)]),
      );
      const worked = new Map<string, number>();
      for (const e of await records("psa", "time_entries"))
        if (String(e.date_performed) >= day(start, -28) && String(e.date_performed) <= day(start, -1))
          worked.set(String(e.user_id), (worked.get(String(e.user_id)) ?? 0) + Number(e.time_in_minutes) / 60);
      const resources = new Map((await records("psa", "workspace_resources")).map((r) => [r.id, r]));
      const allocations = await records("psa", "workspace_allocations");
      const timeOff = await records("workday", "timeOff");
      const options = [];
      for (const w of await records("workday", "workers")) {
        const user = userOf.get(String(w.wid));
        if (!user) continue;
        const have = new Map(
          (w.skills as Array<{ name: string; level: number }>).map((k) => [k.name.toLowerCase(), k.level]),
        );
        const skillMatch = r4(
          wanted.reduce((s, k) => {
            const lvl = have.get(k.name.toLowerCase());
            return s + (lvl === undefined ? 0 : Math.min(lvl / k.level, 1));
          }, 0) / wanted.length,
        );
        const capacity = Number(w.weeklyCapacityHours);
        const utilisation = r4((worked.get(user) ?? 0) / (capacity * 4));
        const off = timeOff
          .filter((t) => t.wid === w.wid && String(t.date) >= start && String(t.date) <= end)
          .reduce((s, t) => s + Number(t.hours), 0);
        const booked = allocations
          .filter((a) => resources.get(String(a.resource_id))?.user_id === user)
          .reduce((s, a) => {
            const from = String(a.start_date) > start ? String(a.start_date) : start;
            const to = String(a.end_date) < end ? String(a.end_date) : end;
            return to < from
              ? s
              : s +
                  ((Number(a.minutes) / 60) * weekdays(from, to)) /
                    Math.max(weekdays(String(a.start_date), String(a.end_date)), 1);
          }, 0);
        const availableHours = Math.round(Math.max(0, (capacity * days) / 5 - off - booked) * 100) / 100;
        const availability = r4(Math.min(availableHours / hours, 1));
        if (skillMatch < 0.5 || utilisation > 0.85 || availability < 0.5) continue;
        const location = w.location as { name: string; country: string };
        const locationMatch = location.name === resource.location ? 1 : location.country === resource.country ? 0.5 : 0;
        const score = r4(
          0.5 * skillMatch + 0.2 * locationMatch + 0.2 * availability + 0.1 * (1 - Math.min(utilisation, 1)),
        );
        options.push({
          id: String(w.wid),
          name: `${String(w.firstName)} ${String(w.lastName)}`,
          user,
          score,
          skillMatch,
          utilisation,
        });
      }
      options.sort(
        (a, b) =>
          b.score - a.score || b.skillMatch - a.skillMatch || a.utilisation - b.utilisation || (a.id < b.id ? -1 : 1),
      );
      return { request, resource, options: options.slice(0, 3) };
    }

    it("a polled pending request gets the three best people, ranked as computed here, posted to its project; the chosen one is booked in Kantata and Workday exactly once across a retry and a re-run", async () => {
      const flow = await loadPublishedFlow(pool, "staffing-request", { fresh: true });
      // A backfill from before the seeded requests: each pending request starts one run.
      await activatePoll(pool, {
        flowId: flow!.flowId,
        from: new Date("2026-05-01T00:00:00Z"),
        actorId: null,
        intervalSeconds: 60,
      });
      await pollOnce({ pool, boss }, flow!.flowId);
      // Each proposes, then waits for the resource manager's choice.
      for (const id of ["46001", "46002", "46003"]) {
        const r = await settledRun(id, "pending", 1, parked);
        expect(r, `${id}: ${JSON.stringify(r.error)}`).toMatchObject({ status: "waiting" });
      }
      const pending = (await runsOf("46001", "pending"))[0]!;
      const { resource, options: expected } = await expectedOptions("46001");
      expect(expected).toHaveLength(3);
      const [rank] = await steps(pending.id, "rank");
      const options = (rank!.output as { options: Array<{ id: string; score: number; ref: { userId: string } }> })
        .options;
      expect(options.map((o) => o.id)).toEqual(expected.map((o) => o.id));
      options.forEach((o, i) => expect(o.score).toBeCloseTo(expected[i]!.score, 4));
      // The proposal is in the project's activity feed, best first.
      const posts = (await records("psa", "posts")).filter(
        (p) => p.workspace_id === resource.workspace_id && String(p.message).includes("resource request 46001 "),
      );
      expect(posts).toHaveLength(1);
      const message = String(posts[0]!.message);
      const at = expected.map((o) => message.indexOf(o.name));
      expect(at.every((x) => x >= 0) && at[0]! < at[1]! && at[1]! < at[2]!, message).toBe(true);

      // Here the project manager picks the second option in Kantata: names the resource and approves the request.
      const chosen = expected[1]!;
      await psa("updateWorkspaceResource", { id: String(resource.id), attributes: { user_id: chosen.user } });
      await psa("updateResourceRequest", { id: "46001", attributes: { status: "approved" } });
      // Workday answers the first staffing call with an error: the run fails after booking in Kantata.
      const workday = sandboxes.systems.find((x) => x.system === "workday")!;
      await fetch(`${workday.admin}/faults`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ next: [{ status: 400, times: 1 }], pathPattern: "projectAssignments" }),
      });
      await pollOnce({ pool, boss }, flow!.flowId);
      const failed = await settledRun("46001", "approved");
      expect(failed.status).toBe("failed");
      const { rows: exceptions } = await pool.query<{ id: string; business_keys: Rec }>(
        `SELECT id, business_keys FROM exception WHERE run_id = $1`,
        [failed.id],
      );
      expect(exceptions).toMatchObject([{ business_keys: { request: "46001", project: resource.workspace_id } }]);
      const audit: AuditFn = (tx, e) => appendAudit(tx, { ...e, actor: null });
      await retryException({ db: t.db, boss, audit, userId: null }, exceptions[0]!.id);
      const retried = await settledRun("46001", "approved");
      expect(retried, JSON.stringify(retried.error)).toMatchObject({ status: "succeeded" });

      const booked = async () => ({
        psa: (await records("psa", "workspace_allocations")).filter((a) => a.resource_id === resource.id),
        hris: (await records("workday", "projectAssignments")).filter(
          (a) => a.externalReference === "kantata-resource-request-46001",
        ),
      });
      const once = await booked();
      expect(once.psa).toMatchObject([
        { start_date: "2026-05-25", end_date: "2026-07-17", minutes: 9600, workspace_id: resource.workspace_id },
      ]);
      expect(once.hris).toMatchObject([
        {
          worker: { id: chosen.id },
          startDate: "2026-05-25",
          endDate: "2026-07-17",
          project: { id: resource.workspace_id },
        },
      ]);

      // The booking is the plan the utilisation KPI compares time with: one assignment.made per week it spans.
      const { rows: planned } = await pool.query<{
        occurred_at: Date;
        hours: string;
        person: string;
        project: string;
        person_team: string;
        person_team_name: string;
      }>(
        `SELECT occurred_at, hours::text AS hours, person, project, person_team, person_team_name FROM business_event
          WHERE type = 'assignment.made' AND person = $1 ORDER BY occurred_at`,
        [chosen.user],
      );
      expect(planned).toHaveLength(8);
      // The plan counts in the person's team in Workday (their primary supervisory organisation).
      const hrisLink = (await records("psa", "external_references")).find(
        (x) => x.subject_type === "User" && x.service_name === "Workday" && String(x.subject_id) === chosen.user,
      )!;
      const org = (await records("workday", "workers")).find((w) => w.wid === hrisLink.service_model_ref)!
        .supervisoryOrganization as { id: string; descriptor: string };
      expect(new Set(planned.map((p) => `${p.person_team}|${p.person_team_name}`))).toEqual(
        new Set([`${org.id}|${org.descriptor}`]),
      );
      expect(planned[0]).toMatchObject({ project: resource.workspace_id, hours: "20.0000" });
      expect(planned[0]!.occurred_at.toISOString()).toBe("2026-05-25T00:00:00.000Z");
      expect(planned.reduce((sum, p) => sum + Number(p.hours), 0)).toBe(160);

      // The same approval again (a re-run by hand, or the vendor re-sending): it finds both bookings and writes nothing.
      const request = (await records("psa", "resource_requests")).find((r) => r.id === "46001")!;
      const again = await run("staffing-request", "manual", request);
      expect(again, JSON.stringify(again.error)).toMatchObject({ status: "succeeded" });
      expect(await steps(again.runId, "book")).toEqual([]);
      expect(await steps(again.runId, "hrisAssign")).toEqual([]);
      // And a later poll starts nothing new for a request that has not changed.
      await pollOnce({ pool, boss }, flow!.flowId);
      expect((await runsOf("46001", "approved")).filter((r) => r.trigger === "poll")).toHaveLength(1);
      expect(await booked()).toEqual(once);
      expect(
        (await pool.query(`SELECT 1 FROM business_event WHERE type = 'assignment.made' AND person = $1`, [chosen.user]))
          .rowCount,
      ).toBe(8);

      // The resource manager chooses in Weft instead: option 2 of 46002, from their Inbox.
      const rm = await resourceManager();
      const second = await choiceOf("46002");
      expect(second.task).toMatchObject({
        status: "open",
        assignee: "PMO (approvers)",
        decisions: ["approve-with-changes", "reject"],
      });
      // Finance's approver does not see it.
      const finance = await t.db.user.findUniqueOrThrow({
        where: { email: "approver@weft.local" },
        include: { memberships: true },
      });
      const financeActor = {
        id: finance.id,
        email: finance.email,
        roles: finance.roles,
        teamIds: finance.memberships.map((m) => m.teamId),
      };
      expect((await listTasks(t.db, financeActor)).filter((x) => x.runId === second.run.id)).toEqual([]);
      type Option = { id: string; name: string; ref: { userId: string } };
      const offered = ((await steps(second.run.id, "rank"))[0]!.output as { options: Option[] }).options;
      expect(offered.length).toBeGreaterThanOrEqual(2);
      expect(JSON.stringify(second.task.summary)).toContain(offered[1]!.name);
      // The candidate field offers the ranked options and nothing else (the step's choices).
      expect(second.task.form).toMatchObject({
        properties: { candidate: { type: "string", enum: offered.map((o) => o.id) } },
      });
      // While it waits, no job holds the run.
      const { rows: held } = await pool.query(
        `SELECT count(*)::int AS n FROM pgboss.job WHERE name = 'weft.run' AND data->>'runId' = $1 AND state IN ('created', 'retry', 'active')`,
        [second.run.id],
      );
      expect(held[0].n).toBe(0);
      const request2 = (await records("psa", "resource_requests")).find((r) => r.id === "46002")!;
      const allocationsOf = async (resourceId: unknown) =>
        (await records("psa", "workspace_allocations")).filter((a) => a.resource_id === resourceId);
      const before2 = (await allocationsOf(request2.resource_id)).length;
      /** The refusal a client gets over the API: the DomainError through the one mapper every procedure uses. */
      const refusal = async (p: Promise<unknown>) => {
        const e = await p.then(
          () => null,
          (err: unknown) => err,
        );
        expect(e, "refused").toBeInstanceOf(DomainError);
        const api = clientError(e)!;
        return { status: getHTTPStatusCodeFromError(api), message: api.message, field: (e as DomainError).field };
      };
      // Somebody Workday knows but the ranking did not propose: 400 naming the field; the task stays open.
      const notOffered = (await records("workday", "workers"))
        .map((w) => String(w.wid))
        .find((id) => !offered.some((o) => o.id === id))!;
      expect(
        await refusal(
          decideTask({ db: t.db, boss }, rm, second.task.id, {
            decision: "approve-with-changes",
            fields: { candidate: notOffered },
          }),
        ),
      ).toMatchObject({ status: 400, field: "fields.candidate", message: expect.stringContaining("candidate") });
      expect(await t.db.task.findUniqueOrThrow({ where: { id: second.task.id } })).toMatchObject({ status: "open" });
      await decideTask({ db: t.db, boss }, rm, second.task.id, {
        decision: "approve-with-changes",
        fields: { candidate: offered[1]!.id },
      });
      // The run resumes once and books in the same run: no poll has run since the decision.
      const chose = await settledRun("46002", "pending");
      expect(chose, JSON.stringify(chose.error)).toMatchObject({ status: "succeeded" });
      const { rows: chosenRun } = await pool.query(`SELECT output FROM run WHERE id = $1`, [chose.id]);
      expect(chosenRun[0].output).toEqual({
        request: "46002",
        status: "pending",
        decision: "approve-with-changes",
        booked: offered[1]!.ref.userId,
      });
      expect((await records("psa", "workspace_resources")).find((r) => r.id === request2.resource_id)).toMatchObject({
        user_id: offered[1]!.ref.userId,
      });
      expect((await records("psa", "resource_requests")).find((r) => r.id === "46002")).toMatchObject({
        status: "approved",
      });
      const bookedNow = await allocationsOf(request2.resource_id);
      expect(bookedNow).toHaveLength(before2 + 1);
      expect(bookedNow.at(-1)).toMatchObject({
        start_date: request2.workspace_allocation_start_date,
        end_date: request2.workspace_allocation_end_date,
        minutes: request2.workspace_allocation_minutes,
      });
      const hrisOf2 = async () =>
        (await records("workday", "projectAssignments")).filter(
          (a) => a.externalReference === "kantata-resource-request-46002",
        );
      expect(await hrisOf2()).toMatchObject([{ worker: { id: offered[1]!.id } }]);
      const resumed = await pool.query<{ path: string; status: string; attempts: number }>(
        `SELECT path, status, attempts FROM step_run WHERE run_id = $1 AND path IN ('choose', 'name', 'approveInPsa', 'book', 'hrisAssign') ORDER BY path`,
        [chose.id],
      );
      expect(resumed.rows.map((r) => [r.path, r.status, r.attempts])).toEqual([
        ["approveInPsa", "succeeded", 1],
        ["book", "succeeded", 1],
        ["choose", "succeeded", 1],
        ["hrisAssign", "succeeded", 1],
        ["name", "succeeded", 1],
      ]);
      // A second decision is refused: the task is decided (409), and nothing moves.
      expect(
        await refusal(decideTask({ db: t.db, boss }, rm, second.task.id, { decision: "reject", comment: "Changed" })),
      ).toMatchObject({ status: 409, message: expect.stringMatching(/already decided/) });
      // The approval in Kantata starts the poll's run for the approved request: it finds both bookings, writes nothing.
      await pollOnce({ pool, boss }, flow!.flowId);
      const after2 = await settledRun("46002", "approved");
      expect(after2, JSON.stringify(after2.error)).toMatchObject({ status: "succeeded" });
      expect(await steps(after2.id, "book")).toEqual([]);
      expect(await steps(after2.id, "hrisAssign")).toEqual([]);
      await pollOnce({ pool, boss }, flow!.flowId);
      expect(await runsOf("46002", "approved")).toHaveLength(1);
      expect(await runsOf("46002", "pending")).toHaveLength(1);
      expect(await allocationsOf(request2.resource_id)).toEqual(bookedNow);
      expect(await hrisOf2()).toHaveLength(1);

      // Rejecting 46003 books nobody and says so on the project.
      const third = await choiceOf("46003");
      const request3 = (await records("psa", "resource_requests")).find((r) => r.id === "46003")!;
      const before3 = await allocationsOf(request3.resource_id);
      await decideTask({ db: t.db, boss }, rm, third.task.id, {
        decision: "reject",
        comment: "Staffed from another practice",
      });
      const declined = await settledRun("46003", "pending");
      expect(declined, JSON.stringify(declined.error)).toMatchObject({ status: "succeeded" });
      const { rows: declinedRun } = await pool.query(`SELECT output FROM run WHERE id = $1`, [declined.id]);
      expect(declinedRun[0].output).toEqual({ request: "46003", status: "pending", decision: "reject" });
      expect(
        (await records("psa", "posts")).filter(
          (p) =>
            String(p.message).startsWith("Resource request 46003:") &&
            String(p.message).includes("Staffed from another practice"),
        ),
      ).toHaveLength(1);
      await pollOnce({ pool, boss }, flow!.flowId);
      expect(await runsOf("46003", "approved")).toEqual([]);
      expect(await allocationsOf(request3.resource_id)).toEqual(before3);
      expect(
        (await records("workday", "projectAssignments")).filter(
          (a) => a.externalReference === "kantata-resource-request-46003",
        ),
      ).toEqual([]);
    }, 300_000);

    it("a request without dates, or whose resource asks for no skills, fails with the field named, into PMO's exception queue with the project and request; setting the dates starts a run that resolves it", async () => {
      const flow = await loadPublishedFlow(pool, "staffing-request", { fresh: true });
      const created = await psa("createResourceRequest", { resource_id: "45002", approver_ids: ["30022"] });
      await pollOnce({ pool, boss }, flow!.flowId);
      const r = await settledRun(String(created.id), "pending");
      expect(r.status).toBe("failed");
      const { rows } = await pool.query<{ message: string; error_class: string; business_keys: Rec; team: string }>(
        `SELECT e.message, e.error_class, e.business_keys, tm.key AS team
           FROM exception e LEFT JOIN team tm ON tm.id = e.assignee_team_id WHERE e.run_id = $1`,
        [r.id],
      );
      expect(rows).toEqual([
        {
          message: expect.stringContaining("workspace_allocation_start_date"),
          error_class: "validation",
          business_keys: { request: String(created.id), project: "10011", resource: "45002" },
          team: "pmo",
        },
      ]);

      // Dates set in Kantata: the change starts a run that proposes, and its success resolves the exception.
      await psa("updateResourceRequest", {
        id: String(created.id),
        attributes: {
          workspace_allocation_start_date: "2026-06-01",
          workspace_allocation_end_date: "2026-06-26",
          workspace_allocation_minutes: 4800,
        },
      });
      await pollOnce({ pool, boss }, flow!.flowId);
      expect(await settledRun(String(created.id), "pending", 2, parked)).toMatchObject({ status: "waiting" });
      // It waits for the resource manager, who turns the options down: the run succeeds.
      const { task } = await choiceOf(String(created.id));
      await decideTask({ db: t.db, boss }, await resourceManager(), task.id, {
        decision: "reject",
        comment: "Not now",
      });
      const fixed = await settledRun(String(created.id), "pending", 2);
      expect(fixed, JSON.stringify(fixed.error)).toMatchObject({ status: "succeeded" });
      // What the exceptions worker does for a succeeded run: the earlier failure for the same keys resolves.
      expect(await autoResolveForRun(t.db, fixed.id)).toHaveLength(1);
      const { rows: after } = await pool.query(`SELECT status::text AS status FROM exception WHERE run_id = $1`, [
        r.id,
      ]);
      expect(after).toEqual([{ status: "resolved" }]);

      // A resource that asks for no skills: the same, naming the skills.
      const bare = await psa("createWorkspaceResource", { workspace_id: "10011", role_id: "3", location: "London" });
      const noSkills = await psa("createResourceRequest", {
        resource_id: String(bare.id),
        approver_ids: ["30022"],
        workspace_allocation_start_date: "2026-06-01",
        workspace_allocation_end_date: "2026-06-26",
        workspace_allocation_minutes: 2400,
      });
      await pollOnce({ pool, boss }, flow!.flowId);
      const r2 = await settledRun(String(noSkills.id), "pending");
      expect(r2.status).toBe("failed");
      const { rows: rows2 } = await pool.query<{ message: string; business_keys: Rec }>(
        `SELECT message, business_keys FROM exception WHERE run_id = $1`,
        [r2.id],
      );
      expect(rows2).toEqual([
        {
          message: expect.stringContaining("asks for no skills"),
          business_keys: { request: String(noSkills.id), project: "10011", resource: String(bare.id) },
        },
      ]);
    }, 120_000);
  });
  it("billing-terms-change: below the threshold straight to NetSuite; above it waits for finance, which adjusts the days", async () => {
    const request = {
      customerId: "104",
      customer: "Small Co",
      currentDays: 30,
      requestedDays: 45,
      annualBilling: 20000,
      requestedBy: "operator@weft.local",
    };
    const small = await run("billing-terms-change", "webhook", request);
    expect(small, JSON.stringify(small.error)).toMatchObject({
      status: "succeeded",
      output: { status: "applied", days: 45, approval: "not-required" },
    });
    expect((await records("netsuite", "customer")).find((c) => c.id === "104")).toMatchObject({ terms: { id: "45" } });
    expect(await t.db.task.count({ where: { runId: small.runId } })).toBe(0);

    const big = await startAndPark("billing-terms-change", {
      ...request,
      customerId: "105",
      annualBilling: 250000,
      requestedDays: 90,
    });
    expect(big.status).toBe("waiting");
    const approver = await t.db.user.findUniqueOrThrow({
      where: { email: "approver@weft.local" },
      include: { memberships: true },
    });
    const actor = {
      id: approver.id,
      email: approver.email,
      roles: approver.roles,
      teamIds: approver.memberships.map((m) => m.teamId),
    };
    const [task] = (await listTasks(t.db, actor)).filter((x) => x.runId === big.runId);
    expect(task).toMatchObject({
      title: "Payment terms for Small Co: Net 30 → Net 90",
      assignee: "Finance (approvers)",
    });
    // Nothing reached the ERP while it waited.
    expect((await records("netsuite", "customer")).find((c) => c.id === "105")?.terms).not.toEqual({ id: "90" });
    await decideTask({ db: t.db, boss }, actor, task!.id, { decision: "approve-with-changes", fields: { days: 60 } });
    const done = await runSettledPool(big.runId);
    expect(done).toMatchObject({ status: "succeeded", output: { status: "applied", days: 60, approval: "decided" } });
    expect((await records("netsuite", "customer")).find((c) => c.id === "105")).toMatchObject({ terms: { id: "60" } });

    // The demo's parked requests: real runs waiting in the approvers' Inboxes — Finance's three terms changes,
    // and for PMO's resource manager a staffing request's ranked options to choose from.
    expect(await seedDemoApprovals(t.db, boss)).toBe(4);
    const pmoUser = await t.db.user.findUniqueOrThrow({
      where: { email: "pmo@weft.local" },
      include: { memberships: true },
    });
    const pmo = {
      id: pmoUser.id,
      email: pmoUser.email,
      roles: pmoUser.roles,
      teamIds: pmoUser.memberships.map((m) => m.teamId),
    };
    const demoRequest = demoStaffingRequest();
    const { rows: demoRuns } = await pool.query<{ id: string }>(`SELECT id FROM run WHERE idempotency_key = $1`, [
      `demo:staffing-request:${demoRequest.id}`,
    ]);
    expect(demoRuns).toHaveLength(1);
    const staffingTasks = async () =>
      (await listTasks(t.db, pmo)).filter((x) => x.runId === demoRuns[0]!.id && x.status === "open");
    const until = Date.now() + 60_000;
    while (((await listTasks(t.db, actor)).length < 3 || !(await staffingTasks()).length) && Date.now() < until)
      await new Promise((r) => setTimeout(r, 200));
    expect((await listTasks(t.db, actor)).map((x) => x.flow.key)).toEqual(Array(3).fill("billing-terms-change"));
    const [demoTask] = await staffingTasks();
    expect(demoTask).toMatchObject({
      flow: { key: "staffing-request" },
      assignee: "PMO (approvers)",
      title: expect.stringContaining(demoRequest.id),
    });
    const { rows: demoRank } = await pool.query<{ output: { options: Array<{ id: string }> } }>(
      `SELECT output FROM step_run WHERE run_id = $1 AND path = 'rank'`,
      [demoRuns[0]!.id],
    );
    const demoOptions = demoRank[0]!.output.options.map((o) => o.id);
    expect(demoOptions.length).toBeGreaterThan(0);
    expect(demoTask!.form).toMatchObject({ properties: { candidate: { enum: demoOptions } } });
    expect(await seedDemoApprovals(t.db, boss)).toBe(0); // a restart starts nothing new
  }, 120_000);

  async function runSettledPool(runId: string) {
    const until = Date.now() + 60_000;
    for (;;) {
      const { rows } = await pool.query(`SELECT status::text AS status, output, error FROM run WHERE id = $1`, [runId]);
      if (["succeeded", "failed"].includes(rows[0]?.status)) return rows[0] as { status: string; output: unknown };
      if (Date.now() > until) throw new Error(`run ${runId} still ${rows[0]?.status}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
});
