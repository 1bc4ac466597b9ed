// Carries out the simulator's plan (plan.ts) against running sandboxes, over their vendor APIs (and the admin
// API for the outage), one action at a time in simulated-time order, paced by the speed factor: at speed s
// a simulated hour takes 3600/s real seconds (speed Infinity: no waiting). Reports progress per simulated day.
import "server-only";
import {
  countActions,
  planSimulation,
  staffingDecision,
  staffingWindow,
  type SimAction,
  type SimOptions,
} from "./plan";
import { currencyOfCountry, firm } from "../firm";
import { psaId, VendorApis, type SandboxTargets } from "./vendors";

export interface SimulateOptions extends SimOptions {
  /** Simulated seconds per real second; Infinity runs as fast as the sandboxes answer. */
  speed: number;
  targets: SandboxTargets;
  log?: (line: string) => void;
  /** Stops between actions when aborted (the plan is left part-done; an outage under way is ended). */
  signal?: AbortSignal;
  /**
   * The least real time an outage lasts (default 0): at high speed two simulated hours pass in well under a
   * second, too short for a flow's call to meet it. The outage then ends in the background, later than its
   * simulated end; the other actions keep their pace.
   */
  minOutageMs?: number;
  /**
   * The simulated clock of the systems reacting to the simulation (Weft's schedule triggers): called with each
   * action's simulated time before it is done, and with the end of the window at the end; the simulation
   * waits for it, so what it fires sees the vendors as they are at that simulated time.
   */
  clock?: (simulatedAt: string) => Promise<void>;
  /**
   * Called before an outage ends, the outage still on: waits until what was under way met it (e.g. the runs
   * the deal won during the outage started exhausted their retries) — an overlap that does not depend on speed.
   */
  beforeOutageEnd?: () => Promise<void>;
  /**
   * People decide their tasks (the plan's `decideStaffing`, each working morning): the system that holds the
   * staffing choices (Weft's Inbox) asks `decide` — PMO's resource manager's judgement, pure and seeded — for
   * each open one and records the decision as that person would, once each request `raised` (Kantata ids, so
   * far) has reached it; the simulation waits for it, so the bookings
   * are in Kantata before the day's time is logged. Without the hook nobody decides (the requests stay open).
   */
  decideTasks?: (simulatedAt: string, decide: StaffingDecider, raised: readonly string[]) => Promise<void>;
  /**
   * Awaited before each morning's staffing requests (simulated instant): at max speed the days pass faster than
   * deals are polled and set up, so a caller that wants every project set up so far staffed waits here.
   */
  beforeStaffing?: (simulatedAt: string) => Promise<void>;
}

/** The resource manager's choice for a staffing request among the offered people (Workday worker ids). */
export type StaffingDecider = (
  requestId: string,
  options: readonly string[],
) => { candidate: string } | { reject: string };

export interface SimReport {
  actions: number;
  /** Counts of the actions done (all of the plan's unless stopped), by kind (plan.ts countActions). */
  counts: Record<string, number>;
  /** Salesforce ids of the opportunities won during the simulation (closed and new-customer deals). */
  wonOpportunityIds: string[];
  /** Kantata ids of the time entries the plan logged (logTime), and of every entry approved. */
  timeEntryIds: string[];
  approvedTimeEntryIds: string[];
  /** When Kantata says each approval happened (the `updated_at` of its answer), by time entry id: wall-clock. */
  approvedAt: Record<string, string>;
  /** The simulated instant of each approval, by time entry id (the plan's; what a batch at a simulated time saw). */
  approvedSimAt: Record<string, string>;
  /** Kantata ids of the time entries logged on projects Weft set up during the simulation. */
  newProjectTimeEntryIds: string[];
  /** Kantata ids of the resource requests raised for projects Weft set up (requestStaffing). */
  resourceRequestIds: string[];
  apiCalls: VendorApis["calls"];
}

const WEEKDAY = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];

