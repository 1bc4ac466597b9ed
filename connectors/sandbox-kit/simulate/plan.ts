// The firm simulator's schedule: what Meridian Partners (sandbox-kit/firm.ts) does over simulated days, as a
// list of timed actions — pure (no I/O, no clock), so a seed always gives the same plan and the same sandbox
// end state. drive.ts carries the actions out over the vendor APIs. Demo code: the product never imports it.
//
// Per working day: deals close in Salesforce (most won) and others move a stage; project phases whose start
// date arrives start in Kantata; project managers raise a resource request for each project Weft set up for a
// won deal and PMO's resource manager decides it in Weft (the driver's decideTasks hook); consultants on active
// projects — and the people booked on the projects Weft set up — log time in the evening; managers approve it one to three days later — some only after the week's invoice cut-off (Friday 17:00); once a week a few
// pay rates change in Workday, a deal is won for a brand-new customer (missing in NetSuite until the
// project set-up flow creates it), and NetSuite has an outage (HTTP 503 for two simulated hours) during
// which (in the first week) a deal is won, so the set-up meets it. From the second week one customer is on
// credit hold in NetSuite, so the invoicing batch goes on without its projects.
import { addDays, firm, sfId, type Firm } from "../firm";
import { Rng } from "../random";

export const SIM_DEFAULT_FROM = "2026-05-18"; // the Monday after the firm's as-of day (FIRM_AS_OF)

export interface SimOptions {
  seed: number;
  days: number;
  /** First simulated day, YYYY-MM-DD. */
  from: string;
  /**
   * The share of assignment-days on which the consultant logs time (default 0.75): a test that must finish in
   * CI's time lowers the volume of a month instead of shortening it.
   */
  loggingShare?: number;
}

interface At {
  /** Simulated instant, ISO (UTC). */
  at: string;
  /** 0-based simulated day. */
  day: number;
}

export type SimAction = At &
  (
    | { kind: "closeDeal"; opportunityId: string; won: boolean; amount: number }
    | { kind: "advanceDeal"; opportunityId: string; stage: string }
    | { kind: "newCustomerDeal"; ref: string; accountName: string; country: string; amount: number }
    | { kind: "startPhase"; storyId: string; projectCode: string }
    | {
        kind: "logTime";
        ref: string;
        workspaceId: string;
        storyId: string;
        userId: string;
        date: string;
        minutes: number;
        billable: boolean;
        rateInCents: number;
        notes: string;
      }
    | { kind: "approveTime"; ref: string; late: boolean }
    /** Time on the projects Weft set up for won deals (unknown to the plan: found in Kantata when the day comes). */
    | { kind: "logNewProjectTime"; date: string; minutes: number[] }
    /** The approval of every entry logNewProjectTime logged on `date`. */
    | { kind: "approveNewProjectTime"; date: string }
    /**
     * Project managers ask for a consultant on each project Weft set up that has no request yet (found in
     * Kantata when the day comes): an unnamed resource with skills and a pending resource request.
     */
    | { kind: "requestStaffing"; date: string }
    /** PMO's resource manager decides the staffing choices open in Weft (the driver's `decideTasks` hook). */
    | { kind: "decideStaffing" }
    | { kind: "rateChange"; workerId: string; costRate: number; defaultBillRate: number; effectiveDate: string }
    /** Finance puts a customer on credit hold in NetSuite for the rest of the simulation: its invoices are refused. */
    | { kind: "creditHold"; customerId: string; customerName: string }
    | { kind: "outageStart"; system: "netsuite"; errorStatus: number; latencyMs: number }
    | { kind: "outageEnd"; system: "netsuite" }
  );

export type SimActionKind = SimAction["kind"];

