// The firm's open staffing demand and its people's time off, derived from the firm (firm.ts) without
// changing it: the PSA sandbox holds the requests (unnamed resources with skills, and resource requests over
// dates), the HRIS sandbox the time off. Deterministic, like the firm; dates follow the firm's as-of day.
import { addDays, firm, type Firm, type FirmConsultant, type Title } from "./firm";

export interface StaffingDemand {
  n: number;
  projectN: number;
  /** The project manager asks; the team sits with the manager, so the work is in the manager's office. */
  requesterN: number;
  role: Title;
  location: FirmConsultant["location"];
  skills: Array<{ name: string; level: number }>;
  start: string;
  end: string;
  minutes: number;
}

export interface FirmTimeOff {
  consultantN: number;
  date: string;
  hours: number;
  type: "Vacation" | "Sick" | "Training";
}

/** The Monday after a day (the day itself when it is a Monday). */
function monday(d: string): string {
  const dow = new Date(`${d}T00:00:00Z`).getUTCDay();
  return addDays(d, (8 - dow) % 7);
}

let demand: StaffingDemand[] | undefined;
let timeOff: FirmTimeOff[] | undefined;

/**
 * Three open requests on active projects that run past the as-of day: a Senior Consultant for eight weeks
 * at 20 hours a week, asking for the two skills the project's team holds most (levels 3 and 2).
 */
export function staffingDemand(f: Firm = firm()): StaffingDemand[] {
  if (demand) return demand;
  const active = f.projects.filter((p) => p.status === "active" && p.end > addDays(f.asOf, 70));
  demand = active.slice(0, 3).map((p, k) => {
    const team = f.assignments.filter((a) => a.projectN === p.n).map((a) => f.consultants[a.consultantN - 1]!);
    const counts = new Map<string, number>();
    for (const c of team) for (const s of c.skills) counts.set(s.name, (counts.get(s.name) ?? 0) + 1);
    const top = [...counts].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).slice(0, 2);
    const start = monday(addDays(f.asOf, 7 + 7 * k));
    return {
      n: k + 1,
      projectN: p.n,
      requesterN: p.pmN,
      role: "Senior Consultant" as Title,
      location: f.consultants[p.pmN - 1]!.location,
      skills: top.map(([name], i) => ({ name, level: i === 0 ? 3 : 2 })),
      start,
      end: addDays(start, 7 * 8 - 3),
      minutes: 8 * 20 * 60,
    };
  });
  return demand;
}

/**
 * The PSA's pending resource request for a demand, as Kantata returns it (the PSA sandbox holds these; the demo
 * starts a staffing run from the first so PMO's Inbox has a choice to make on first start).
 */
export function resourceRequestOf(d: StaffingDemand, f: Firm = firm()) {
  const pm = String(30000 + d.requesterN);
  const at = `${f.asOf}T17:00:00-00:00`;
  return {
    id: String(46000 + d.n),
    resource_id: String(45000 + d.n),
    creator_id: pm,
    approver_ids: [pm],
    status: "pending",
    workspace_allocation_start_date: d.start,
    workspace_allocation_end_date: d.end,
    workspace_allocation_minutes: d.minutes,
    created_at: at,
    updated_at: at,
  };
}

/**
 * Approved time off after the as-of day: every fourth person a week's vacation (8 h a day, less for part
 * time), every ninth a day of training.
 */
export function firmTimeOff(f: Firm = firm()): FirmTimeOff[] {
  if (timeOff) return timeOff;
  const out: FirmTimeOff[] = [];
  const first = monday(addDays(f.asOf, 7));
  for (const c of f.consultants) {
    const perDay = c.weeklyCapacityHours / 5;
    if (c.n % 4 === 0) {
      const from = addDays(first, 7 * (c.n % 5));
      for (let d = 0; d < 5; d++)
        out.push({ consultantN: c.n, date: addDays(from, d), hours: perDay, type: "Vacation" });
    }
    if (c.n % 9 === 0)
      out.push({ consultantN: c.n, date: addDays(first, 2 + 7 * (c.n % 3)), hours: perDay, type: "Training" });
  }
  timeOff = out;
  return out;
}