export async function simulate(o: SimulateOptions): Promise<SimReport> {
  const plan = planSimulation(o);
  const api = new VendorApis(o.targets);
  const log = o.log ?? (() => undefined);
  const idem = (ref: string) => `sim-${o.seed}-${ref}`;
  const entries = new Map<string, string>();
  const report: SimReport = {
    actions: plan.length,
    counts: {},
    wonOpportunityIds: [],
    timeEntryIds: [],
    approvedTimeEntryIds: [],
    approvedAt: {},
    approvedSimAt: {},
    newProjectTimeEntryIds: [],
    resourceRequestIds: [],
    apiCalls: api.calls,
  };
  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      if (ms <= 0 || o.signal?.aborted) return resolve();
      const t = setTimeout(resolve, ms);
      o.signal?.addEventListener("abort", () => (clearTimeout(t), resolve()), { once: true });
    });

  log(
    `simulating ${o.days} day(s) from ${o.from}, seed ${o.seed}, speed ${Number.isFinite(o.speed) ? `×${o.speed}` : "max"}: ${plan.length} actions`,
  );
  let prevAt = Date.parse(`${o.from}T00:00:00Z`);
  let day = 0;
  let today: SimAction[] = [];
  let newToday = 0;
  let staffedToday = 0;
  const newEntries = new Map<string, string[]>();
  const staffed = new Set<string>();
  const decide: StaffingDecider = (requestId, options) => staffingDecision(o.seed, requestId, options);
  const flushDay = (upTo: number) => {
    for (; day < upTo; day++) {
      const date = new Date(Date.parse(`${o.from}T00:00:00Z`) + day * 86_400_000).toISOString().slice(0, 10);
      const c = countActions(today);
      const parts = [
        c.dealsWon || c.dealsLost
          ? `${(c.dealsWon ?? 0) + (c.dealsLost ?? 0)} deal(s) closed (${c.dealsWon ?? 0} won)`
          : "",
        c.newCustomerDeal ? `${c.newCustomerDeal} new customer` : "",
        c.advanceDeal ? `${c.advanceDeal} stage change(s)` : "",
        c.startPhase ? `${c.startPhase} phase(s) started` : "",
        c.logTime ? `${c.logTime} time entries` : "",
        c.approveTime ? `${c.approveTime} approval(s)${c.lateApprovals ? ` (${c.lateApprovals} late)` : ""}` : "",
        newToday ? `${newToday} entries on new projects` : "",
        c.rateChange ? `${c.rateChange} rate change(s)` : "",
        staffedToday ? `${staffedToday} staffing request(s)` : "",
        c.outageStart ? "NetSuite outage 11:00–13:00" : "",
        c.creditHold ? "a customer on credit hold in NetSuite" : "",
      ].filter(Boolean);
      log(
        `day ${day + 1}/${o.days} ${date} (${WEEKDAY[new Date(`${date}T00:00:00Z`).getUTCDay()]}): ${parts.join(", ") || "quiet"}`,
      );
      today = [];
      newToday = 0;
      staffedToday = 0;
    }
  };

  const done: SimAction[] = [];
  const outages = new Map<string, { startedAt: number; ending?: Promise<void>; ended?: boolean }>();
  const endOutage = (system: "netsuite") => api.admin(system, "DELETE", "faults").then(() => undefined);
  try {
    for (const a of plan) {
      if (o.signal?.aborted) break;
      flushDay(a.day);
      const t = Date.parse(a.at);
      if (Number.isFinite(o.speed)) await sleep((t - prevAt) / o.speed); // simulated ms ÷ speed = real ms
      prevAt = t;
      await o.clock?.(a.at);
      if (a.kind === "outageStart") {
        await outages.get(a.system)?.ending; // last week's outage, still ending in the background
        outages.set(a.system, { startedAt: Date.now() });
      }
      const outage = a.kind === "outageEnd" ? outages.get(a.system) : undefined;
      const wait = outage ? outage.startedAt + (o.minOutageMs ?? 0) - Date.now() : 0;
      if (a.kind === "outageEnd") await o.beforeOutageEnd?.();
      if (a.kind === "outageEnd" && outage && wait > 0) {
        const system = a.system;
        outage.ending = sleep(wait).then(() => endOutage(system));
      } else {
        const before = report.newProjectTimeEntryIds.length;
        const requested = report.resourceRequestIds.length;
        // The morning's requests are raised for the projects set up so far: at max speed the caller may let the
        // integration catch up first (else how many there are depends on the machine's speed).
        if (a.kind === "requestStaffing") await o.beforeStaffing?.(a.at);
        if (a.kind === "decideStaffing") await o.decideTasks?.(a.at, decide, report.resourceRequestIds);
        else await perform(api, a, { idem, entries, report, seed: o.seed, newEntries, staffed });
        newToday += report.newProjectTimeEntryIds.length - before;
        staffedToday += report.resourceRequestIds.length - requested;
        if (outage) outage.ended = true;
      }
      today.push(a);
      done.push(a);
    }
  } finally {
    // An outage never outlives the simulation: ended when due, or at once when stopped or failed.
    for (const [system, outage] of outages)
      if (outage.ending) await outage.ending.catch(() => endOutage(system as "netsuite"));
      else if (!outage.ended) await endOutage(system as "netsuite").catch(() => undefined);
  }
  if (!o.signal?.aborted) {
    await o.clock?.(new Date(Date.parse(`${o.from}T00:00:00Z`) + o.days * 86_400_000).toISOString());
    flushDay(o.days);
  }
  report.counts = countActions(done);
  return report;
}