const NEW_CUSTOMERS: Array<[string, string]> = [
  ["Northgate Analytics", "US"],
  ["Harbourside Property Group", "GB"],
  ["Cascade Biologics", "US"],
  ["Prairie Grain Cooperative", "CA"],
  ["Solent Marine Services", "GB"],
  ["Redwood Clinical Partners", "US"],
];
const NOTES = [
  "Client workshop",
  "Stakeholder interviews",
  "Requirements analysis",
  "Solution design",
  "Build and unit test",
  "Status reporting",
  "Data profiling",
  "Steering committee prep",
];
const STAGE_AFTER: Record<string, string> = {
  Prospecting: "Qualification",
  Qualification: "Needs Analysis",
  "Needs Analysis": "Proposal/Price Quote",
  "Proposal/Price Quote": "Negotiation/Review",
};

const dow = (d: string) => new Date(`${d}T00:00:00Z`).getUTCDay();
const isWorkday = (d: string) => dow(d) >= 1 && dow(d) <= 5;
const at = (d: string, hour: number, minute = 0) =>
  `${d}T${String(hour).padStart(2, "0")}:${String(minute).padStart(2, "0")}:00.000Z`;
/** The invoice cut-off of the week a day falls in: Friday 17:00. */
export const cutoffOf = (d: string): string => at(addDays(d, (5 - dow(d) + 7) % 7), 17);
function nextWorkday(d: string, n: number): string {
  let x = d;
  for (let i = 0; i < n;) {
    x = addDays(x, 1);
    if (isWorkday(x)) i++;
  }
  return x;
}

export function validateSimOptions(o: SimOptions): string[] {
  const problems: string[] = [];
  if (!Number.isInteger(o.seed)) problems.push("--seed: an integer");
  if (!Number.isInteger(o.days) || o.days < 1 || o.days > 366) problems.push("--days: an integer from 1 to 366");
  if (!/^\d{4}-\d{2}-\d{2}$/.test(o.from) || Number.isNaN(Date.parse(o.from)))
    problems.push("--from: a date, YYYY-MM-DD");
  if (o.loggingShare !== undefined && !(o.loggingShare >= 0 && o.loggingShare <= 1))
    problems.push("loggingShare: a share from 0 to 1");
  return problems;
}

