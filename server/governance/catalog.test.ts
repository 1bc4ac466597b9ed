// The catalog, lineage, duplicate-interface warnings and exports over the demo estate, through the real
// tRPC router where a user is involved.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseAllDocuments } from "yaml";
import { createTestDatabase, type TestDatabase } from "../testing/db";
import { buildAppRouter, createCaller } from "../api/root";
import { createCallerFactory } from "../api/trpc";
import { loadSessionUser } from "../auth/session-user";
import { startDemoRuntime, type DemoRuntime } from "../testing/demo";
import type { PgBoss } from "pg-boss";
import { demoSandboxFor, setDemoSandboxes } from "../seed/demo-sandboxes-registry";
import { seedGovernance } from "../seed/governance";
import { sloTick } from "./slo-store";
import { buildLineage, findDuplicateInterfaces, flowsByEvent } from "./catalog";
import { extractFlowFacts } from "./flow-facts";
import { invoiceToReporting, legacyInvoiceExport, timeToInvoice090, type FlowDocument } from "../seed/governance-flows";
import { makeFlow } from "./testing";
import { contentHash, type Flow } from "../../core/dsl";
import { randomUUID } from "node:crypto";

describe("catalog over the demo estate", () => {
  let t: TestDatabase;
  const as = async (email: string, callerOf = createCaller) => {
    const u = await t.db.user.findUniqueOrThrow({ where: { email } });
    return callerOf({ db: t.db, requestId: "t", user: (await loadSessionUser(t.db, u.id))! });
  };

  // The runtime, as demo boot runs it: the fault-injection test starts real runs against the sandboxes.
  let rt: DemoRuntime;
  const saved = { url: process.env.DATABASE_URL, demo: process.env.WEFT_DEMO };
  beforeAll(async () => {
    t = await createTestDatabase();
    rt = await startDemoRuntime(t);
    setDemoSandboxes(rt.sandboxes);
    process.env.DATABASE_URL = t.url; // the router's sending boss (webBoss) joins this database
  }, 120_000);
  afterAll(async () => {
    const g = globalThis as unknown as { __weftBoss?: Promise<PgBoss> };
    await (await g.__weftBoss)?.stop({ graceful: false }).catch(() => undefined);
    g.__weftBoss = undefined;
    setDemoSandboxes(null);
    await rt?.stop();
    for (const [k, v] of [
      ["DATABASE_URL", saved.url],
      ["WEFT_DEMO", saved.demo],
    ] as const) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
    await t.drop();
  });

  it("seeding is idempotent", async () => {
    expect(await seedGovernance(t.db)).toEqual({ flowsCreated: 0 });
    expect(await t.db.govDomain.count()).toBe(9);
    expect(await t.db.flowVersion.count({ where: { status: "pending_approval" } })).toBe(1);
  });

  it("lists every integration with ownership, version, SLO state, systems and events", async () => {
    const viewer = await as("viewer@weft.local");
    const { entries, duplicates } = await viewer.governance.catalog.list();
    // The governance estate (six flows) and the reference flows (and the subflow one of them calls) published by
    // the demo history — four of them the shipped reconciliations, two the flows their re-sync runs.
    expect(entries).toHaveLength(23);
    // The staffing leg: PMO's, reading and writing both the PSA and the HRIS, announcing what it did.
    const staffing = entries.find((e) => e.key === "staffing-request")!;
    expect(staffing).toMatchObject({
      domain: "resource",
      ownerTeam: { key: "pmo" },
      classification: "internal",
      produces: ["staffing.assigned", "staffing.options.proposed"],
    });
    expect(staffing.systems.map((s) => `${s.kind}/${s.system}.${s.operation}:${s.effect}`)).toEqual(
      expect.arrayContaining([
        "psa/kantata.createWorkspaceAllocation:write",
        "psa/kantata.createPost:write",
        "hris/workday.runReport:read",
        "hris/workday.createProjectAssignment:write",
      ]),
    );
    const inv = entries.find((e) => e.key === "time-to-invoice")!;
    expect(inv).toMatchObject({
      domain: "invoice",
      ownerTeam: { key: "finance" },
      onCall: "finance-oncall@weft.local",
      classification: "confidential",
      lifecycle: "active",
      currentVersion: { version: "1.0.0", status: "approved" },
      pendingVersion: { version: "1.1.0" },
      produces: ["invoice.created"],
      consumes: ["timesheet.approved"],
    });
    // Read from the live version's call steps; kind and effect come from the connector manifests.
    expect(inv.systems.map((s) => `${s.kind}/${s.system}.${s.operation}:${s.effect}`)).toEqual([
      "psa/kantata.listExternalReferences:read",
      "psa/kantata.listTimeEntries:read",
      "erp/netsuite.createInvoice:write",
      "erp/netsuite.getRecord:read",
    ]);
    expect(inv.slos).toHaveLength(3);
    expect(inv.slos.every((s) => s.total > 1000)).toBe(true);
    expect(inv.lastRun).not.toBeNull();
    // Writes of one operation of one system for one domain by several active flows: the legacy month-end
    // export beside the invoicing flows, and the reference flows beside the governance estate's.
    expect(duplicates).toEqual([
      {
        domain: "invoice",
        system: "netsuite",
        operation: "createInvoice",
        flows: ["approved-time-to-invoice", "legacy-invoice-export", "post-invoice-to-netsuite", "time-to-invoice"],
      },
      // Both warehouse loaders (invoices; time entries and utilization) write through the reporting connector.
      {
        domain: "reporting",
        system: "reporting",
        operation: "upsertRecords",
        flows: ["invoice-to-reporting", "timesheet-to-reporting"],
      },
      {
        domain: "reporting",
        system: "reporting",
        operation: "writeEvents",
        flows: ["invoice-to-reporting", "timesheet-to-reporting"],
      },
      // The project link: created with the project, and re-created by the project-ids reconciliation's re-sync.
      {
        domain: "project",
        system: "kantata",
        operation: "createExternalReference",
        flows: ["opportunity-won-to-project", "relink-workspace-job"],
      },
      {
        domain: "project",
        system: "kantata",
        operation: "createWorkspace",
        flows: ["opportunity-to-project", "opportunity-won-to-project"],
      },
      {
        domain: "resource",
        system: "kantata",
        operation: "createExternalReference",
        flows: ["resource-attributes-sync", "worker-onboarding-hris-to-psa"],
      },
    ]);
    expect(inv.duplicates).toHaveLength(1);
  });

  it("filters: owned by my teams, domain, classification, search", async () => {
    const approver = await as("approver@weft.local"); // Finance
    const mine = await approver.governance.catalog.list({ mine: true });
    expect(mine.entries.map((e) => e.key).sort()).toEqual([
      "approved-time-to-invoice",
      "billing-terms-change",
      "customer-to-erp",
      "legacy-invoice-export",
      "post-invoice-to-netsuite",
      "recon-customer-master",
      "recon-time-vs-billing",
      "time-to-invoice",
    ]);
    const keys = async (f: Parameters<typeof approver.governance.catalog.list>[0]) =>
      (await approver.governance.catalog.list(f)).entries.map((e) => e.key).sort();
    expect(await keys({ domain: "reporting" })).toEqual(["invoice-to-reporting", "timesheet-to-reporting"]);
    expect(await keys({ classification: "restricted" })).toEqual([
      "recon-workers",
      "resource-attributes-sync",
      "worker-onboarding-hris-to-psa",
    ]);
    // Search matches the systems a flow calls, by connector and by kind (Workday is the HRIS).
    // (recon-workers by its name and description: it reads Workday in a reconcile step; the time flows read the
    // person's Workday team for utilisation per team.)
    const hris = [
      "approved-time-to-invoice",
      "kantata-time-approved-push",
      "recon-workers",
      "resource-attributes-sync",
      "staffing-request",
      "timesheet-to-reporting",
      "worker-onboarding-hris-to-psa",
    ];
    expect(await keys({ search: "workday" })).toEqual(hris);
    expect(await keys({ search: "hris" })).toEqual(hris);
    expect(await keys({ search: "data" })).toContain("invoice-to-reporting");
  });

  it("lineage shows timesheet approved feeding invoicing feeding reporting", async () => {
    const { nodes, edges } = await (await as("viewer@weft.local")).governance.catalog.lineage();
    const has = (s: string, d: string) => edges.some((e) => e.source === s && e.target === d);
    expect(has("flow:timesheet-approval-sync", "event:timesheet.approved")).toBe(true);
    expect(has("event:timesheet.approved", "flow:time-to-invoice")).toBe(true);
    expect(has("flow:time-to-invoice", "event:invoice.created")).toBe(true);
    expect(has("event:invoice.created", "flow:invoice-to-reporting")).toBe(true);
    // Systems are the connectors the flows call, named and typed by their manifests.
    expect(has("flow:invoice-to-reporting", "system:reporting")).toBe(true);
    expect(nodes.find((n) => n.id === "system:reporting")).toMatchObject({
      kind: "system",
      label: "Data platform (reporting)",
      meta: { connector: "reporting", kind: "data" },
    });
    expect(has("system:netsuite", "flow:invoice-to-reporting")).toBe(true);
    expect(has("flow:time-to-invoice", "system:netsuite")).toBe(true);
    expect(has("system:workday", "flow:resource-attributes-sync")).toBe(true);
    expect(has("flow:resource-attributes-sync", "system:kantata")).toBe(true);
    const layer = (id: string) => nodes.find((n) => n.id === id)!.layer;
    expect(layer("event:timesheet.approved")).toBeLessThan(layer("flow:time-to-invoice"));
    expect(layer("flow:time-to-invoice")).toBeLessThan(layer("flow:invoice-to-reporting"));
    // A contract's declared external producer appears as a system feeding the event.
    expect(has("system:salesforce", "event:opportunity.won")).toBe(true);
  });

  it("flags duplicates only between active flows writing the same operation in the same domain", () => {
    const facts = extractFlowFacts(legacyInvoiceExport);
    expect(facts.systems.filter((s) => s.effect === "write").map((s) => `${s.system}.${s.operation}`)).toEqual([
      "netsuite.createInvoice",
    ]);
    const f = (key: string, domain: string, lifecycle: string) => ({ key, domain, lifecycle, facts });
    expect(findDuplicateInterfaces([f("a", "invoice", "active"), f("b", "invoice", "active")])).toHaveLength(1);
    expect(findDuplicateInterfaces([f("a", "invoice", "active"), f("b", "invoice", "deprecated")])).toEqual([]);
    expect(findDuplicateInterfaces([f("a", "invoice", "active"), f("b", "reporting", "active")])).toEqual([]);
    // Only reads (the invoice flow without its write and emit): no duplicate.
    const steps = timeToInvoice090.steps as Array<{ id: string; next?: string }>;
    const reads = extractFlowFacts({
      ...timeToInvoice090,
      steps: steps
        .filter((s) => s.id !== "createInvoice")
        .map(({ next, ...s }) => (next === "createInvoice" ? s : { ...s, next })),
    });
    expect(reads.systems.map((s) => s.effect)).toEqual(["read", "read", "read"]);
    expect(
      findDuplicateInterfaces([
        { ...f("a", "invoice", "active"), facts: reads },
        { ...f("b", "invoice", "active"), facts: reads },
      ]),
    ).toEqual([]);
    expect(buildLineage([], []).nodes).toEqual([]);
  });

  it("an approver of Finance approves the pending version through the router; the timeline shows it", async () => {
    const approver = await as("approver@weft.local");
    const pending = await approver.governance.versions.pending();
    expect(pending).toMatchObject([{ flowKey: "time-to-invoice", version: "1.1.0", canDecide: true }]);
    const viewerPending = await (await as("viewer@weft.local")).governance.versions.pending();
    expect(viewerPending[0]!.canDecide).toBe(false);
    await expect(
      (await as("operator@weft.local")).governance.versions.approve({ versionId: pending[0]!.id }),
    ).rejects.toThrow(/approver role/);
    await approver.governance.versions.approve({ versionId: pending[0]!.id });
    const timeline = await approver.governance.versions.timeline({ flowKey: "time-to-invoice" });
    expect(timeline.map((v) => [v.version, v.status, v.author?.email, v.approver?.email])).toEqual([
      ["1.1.0", "approved", "designer@weft.local", "approver@weft.local"],
      ["1.0.0", "approved", "designer@weft.local", "approver@weft.local"],
      ["0.9.0", "deprecated", "designer@weft.local", "approver@weft.local"],
    ]);
    // Publication deploys to test: production keeps what it ran (1.0.0, pinned on the way) until a promotion,
    // and the catalog names both by environment.
    const entry = (await approver.governance.catalog.list({ search: "time-to-invoice" })).entries.find(
      (e) => e.key === "time-to-invoice",
    )!;
    expect(entry.currentVersion).toEqual({ version: "1.0.0", status: "approved" });
    expect(entry.live.map((l) => `${l.environment}: v${l.version}`)).toEqual(["production: v1.0.0", "test: v1.1.0"]);
  });

  it("sandbox faults (demo mode only) make real runs fail, and the SLO alert fires", async () => {
    const admin = await as("admin@weft.local");
    // Outside demo mode the procedure is not there at all.
    const plain = await as("admin@weft.local", createCallerFactory(buildAppRouter({ demo: false })));
    await expect(plain.demo.injectFaults({ flowKey: "time-to-invoice", count: 5 })).rejects.toMatchObject({
      code: "NOT_FOUND",
    });
    const demo = await as("admin@weft.local", createCallerFactory(buildAppRouter({ demo: true })));
    const r = await demo.demo.injectFaults({ flowKey: "invoice-to-reporting", count: 30 });
    // invoice-to-reporting starts by reading the invoice from NetSuite.
    expect(r).toEqual({ started: 30, connector: "netsuite", system: "netsuite" });
    const netsuite = demoSandboxFor("netsuite")!;
    const faults = async () =>
      ((await (await fetch(`${netsuite.admin}/state`)).json()) as { faults: Record<string, unknown> }).faults;
    expect(await faults()).toMatchObject({ errorRate: 1, errorStatus: 503 });

    const flow = await t.db.flow.findUniqueOrThrow({ where: { key: "invoice-to-reporting" } });
    const started = { flowId: flow.id, triggerType: "manual" as const };
    // Each run retries the 503s (4 attempts, 2 s backoff) before it fails for real.
    await expect
      .poll(() => t.db.run.count({ where: { ...started, status: { in: ["queued", "running", "waiting"] } } }), {
        timeout: 90_000,
        interval: 1000,
      })
      .toBe(0);
    expect(await t.db.run.count({ where: { ...started, status: "failed" } })).toBe(30);
    const failed = await t.db.run.findFirstOrThrow({
      where: { ...started, status: "failed" },
      select: { id: true, error: true },
    });
    expect(JSON.stringify(failed.error)).toMatch(/503/);
    expect(await t.db.exception.count({ where: { runId: failed.id } })).toBe(1);
    // The faults are cleared once the runs have finished.
    await expect.poll(faults, { timeout: 10_000 }).toEqual({});
    expect(await t.db.auditLog.count({ where: { action: "slo.sandbox_faults_injected" } })).toBe(1);

    // Every run is finished and committed, so the fold needs no lag here (the minute job keeps one).
    expect((await sloTick(t.db, { baseUrl: "http://weft.test", lagMs: 0 })).evaluation.fired).toBeGreaterThan(0);
    const entry = (await (await as("viewer@weft.local")).governance.catalog.list({ sloState: "firing" })).entries.map(
      (e) => e.key,
    );
    expect(entry).toEqual(["invoice-to-reporting"]);

    // The queue they leave can be cleared: the runs started from the flow's pinned trigger sample (an invoice
    // the NetSuite sandbox holds), so once the fault is gone a retry succeeds instead of failing anew.
    const open = await t.db.exception.findMany({
      where: { run: started, status: "open" },
      take: 6,
      select: { id: true, runId: true },
    });
    expect(open).toHaveLength(6);
    for (const e of open) await admin.exceptions.retry({ id: e.id });
    await expect
      .poll(
        () =>
          t.db.run.count({
            where: { id: { in: open.map((e) => e.runId) }, status: { in: ["queued", "running", "waiting"] } },
          }),
        { timeout: 60_000, interval: 500 },
      )
      .toBe(0);
    const retried = await t.db.run.findMany({
      where: { id: { in: open.map((e) => e.runId) } },
      select: { status: true, error: true },
    });
    expect(retried.map((r) => [r.status, r.error])).toEqual(open.map(() => ["succeeded", null]));
    expect(await t.db.exception.count({ where: { id: { in: open.map((e) => e.id) }, status: "resolved" } })).toBe(6);
  }, 180_000);

  it("exports the catalog as Backstage entities and SLOs as OpenSLO", async () => {
    const viewer = await as("viewer@weft.local");
    const backstage = parseAllDocuments(await viewer.governance.exports.backstage()).map(
      (d) => d.toJS() as { kind: string; metadata: { name: string }; spec: Record<string, unknown> },
    );
    const byKind = (k: string) => backstage.filter((e) => e.kind === k);
    expect(byKind("Component")).toHaveLength(23);
    expect(byKind("Domain").map((d) => d.metadata.name)).toContain("invoice");
    const comp = byKind("Component").find((c) => c.metadata.name === "time-to-invoice")!;
    expect(comp.spec).toMatchObject({
      type: "integration",
      lifecycle: "production",
      owner: "group:default/finance",
      system: "invoice-integrations",
      providesApis: ["invoice.created"],
      consumesApis: ["timesheet.approved"],
    });
    expect(byKind("API").find((a) => a.metadata.name === "invoice.created")!.spec).toMatchObject({
      type: "asyncapi",
      owner: "group:default/finance",
    });

    const openslo = parseAllDocuments(await viewer.governance.exports.openslo()).map(
      (d) =>
        d.toJS() as { apiVersion: string; kind: string; metadata: { name: string }; spec: Record<string, unknown> },
    );
    expect(openslo.every((d) => d.apiVersion === "openslo/v1")).toBe(true);
    const slo = openslo.find((d) => d.kind === "SLO" && d.metadata.name === "time-to-invoice-Invoiced-within-30-s")!;
    expect(slo.spec).toMatchObject({
      service: "time-to-invoice",
      budgetingMethod: "Occurrences",
      timeWindow: [{ duration: "28d", isRolling: true }],
      objectives: [{ target: 0.95 }],
    });
    expect(
      openslo
        .filter((d) => d.kind === "AlertCondition")
        .map((d) => (d.spec.condition as { threshold: number }).threshold),
    ).toEqual([14.4, 6, 3, 1]);
  });

  it("a flow's systems and events are those of the version live in production, not of a newer one only in test", async () => {
    // Fixtures as the seed writes them: two approved versions that touch different systems; production runs the
    // older, test the newer (published and deployed to test, not promoted).
    const flowId = await makeFlow(t.db, { key: "facts-live", teamKey: "finance", lifecycle: "active" });
    const version = async (d: FlowDocument, v: string, approvedAt: Date) =>
      (
        await t.db.flowVersion.create({
          data: {
            flowId,
            version: v,
            dsl: { ...d, key: "facts-live" } as object,
            contentHash: contentHash({ ...d, key: "facts-live" } as unknown as Flow),
            status: "approved",
            approvedAt,
          },
        })
      ).id;
    const older = await version(legacyInvoiceExport, "1.0.0", new Date(Date.now() - 86_400_000));
    const newer = await version(invoiceToReporting, "1.1.0", new Date());
    const deploy = (environmentKey: string, flowVersionId: string) =>
      t.db.deployment.create({ data: { id: randomUUID(), environmentKey, flowId, flowVersionId, kind: "deploy" } });
    await deploy("production", older);
    await deploy("test", newer);
    const touches = (f: { systems: Array<{ system: string; operation: string }>; consumes: string[] }) => ({
      systems: f.systems.map((s) => `${s.system}.${s.operation}`),
      consumes: f.consumes,
    });
    const live = touches(extractFlowFacts(legacyInvoiceExport));
    const next = touches(extractFlowFacts(invoiceToReporting));
    expect(live).not.toEqual(next); // the fixture means something
    const viewer = await as("viewer@weft.local");
    const entry = async () =>
      (await viewer.governance.catalog.list({ search: "facts-live" })).entries.find((e) => e.key === "facts-live")!;
    expect((await entry()).currentVersion).toMatchObject({ version: "1.0.0" });
    expect(touches(await entry())).toEqual(live);
    // The events page reads the same version: the newer one's trigger event is not consumed here yet.
    const consumers = async () =>
      ((await flowsByEvent(t.db)).get("invoice.created")?.consumedBy ?? []).map((f) => f.key);
    expect(await consumers()).not.toContain("facts-live");
    // Promoted: production runs the newer version, and the catalog reads it.
    await deploy("production", newer);
    expect((await entry()).currentVersion).toMatchObject({ version: "1.1.0" });
    expect(touches(await entry())).toEqual(next);
    expect(await consumers()).toContain("facts-live");
  });
});
