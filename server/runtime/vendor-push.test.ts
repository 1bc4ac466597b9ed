// Vendor-originated pushes end to end: a change made through a sandbox's vendor API (an opportunity set to
// Closed Won in Salesforce, a time entry approved in Kantata) is pushed by the sandbox to a subscriber set
// through its admin API — a real Weft webhook over HTTP — signed, retried when Weft answers 503, verified
// by the webhook trigger, and starts exactly one run of the example flow, which runs for real (pg-boss
// workers, the demo workspace's connections). A push signed with the wrong secret starts nothing.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../testing/db";
import { startDemoRuntime, type DemoRuntime } from "../testing/demo";
import { startHookServer, type HookServer } from "../testing/hooks";
import { resolveConnection } from "../connections/service";
import { VendorApis, psaId, sfId, type SandboxTargets } from "@/connectors/sandbox-kit/simulate/vendors";
import type { Delivery } from "@/connectors/sandbox-kit/push";
import { firm } from "@/connectors/sandbox-kit/firm";

describe("vendor pushes start runs through Weft's webhook", () => {
  let t: TestDatabase;
  let rt: DemoRuntime;
  let hooks: HookServer;
  let api: VendorApis;

  beforeAll(async () => {
    t = await createTestDatabase();
    rt = await startDemoRuntime(t);
    hooks = await startHookServer({ pool: rt.pool, boss: rt.boss });
    const base = (system: string) => rt.sandboxes.systems.find((s) => s.system === system)!.baseUrl;
    const targets: SandboxTargets = {
      salesforce: base("salesforce"),
      psa: base("psa"),
      workday: base("workday"),
      netsuite: base("netsuite"),
    };
    api = new VendorApis(targets);
  }, 120_000);
  afterAll(async () => {
    await hooks?.close();
    await rt?.stop();
    await t?.drop();
  });

  const secretOf = async (key: string) => (await resolveConnection(t.db, key)).secrets.signingSecret as string;
  async function runsOf(flowKey: string) {
    const { rows } = await rt.pool.query<{ id: string; status: string; output: Record<string, unknown> | null }>(
      `SELECT r.id, r.status::text AS status, r.output FROM run r JOIN flow f ON f.id = r.flow_id WHERE f.key = $1 ORDER BY r.created_at`,
      [flowKey],
    );
    return rows;
  }
  async function until<T>(what: string, f: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
    const end = Date.now() + timeoutMs;
    for (;;) {
      const v = await f();
      if (v !== undefined) return v;
      if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 150));
    }
  }
  const deliveries = async (system: "salesforce" | "psa") =>
    (await api.admin<{ deliveries: Delivery[] }>(system, "GET", "deliveries")).deliveries;

  it("Salesforce CDC: an opportunity set to Closed Won starts one run, through a 503 and a retry", async () => {
    const flow = "salesforce-cdc-opportunity-won";
    const sub = await api.admin<{ subscription: { id: string; secret?: string } }>(
      "salesforce",
      "POST",
      "subscriptions",
      {
        url: hooks.url(flow),
        secret: await secretOf("salesforce-cdc-webhook"),
        events: ["OpportunityChangeEvent"],
        retryDelayMs: 50,
      },
    );
    expect(sub.subscription.secret).toBe("(set)"); // the admin API never echoes a secret
    const open = firm().opportunities.find((o) => !o.isClosed && o.amount > 0)!;
    hooks.failNext(2);
    await api.updateOpportunity(sfId("006", open.n), { StageName: "Closed Won" });

    const run = await until("the CDC run", async () => {
      const r = await runsOf(flow);
      return r[0]?.status === "succeeded" ? r : undefined;
    });
    expect(run).toHaveLength(1);
    expect(run[0]!.output).toMatchObject({ opportunityId: sfId("006", open.n), won: true });
    const [d] = (await deliveries("salesforce")).filter((x) => x.subscriptionId === sub.subscription.id);
    expect(d).toMatchObject({ event: "OpportunityChangeEvent", status: "delivered", attempts: 3, lastStatus: 202 });
    expect(hooks.answers.filter((a) => a.flowKey === flow).map((a) => a.status)).toEqual([503, 503, 202]);
    // The won deal was announced: the project set-up flow started from crm.opportunity.won.
    await until("the project set-up run", async () =>
      (await runsOf("opportunity-won-to-project")).length ? true : undefined,
    );

    // A change that is not a win is delivered too (CDC sends every change) and ends without announcing.
    const other = firm().opportunities.find((o) => !o.isClosed && o.n !== open.n)!;
    await api.updateOpportunity(sfId("006", other.n), { Description: "Discovery call booked" });
    const runs = await until("the second CDC run", async () => {
      const r = await runsOf(flow);
      return r.length === 2 && r.every((x) => x.status === "succeeded") ? r : undefined;
    });
    expect(runs[1]!.output).toMatchObject({ opportunityId: sfId("006", other.n), won: false });
    await api.admin("salesforce", "DELETE", `subscriptions/${sub.subscription.id}`);
  }, 90_000);

  it("Kantata webhook: a time entry approved through the API starts one run; a wrong secret starts none", async () => {
    const flow = "kantata-time-approved-push";
    const good = await api.admin<{ subscription: { id: string } }>("psa", "POST", "subscriptions", {
      url: hooks.url(flow),
      secret: await secretOf("kantata-webhook"),
      events: ["time_entry:approved"],
      retryDelayMs: 50,
    });
    const bad = await api.admin<{ subscription: { id: string } }>("psa", "POST", "subscriptions", {
      url: hooks.url(flow),
      secret: "not-the-flow-secret",
      events: ["time_entry:approved"],
      retryDelayMs: 50,
    });
    const p = firm().projects.find((x) => x.status === "active")!;
    const a = firm().assignments.find((x) => x.projectN === p.n)!;
    const id = await api.createTimeEntry(
      {
        workspace_id: psaId.workspace(p.n),
        story_id: psaId.story(a.storyN),
        user_id: psaId.user(a.consultantN),
        date_performed: "2026-05-14",
        time_in_minutes: 450,
        billable: true,
        rate_in_cents: a.billRate * 100,
        notes: "Solution design",
      },
      "push-test-entry",
    );
    await api.approveTimeEntry(id);
    await api.approveTimeEntry(id); // approving again is an update, not a second approval

    const runs = await until("the approval run", async () => {
      const r = await runsOf(flow);
      return r[0]?.status === "succeeded" ? r : undefined;
    });
    const ds = await until("both deliveries settled", async () => {
      const all = (await deliveries("psa")).filter((x) => x.event === "time_entry:approved");
      return all.length === 2 && all.every((x) => x.status !== "pending") ? all : undefined;
    });
    expect(runs).toHaveLength(1);
    expect(runs[0]!.output).toMatchObject({ timeEntryId: id, hours: 7.5 });
    // The approval fact carries the day the work was performed, not the day it was approved.
    const fact = await rt.pool.query(
      `SELECT performed_on::text AS performed_on FROM business_event e JOIN run r ON r.id = e.run_id JOIN flow f ON f.id = r.flow_id
       WHERE f.key = $1 AND e.type = 'time.approved' AND e.time_entry = $2`,
      [flow, id],
    );
    expect(fact.rows).toEqual([{ performed_on: "2026-05-14" }]);
    // The wrong secret: Weft answers 401 and the sandbox does not retry a 4xx.
    expect(ds.find((x) => x.subscriptionId === bad.subscription.id)).toMatchObject({
      status: "failed",
      attempts: 1,
      lastStatus: 401,
    });
    expect(ds.find((x) => x.subscriptionId === good.subscription.id)).toMatchObject({ status: "delivered" });
  }, 90_000);

  it("the admin API refuses a subscription it cannot deliver, naming the field", async () => {
    await expect(api.admin("psa", "POST", "subscriptions", { url: "ftp://x", events: "all" })).rejects.toThrow(
      /url: must be http\(s\).*events: an array/,
    );
  });
});