/** Every action of the simulation, in the order it happens (simulated time, then plan order). */
export function planSimulation(o: SimOptions, f: Firm = firm()): SimAction[] {
  const problems = validateSimOptions(o);
  if (problems.length) throw new Error(problems.join("; "));
  const rng = new Rng(o.seed);
  const actions: Array<SimAction & { seq: number }> = [];
  let seq = 0;
  const add = (a: SimAction) => actions.push({ ...a, seq: seq++ });
  const end = addDays(o.from, o.days - 1);
  const dayOf = (d: string) => Math.round((Date.parse(d) - Date.parse(o.from)) / 86_400_000);

  // Deals still open in the firm, nearest expected close first: the pipeline the simulation works through.
  const pipeline = f.opportunities.filter((x) => !x.isClosed).sort((a, b) => a.closeDate.localeCompare(b.closeDate));
  const stageOf = new Map(pipeline.map((x) => [x.n, x.stage]));
  let week = -1;

  for (let day = 0; day < o.days; day++) {
    const d = addDays(o.from, day);
    if (!isWorkday(d)) continue;

    // Once a week (on the first working day of each simulated week): pick the days of the weekly events.
    const w = Math.floor(day / 7);
    if (w !== week) {
      week = w;
      const weekDays = Array.from({ length: 7 }, (_, i) => addDays(o.from, w * 7 + i)).filter(
        (x) => isWorkday(x) && x <= end,
      );
      const rateDay = rng.pick(weekDays);
      for (const c of rng.sample(f.consultants, rng.int(1, 2))) {
        const pct = rng.int(3, 8);
        add({
          kind: "rateChange",
          at: at(rateDay, 9, 15),
          day: dayOf(rateDay),
          workerId: c.wid,
          costRate: Math.round(c.costRate * (100 + pct)) / 100,
          defaultBillRate: Math.round((c.billRate * (100 + pct)) / 100),
          effectiveDate: rateDay,
        });
      }
      const [name, country] = NEW_CUSTOMERS[(w + rng.int(0, NEW_CUSTOMERS.length - 1)) % NEW_CUSTOMERS.length]!;
      const newDay = weekDays[Math.min(2, weekDays.length - 1)]!;
      add({
        kind: "newCustomerDeal",
        at: at(newDay, 15, 30),
        day: dayOf(newDay),
        ref: `w${w}-new-customer`,
        accountName: `${name}${w ? ` ${w + 1}` : ""}`,
        country,
        amount: rng.int(6, 60) * 5000,
      });
      if (weekDays.length >= 3) {
        const outDay = weekDays[rng.int(1, weekDays.length - 1)]!;
        add({
          kind: "outageStart",
          at: at(outDay, 11),
          day: dayOf(outDay),
          system: "netsuite",
          errorStatus: 503,
          latencyMs: 0,
        });
        add({ kind: "outageEnd", at: at(outDay, 13), day: dayOf(outDay), system: "netsuite" });
        // In the first week a deal is won during the outage, so its project set-up meets it (whatever else
        // closes that day; once is enough to prove it, and each meeting costs the set-up's real retry time).
        const met = w === 0 ? pipeline.shift() : undefined;
        if (met)
          add({
            kind: "closeDeal",
            at: at(outDay, 11, 30),
            day: dayOf(outDay),
            opportunityId: sfId("006", met.n),
            won: true,
            amount: met.amount,
          });
      }
    }

    // Deals: up to two close (60 % won), one other moves a stage.
    for (let k = rng.int(0, 2); k > 0 && pipeline.length; k--) {
      const opp = pipeline.splice(rng.int(0, Math.min(4, pipeline.length - 1)), 1)[0]!;
      add({
        kind: "closeDeal",
        at: at(d, rng.int(10, 16), rng.int(0, 59)),
        day,
        opportunityId: sfId("006", opp.n),
        won: rng.chance(0.6),
        amount: opp.amount,
      });
    }
    const movable = pipeline.filter((x) => STAGE_AFTER[stageOf.get(x.n)!]);
    if (movable.length && rng.chance(0.7)) {
      const opp = rng.pick(movable);
      const stage = STAGE_AFTER[stageOf.get(opp.n)!]!;
      stageOf.set(opp.n, stage);
      add({ kind: "advanceDeal", at: at(d, 9, rng.int(0, 59)), day, opportunityId: sfId("006", opp.n), stage });
    }

    // Project phases that start today.
    for (const p of f.projects)
      for (const s of p.stories)
        if (s.type === "deliverable" && s.state === "not started" && s.start === d)
          add({ kind: "startPhase", at: at(d, 8, 30), day, storyId: String(20000 + s.n), projectCode: p.code });

    // Time: consultants on projects running today log their day in the evening; approval follows.
    for (const a of f.assignments) {
      const p = f.projects[a.projectN - 1]!;
      if (p.status !== "active" || p.start > d || p.end < d || !rng.chance(o.loggingShare ?? 0.75)) continue;
      const ref = `te-${d}-${a.n}`;
      add({
        kind: "logTime",
        at: at(d, 17, rng.int(0, 59)),
        day,
        ref,
        workspaceId: String(10000 + p.n),
        storyId: String(20000 + a.storyN),
        userId: String(30000 + a.consultantN),
        date: d,
        minutes: rng.int(8, 18) * 30,
        billable: p.billingType !== "retainer" || rng.chance(0.9),
        rateInCents: Math.round(a.billRate * 100),
        notes: rng.pick(NOTES),
      });
      const r = rng.float();
      const approveDay = nextWorkday(d, r < 0.7 ? 1 : r < 0.85 ? 2 : rng.int(5, 7));
      if (approveDay > end) continue;
      const approvedAt = at(approveDay, rng.int(9, 18), rng.int(0, 59));
      add({ kind: "approveTime", at: approvedAt, day: dayOf(approveDay), ref, late: approvedAt > cutoffOf(d) });
    }

    // Staffing on the projects set up for won deals: requested at 09:00, decided in Weft at 10:30 (the resource
    // manager's morning), so a booking made today is what the evening's time is logged on.
    add({ kind: "requestStaffing", at: at(d, 9), day, date: d });
    add({ kind: "decideStaffing", at: at(d, 10, 30), day });

    // Consultants staffed on the projects set up for won deals log time there too (two entries per project and
    // day), approved the next working day.
    add({
      kind: "logNewProjectTime",
      at: at(d, 17, 45),
      day,
      date: d,
      minutes: [rng.int(8, 16) * 30, rng.int(8, 16) * 30],
    });
    const approveNew = nextWorkday(d, 1);
    if (approveNew <= end)
      add({ kind: "approveNewProjectTime", at: at(approveNew, 10), day: dayOf(approveNew), date: d });
  }
  // From the second week, the customer who logged the most billable time in the first is on credit hold (finance's
  // call; no draw from the random sequence, so the rest of the plan is as without it): its projects' invoices fail
  // in the weekday batch, which goes on without them — money held up by open exceptions.
  const holdDay = addDays(o.from, 7);
  if (holdDay <= end) {
    const minutes = new Map<number, number>();
    for (const a of actions)
      if (a.kind === "logTime" && a.billable && a.day < 7) {
        const n = f.projects[Number(a.workspaceId) - 10001]!.customerN;
        minutes.set(n, (minutes.get(n) ?? 0) + a.minutes);
      }
    const top = [...minutes].sort((a, b) => b[1] - a[1] || a[0] - b[0])[0];
    if (top)
      add({
        kind: "creditHold",
        at: at(holdDay, 7),
        day: 7,
        customerId: String(100 + top[0]),
        customerName: f.customers[top[0] - 1]!.name,
      });
  }
  return actions.sort((a, b) => a.at.localeCompare(b.at) || a.seq - b.seq).map(({ seq: _seq, ...a }) => a as SimAction);
}