async function approve(api: VendorApis, id: string, report: SimReport, simulatedAt: string): Promise<void> {
  const r = await api.approveTimeEntry(id);
  report.approvedTimeEntryIds.push(id);
  report.approvedAt[id] = r.updated_at;
  report.approvedSimAt[id] = simulatedAt;
}

/** A small stable string hash (FNV-1a), for picks that must not draw from the plan's random sequence. */
function hash(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193) >>> 0;
  return h;
}

async function perform(
  api: VendorApis,
  a: SimAction,
  ctx: {
    idem: (ref: string) => string;
    entries: Map<string, string>;
    report: SimReport;
    seed: number;
    newEntries: Map<string, string[]>;
    /** Workspaces with a staffing request raised (by this simulation). */
    staffed: Set<string>;
  },
): Promise<void> {
  const date = a.at.slice(0, 10);
  switch (a.kind) {
    case "closeDeal":
      await api.updateOpportunity(a.opportunityId, {
        StageName: a.won ? "Closed Won" : "Closed Lost",
        CloseDate: date,
      });
      if (a.won) ctx.report.wonOpportunityIds.push(a.opportunityId);
      return;
    case "advanceDeal":
      await api.updateOpportunity(a.opportunityId, { StageName: a.stage });
      return;
    case "newCustomerDeal": {
      // Sales opens the account and the deal in the customer's own currency (Salesforce multi-currency).
      const CurrencyIsoCode = currencyOfCountry(a.country);
      const accountId = await api.createRecord(
        "Account",
        { Name: a.accountName, Type: "Customer", BillingCountry: a.country, CurrencyIsoCode },
        ctx.idem(`${a.ref}-account`),
      );
      const oppId = await api.createRecord(
        "Opportunity",
        {
          Name: `${a.accountName} – Discovery Sprint`,
          AccountId: accountId,
          Amount: a.amount,
          CloseDate: date,
          StageName: "Negotiation/Review",
          CurrencyIsoCode,
        },
        ctx.idem(`${a.ref}-opportunity`),
      );
      await api.updateOpportunity(oppId, { StageName: "Closed Won" });
      ctx.report.wonOpportunityIds.push(oppId);
      return;
    }
    case "startPhase":
      await api.updateStory(a.storyId, { state: "started" });
      return;
    case "logTime": {
      const id = await api.createTimeEntry(
        {
          workspace_id: a.workspaceId,
          story_id: a.storyId,
          user_id: a.userId,
          date_performed: a.date,
          time_in_minutes: a.minutes,
          billable: a.billable,
          rate_in_cents: a.rateInCents,
          notes: a.notes,
        },
        ctx.idem(a.ref),
      );
      ctx.entries.set(a.ref, id);
      ctx.report.timeEntryIds.push(id);
      return;
    }
    case "approveTime": {
      const id = ctx.entries.get(a.ref);
      if (!id) throw new Error(`approval of ${a.ref} before the entry was logged`);
      await approve(api, id, ctx.report, a.at);
      return;
    }
    case "logNewProjectTime": {
      // The projects the set-up flow created (and did not roll back), found as anyone would: in Kantata.
      const consultants = firm().consultants;
      const ids: string[] = [];
      for (const ws of await api.newWorkspaces()) {
        // Who works there: the people booked on the project that day (staffing), else a stable pick per project.
        const booked = await api.bookedUsers(ws.id, a.date);
        for (const [k, minutes] of a.minutes.entries()) {
          const c = booked.length
            ? consultants.find((x) => psaId.user(x.n) === booked[k % booked.length])!
            : consultants[hash(`${ctx.seed}:${ws.id}:${k}`) % consultants.length]!;
          const id = await api.createTimeEntry(
            {
              workspace_id: ws.id,
              user_id: psaId.user(c.n),
              date_performed: a.date,
              time_in_minutes: minutes,
              billable: true,
              rate_in_cents: Math.round(c.billRate * 100),
              notes: "Project mobilisation",
            },
            ctx.idem(`np-${a.date}-${ws.id}-${k}`),
          );
          ids.push(id);
        }
      }
      ctx.newEntries.set(a.date, ids);
      ctx.report.newProjectTimeEntryIds.push(...ids);
      return;
    }
    case "requestStaffing": {
      // As a project manager would: one unnamed resource per project Weft set up, with the skills and office of
      // a consultant who would fit (a stable pick), and a pending request over the coming two weeks.
      const f = firm();
      const window = staffingWindow(a.date);
      const pm = f.consultants.find((c) => c.title === "Senior Manager")!;
      for (const ws of await api.newWorkspaces()) {
        if (ctx.staffed.has(ws.id)) continue;
        const c = f.consultants[hash(`${ctx.seed}:staff:${ws.id}`) % f.consultants.length]!;
        const resourceId = await api.createPsa(
          "workspace_resources",
          {
            workspace_id: ws.id,
            label: `${c.title} (unnamed)`,
            location: c.location.name,
            country: c.location.country,
          },
          ctx.idem(`staff-${ws.id}-resource`),
        );
        const skills = [...c.skills].sort((x, y) => y.level - x.level || x.name.localeCompare(y.name)).slice(0, 2);
        for (const s of skills)
          await api.createPsa(
            "workspace_resource_skills",
            { workspace_resource_id: resourceId, skill_id: await api.skillId(s.name), level: Math.min(s.level, 2) },
            ctx.idem(`staff-${ws.id}-skill-${s.name}`),
          );
        const requestId = await api.createPsa(
          "resource_requests",
          {
            resource_id: resourceId,
            creator_id: psaId.user(pm.n),
            approver_ids: [psaId.user(pm.n)],
            workspace_allocation_start_date: window.start,
            workspace_allocation_end_date: window.end,
            workspace_allocation_minutes: window.minutes,
          },
          ctx.idem(`staff-${ws.id}-request`),
        );
        ctx.staffed.add(ws.id);
        ctx.report.resourceRequestIds.push(requestId);
      }
      return;
    }
    case "decideStaffing":
      return; // the driver's decideTasks hook
    case "approveNewProjectTime":
      for (const id of ctx.newEntries.get(a.date) ?? []) await approve(api, id, ctx.report, a.at);
      return;
    case "rateChange":
      await api.payRateChange(a.workerId, {
        effectiveDate: a.effectiveDate,
        costRate: a.costRate,
        defaultBillRate: a.defaultBillRate,
        reason: "Annual rate review",
      });
      return;
    case "creditHold":
      await api.call("netsuite", "PATCH", `/services/rest/record/v1/customer/${a.customerId}`, {
        creditHoldOverride: "ON",
      });
      return;
    case "outageStart":
      await api.admin(a.system, "POST", "faults", { errorRate: 1, errorStatus: a.errorStatus, latencyMs: a.latencyMs });
      return;
    case "outageEnd":
      await api.admin(a.system, "DELETE", "faults");
      return;
  }
}
