// The simulator's schedule is pure: the same options give the same plan, a week holds every kind of event
// the firm simulation promises, approvals follow their entries, and bad options are named.
import { describe, expect, it } from "vitest";
import { countActions, cutoffOf, planSimulation, validateSimOptions } from "./plan";

describe("planSimulation", () => {
  const week = { seed: 7, days: 7, from: "2026-05-18" };

  it("is deterministic for a seed and differs between seeds", () => {
    expect(planSimulation(week)).toEqual(planSimulation(week));
    expect(planSimulation(week)).not.toEqual(planSimulation({ ...week, seed: 8 }));
  });

  it("a week has deals, time, approvals (some late), a rate change, a new customer and an outage, in time order", () => {
    const plan = planSimulation(week);
    const c = countActions(plan);
    for (const k of ["dealsWon", "logTime", "approveTime", "lateApprovals", "rateChange", "newCustomerDeal"])
      expect(c[k], k).toBeGreaterThan(0);
    expect(c.outageStart).toBe(1);
    expect(c.outageEnd).toBe(1);
    expect(plan.map((a) => a.at)).toEqual(plan.map((a) => a.at).sort());
    // Nothing happens at the weekend; every approval follows its entry, and "late" means after the cut-off.
    expect(plan.filter((a) => [0, 6].includes(new Date(a.at).getUTCDay()))).toEqual([]);
    const logged = new Map(plan.flatMap((a) => (a.kind === "logTime" ? [[a.ref, a]] : [])));
    for (const a of plan)
      if (a.kind === "approveTime") {
        const entry = logged.get(a.ref)!;
        expect(a.at > entry.at).toBe(true);
        expect(a.late).toBe(a.at > cutoffOf(entry.date));
      }
    // A deal closes once.
    const closed = plan.flatMap((a) => (a.kind === "closeDeal" ? [a.opportunityId] : []));
    expect(new Set(closed).size).toBe(closed.length);
  });

  it("names bad options", () => {
    expect(validateSimOptions({ seed: 1.5, days: 0, from: "May 18" })).toEqual([
      "--seed: an integer",
      "--days: an integer from 1 to 366",
      "--from: a date, YYYY-MM-DD",
    ]);
    expect(() => planSimulation({ seed: 1, days: 400, from: "2026-05-18" })).toThrow(/--days/);
  });
});
