// The four shipped reconciliations (examples/recon-*.weft.json) run for real: the demo workspace seeded and its
// runtime running (pg-boss workers, real Postgres), every side read over HTTP from the vendor sandboxes. On the
// seeded firm nothing is flagged; each data fault injected through the sandboxes' admin API (/__sandbox/inject)
// is found by its reconciliation and by no other — exactly the injected breaks (precision and recall 100%) —
// and the tolerances hold at their boundaries (0.01 off matches, 0.02 breaks; 0.25 h matches, 0.26 h breaks).
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { PgBoss } from "pg-boss";
import { createTestDatabase, type TestDatabase } from "@/server/testing/db";
import { startDemoRuntime, type DemoRuntime } from "@/server/testing/demo";
import { runRowSettled } from "@/server/testing/runs";
import type { Pool } from "@/server/runtime/sql";
import { loadPublishedFlow } from "@/server/runtime/flow-source";
import { createRun } from "@/server/runtime/runs";
import { firm, sfId } from "@/connectors/sandbox-kit/firm";
import type { SbRequest } from "@/connectors/sandbox-kit/server";
import { autoResolveSweep } from "@/server/exceptions/auto-resolve";
import { runShippedReconciliationsOnce } from "@/server/seed/demo-reconciliations";
import { createCaller } from "@/server/api/root";
import { simulate } from "@/connectors/sandbox-kit/simulate/drive";
import { planSimulation } from "@/connectors/sandbox-kit/simulate/plan";
import { sandboxTargets, VendorApis } from "@/connectors/sandbox-kit/simulate/vendors";
import { randomUUID } from "node:crypto";

const RECONS = {
  "recon-time-vs-billing": "time-vs-billing",
  "recon-customer-master": "customer-master",
  "recon-project-ids": "project-ids",
  "recon-workers": "workers",
} as const;
type FlowKey = keyof typeof RECONS;

interface ReconOut {
  reconciliation: string;
  totals: {
    keys: number;
    matched: number;
    records: Record<string, number>;
    byRule: Record<string, number>;
    missingOn: Record<string, number>;
  };
  summary: { matchRate: number; breaks: number };
}

