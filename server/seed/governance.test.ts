// The governance demo estate is real: every seeded flow document (live versions, earlier versions, drafts,
// the pending 1.1.0) validates with no problem against the full catalog — the connector manifests, the demo
// connections as demo boot creates them, the published flows — emitted payloads carry their contracts'
// fields, and the published versions run. The invoicing chain runs end to end on real Postgres, pg-boss
// and the vendor sandboxes: a signed Kantata approval webhook → timesheet-approval-sync ─timesheet.approved→
// time-to-invoice (NetSuite invoice) ─invoice.created→ invoice-to-reporting (rows in the reporting schema).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { PgBoss } from "pg-boss";
import { createTestDatabase, type TestDatabase } from "../testing/db";
import { startDemoRuntime, type DemoRuntime } from "../testing/demo";
import { resolveConnection } from "../connections/service";
import { connectorCatalog } from "@/connectors/registry";
import { validate } from "../../core/dsl/validate";
import { contentHash } from "../../core/dsl/hash";
import type { Catalog } from "../../core/dsl/catalog";
import type { Flow } from "../../core/dsl/schema";
import type { Pool } from "../runtime/sql";
import { syncTriggers } from "../runtime/triggers";
import { acceptWebhook, signWebhook, SIGNATURE_HEADER, TIMESTAMP_HEADER } from "../runtime/ingress";
import { loadPublishedFlow } from "../runtime/flow-source";
import { createRun } from "../runtime/runs";
import { CONTRACT_SEED, FLOW_SEED, PENDING_SEED } from "./governance";
import { extractFlowFacts } from "../governance/flow-facts";
import { runRowSettled } from "../testing/runs";

