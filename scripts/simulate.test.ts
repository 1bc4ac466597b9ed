// `npm run simulate` for real: a simulated week with a fixed seed leaves two fresh sets of sandboxes in the
// same end state (determinism), and with the demo workspace's runtime running (pg-boss workers, the reference
// flows published) the flows' triggers pick the week up — the poll trigger and the Salesforce CDC push start
// exactly one announcing run per opportunity won, the Kantata webhook one run per approved time entry.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSandboxes, type StartedSandboxes } from "@/connectors/sandboxes";
import { simulate, type SimReport } from "@/connectors/sandbox-kit/simulate/drive";
import { sandboxTargets, VendorApis, type SandboxTargets } from "@/connectors/sandbox-kit/simulate/vendors";
import { createTestDatabase, type TestDatabase } from "@/server/testing/db";
import { startSimulationRuntime, type SimulationRuntime } from "@/server/testing/simulation";

const WEEK = { seed: 11, days: 7, from: "2026-05-18", speed: Infinity };
const targetsOf = (s: StartedSandboxes): SandboxTargets =>
  sandboxTargets((system) => s.systems.find((x) => x.system === system)!.baseUrl);

// What the simulator touches, without what the wall clock stamps (modification times, the token count).
const STATE: Array<[keyof SandboxTargets, string]> = [
  ["salesforce", "Opportunity"],
  ["salesforce", "Account"],
  ["psa", "time_entries"],
  ["psa", "stories"],
  ["workday", "workers"],
  ["workday", "payRateChanges"],
];
const VOLATILE = new Set(["CreatedDate", "LastModifiedDate", "SystemModstamp", "created_at", "updated_at"]);
async function endState(targets: SandboxTargets) {
  const api = new VendorApis(targets);
  const out: Record<string, unknown> = {};
  for (const [system, collection] of STATE)
    out[`${system}.${collection}`] = (await api.records(system, collection)).map((r) =>
      Object.fromEntries(Object.entries(r).filter(([k]) => !VOLATILE.has(k))),
    );
  for (const system of ["netsuite", "salesforce", "psa", "workday"] as const)
    out[`${system}.faults`] = (await api.admin<{ faults: unknown }>(system, "GET", "state")).faults;
  return out;
}

describe("the firm simulator", () => {
  it("a week with a fixed seed leaves fresh sandboxes in the same end state twice", async () => {
    const states = [];
    const reports: SimReport[] = [];
    for (let i = 0; i < 2; i++) {
      const s = await startSandboxes();
      try {
        reports.push(await simulate({ ...WEEK, targets: targetsOf(s) }));
        states.push(await endState(targetsOf(s)));
      } finally {
        await s.close();
      }
    }
    expect(states[1]).toEqual(states[0]);
    // Except when Kantata stamped the approvals (the wall clock).
    const sansClock = ({ approvedAt: _at, ...r }: SimReport) => r;
    expect(sansClock(reports[1]!)).toEqual(sansClock(reports[0]!));
    // The state holds what the plan did: every entry logged, the approved ones approved, the outage over.
    const r = reports[0]!;
    const entries = states[0]!["psa.time_entries"] as Array<{ id: string; approved: boolean }>;
    const byId = new Map(entries.map((e) => [e.id, e]));
    expect(r.timeEntryIds.length).toBe(r.counts.logTime);
    expect(r.timeEntryIds.every((id) => byId.has(id))).toBe(true);
    expect(r.approvedTimeEntryIds.every((id) => byId.get(id)!.approved)).toBe(true);
    expect(r.wonOpportunityIds.length).toBe(r.counts.dealsWon);
    const opps = states[0]!["salesforce.Opportunity"] as Array<{ Id: string; StageName: string }>;
    for (const id of r.wonOpportunityIds) expect(opps.find((o) => o.Id === id)?.StageName).toBe("Closed Won");
    expect(states[0]!["netsuite.faults"]).toEqual({});
    expect((states[0]!["workday.payRateChanges"] as unknown[]).length).toBe(r.counts.rateChange);
  }, 120_000);

  describe("with Weft running", () => {
    let t: TestDatabase;
    let sim: SimulationRuntime;
    beforeAll(async () => {
      t = await createTestDatabase();
      sim = await startSimulationRuntime(t);
    }, 120_000);
    afterAll(async () => {
      await sim?.stop();
      await t?.drop();
    });

    async function runs(flowKey: string) {
      const { rows } = await sim.rt.pool.query<{
        status: string;
        input: Record<string, unknown>;
        output: Record<string, unknown> | null;
      }>(
        `SELECT r.status::text AS status, r.input, r.output FROM run r JOIN flow f ON f.id = r.flow_id WHERE f.key = $1`,
        [flowKey],
      );
      return rows;
    }

    it("the reference flows' poll and push triggers start one run per won deal and per approval", async () => {
      await sim.activateTriggers({ salesforceCdc: true });
      const report = await simulate({ ...WEEK, targets: sim.api.targets });
      const won = [...report.wonOpportunityIds].sort();
      const approved = [...report.approvedTimeEntryIds].sort();
      expect(won.length).toBeGreaterThan(0);

      const until = Date.now() + 180_000;
      for (;;) {
        const polled = (await runs("salesforce-won-opportunities")).map((r) => String(r.input.Id)).sort();
        const pushed = (await runs("salesforce-cdc-opportunity-won")).filter((r) => r.output?.won === true);
        const approvals = await runs("kantata-time-approved-push");
        const done =
          polled.length >= won.length &&
          pushed.length >= won.length &&
          approvals.filter((r) => r.status === "succeeded").length >= approved.length;
        if (done || Date.now() > until) {
          expect(polled).toEqual(won);
          expect(pushed.map((r) => String(r.output!.opportunityId)).sort()).toEqual(won);
          expect(approvals.map((r) => String(r.output?.timeEntryId)).sort()).toEqual(approved);
          break;
        }
        await new Promise((r) => setTimeout(r, 500));
      }
      // Each won deal was announced and set up (the event flows run for real, whatever their outcome).
      const setUps = (await runs("opportunity-won-to-project")).map((r) => String(r.input.opportunityId));
      for (const id of won) expect(setUps).toContain(id);
    }, 240_000);
  });
});
