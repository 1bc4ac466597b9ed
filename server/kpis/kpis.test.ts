// The KPI queries against facts recorded by real runs (real workers, Postgres, pg-boss): flows declare business
// events over their trigger input, the test starts runs with generated deals, approvals, invoices, assignments
// and failures, then computes every KPI itself from what it sent — never from Weft's query code — and compares.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { PgBoss } from "pg-boss";
import { createTestDatabase, type TestDatabase } from "../testing/db";
import { runtimePool, type Pool } from "../runtime/sql";
import { createRun } from "../runtime/runs";
import { ensureTeam, ensureTestSecrets, publishFlow, testBoss } from "../runtime/testing";
import { startRuntimeWorkers, type RuntimeWorkers } from "../runtime/worker";
import { runRowSettled } from "../testing/runs";
import { insertRuns } from "../governance/testing";
import { kpiDrill, kpiSummary, type KpiTile } from "./queries";

const DAY = 86_400_000;
const HOUR = 3_600_000;

const flow = (key: string, owner: string, steps: unknown[], extra: Record<string, unknown> = {}) => ({
  dsl: "weft/1",
  key,
  version: "1.0.0",
  name: key,
  description: "",
  domain: "project",
  owner,
  classification: "internal",
  trigger: { type: "manual" },
  start: (steps[0] as { id: string }).id,
  steps,
  ...extra,
});

const FLOWS = [
  flow("kpi-deals", "sales", [
    {
      id: "won",
      type: "map",
      output: "$trigger",
      business: [
        {
          type: "deal.won",
          keys: { opportunity: "opp", customer: "customer" },
          amount: "amount",
          currency: "'EUR'",
          occurredAt: "wonAt",
        },
      ],
      next: "psa",
    },
    {
      id: "psa",
      type: "map",
      output: "$trigger",
      business: [
        {
          type: "project.created",
          when: "$exists(psaAt)",
          keys: { project: "project", opportunity: "opp", customer: "customer" },
          occurredAt: "psaAt",
        },
        {
          type: "project.live",
          when: "$exists(psaAt)",
          system: "'psa'",
          keys: { project: "project", opportunity: "opp" },
          occurredAt: "psaAt",
        },
      ],
      next: "erp",
    },
    {
      id: "erp",
      type: "map",
      output: "$trigger",
      business: [
        {
          type: "project.live",
          when: "$exists(erpAt)",
          system: "'erp'",
          keys: { project: "project", opportunity: "opp" },
          occurredAt: "erpAt",
        },
      ],
    },
  ]),
  flow("kpi-time", "delivery", [
    {
      id: "approve",
      type: "map",
      output: "$trigger.entries",
      business: [
        {
          type: "time.approved",
          each: "$output",
          when: "billable",
          keys: { timeEntry: "id", project: "project", person: "person" },
          hours: "hours",
          amount: "hours * rate",
          currency: "'EUR'",
          occurredAt: "approvedAt",
        },
      ],
    },
  ]),
  flow("kpi-invoice", "finance", [
    {
      id: "post",
      type: "map",
      output: "$trigger",
      business: [
        {
          type: "invoice.posted",
          keys: { invoice: "invoice", project: "project" },
          amount: "amount",
          currency: "'EUR'",
          occurredAt: "postedAt",
        },
        {
          type: "time.invoiced",
          each: "$trigger.entries",
          keys: { timeEntry: "$record", invoice: "$trigger.invoice", project: "$trigger.project" },
          occurredAt: "$trigger.postedAt",
        },
      ],
    },
  ]),
  flow("kpi-assign", "delivery", [
    {
      id: "assign",
      type: "map",
      output: "$trigger.assignments",
      business: [
        {
          type: "assignment.made",
          each: "$output",
          keys: { person: "person", project: "project" },
          hours: "hours",
          occurredAt: "week",
        },
      ],
    },
  ]),
  flow("kpi-capacity", "delivery", [
    {
      id: "capacity",
      type: "map",
      output: "$trigger.capacity",
      business: [
        { type: "capacity.planned", each: "$output", keys: { person: "person" }, hours: "hours", occurredAt: "week" },
      ],
    },
  ]),
  flow(
    "kpi-blocked",
    "finance",
    [{ id: "stop", type: "fail", code: "customer_missing", message: "The customer is missing in the ERP." }],
    { businessKeys: { project: "$trigger.project", amount: "$trigger.amount" } },
  ),
];

