// The simulated month's reconciliation proof (server/kpis/simulated-month.test.ts): what each shipped
// reconciliation (examples/recon-*.weft.json) must find, worked out from the vendor sandboxes' own records
// (`/__sandbox/records/…`) — written out here per reconciliation in plain terms, without Weft's matcher
// (core/reconcile) or its tables. Test code: imported by the test only.
import "server-only";
import { readFileSync } from "node:fs";
import path from "node:path";
import type { VendorApis } from "@/connectors/sandbox-kit/simulate/vendors";
import { firm } from "@/connectors/sandbox-kit/firm";
import { defaultBillingAddress } from "@/connectors/netsuite/sandbox";
import type { FiredSlot, SlotHooks } from "../runtime/simulated-schedules";

type Rec = Record<string, unknown>;

/** The records the four reconciliations read, as the vendors hold them at one instant. */
export interface VendorBooks {
  accounts: Rec[];
  customers: Rec[];
  groups: Rec[];
  workspaces: Rec[];
  users: Rec[];
  refs: Rec[];
  jobs: Rec[];
  workers: Rec[];
  entries: Rec[];
  invoices: Rec[];
}

/** Where each collection of the books is kept. */
const SOURCES: Record<keyof VendorBooks, [Parameters<VendorApis["records"]>[0], string]> = {
  accounts: ["salesforce", "Account"],
  customers: ["netsuite", "customer"],
  groups: ["psa", "workspace_groups"],
  workspaces: ["psa", "workspaces"],
  users: ["psa", "users"],
  refs: ["psa", "external_references"],
  jobs: ["netsuite", "job"],
  workers: ["workday", "workers"],
  entries: ["psa", "time_entries"],
  invoices: ["netsuite", "invoice"],
};

/** The named collections as the vendors hold them now (the others empty). */
export async function readBooks(api: VendorApis, which: ReadonlyArray<keyof VendorBooks>): Promise<VendorBooks> {
  const books = Object.fromEntries(Object.keys(SOURCES).map((k) => [k, []])) as unknown as VendorBooks;
  await Promise.all(
    which.map(async (k) => {
      books[k] = await api.records(...SOURCES[k]);
    }),
  );
  return books;
}

/** What one run of a reconciliation must report: its keys, the keys that match, and its breaks' identities. */
export interface ReconExpectation {
  reconciliation: string;
  keys: number;
  matched: number;
  /** `<reconciliation>|<rule>|<key>`, one per broken rule, missing side or record without a key. */
  breaks: string[];
}

/** Text as the reconciliations compare it: trimmed, inner white space collapsed; empty and missing alike. */
const text = (v: unknown): string | null => {
  if (v === null || v === undefined) return null;
  const s = String(v).trim().replace(/\s+/g, " ");
  return s === "" ? null : s;
};
const ref = (v: unknown) => (v && typeof v === "object" ? String((v as { id: unknown }).id) : text(v));
/** NetSuite's currency record ids (the sandbox's, as SuiteQL gives a customer's or job's currency). */
const NETSUITE_CURRENCY: Record<string, string> = { "1": "USD", "2": "GBP", "3": "CAD", "4": "EUR" };

/**
 * Kantata's references of a record by service name, as `include=external_references` gives them (the one with
 * the highest id when a service has several).
 */
function externalIds(b: VendorBooks, subjectType: string, id: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  for (const r of b.refs
    .filter((x) => x.subject_type === subjectType && String(x.subject_id) === String(id))
    .sort((x, y) => Number(x.id) - Number(y.id)))
    out[String(r.service_name)] = String(r.service_model_ref);
  return out;
}

/**
 * Joins sides by key: keys on every side with one record each and no differing field are matched; each missing
 * side, each side with several records and each differing field (checked between the sides present) is a break.
 */
