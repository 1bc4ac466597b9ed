// The demo's background simulation: on the first boot it activates the Salesforce poll flow (audited) and
// runs the firm simulator against the demo sandboxes; the Kantata sandbox pushes approvals to Weft's webhook
// flow; the poll announces each won deal once. A second boot neither re-activates nor re-simulates.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../testing/db";
import { startDemoRuntime, type DemoRuntime } from "../testing/demo";
import { startHookServer, type HookServer } from "../testing/hooks";
import { DEMO_STAFFING_FLOW } from "./approvals";
import { shippedReconciliations } from "./demo-reconciliations";
import { kpiSummary } from "../kpis/queries";
import {
  DEMO_POLL_FLOW,
  DEMO_RESOURCE_MANAGER,
  DEMO_PUSH_FLOW,
  demoSimulationStatus,
  startDemoSimulation,
  subscribeDemoPushes,
} from "./demo-simulation";

describe("the demo's background simulation", () => {
  let t: TestDatabase;
  let rt: DemoRuntime;
  let hooks: HookServer;
  beforeAll(async () => {
    t = await createTestDatabase();
    rt = await startDemoRuntime(t);
    hooks = await startHookServer({ pool: rt.pool, boss: rt.boss });
  }, 120_000);
  afterAll(async () => {
    await hooks?.close();
    await rt?.stop();
    await t?.drop();
  });

  const runs = async (flowKey: string) =>
    (
      await rt.pool.query<{ status: string; input: Record<string, unknown>; output: Record<string, unknown> | null }>(
        `SELECT r.status::text AS status, r.input, r.output FROM run r JOIN flow f ON f.id = r.flow_id WHERE f.key = $1`,
        [flowKey],
      )
    ).rows;

  it("first boot: poll activated, pushes subscribed, a simulated week picked up by both; second boot: nothing", async () => {
    await subscribeDemoPushes(t.db, rt.sandboxes, hooks.baseUrl);
    const lines: string[] = [];
    const sim = await startDemoSimulation({
      db: t.db,
      sandboxes: rt.sandboxes,
      log: (l) => lines.push(l),
      options: { days: 5, speed: Infinity, minOutageMs: 300 },
      // As the dev server: the invoicing batch on the simulated clock, PMO's staffing choices decided.
      runtime: { boss: rt.boss, databaseUrl: t.url },
    });
    expect(sim).not.toBeNull();
    await sim!.done;
    expect(demoSimulationStatus()).toMatchObject({ state: "done", day: 5, days: 5 });
    // The week's NetSuite outage (held for at least 300 ms of real time) is over.
    const netsuite = rt.sandboxes.systems.find((x) => x.system === "netsuite")!;
    expect(((await (await fetch(`${netsuite.admin}/state`)).json()) as { faults: unknown }).faults).toEqual({});
    expect(lines.filter((l) => /^demo simulation: day \d\/5/.test(l))).toHaveLength(5);
    const { rows } = await rt.pool.query(
      `SELECT s.status FROM poll_state s JOIN flow f ON f.id = s.flow_id WHERE f.key = $1`,
      [DEMO_POLL_FLOW],
    );
    expect(rows[0]?.status).toBe("active");
    expect(await t.db.auditLog.count({ where: { action: "poll.activated", entityId: DEMO_POLL_FLOW } })).toBe(1);
    expect(await t.db.auditLog.count({ where: { action: "poll.activated", entityId: DEMO_STAFFING_FLOW } })).toBe(1);

    const psa = rt.sandboxes.sandboxes.find((s) => s.connectorKey === "kantata")!;
    const sf = rt.sandboxes.sandboxes.find((s) => s.connectorKey === "salesforce")!;
    const approvals = psa.writes.filter((w) => w.collection === "time_entries" && w.action === "update").length;
    const won = [...(sf.collections.get("Opportunity")!() as Array<{ Id: string; IsWon: boolean; CloseDate: string }>)]
      .filter((o) => o.IsWon && o.CloseDate >= "2026-05-18")
      .map((o) => o.Id)
      .sort();
    expect(approvals).toBeGreaterThan(0);
    expect(won.length).toBeGreaterThan(0);
    const until = Date.now() + 120_000;
    for (;;) {
      const pushed = (await runs(DEMO_PUSH_FLOW)).filter((r) => r.status === "succeeded").length;
      const polled = (await runs(DEMO_POLL_FLOW)).map((r) => String(r.input.Id)).sort();
      if ((pushed >= approvals && polled.length >= won.length) || Date.now() > until) {
        expect(pushed).toBe(approvals);
        expect(polled).toEqual(won);
        break;
      }
      await new Promise((r) => setTimeout(r, 500));
    }

    // The shipped reconciliations ran each simulated morning on the simulated clock (their slot is the run's
    // firedAt), each with its summary: the Business page's match rate has a number from the simulated firm.
    const recon = await rt.pool.query<{ key: string; fired: string; keys: number }>(
      `SELECT f.key, r.input->>'firedAt' AS fired, rr.keys
         FROM run r JOIN flow f ON f.id = r.flow_id JOIN reconciliation_run rr ON rr.run_id = r.id
        WHERE r.trigger_type = 'schedule' AND r.input->>'firedAt' LIKE '2026-05-%' AND r.status = 'succeeded'`,
    );
    const days = ["2026-05-18", "2026-05-19", "2026-05-20", "2026-05-21", "2026-05-22"];
    for (const key of shippedReconciliations())
      expect(
        recon.rows
          .filter((x) => x.key === key)
          .map((x) => x.fired.slice(0, 10))
          .sort(),
        key,
      ).toEqual(days);
    expect(recon.rows.every((x) => x.keys > 0)).toBe(true);
    const match = (await kpiSummary(rt.pool, { weeks: 2 })).tiles.find((x) => x.id === "reconciliation-match-rate")!;
    expect(match.value).toBeGreaterThan(0.9);
    expect(match.value).toBeLessThanOrEqual(1);
    expect(match.detail.runs as number).toBeGreaterThanOrEqual(recon.rows.length);

    // Staffing: each project set up during the week got a resource request, decided by PMO's resource manager in
    // the Inbox — booked in Kantata (the request approved) or turned down (a note on the project); the demo's own
    // open choice (request 46001) stays for a person.
    const records = (c: string) => psa.collections.get(c)!() as Array<Record<string, unknown>>;
    const raised = records("resource_requests").filter((r) => !String(r.id).startsWith("4600"));
    expect(raised.length).toBeGreaterThan(0);
    for (const r of raised) {
      const booked = records("workspace_allocations").filter((a) => a.resource_id === r.resource_id);
      const declined = records("posts").some((p) =>
        String(p.message).startsWith(`Resource request ${String(r.id)}: none of the proposed people`),
      );
      expect({ id: r.id, status: r.status, booked: booked.length, declined }).toEqual({
        id: r.id,
        status: declined ? "pending" : "approved",
        booked: declined ? 0 : 1,
        declined,
      });
    }
    expect(await t.db.task.count({ where: { decidedByEmail: DEMO_RESOURCE_MANAGER } })).toBe(raised.length);

    expect(await startDemoSimulation({ db: t.db, sandboxes: rt.sandboxes, log: () => undefined })).toBeNull();
  }, 240_000);
});
