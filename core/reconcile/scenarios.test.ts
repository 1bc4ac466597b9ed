// The issue's injected differences on generated firm data, in the vendors' record shapes: precision and
// recall 100% on the injected set, nothing flagged on clean data.
import { describe, expect, it } from "vitest";
import { matchArrays, type KeyOutcome, type MatchResult, type ReconDefinitionInput } from "./index";

/** mulberry32: a small seeded generator so the data set is the same every run. */
function rng(seed: number) {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function breaks(r: MatchResult): Set<string> {
  return new Set(
    r.outcomes
      .filter((o): o is KeyOutcome => o.kind === "key" && o.status !== "matched")
      .map((o) => `${o.key}:${o.status}`),
  );
}

function precisionRecall(found: Set<string>, expected: Set<string>) {
  const hits = [...found].filter((f) => expected.has(f)).length;
  return { precision: found.size ? hits / found.size : 1, recall: expected.size ? hits / expected.size : 1 };
}

// (1) Approved time in the PSA (Kantata time entries: minutes, cents, workspace ids) vs invoice lines in the
// ERP (NetSuite: job entityId, hours, decimal amounts), per project and period.
const timeVsBilling: ReconDefinitionInput = {
  key: "time-vs-billing",
  name: "Approved time vs invoice lines",
  period: { from: "2026-01-01", to: "2026-01-31" },
  maps: { workspaceToJob: {} },
  sides: [
    {
      name: "psa",
      key: ["workspace_id"],
      normalise: { map: "workspaceToJob" },
      many: true,
      id: "id",
      date: "date_performed",
      where: [{ path: "approval_status", in: ["approved"] }],
    },
    { name: "erp", key: ["job"], normalise: { caseFold: true }, id: "line", date: "trandate" },
  ],
  rules: [
    {
      id: "hours",
      type: "hours",
      a: { side: "psa", path: "time_in_minutes", unit: "minutes" },
      b: { side: "erp", path: "quantity" },
    },
    {
      id: "amount",
      type: "money",
      a: { side: "psa", path: "amount_in_cents", unit: "cents" },
      b: { side: "erp", path: "amount" },
    },
  ],
  impact: {
    money: [
      { side: "psa", path: "amount_in_cents", unit: "cents" },
      { side: "erp", path: "amount" },
    ],
    hours: [
      { side: "psa", path: "time_in_minutes", unit: "minutes" },
      { side: "erp", path: "quantity" },
    ],
    currency: "USD",
  },
};

function firmTime(projects: number, seed: number) {
  const next = rng(seed);
  const map: Record<string, string> = {};
  const psa: Array<Record<string, unknown>> = [];
  const erp: Array<Record<string, unknown>> = [];
  let entry = 50001;
  for (let p = 0; p < projects; p++) {
    const ws = String(10001 + p);
    const job = `prj-${2001 + p}`;
    map[ws] = job;
    let minutes = 0;
    let cents = 0;
    const n = 1 + Math.floor(next() * 5);
    for (let e = 0; e < n; e++) {
      const m = 15 * (1 + Math.floor(next() * 32));
      const rate = 9000 + Math.floor(next() * 9000); // cents per hour
      const amount = Math.round((m * rate) / 60);
      minutes += m;
      cents += amount;
      psa.push({
        id: String(entry++),
        workspace_id: ws,
        date_performed: `2026-01-${String(1 + (e % 28)).padStart(2, "0")}`,
        approval_status: "approved",
        time_in_minutes: m,
        amount_in_cents: amount,
      });
    }
    // One entry outside the period: must not count.
    psa.push({
      id: String(entry++),
      workspace_id: ws,
      date_performed: "2026-02-01",
      approval_status: "approved",
      time_in_minutes: 480,
      amount_in_cents: 99999,
    });
    // Time not approved yet is not billable: out of scope.
    psa.push({
      id: String(entry++),
      workspace_id: ws,
      date_performed: "2026-01-15",
      approval_status: "submitted",
      time_in_minutes: 60,
      amount_in_cents: 15000,
    });
    erp.push({
      line: `INV-26-${p}`,
      job: ` PRJ-${2001 + p}`,
      trandate: "2026-01-31",
      quantity: String(minutes / 60),
      amount: (cents / 100).toFixed(2),
    });
  }
  return { map, psa, erp };
}

// (2) Customer master CRM ↔ ERP ↔ PSA: Salesforce Account, NetSuite customer, Kantata client reference.
const customers: ReconDefinitionInput = {
  key: "customer-master",
  name: "Customer master",
  maps: { accountToNumber: {} },
  sides: [
    { name: "crm", key: ["Customer_Number__c"], id: "Id" },
    { name: "erp", key: ["entityId"], normalise: { caseFold: false }, id: "id" },
    { name: "psa", key: ["salesforce_account_id"], normalise: { map: "accountToNumber" }, id: "id" },
  ],
  rules: [
    {
      id: "name-erp",
      type: "equal",
      normalise: { caseFold: true },
      a: { side: "crm", path: "Name" },
      b: { side: "erp", path: "companyName" },
    },
    {
      id: "name-psa",
      type: "equal",
      normalise: { caseFold: true },
      a: { side: "crm", path: "Name" },
      b: { side: "psa", path: "name" },
    },
    {
      id: "currency",
      type: "equal",
      a: { side: "crm", path: "CurrencyIsoCode" },
      b: { side: "erp", path: "currency.refName" },
    },
    {
      id: "city",
      type: "equal",
      normalise: { caseFold: true },
      a: { side: "crm", path: "BillingAddress.city" },
      b: { side: "erp", path: "defaultAddress.city" },
    },
  ],
};

function firmCustomers(n: number) {
  const map: Record<string, string> = {};
  const crm: Array<Record<string, unknown>> = [];
  const erp: Array<Record<string, unknown>> = [];
  const psa: Array<Record<string, unknown>> = [];
  for (let i = 0; i < n; i++) {
    const num = `CUST-${1001 + i}`;
    const sfId = `001${String(i).padStart(15, "0")}`;
    map[sfId] = num;
    const name = `Client ${i} Holdings`;
    const city = ["Boston", "London", "Berlin"][i % 3]!;
    crm.push({
      Id: sfId,
      Customer_Number__c: num,
      Name: name,
      CurrencyIsoCode: i % 3 === 1 ? "GBP" : "USD",
      BillingAddress: { city },
    });
    erp.push({
      id: String(3001 + i),
      entityId: ` ${num} `,
      companyName: name.toUpperCase(),
      currency: { refName: i % 3 === 1 ? "GBP" : "USD" },
      defaultAddress: { city },
    });
    psa.push({ id: String(90001 + i), salesforce_account_id: sfId, name: `${name} ` });
  }
  return { map, crm, erp, psa };
}

// (4) Workers HRIS ↔ PSA users: Workday employee id with leading zeros vs Kantata external id.
const workers: ReconDefinitionInput = {
  key: "workers",
  name: "Workers HRIS vs PSA users",
  sides: [
    { name: "hris", key: ["employeeId"], normalise: { stripLeadingZeros: true }, id: "workerId" },
    { name: "psa", key: ["external_id"], id: "id" },
  ],
  rules: [
    { id: "active", type: "equal", a: { side: "hris", path: "active" }, b: { side: "psa", path: "active" } },
    {
      id: "cost-rate",
      type: "money",
      a: { side: "hris", path: "costRate" },
      b: { side: "psa", path: "cost_rate_in_cents", unit: "cents" },
    },
  ],
};

function firmWorkers(n: number) {
  const hris: Array<Record<string, unknown>> = [];
  const psa: Array<Record<string, unknown>> = [];
  for (let i = 0; i < n; i++) {
    const num = String(10001 + i);
    hris.push({ workerId: `WID-${i}`, employeeId: `00${num}`, active: true, costRate: `${80 + (i % 7)}.50` });
    psa.push({ id: String(30001 + i), external_id: num, active: true, cost_rate_in_cents: (80 + (i % 7)) * 100 + 50 });
  }
  return { hris, psa };
}

describe("injected differences", () => {
  it("time vs billing: clean data flags nothing (out-of-period entries are dropped)", async () => {
    const f = firmTime(300, 7);
    const r = await matchArrays({ ...timeVsBilling, maps: { workspaceToJob: f.map } }, { psa: f.psa, erp: f.erp });
    expect(breaks(r)).toEqual(new Set());
    expect(r.totals).toMatchObject({
      keys: 300,
      matched: 300,
      outOfScope: 600,
      moneyAtStake: "0",
      minutesAtStake: "0",
    });
    expect(r.summary.matchRate).toBe(1);
  });

  it("time vs billing: a missing invoice line, an amount off by 0.02 and a project mapped to the wrong job — all found, nothing else", async () => {
    const f = firmTime(300, 11);
    const erp = f.erp.filter((l) => l.job !== " PRJ-2011"); // missing line
    const off = erp.find((l) => l.job === " PRJ-2022")!;
    const offAmount = off.amount as string;
    off.amount = (Number(offAmount) + 0.02).toFixed(2); // amount off by 0.02
    const wrongMap = { ...f.map, "10034": "prj-2035" }; // workspace of PRJ-2034 mapped to PRJ-2035's job
    const r = await matchArrays({ ...timeVsBilling, maps: { workspaceToJob: wrongMap } }, { psa: f.psa, erp });
    const expected = new Set(["prj-2011:missing", "prj-2022:mismatched", "prj-2034:missing", "prj-2035:mismatched"]);
    expect(breaks(r)).toEqual(expected);
    expect(precisionRecall(breaks(r), expected)).toEqual({ precision: 1, recall: 1 });
    const byKey = Object.fromEntries(r.outcomes.map((o) => [(o as KeyOutcome).key, o as KeyOutcome]));
    expect(byKey["prj-2011"]).toMatchObject({ missingOn: ["erp"] });
    expect(byKey["prj-2034"]).toMatchObject({ missingOn: ["psa"], ids: { erp: ["INV-26-33"] } });
    expect(byKey["prj-2022"]!.differences).toEqual([
      {
        rule: "amount",
        type: "money",
        a: { side: "psa", value: String(Number(offAmount)) },
        b: { side: "erp", value: String(Number(off.amount)) },
        detail: "differs by -0.02",
      },
    ]);
    expect(byKey["prj-2022"]!.moneyAtStake).toBe("0.02");
    expect(byKey["prj-2035"]!.differences.map((d) => d.rule)).toEqual(["hours", "amount"]);
    expect(r.totals.byRule).toEqual({ hours: 1, amount: 2 });
  });

  it("customer master across three systems: a renamed customer is the one break", async () => {
    const f = firmCustomers(200);
    const def = { ...customers, maps: { accountToNumber: f.map } };
    expect(breaks(await matchArrays(def, { crm: f.crm, erp: f.erp, psa: f.psa }))).toEqual(new Set());
    f.erp[42]!.companyName = "Client 42 Holdings Group";
    const r = await matchArrays(def, { crm: f.crm, erp: f.erp, psa: f.psa });
    expect(breaks(r)).toEqual(new Set(["CUST-1043:mismatched"]));
    const o = r.outcomes.find((x) => (x as KeyOutcome).key === "CUST-1043") as KeyOutcome;
    expect(o.differences).toEqual([
      {
        rule: "name-erp",
        type: "equal",
        a: { side: "crm", value: "Client 42 Holdings" },
        b: { side: "erp", value: "Client 42 Holdings Group" },
        detail: "values differ",
      },
    ]);
  });

  it("workers: a deactivated worker and a changed cost rate are found; leading zeros don't break keys", async () => {
    const f = firmWorkers(500);
    expect(breaks(await matchArrays(workers, f))).toEqual(new Set());
    f.hris[17]!.active = false;
    f.psa[99]!.cost_rate_in_cents = (f.psa[99]!.cost_rate_in_cents as number) + 1; // 0.01: within tolerance
    f.psa[100]!.cost_rate_in_cents = (f.psa[100]!.cost_rate_in_cents as number) + 2; // 0.02: a break
    const r = await matchArrays(workers, f);
    const expected = new Set(["10018:mismatched", "10101:mismatched"]);
    expect(precisionRecall(breaks(r), expected)).toEqual({ precision: 1, recall: 1 });
    expect(r.totals.byRule).toEqual({ active: 1, "cost-rate": 1 });
  });
});