describe("the governance demo flows", () => {
  let t: TestDatabase;
  let rt: DemoRuntime;
  let pool: Pool;
  let boss: PgBoss;
  let catalog: Catalog;

  beforeAll(async () => {
    t = await createTestDatabase();
    // What demo boot does: sandboxes, the demo connections (sandboxes, this database's reporting schema,
    // the webhook secret), the guard's allow-list, the demo workspace, and the runtime.
    rt = await startDemoRuntime(t);
    ({ pool, boss } = rt);
    const [connections, flows] = await Promise.all([
      t.db.connection.findMany({ select: { key: true, connectorKey: true } }),
      t.db.flow.findMany({
        select: {
          key: true,
          versions: { where: { status: { in: ["approved", "deprecated"] } }, select: { version: true } },
        },
      }),
    ]);
    catalog = {
      ...connectorCatalog([], connections),
      flows: Object.fromEntries(flows.map((f) => [f.key, { versions: f.versions.map((v) => v.version) }])),
    };
    await syncTriggers(pool, boss);
  }, 120_000);
  afterAll(async () => {
    await rt?.stop();
    await t?.drop();
  });

  const problems = (doc: unknown) =>
    validate(doc, { catalog }).problems.map((p) => `${p.severity} ${p.code} at ${p.path.join(".")}: ${p.message}`);

  it("every seeded document validates with no problem against the full catalog, as written and as stored", async () => {
    expect(catalog.connections?.map((c) => c.key).sort()).toEqual([
      "kantata-prod",
      "kantata-webhook",
      "netsuite-prod",
      "reporting-warehouse",
      "salesforce-cdc-webhook",
      "salesforce-prod",
      "workday-prod",
      "workday-webhook-signing",
    ]);
    const written = [
      ...FLOW_SEED.flatMap((f) => [f.dsl, ...(f.earlier ?? []), ...(f.draft ? [f.draft] : [])]),
      PENDING_SEED.dsl,
    ];
    expect(written).toHaveLength(9);
    for (const d of written) expect(problems(d), `${d.key}@${d.version}`).toEqual([]);

    const stored = await t.db.flow.findMany({
      where: { key: { in: FLOW_SEED.map((f) => f.key) } },
      select: {
        key: true,
        name: true,
        domain: true,
        classification: true,
        ownerTeam: { select: { key: true } },
        draft: true,
        versions: { select: { version: true, dsl: true, contentHash: true, status: true } },
      },
    });
    expect(stored).toHaveLength(6);
    for (const f of stored) {
      const seed = FLOW_SEED.find((s) => s.key === f.key)!;
      expect(f).toMatchObject({
        name: seed.name,
        domain: seed.domain,
        classification: seed.classification,
        ownerTeam: { key: seed.team },
      });
      expect(problems(f.draft), `${f.key} draft`).toEqual([]);
      for (const v of f.versions) {
        expect(problems(v.dsl), `${f.key}@${v.version}`).toEqual([]);
        expect((v.dsl as { version: string }).version).toBe(v.version);
        expect(v.contentHash).toBe(contentHash(v.dsl as Flow));
      }
    }
    const invoice = stored.find((f) => f.key === "time-to-invoice")!;
    expect(invoice.versions.map((v) => `${v.version}:${v.status}`).sort()).toEqual([
      "0.9.0:deprecated",
      "1.0.0:approved",
      "1.1.0:pending_approval",
    ]);
  });

  it("emitted payloads carry exactly their contracts' fields, and every consumed event has a contract", () => {
    const contract = (name: string) => CONTRACT_SEED.find((c) => c.name === name);
    const lineage: string[] = [];
    for (const f of FLOW_SEED) {
      const facts = extractFlowFacts(f.dsl);
      for (const p of facts.produces) {
        const c = contract(p.event);
        expect(c, `${f.key} emits ${p.event}`).toBeDefined();
        expect(p.fields, `${f.key} → ${p.event}`).not.toBeNull();
        expect(
          c!.schema.required!.every((r) => p.fields!.includes(r)),
          `${f.key} → ${p.event} sets the required fields`,
        ).toBe(true);
        expect(
          p.fields!.filter((x) => !(x in c!.schema.properties!)),
          `${f.key} → ${p.event} sets only contract fields`,
        ).toEqual([]);
        lineage.push(`${f.key} emits ${p.event}`);
      }
      for (const e of facts.consumes) {
        expect(contract(e), `${f.key} consumes ${e}`).toBeDefined();
        lineage.push(`${f.key} consumes ${e}`);
      }
    }
    expect(lineage.sort()).toEqual([
      "invoice-to-reporting consumes invoice.created",
      "opportunity-to-project consumes opportunity.won",
      "opportunity-to-project emits project.created",
      "resource-attributes-sync emits resource.updated",
      "time-to-invoice consumes timesheet.approved",
      "time-to-invoice emits invoice.created",
      "timesheet-approval-sync emits timesheet.approved",
    ]);
  });

  const settled = (runId: string, ms = 60_000) => runRowSettled(pool, runId, ms, 100);
  /** The one real (not seeded-history) run of a flow, once it exists. */
  async function runOf(flowKey: string, timeoutMs = 30_000): Promise<string> {
    const until = Date.now() + timeoutMs;
    for (;;) {
      const { rows } = await pool.query<{ id: string }>(
        `SELECT r.id::text AS id FROM run r JOIN flow f ON f.id = r.flow_id WHERE f.key = $1 AND r.flow_version_id IS NOT NULL AND NOT coalesce((r.input->>'demo')::boolean, false)`,
        [flowKey],
      );
      if (rows.length) {
        expect(rows).toHaveLength(1);
        return rows[0]!.id;
      }
      if (Date.now() > until) throw new Error(`no run of ${flowKey}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  const stepOutput = async (runId: string, path: string) =>
    (await pool.query(`SELECT status, input, output FROM step_run WHERE run_id = $1 AND path = $2`, [runId, path]))
      .rows[0] as { status: string; input: Record<string, unknown>; output: Record<string, unknown> };

  it("runs the invoicing chain end to end: signed webhook → timesheet.approved → NetSuite invoice → invoice.created → reporting rows", async () => {
    // Timesheet 900013 of Kantata workspace 10002: five approved, billable, uninvoiced entries at 340/h.
    const body = Buffer.from(
      JSON.stringify({ timesheetId: "900013", workspaceId: "10002", approvedAt: "2026-04-10T09:00:00Z" }),
    );
    const secret = (await resolveConnection(t.db, "kantata-webhook")).secrets.signingSecret as string;
    const ts = Math.floor(Date.now() / 1000);
    const accepted = await acceptWebhook(
      { pool, boss },
      {
        flowKey: "timesheet-approval-sync",
        body,
        headers: new Headers({
          "content-type": "application/json",
          [TIMESTAMP_HEADER]: String(ts),
          [SIGNATURE_HEADER]: signWebhook(secret, ts, body),
        }),
      },
    );
    expect(accepted.status).toBe(202);

    const sync = await settled(String(accepted.body.runId));
    expect(sync.status).toBe("succeeded");
    expect(sync.output).toEqual({ timesheetId: "900013", hours: 31.5 });
    expect((await stepOutput(String(accepted.body.runId), "approved")).input).toMatchObject({
      event: "timesheet.approved",
      payload: { timesheetId: "900013", projectId: "10002", hours: 31.5, approvedAt: "2026-04-10T09:00:00Z" },
    });

    const invoiceRun = await runOf("time-to-invoice");
    const invoiced = await settled(invoiceRun);
    expect(invoiced, JSON.stringify(invoiced.error)).toMatchObject({ status: "succeeded" });
    const invoiceId = String(invoiced.output.invoiceId);
    const posted = await stepOutput(invoiceRun, "getInvoice");
    // 330 + 480 + 330 + 270 + 480 minutes = 31.5 h at 340.
    expect(posted.output).toMatchObject({
      id: invoiceId,
      externalId: "timesheet-900013",
      total: 10710,
      job: { id: "5002" },
    });
    const announced = (await stepOutput(invoiceRun, "announce")).input as { payload: Record<string, unknown> };
    expect(announced.payload).toEqual({
      invoiceId,
      projectId: "10002",
      amount: 10710,
      currency: expect.stringMatching(/^[A-Z]{3}$/),
    });

    const reportingRun = await runOf("invoice-to-reporting");
    expect((await settled(reportingRun)).status).toBe("succeeded");
    const { rows: facts } = await pool.query<{ data: Record<string, unknown>; source: string }>(
      `SELECT data, source FROM reporting.invoice WHERE id = $1`,
      [`netsuite-invoice-${invoiceId}`],
    );
    expect(facts).toEqual([
      {
        source: "netsuite",
        data: expect.objectContaining({
          customerId: expect.stringMatching(/^netsuite-customer-\d+$/),
          projectIds: ["kantata-workspace-10002"],
          status: "posted",
          total: { amount: "10710.00", currency: announced.payload.currency },
        }),
      },
    ]);
    const { rows: events } = await pool.query(
      `SELECT type, subject_entity, subject_id FROM reporting.event WHERE id = $1`,
      [`invoice.created-${invoiceId}`],
    );
    expect(events).toEqual([
      { type: "invoice.created", subject_entity: "Invoice", subject_id: `netsuite-invoice-${invoiceId}` },
    ]);
  }, 120_000);

  it("runs opportunity-to-project for a won Salesforce opportunity: a Kantata workspace with its budget, and project.created", async () => {
    const flow = (await loadPublishedFlow(pool, "opportunity-to-project", { fresh: true }))!;
    const payload = {
      opportunityId: "006Wf0000000001AAA",
      customerId: "001Wf0000000030AAA",
      amount: 585000,
      closeDate: "2024-05-27",
    };
    const { runId } = await createRun(pool, boss, {
      flowId: flow.flowId,
      flowVersionId: flow.versionId,
      triggerType: "event",
      input: payload,
    });
    const r = await settled(runId);
    expect(r, JSON.stringify(r.error)).toMatchObject({ status: "succeeded" });
    const opp = await stepOutput(runId, "getOpportunity");
    expect(opp.output).toMatchObject({
      AccountId: payload.customerId,
      Name: "Laurentian Rail – Data Platform Modernisation",
      Amount: 585000,
    });
    const ws = await stepOutput(runId, "createProject");
    expect(ws.output).toMatchObject({
      id: r.output.projectId,
      title: "Laurentian Rail – Data Platform Modernisation",
      price_in_cents: 58_500_000,
      budgeted: true,
      start_date: "2024-05-27",
    });
    expect((await stepOutput(runId, "announce")).input).toMatchObject({
      event: "project.created",
      payload: { projectId: r.output.projectId, opportunityId: payload.opportunityId, customerId: payload.customerId },
    });
  }, 60_000);
});