describe("shipped reconciliations on the vendor sandboxes", () => {
  let t: TestDatabase;
  let rt: DemoRuntime;
  let pool: Pool;
  let boss: PgBoss;
  const savedUrl = process.env.DATABASE_URL;

  beforeAll(async () => {
    t = await createTestDatabase();
    process.env.DATABASE_URL = t.url; // the router's web boss (re-sync starts runs through it)
    rt = await startDemoRuntime(t);
    ({ pool, boss } = rt);
  }, 120_000);
  afterAll(async () => {
    await rt?.stop();
    process.env.DATABASE_URL = savedUrl;
    await t?.drop();
  });
  beforeEach(async () => {
    for (const s of rt.sandboxes.systems)
      expect((await fetch(`${s.admin}/reset`, { method: "POST" })).status).toBe(200);
  });

  async function inject(system: string, fault: string, params: Record<string, unknown>) {
    const s = rt.sandboxes.systems.find((x) => x.system === system)!;
    const res = await fetch(`${s.admin}/inject`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ fault, ...params }),
    });
    expect(res.status, `${system} ${fault}: ${await res.clone().text()}`).toBe(200);
    return (await res.json()) as Record<string, unknown>;
  }

  /** Runs the project set-up for a won deal (opportunity-won-to-project, as the event would start it) to success. */
  async function setUpProject(opportunityId: string, amount: number): Promise<void> {
    const flow = await loadPublishedFlow(pool, "opportunity-won-to-project", { fresh: true });
    const { runId } = await createRun(pool, boss, {
      flowId: flow!.flowId,
      flowVersionId: flow!.versionId,
      triggerType: "event",
      input: { opportunityId, amount },
    });
    const run = await runRowSettled(pool, runId, 90_000);
    expect(run.status, JSON.stringify(run.error)).toBe("succeeded");
  }

  /** Runs one reconciliation flow as its schedule would; its output and the breaks the run found (identities). */
  async function reconcile(key: FlowKey): Promise<{ out: ReconOut; breaks: string[]; runId: string }> {
    const flow = await loadPublishedFlow(pool, key, { fresh: true });
    expect(flow, `${key} is published`).toBeTruthy();
    const { runId } = await createRun(pool, boss, {
      flowId: flow!.flowId,
      flowVersionId: flow!.versionId,
      triggerType: "schedule",
      input: { firedAt: new Date().toISOString() },
    });
    const run = await runRowSettled(pool, runId, 60_000);
    expect(run.status, `${key}: ${JSON.stringify(run.error)}`).toBe("succeeded");
    const { rows } = await pool.query<{ output: ReconOut }>(
      `SELECT output FROM step_run WHERE run_id = $1 AND path = 'match'`,
      [runId],
    );
    const { rows: b } = await pool.query<{ break_identity: string }>(
      `SELECT break_identity FROM exception WHERE break_seen_run_id = $1 AND status = 'open' ORDER BY break_identity`,
      [runId],
    );
    const out = rows[0]!.output;
    const breaks = b.map((r) => r.break_identity);
    // One exception per broken rule of a key and per side a key is missing on (summary.breaks counts keys).
    const sum = (o: Record<string, number>) => Object.values(o).reduce((s, n) => s + n, 0);
    expect(sum(out.totals.byRule) + sum(out.totals.missingOn), `${key}: breaks by rule and missing`).toBe(
      breaks.length,
    );
    return { out, breaks, runId };
  }

  /** Runs all four; every break found must be in `expected` and every expected break found. */
  async function expectBreaks(expected: string[]) {
    const found: string[] = [];
    for (const key of Object.keys(RECONS) as FlowKey[]) found.push(...(await reconcile(key)).breaks);
    expect(found.sort()).toEqual([...expected].sort());
  }

  const f = firm();
  // A time entry billed on an April invoice line (project 1: Kantata workspace 10001, NetSuite job 5001).
  const entry = f.timeEntries.find((e) => e.projectN === 1 && e.invoiceN && e.date.startsWith("2026-04"))!;
  const timeEntryId = String(50000 + entry.n);
  const worker = f.consultants[6]!; // E10007
  const wid = worker.wid;

  it("a demo's first start queues one run of each (once): each ends with a last run and a match rate", async () => {
    const first = await runShippedReconciliationsOnce(pool, boss);
    expect(first.sort()).toEqual(Object.keys(RECONS).sort());
    expect(await runShippedReconciliationsOnce(pool, boss)).toEqual([]);
    const { rows } = await pool.query<{ id: string; key: string }>(
      `SELECT r.id::text, f.key FROM run r JOIN flow f ON f.id = r.flow_id WHERE r.idempotency_key = 'demo:first-run'`,
    );
    expect(rows.map((r) => r.key).sort()).toEqual(Object.keys(RECONS).sort());
    for (const r of rows) {
      expect((await runRowSettled(pool, r.id, 60_000)).status, r.key).toBe("succeeded");
      const { rows: s } = await pool.query<{ output: ReconOut }>(
        `SELECT output FROM step_run WHERE run_id = $1 AND path = 'match'`,
        [r.id],
      );
      expect(s[0]!.output.summary.matchRate, r.key).toBe(1);
    }
    // What the Reconciliation page shows a viewer: each with that last run, its match rate and its schedule.
    const viewer = createCaller({
      db: t.db,
      requestId: "test",
      user: { id: "u-vi", email: "viewer@weft.local", name: "Vi Viewer", roles: ["viewer"], teamIds: [] },
    });
    const list = await viewer.reconciliations.list();
    for (const [flowKey, key] of Object.entries(RECONS)) {
      const item = list.find((x) => x.flow.key === flowKey && x.key === key);
      expect(item, flowKey).toBeDefined();
      expect(rows.map((r) => r.id)).toContain(item!.lastRun?.runId);
      expect(item!.lastRun?.matchRate, flowKey).toBe(1);
      expect(item!.schedule, flowKey).toMatchObject({ cron: expect.stringMatching(/^\d+ \d+ \* \* \*$/) });
    }
  }, 120_000);

  it("on the seeded firm every key matches in all four", async () => {
    const time = await reconcile("recon-time-vs-billing");
    const hourly = f.projects.filter((p) => ["time_and_materials", "retainer"].includes(p.billingType));
    const aprilBilled = f.timeEntries.filter(
      (e) => e.date >= "2026-04-01" && e.date <= "2026-04-30" && e.invoiceN !== undefined,
    );
    expect(time.out.totals.records.psa).toBe(aprilBilled.length);
    expect(time.out.totals.records.erp).toBe(aprilBilled.length);
    expect(time.out.totals.keys).toBe(new Set(aprilBilled.map((e) => e.projectN)).size);
    expect(hourly.length).toBeGreaterThan(time.out.totals.keys - 1);
    const customers = await reconcile("recon-customer-master");
    expect(customers.out.totals.keys).toBe(f.customers.length);
    const projects = await reconcile("recon-project-ids");
    expect(projects.out.totals.keys).toBe(f.projects.length);
    const workers = await reconcile("recon-workers");
    expect(workers.out.totals.keys).toBe(f.consultants.length);
    for (const r of [time, customers, projects, workers]) {
      expect(r.breaks, r.out.reconciliation).toEqual([]);
      expect(r.out.summary.matchRate, r.out.reconciliation).toBe(1);
    }
  }, 120_000);

  it("a missing invoice line: hours and amount of its project break, nothing else", async () => {
    const r = await inject("netsuite", "drop-invoice-line", { timeEntryId });
    expect(r.job).toBe("5001");
    await expectBreaks(["time-vs-billing|amount|5001", "time-vs-billing|hours|5001"]);
  }, 120_000);

  it("money tolerance: 0.01 off matches, 0.02 off breaks the amount only", async () => {
    await inject("netsuite", "invoice-line-amount", { timeEntryId, delta: "0.01" });
    await expectBreaks([]);
    await inject("netsuite", "invoice-line-amount", { timeEntryId, delta: "0.01" }); // now 0.02 off
    await expectBreaks(["time-vs-billing|amount|5001"]);
  }, 120_000);

  it("hours tolerance: 0.25 h off matches, 0.26 h off breaks the hours only", async () => {
    await inject("netsuite", "invoice-line-hours", { timeEntryId, delta: "0.25" });
    await expectBreaks([]);
    await inject("netsuite", "invoice-line-hours", { timeEntryId, delta: "0.01" }); // now 0.26 h off
    await expectBreaks(["time-vs-billing|hours|5001"]);
  }, 120_000);

  it("a renamed customer breaks its ERP name only", async () => {
    await inject("netsuite", "rename-customer", { id: "101", name: "Northwind Logistics Group" });
    await expectBreaks([`customer-master|name-erp|${sfId("001", 1)}`]);
  }, 120_000);

  it("a project mapped to the wrong job breaks that workspace's job link only", async () => {
    await inject("psa", "remap-workspace", { workspaceId: "10005", jobId: "5006" });
    await expectBreaks(["project-ids|job|10005"]);
  }, 120_000);

  it("a worker who left but is still an active PSA user, and a user disabled while employed", async () => {
    await inject("workday", "terminate-worker", { employeeId: worker.employeeId });
    await inject("psa", "disable-user", { userId: String(30000 + f.consultants[7]!.n) });
    await expectBreaks([`workers|active|${wid}`, `workers|active|${f.consultants[7]!.wid}`]);
  }, 120_000);

  it("cost rate tolerance: 0.01 off matches, 0.02 off breaks", async () => {
    await inject("workday", "cost-rate", { employeeId: worker.employeeId, costRate: worker.costRate + 0.01 });
    await expectBreaks([]);
    await inject("workday", "cost-rate", { employeeId: worker.employeeId, costRate: worker.costRate + 0.02 });
    await expectBreaks([`workers|cost-rate|${wid}`]);
  }, 120_000);

  it("a fixed break resolves itself on the next run", async () => {
    await inject("psa", "remap-workspace", { workspaceId: "10005", jobId: "5006" });
    const first = await reconcile("recon-project-ids");
    expect(first.breaks).toEqual(["project-ids|job|10005"]);
    await inject("psa", "remap-workspace", { workspaceId: "10005", jobId: "5005" });
    const second = await reconcile("recon-project-ids");
    expect(second.breaks).toEqual([]);
    // The exception queue's auto-resolve (run here as its minute sweep does): the pair matches now.
    expect(await autoResolveSweep(t.db)).toBeGreaterThan(0);
    const { rows } = await pool.query<{ status: string; resolved_by_run_id: string | null }>(
      `SELECT status::text AS status, resolved_by_run_id::text FROM exception WHERE break_identity = 'project-ids|job|10005' ORDER BY created_at DESC LIMIT 1`,
    );
    expect(rows[0]).toEqual({ status: "resolved", resolved_by_run_id: second.runId });
  }, 120_000);

  it("re-sync: a renamed customer and a remapped project are fixed through the flows their reconciliations name", async () => {
    await inject("netsuite", "rename-customer", { id: "101", name: "Northwind Logistics Group" });
    await inject("psa", "remap-workspace", { workspaceId: "10005", jobId: "5006" });
    expect((await reconcile("recon-customer-master")).breaks).toEqual([`customer-master|name-erp|${sfId("001", 1)}`]);
    expect((await reconcile("recon-project-ids")).breaks).toEqual(["project-ids|job|10005"]);
    // Olu, an operator of Finance and the PMO (the two reconciliations' teams), clicks "Re-sync" on each break.
    const teams = await t.db.team.findMany({ where: { key: { in: ["finance", "pmo"] } }, select: { id: true } });
    const olu = createCaller({
      db: t.db,
      requestId: "test",
      user: {
        id: "u-olu",
        email: "operator@weft.local",
        name: "Olu Operator",
        roles: ["operator"],
        teamIds: teams.map((x) => x.id),
      },
    });
    for (const [identity, flowKey] of [
      [`customer-master|name-erp|${sfId("001", 1)}`, "customer-to-erp"],
      ["project-ids|job|10005", "relink-workspace-job"],
    ] as const) {
      const { rows } = await pool.query<{ id: string }>(
        `SELECT id::text FROM exception WHERE break_identity = $1 AND status = 'open'`,
        [identity],
      );
      const r = await olu.reconciliations.resync({ id: rows[0]!.id, requestId: randomUUID() });
      expect(r.flowKey).toBe(flowKey);
      const run = await runRowSettled(pool, r.runId, 60_000);
      expect(run.status, `${flowKey}: ${JSON.stringify(run.error)}`).toBe("succeeded");
    }
    const customers = await reconcile("recon-customer-master");
    const projects = await reconcile("recon-project-ids");
    expect([...customers.breaks, ...projects.breaks]).toEqual([]);
    expect(customers.out.summary.matchRate).toBe(1);
    expect(await autoResolveSweep(t.db)).toBeGreaterThan(0);
    const { rows: open } = await pool.query(
      `SELECT break_identity FROM exception WHERE status = 'open' AND break_identity IN ($1, 'project-ids|job|10005')`,
      [`customer-master|name-erp|${sfId("001", 1)}`],
    );
    expect(open).toEqual([]);
  }, 180_000);

  it("a project made by the opportunity-won flow reconciles: its job records the workspace and its currency", async () => {
    await setUpProject("006Wf0000000001AAA", 585000);
    const projects = await reconcile("recon-project-ids");
    expect(projects.out.totals.keys).toBe(f.projects.length + 1);
    expect(projects.breaks).toEqual([]);
  }, 180_000);

  it("a brand-new customer set up by the opportunity-won flow reconciles: NetSuite id written back, currency, billing address, Kantata client", async () => {
    const api = new VendorApis(
      sandboxTargets((system) => rt.sandboxes.systems.find((x) => x.system === system)!.baseUrl),
    );
    const fields = { BillingCity: "Southampton", BillingCountry: "GB", CurrencyIsoCode: "GBP" };
    const account = await api.createRecord(
      "Account",
      { Name: "Solent Marine Services", Type: "Customer", ...fields },
      "recon-new-customer-account",
    );
    const opportunityId = await api.createRecord(
      "Opportunity",
      {
        Name: "Solent Marine Services – Discovery Sprint",
        AccountId: account,
        Amount: 40_000,
        CloseDate: "2026-05-20",
        StageName: "Closed Won",
        CurrencyIsoCode: "GBP",
      },
      "recon-new-customer-opportunity",
    );
    // Before the set-up: the Account is missing in NetSuite and in Kantata.
    expect((await reconcile("recon-customer-master")).breaks.sort()).toEqual([
      `customer-master|missing:erp|${account}`,
      `customer-master|missing:psa|${account}`,
    ]);
    await setUpProject(opportunityId, 40_000);
    // After it: the three systems agree on every rule — NetSuite's id on the Account, currency, billing city and
    // country, and Kantata's client group with both references.
    const after = await reconcile("recon-customer-master");
    expect(after.breaks).toEqual([]);
    expect(after.out.summary.matchRate).toBe(1);
    expect((await reconcile("recon-project-ids")).breaks).toEqual([]);
  }, 180_000);

  it("the firm simulator's week shows up: its pay-rate rises as cost-rate breaks, its brand-new customer as missing in the ERP or PSA", async () => {
    const week = { seed: 11, days: 7, from: "2026-05-18", speed: Infinity };
    await simulate({
      ...week,
      targets: sandboxTargets((system) => rt.sandboxes.systems.find((x) => x.system === system)!.baseUrl),
    });
    const plan = planSimulation(week);
    const raised = [...new Set(plan.flatMap((a) => (a.kind === "rateChange" ? [a.workerId] : [])))];
    expect(raised.length).toBeGreaterThan(0);
    expect((await reconcile("recon-workers")).breaks.sort()).toEqual(
      raised.map((w) => `workers|cost-rate|${w}`).sort(),
    );
    // The new Account has no NetSuite customer (unless a flow made one meanwhile) and no Kantata client group.
    const known = new Set(f.customers.map((c) => sfId("001", c.n)));
    const customers = await reconcile("recon-customer-master");
    const newAccounts = new Set(customers.breaks.map((b) => b.split("|")[2]!));
    expect(plan.filter((a) => a.kind === "newCustomerDeal").length).toBe(newAccounts.size);
    for (const b of customers.breaks) {
      const [, rule, key] = b.split("|");
      expect(known.has(key!), b).toBe(false);
      expect(["missing:erp", "missing:psa"]).toContain(rule);
    }
    expect((await reconcile("recon-time-vs-billing")).breaks).toEqual([]); // April is closed: May's time is not in it
  }, 180_000);

  it("a connector-fed side pages through the HTTP sandbox: every page of Kantata time entries is read once", async () => {
    const kantata = rt.sandboxes.sandboxes.find((s) => s.system === "psa")!;
    const pages: Array<{ page: string | null; perPage: string | null; count: number }> = [];
    kantata.afterHandle = (req: SbRequest, res) => {
      if (req.path.endsWith("/time_entries.json"))
        pages.push({
          page: req.query.get("page"),
          perPage: req.query.get("per_page"),
          count: (res.body as { results?: unknown[] }).results?.length ?? 0,
        });
    };
    try {
      const { out } = await reconcile("recon-time-vs-billing");
      const approvedApril = f.timeEntries.filter((e) => e.approved && e.date >= "2026-04-01" && e.date <= "2026-04-30");
      const n = Math.ceil(approvedApril.length / 200);
      expect(n).toBeGreaterThan(2);
      expect(pages.map((p) => p.page)).toEqual(Array.from({ length: n }, (_, i) => String(i + 1)));
      expect(pages.every((p) => p.perPage === "200")).toBe(true);
      expect(pages.reduce((s, p) => s + p.count, 0)).toBe(approvedApril.length);
      // Every record read reached the matcher: in scope (billable time of hourly projects) or counted out of it.
      expect(out.totals.records.psa! + (out.totals as unknown as { outOfScope: number }).outOfScope).toBe(
        approvedApril.length,
      );
    } finally {
      kantata.afterHandle = null;
    }
  }, 120_000);
});