function join(
  reconciliation: string,
  sides: Record<string, Array<{ key: string | null; id: string; rec: Rec }>>,
  differs: (present: Record<string, Rec>) => string[],
): ReconExpectation {
  const breaks: string[] = [];
  const keys = new Set<string>();
  for (const [side, rows] of Object.entries(sides))
    for (const r of rows)
      if (r.key === null) breaks.push(`${reconciliation}|unkeyed:${side}|#${r.id}`);
      else keys.add(r.key);
  let matched = 0;
  for (const key of keys) {
    const found: string[] = [];
    const present: Record<string, Rec> = {};
    let duplicate = false;
    for (const [side, rows] of Object.entries(sides)) {
      const mine = rows.filter((r) => r.key === key);
      if (mine.length > 1) {
        found.push(`duplicate:${side}`);
        duplicate = true;
      }
      if (mine.length === 0) found.push(`missing:${side}`);
      else present[side] = mine[0]!.rec;
    }
    if (!duplicate) found.push(...differs(present));
    if (found.length === 0) matched++;
    breaks.push(...found.map((rule) => `${reconciliation}|${rule}|${key}`));
  }
  return { reconciliation, keys: keys.size, matched, breaks };
}

/** Equal rules between two sides: the rule ids whose values differ, for the sides present. */
function equalRules(
  present: Record<string, Rec>,
  rules: Array<[id: string, a: string, b: string, value: (side: string, r: Rec) => string | null]>,
): string[] {
  return rules
    .filter(([, a, b]) => present[a] && present[b])
    .filter(([, a, b, value]) => value(a, present[a]!) !== value(b, present[b]!))
    .map(([id]) => id);
}

/** recon-customer-master: Salesforce customer Accounts ↔ active NetSuite customers ↔ Kantata client groups. */
export function customerMaster(b: VendorBooks): ReconExpectation {
  // NetSuite's SuiteQL billing city and country: the seeded customers' default billing address (a customer
  // created over REST has none).
  const billTo = new Map(firm().customers.map((c) => [String(100 + c.n), { city: c.city, country: c.country }]));
  const fold = (v: string | null) => v?.toLowerCase() ?? null;
  // The default billing line of the customer's address book (a customer created over REST), else the seed's address.
  const billing = (c: Rec) => {
    const a = defaultBillingAddress(c);
    if (a) return { billcity: a.city ?? null, billcountry: a.country ?? null };
    const seeded = billTo.get(String(c.id));
    return { billcity: seeded?.city, billcountry: seeded?.country };
  };
  return join(
    "customer-master",
    {
      crm: b.accounts.filter((a) => a.Type === "Customer").map((a) => ({ key: text(a.Id), id: String(a.Id), rec: a })),
      erp: b.customers
        .filter((c) => c.isInactive !== true)
        .map((c) => ({
          key: text(c.externalId),
          id: String(c.id),
          rec: { ...c, ...billing(c) },
        })),
      psa: b.groups
        .filter((g) => g.company === true)
        .map((g) => {
          const ext = externalIds(b, "WorkspaceGroup", g.id);
          return { key: text(ext.Salesforce), id: String(g.id), rec: { ...g, ext } };
        }),
    },
    (p) =>
      equalRules(p, [
        ["erp-id", "crm", "erp", (s, r) => text(s === "crm" ? r.NetSuite_Id__c : r.id)],
        ["psa-erp-id", "psa", "erp", (s, r) => text(s === "psa" ? (r.ext as Rec).NetSuite : r.id)],
        ["name-erp", "crm", "erp", (s, r) => text(s === "crm" ? r.Name : r.companyName)],
        ["name-psa", "crm", "psa", (s, r) => text(r[s === "crm" ? "Name" : "name"])],
        [
          "currency",
          "crm",
          "erp",
          (s, r) => {
            const v = s === "crm" ? text(r.CurrencyIsoCode) : ref(r.currency);
            return v === null ? null : (NETSUITE_CURRENCY[v] ?? v);
          },
        ],
        ["billing-city", "crm", "erp", (s, r) => fold(text(s === "crm" ? r.BillingCity : r.billcity))],
        ["billing-country", "crm", "erp", (s, r) => fold(text(s === "crm" ? r.BillingCountry : r.billcountry))],
      ]),
  );
}

