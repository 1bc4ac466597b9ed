// The simulator's schedule is pure: the same options give the same plan, a week holds every kind of event
// the firm simulation promises, approvals follow their entries, and bad options are named.
import { describe, expect, it } from "vitest";
import { countActions, cutoffOf, planSimulation, staffingDecision, staffingWindow, validateSimOptions } from "./plan";

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

  it("each working day raises staffing requests in the morning and decides them before the time is logged", () => {
    const plan = planSimulation(week);
    const days = (kind: string) => plan.filter((a) => a.kind === kind).map((a) => a.at.slice(0, 10));
    expect(days("requestStaffing")).toEqual(days("decideStaffing"));
    expect(days("requestStaffing")).toHaveLength(5);
    for (const a of plan)
      if (a.kind === "requestStaffing") {
        const decided = plan.find((b) => b.kind === "decideStaffing" && b.day === a.day)!;
        const logged = plan.find((b) => b.kind === "logNewProjectTime" && b.day === a.day)!;
        expect(a.at < decided.at && decided.at < logged.at).toBe(true);
      }
    // Two weeks from the next Monday, 20 h a week (a Monday's request starts a week later).
    expect(staffingWindow("2026-05-20")).toEqual({ start: "2026-05-25", end: "2026-06-05", minutes: 2400 });
    expect(staffingWindow("2026-05-25").start).toBe("2026-06-01");
  });

  it("the resource manager chooses one of the offered people, or turns the request down, the same way each time", () => {
    const offered = ["w1", "w2", "w3"];
    const decisions = Array.from({ length: 120 }, (_, i) => staffingDecision(7, String(50000 + i), offered));
    expect(decisions).toEqual(Array.from({ length: 120 }, (_, i) => staffingDecision(7, String(50000 + i), offered)));
    const rejected = decisions.filter((d) => "reject" in d).length;
    expect(rejected).toBeGreaterThan(5);
    expect(rejected).toBeLessThan(40);
    const chosen = decisions.flatMap((d) => ("candidate" in d ? [d.candidate] : []));
    expect(new Set(chosen)).toEqual(new Set(["w1", "w2"]));
    // Nobody offered: nobody can be chosen.
    expect(staffingDecision(7, "50000", [])).toHaveProperty("reject");
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