/** Deterministic pseudo-random numbers. */
function rng(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 4294967296;
  };
}

/** Monday 00:00 UTC of t's week — written here, not imported, so the expected figures are the test's own. */
const mondayOf = (t: number) => {
  const d = new Date(t);
  const day = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate());
  return day - ((new Date(day).getUTCDay() + 6) % 7) * DAY;
};
const pct = (values: number[], p: number) => {
  if (!values.length) return null;
  const s = [...values].sort((a, b) => a - b);
  const r = p * (s.length - 1);
  return s[Math.floor(r)]! + (s[Math.ceil(r)]! - s[Math.floor(r)]!) * (r - Math.floor(r));
};

describe("KPI queries", () => {
  let t: TestDatabase;
  let pool: Pool;
  let boss: PgBoss;
  let workers: RuntimeWorkers;
  const ids = new Map<string, { flowId: string; versionId: string }>();
  // A little ahead: the runs this test starts are created before it, inside the period.
  const now = new Date(Date.now() + 10 * 60_000);
  const asOf = now.getTime();
  const from = mondayOf(asOf) - 7 * 7 * DAY; // 8 weeks

  // What the test sends (and so knows).
  const r = rng(42);
  const projects = Array.from({ length: 10 }, (_, i) => ({
    project: `P-${i}`,
    customer: `C-${i % 3}`,
    opp: `O-${i}`,
  }));
  const deals = projects.map((p, i) => {
    const wonAt = asOf - (5 + r() * 60) * DAY;
    const psaAt = i === 9 ? undefined : wonAt + (1 + r() * 40) * HOUR;
    const erpAt = i >= 8 ? undefined : wonAt + (2 + r() * 80) * HOUR;
    return { ...p, amount: 10_000 + i * 1000, wonAt, psaAt, erpAt };
  });
  type Entry = {
    id: string;
    project: string;
    person: string;
    hours: number;
    rate: number;
    billable: boolean;
    approvedAt: number;
  };
  const entries: Entry[] = Array.from({ length: 80 }, (_, i) => ({
    id: `TE-${i}`,
    project: projects[i % 10]!.project,
    person: `U-${i % 5}`,
    hours: 1 + Math.floor(r() * 8),
    rate: [100, 120, 150][i % 3]!,
    billable: i % 9 !== 4,
    approvedAt: asOf - r() * 75 * DAY,
  }));
  const billable = entries.filter((e) => e.billable);
  // A third of the billable entries is invoiced, per project, some days after approval.
  const invoiced = new Map<string, number>();
  const invoices: Array<{ invoice: string; project: string; entries: string[]; postedAt: number; amount: number }> = [];
  for (const [k, p] of projects.entries()) {
    const list = billable.filter((e, i) => e.project === p.project && i % 3 === 0);
    if (!list.length) continue;
    const postedAt = Math.min(asOf - HOUR, Math.max(...list.map((e) => e.approvedAt)) + (1 + (k % 4) * 3) * DAY);
    for (const e of list) invoiced.set(e.id, postedAt);
    invoices.push({
      invoice: `INV-${k}`,
      project: p.project,
      entries: list.map((e) => e.id),
      postedAt,
      amount: list.reduce((n, e) => n + e.hours * e.rate, 0),
    });
  }
  const assignments = Array.from({ length: 5 }, (_, u) =>
    [0, 1, 2, 3, 4, 5, 6, 7].map((w) => ({
      person: `U-${u}`,
      project: projects[u]!.project,
      hours: 6 + ((u + w) % 4) * 2,
      week: new Date(from + w * 7 * DAY + 2 * HOUR).toISOString(),
    })),
  ).flat();
  // Capacity: U-0's is overridden by its assignments; U-7 has no assignment, so its capacity is its plan.
  const capacity = ["U-0", "U-7"].flatMap((person) =>
    [0, 1, 2, 3, 4, 5, 6, 7].map((w) => ({
      person,
      hours: person === "U-0" ? 40 : 32,
      week: new Date(from + w * 7 * DAY + 3 * HOUR).toISOString(),
    })),
  );
  const blocked = [
    { project: "P-1", amount: 2500 },
    { project: "P-4", amount: 1200 },
  ];
  const iso = (t: number | undefined) => (t === undefined ? undefined : new Date(t).toISOString());

  beforeAll(async () => {
    ensureTestSecrets();
    t = await createTestDatabase();
    pool = runtimePool(t.url, 6);
    boss = await testBoss(t.url, { supervise: true });
    workers = await startRuntimeWorkers(boss, { databaseUrl: t.url, concurrency: 8, triggerSyncSeconds: 0 });
    for (const f of FLOWS) {
      const v = await publishFlow(pool, f.key, f);
      // The flow's owner team is the document's owner, as a flow saved through the designer has it.
      await pool.query(`UPDATE flow SET owner_team_id = $2 WHERE id = $1`, [v.flowId, await ensureTeam(pool, f.owner)]);
      ids.set(f.key, v);
    }
    const run = async (key: string, input: unknown) => {
      const v = ids.get(key)!;
      return (
        await createRun(pool, boss, { flowId: v.flowId, flowVersionId: v.versionId, triggerType: "manual", input })
      ).runId;
    };
    const started: string[] = [];
    for (const d of deals)
      started.push(await run("kpi-deals", { ...d, wonAt: iso(d.wonAt), psaAt: iso(d.psaAt), erpAt: iso(d.erpAt) }));
    for (let i = 0; i < entries.length; i += 10)
      started.push(
        await run("kpi-time", {
          entries: entries.slice(i, i + 10).map((e) => ({ ...e, approvedAt: iso(e.approvedAt) })),
        }),
      );
    // The daily batch lists approved time again until it is invoiced: a later approval of the same entry.
    started.push(
      await run("kpi-time", {
        entries: billable
          .slice(0, 5)
          .map((e) => ({ ...e, approvedAt: iso(Math.min(asOf - 1000, e.approvedAt + DAY)) })),
      }),
    );
    for (const inv of invoices) started.push(await run("kpi-invoice", { ...inv, postedAt: iso(inv.postedAt) }));
    started.push(await run("kpi-assign", { assignments }));
    started.push(await run("kpi-capacity", { capacity }));
    for (const b of blocked) started.push(await run("kpi-blocked", b));
    for (const id of started) await runRowSettled(pool, id, 30_000);
  }, 120_000);

  afterAll(async () => {
    await workers.stop();
    await boss.stop({ graceful: false });
    await t.drop();
  });

  const tileOf = (tiles: KpiTile[], id: string) => tiles.find((x) => x.id === id)!;
  const close = (a: number | null, b: number | null) => {
    if (b === null) return expect(a).toBeNull();
    expect(a).not.toBeNull();
    expect(a!).toBeCloseTo(b, 6);
  };

  it("computes every KPI as the test does from the facts it sent", async () => {
    const s = await kpiSummary(pool, {}, now);
    expect(s.from).toBe(new Date(from).toISOString());

    // Invoice cycle time: first approval → first invoicing, invoiced in the period.
    const firstApproval = new Map<string, number>();
    for (const e of billable) firstApproval.set(e.id, e.approvedAt); // the re-approval is later: the first wins
    const cycle = [...invoiced]
      .filter(([, at]) => at >= from && at < asOf)
      .map(([id, at]) => (at - firstApproval.get(id)!) / DAY)
      .filter((d) => d >= 0);
    const ict = tileOf(s.tiles, "invoice-cycle-time");
    close(ict.value, pct(cycle, 0.5));
    close(ict.detail.p90 as number, pct(cycle, 0.9));
    expect(ict.detail.count).toBe(cycle.length);

    // Unbilled approved time as of now, ageing buckets and the part held up by open exceptions (by project key).
    const open = billable.filter((e) => !invoiced.has(e.id));
    const sum = (list: Entry[], f: (e: Entry) => number) => list.reduce((n, e) => n + f(e), 0);
    const ub = tileOf(s.tiles, "unbilled-approved-time");
    close(
      ub.value,
      sum(open, (e) => e.hours * e.rate),
    );
    close(
      ub.detail.hours as number,
      sum(open, (e) => e.hours),
    );
    expect(ub.detail.entries).toBe(open.length);
    const heldProjects = new Set(blocked.map((b) => b.project));
    const held = open.filter((e) => heldProjects.has(e.project));
    close(
      ub.detail.heldAmount as number,
      sum(held, (e) => e.hours * e.rate),
    );
    const age = (e: Entry) => Math.floor((asOf - e.approvedAt) / DAY);
    const bucket = (lo: number, hi: number) => open.filter((e) => age(e) >= lo && age(e) <= hi);
    close(
      (ub.detail["amount_0-7"] as number | undefined) ?? 0,
      sum(bucket(0, 7), (e) => e.hours * e.rate),
    );
    close(
      (ub.detail["amount_8-30"] as number | undefined) ?? 0,
      sum(bucket(8, 30), (e) => e.hours * e.rate),
    );
    close(
      (ub.detail["amount_31-60"] as number | undefined) ?? 0,
      sum(bucket(31, 60), (e) => e.hours * e.rate),
    );
    close(
      (ub.detail["amount_60+"] as number | undefined) ?? 0,
      sum(bucket(61, 1e9), (e) => e.hours * e.rate),
    );
    // The trend: unbilled at the end of each week.
    for (const [w, point] of ub.trend.entries()) {
      const end = Math.min(from + (w + 1) * 7 * DAY, asOf);
      const at = billable.filter((e) => e.approvedAt < end && !((invoiced.get(e.id) ?? Infinity) < end));
      close(
        point.value,
        sum(at, (e) => e.hours * e.rate),
      );
    }

    // Project set-up time: won → live in both systems, live in the period.
    const setup = deals
      .filter((d) => d.psaAt !== undefined && d.erpAt !== undefined)
      .filter((d) => Math.max(d.psaAt!, d.erpAt!) >= from)
      .map((d) => (Math.max(d.psaAt!, d.erpAt!) - d.wonAt) / HOUR);
    const st = tileOf(s.tiles, "project-setup-time");
    close(st.value, pct(setup, 0.5));
    close(st.detail.p90 as number, pct(setup, 0.9));
    expect(st.detail.count).toBe(setup.length);

    // Utilisation variance: per person and week, first approvals vs assignments.
    const actual = new Map<string, number>();
    for (const e of billable)
      if (e.approvedAt >= from) {
        const k = `${e.person}|${mondayOf(e.approvedAt)}`;
        actual.set(k, (actual.get(k) ?? 0) + e.hours);
      }
    const planned = new Map<string, number>();
    for (const a of assignments) {
      const k = `${a.person}|${mondayOf(Date.parse(a.week))}`;
      planned.set(k, (planned.get(k) ?? 0) + a.hours);
    }
    for (const c of capacity) {
      const k = `${c.person}|${mondayOf(Date.parse(c.week))}`;
      if (!assignments.some((a) => a.person === c.person)) planned.set(k, (planned.get(k) ?? 0) + c.hours);
    }
    let absVar = 0;
    let plan = 0;
    for (const [k, p] of planned) {
      absVar += Math.abs((actual.get(k) ?? 0) - p);
      plan += p;
    }
    close(tileOf(s.tiles, "utilisation-variance").value, absVar / plan);

    // Deal → first invoice: the deal's project's first invoice, invoiced in the period.
    const d2i = invoices
      .filter((i) => i.postedAt >= from)
      .map((i) => (i.postedAt - deals.find((d) => d.project === i.project)!.wonAt) / DAY)
      .filter((d) => d >= 0);
    close(tileOf(s.tiles, "deal-to-invoice").value, pct(d2i, 0.5));

    // Touchless: every run but the blocked ones succeeded without an exception.
    const total = deals.length + Math.ceil(entries.length / 10) + 1 + invoices.length + 2 + blocked.length;
    const tr = tileOf(s.tiles, "touchless-rate");
    expect(tr.detail).toMatchObject({ runs: total, touchless: total - blocked.length });
    close(tr.value, (total - blocked.length) / total);

    // Blocked money: the open exceptions' amounts.
    close(tileOf(s.tiles, "blocked-money").value, 2500 + 1200);
  });

  it("counts production runs only: a failed run in a test environment leaves the touchless rate as it was", async () => {
    const before = tileOf((await kpiSummary(pool, {}, now)).tiles, "touchless-rate");
    await insertRuns(t.db, ids.get("kpi-blocked")!.flowId, [
      { status: "failed", createdAt: new Date(asOf - HOUR), environment: "test" },
    ]);
    const after = tileOf((await kpiSummary(pool, {}, now)).tiles, "touchless-rate");
    expect(after.detail).toEqual(before.detail);
    expect(after.value).toBe(before.value);
  });

  it("counts a test-environment run's business events in the test environment only", async () => {
    const before = await kpiSummary(pool, {}, now);
    const prodUnbilled = tileOf(before.tiles, "unbilled-approved-time").value!;
    const open = billable.find((e) => !invoiced.has(e.id))!; // unbilled in production
    const start = async (key: string, input: unknown) => {
      const v = ids.get(key)!;
      const { runId } = await createRun(pool, boss, {
        flowId: v.flowId,
        flowVersionId: v.versionId,
        triggerType: "manual",
        input,
        environment: "test",
      });
      expect((await runRowSettled(pool, runId, 30_000)).status).toBe("succeeded");
    };
    // In test: two entries approved, one of them invoiced, and production's unbilled entry invoiced too.
    const at = (ms: number) => new Date(asOf - ms).toISOString();
    await start("kpi-time", {
      entries: [
        { id: "TT-1", project: "P-1", person: "U-1", hours: 2, rate: 100, billable: true, approvedAt: at(3 * DAY) },
        { id: "TT-2", project: "P-1", person: "U-1", hours: 3, rate: 100, billable: true, approvedAt: at(3 * DAY) },
      ],
    });
    await start("kpi-invoice", {
      invoice: "INV-T",
      project: "P-1",
      entries: ["TT-2", open.id],
      postedAt: at(DAY),
      amount: 300,
    });
    const events = await pool.query<{ environment: string; n: number }>(
      `SELECT environment, count(*)::int AS n FROM business_event WHERE time_entry IN ('TT-1', 'TT-2') GROUP BY 1`,
    );
    expect(events.rows).toEqual([{ environment: "test", n: 3 }]);

    // Production (the default) is as it was: neither the test approvals nor the test invoicing count.
    expect((await kpiSummary(pool, {}, now)).tiles).toEqual(before.tiles);
    expect((await kpiSummary(pool, { environment: "production" }, now)).tiles).toEqual(before.tiles);
    // Test's own figures: TT-1 unbilled, TT-2 invoiced two days after approval.
    const test = await kpiSummary(pool, { environment: "test" }, now);
    expect(tileOf(test.tiles, "unbilled-approved-time").value).toBe(200);
    expect(tileOf(test.tiles, "invoice-cycle-time").detail).toMatchObject({ count: 1 });
    close(tileOf(test.tiles, "invoice-cycle-time").value, 2);
    // Every environment: each environment's facts apart (production's entry stays unbilled there).
    close(
      tileOf((await kpiSummary(pool, { environment: "all" }, now)).tiles, "unbilled-approved-time").value,
      prodUnbilled + 200,
    );
    const drill = await kpiDrill(pool, "unbilled-approved-time", { environment: "test" }, 100, now);
    expect(drill.records.map((x) => x.time_entry)).toEqual(["TT-1"]);
  });

  it("filters by customer (through the projects of its deals) and by team", async () => {
    const s = await kpiSummary(pool, { customer: "C-1" }, now);
    const projectsOf = new Set(projects.filter((p) => p.customer === "C-1").map((p) => p.project));
    const open = billable.filter((e) => !invoiced.has(e.id) && projectsOf.has(e.project));
    close(
      tileOf(s.tiles, "unbilled-approved-time").value,
      open.reduce((n, e) => n + e.hours * e.rate, 0),
    );
    const byTeam = await kpiSummary(pool, { team: "sales" }, now);
    expect(tileOf(byTeam.tiles, "unbilled-approved-time").value).toBe(0);
    expect(tileOf(byTeam.tiles, "touchless-rate").detail).toMatchObject({ runs: deals.length });
  });

  it("drills from unbilled approved time to the open exceptions holding it up", async () => {
    const d = await kpiDrill(pool, "unbilled-approved-time", {}, 100, now);
    const open = billable.filter((e) => !invoiced.has(e.id));
    expect(d.records).toHaveLength(open.length);
    // Held: the open entries of a project an open exception names; one exception per such project.
    const heldProjects = blocked.map((b) => b.project).filter((p) => open.some((e) => e.project === p));
    expect(heldProjects.length).toBeGreaterThan(0);
    expect(new Set(d.records.filter((x) => x.held).map((x) => x.project))).toEqual(new Set(heldProjects));
    expect(d.exceptions.map((x) => x.flowKey)).toEqual(heldProjects.map(() => "kpi-blocked"));
    const perProject = heldProjects.map((p) =>
      open.filter((e) => e.project === p).reduce((n, e) => n + e.hours * e.rate, 0),
    );
    const amounts = d.exceptions.map((x) => x.amount!);
    expect(amounts.sort((a, b) => a - b)).toEqual(perProject.sort((a, b) => a - b).map((n) => expect.closeTo(n, 6)));
    expect(d.runs.length).toBeGreaterThan(0);
  });
});