/** recon-project-ids: every Kantata workspace ↔ the NetSuite job that records it. */
export function projectIds(b: VendorBooks): ReconExpectation {
  const currency = (v: string | null) => (v === null ? null : (NETSUITE_CURRENCY[v] ?? v));
  return join(
    "project-ids",
    {
      psa: b.workspaces.map((w) => ({
        key: text(w.id),
        id: String(w.id),
        rec: { ...w, ext: externalIds(b, "Workspace", w.id) },
      })),
      erp: b.jobs.map((j) => ({ key: text(j.custentity_kantata_workspace), id: String(j.id), rec: j })),
    },
    (p) =>
      equalRules(p, [
        ["job", "psa", "erp", (s, r) => text(s === "psa" ? (r.ext as Rec).NetSuite : r.id)],
        ["name", "psa", "erp", (s, r) => text(s === "psa" ? r.title : r.companyName)],
        ["currency", "psa", "erp", (s, r) => currency(s === "psa" ? text(r.currency) : ref(r.currency))],
      ]),
  );
}

/** recon-workers: Workday's workers (the Consultant_Capacity report) ↔ Kantata users linked to them. */
export function workers(b: VendorBooks): ReconExpectation {
  const cents = (v: unknown) => Math.round(Number(v) * 100);
  return join(
    "workers",
    {
      hris: b.workers.map((w) => ({ key: text(w.wid), id: String(w.employeeId), rec: w })),
      psa: b.users.map((u) => ({ key: text(externalIds(b, "User", u.id).Workday), id: String(u.id), rec: u })),
    },
    ({ hris, psa }) =>
      !hris || !psa
        ? []
        : [
            // The report's Cost_Rate is the rate to the cent; the tolerance is a cent.
            ...(Math.abs(cents(hris.costRate) - Number(psa.cost_rate_in_cents)) > 1 ? ["cost-rate"] : []),
            // A worker with a termination date is inactive in Workday; a disabled user inactive in Kantata.
            ...(!!hris.terminationDate !== (psa.disabled === true) ? ["active"] : []),
          ],
  );
}

/**
 * recon-time-vs-billing: April 2026's approved, billable Kantata time on the time-and-materials and retainer
 * projects ↔ NetSuite's time-item invoice lines serving April, per project (workspace → job through the flow's
 * map) — on both sides only those projects: hours within 0.25 h, money within a cent.
 */
export function timeVsBilling(b: VendorBooks, scope: { workspaceToJob: Record<string, string> }): ReconExpectation {
  const inApril = (d: unknown) =>
    String(d ?? "").slice(0, 10) >= "2026-04-01" && String(d ?? "").slice(0, 10) <= "2026-04-30";
  const psa = b.entries
    .filter((e) => e.approved === true && inApril(e.date_performed))
    .filter((e) => e.billable === true && Object.hasOwn(scope.workspaceToJob, String(e.workspace_id)))
    .map((e) => ({ key: scope.workspaceToJob[String(e.workspace_id)]!, id: String(e.id), rec: e }));
  const jobs = new Set(Object.values(scope.workspaceToJob));
  const erp = b.invoices.flatMap((inv) =>
    (((inv.item as { items?: Rec[] } | undefined)?.items ?? []) as Rec[])
      .filter((l) => ref(l.item) === "5" && inApril(l.custcol_service_date))
      .map((l) => ({
        key: ref(inv.job) ?? ref(inv.entity),
        id: String(Number(inv.id) * 1000 + Number(l.line)),
        rec: l,
      }))
      // The same projects' jobs: time invoiced on a fixed-fee or milestone project is out of scope.
      .filter((l) => jobs.has(l.key!)),
  );
  const breaks: string[] = [];
  const keys = new Set([...psa, ...erp].map((r) => r.key).filter((k): k is string => k !== null));
  let matched = 0;
  for (const key of keys) {
    const p = psa.filter((r) => r.key === key).map((r) => r.rec);
    const e = erp.filter((r) => r.key === key).map((r) => r.rec);
    const found: string[] = [];
    if (!p.length) found.push("missing:psa");
    if (!e.length) found.push("missing:erp");
    if (p.length && e.length) {
      const minutes = p.reduce((s, x) => s + Number(x.time_in_minutes), 0);
      const quantityMinutes = Math.round(e.reduce((s, x) => s + Number(x.quantity), 0) * 60);
      if (Math.abs(minutes - quantityMinutes) > 15) found.push("hours");
      // What Kantata bills per entry, to the cent (minutes × rate ÷ 60), against the lines' amounts.
      const cents = p.reduce((s, x) => s + Math.round((Number(x.time_in_minutes) * Number(x.rate_in_cents)) / 60), 0);
      const lineCents = Math.round(e.reduce((s, x) => s + Number(x.amount), 0) * 100);
      if (Math.abs(cents - lineCents) > 1) found.push("amount");
    }
    if (!found.length) matched++;
    breaks.push(...found.map((rule) => `time-vs-billing|${rule}|${key}`));
  }
  return { reconciliation: "time-vs-billing", keys: keys.size, matched, breaks };
}