/** What a staffing request for a project set up on `date` asks: two weeks from the next Monday, 20 h a week. */
export function staffingWindow(date: string): { start: string; end: string; minutes: number } {
  const start = addDays(date, (8 - dow(date)) % 7 || 7);
  return { start, end: addDays(start, 11), minutes: 2 * 20 * 60 };
}

/**
 * PMO's resource manager's judgement on a staffing choice (pure: the seed and the request decide): one request in
 * six is turned down; otherwise the first or second of the offered people, as the request's hash falls.
 */
export function staffingDecision(
  seed: number,
  requestId: string,
  options: readonly string[],
): { candidate: string } | { reject: string } {
  let h = 0x811c9dc5;
  for (const ch of `${seed}:staffing:${requestId}`) h = Math.imul(h ^ ch.charCodeAt(0), 0x01000193) >>> 0;
  if (!options.length || h % 6 === 0) return { reject: "Not now: the project's start moves, ask again then" };
  return { candidate: options[(h >>> 3) % Math.min(2, options.length)]! };
}

/** The counts per kind of a list of actions (the progress line and the test's expectations). */
export function countActions(actions: readonly SimAction[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const a of actions) {
    const k =
      a.kind === "closeDeal"
        ? a.won
          ? "dealsWon"
          : "dealsLost"
        : a.kind === "approveTime" && a.late
          ? "lateApprovals"
          : a.kind;
    out[k] = (out[k] ?? 0) + 1;
    if (a.kind === "approveTime" && a.late) out.approveTime = (out.approveTime ?? 0) + 1;
    if (a.kind === "newCustomerDeal") out.dealsWon = (out.dealsWon ?? 0) + 1;
  }
  return out;
}