/** The projects recon-time-vs-billing covers and their jobs: its definition's map (what the flow compares). */
function timeVsBillingScope(): { workspaceToJob: Record<string, string> } {
  const flow = JSON.parse(
    readFileSync(path.join(process.cwd(), "examples/recon-time-vs-billing.weft.json"), "utf8"),
  ) as {
    steps: Array<{ definition: { maps: { workspaceToJob: Record<string, string> } } }>;
  };
  return { workspaceToJob: flow.steps[0]!.definition.maps.workspaceToJob };
}

/** Each shipped reconciliation flow, the collections it compares and its plain calculation. */
const CALCULATIONS: Record<string, { reads: Array<keyof VendorBooks>; calc: (b: VendorBooks) => ReconExpectation }> = {
  "recon-customer-master": { reads: ["accounts", "customers", "groups", "refs"], calc: customerMaster },
  "recon-project-ids": { reads: ["workspaces", "jobs", "refs"], calc: projectIds },
  "recon-workers": { reads: ["workers", "users", "refs"], calc: workers },
  "recon-time-vs-billing": {
    reads: ["entries", "invoices"],
    calc: (b) => timeVsBilling(b, timeVsBillingScope()),
  },
};

export interface ReconRun extends FiredSlot {
  expected: ReconExpectation;
  /** Whether the run found a break not open before it (a new exception: the run was not touchless). */
  opened: boolean;
}

/**
 * The proof's hooks around the simulated clock's slots: before a reconciliation's slot, the flows the simulator set
 * off settle (as overnight at a firm: no set-up is half done at 06:00); after its run, the vendors' books are read
 * — nothing changes them meanwhile — and what the run must have found is worked out. The breaks open after a run
 * are the ones it found: a later run that no longer finds one resolves it (docs/reconciliation.md, auto-resolve),
 * and one found again after that is a new exception.
 */
export function reconProof(api: () => VendorApis) {
  const runs: ReconRun[] = [];
  const open = new Map<string, string[]>();
  /** Real time spent around the reconciliations' slots (ms): settling before, the runs, reading the books after. */
  const spent = { settling: 0, runs: 0, reading: 0 };
  let mark = 0;
  return {
    runs,
    spent,
    /** The breaks open now, by the runs so far (each reconciliation's last run's). */
    openBreaks: () => [...open.values()].flat(),
    hooks: (sim: { quiet(since: number): Promise<void> }, since: number): SlotHooks => ({
      before: async (slot) => {
        if (!CALCULATIONS[slot.flowKey]) return;
        const t0 = Date.now();
        await sim.quiet(since);
        mark = Date.now();
        spent.settling += mark - t0;
      },
      after: async (fired) => {
        const c = CALCULATIONS[fired.flowKey];
        if (!c) return;
        const t0 = Date.now();
        spent.runs += t0 - mark;
        const expected = c.calc(await readBooks(api(), c.reads));
        spent.reading += Date.now() - t0;
        const before = new Set(open.get(expected.reconciliation) ?? []);
        open.set(expected.reconciliation, expected.breaks);
        runs.push({ ...fired, expected, opened: expected.breaks.some((b) => !before.has(b)) });
      },
    }),
  };
}
