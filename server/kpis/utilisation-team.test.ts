// Utilisation per team is per the person's team in the HRIS (the personTeam key: a Workday organisation), not per
// the Weft team owning the flows that record the facts (PMO books, finance bills). Facts are written by the
// runtime's own writer (insertBusinessEvents) from two flows of different owner teams; the expected figures are
// computed here from the facts as written, person-week by person-week.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../testing/db";
import { insertRuns, makeFlow } from "../governance/testing";
import { prismaSql } from "../runtime/sql";
import { insertBusinessEvents } from "../runtime/business-events";
import type { BusinessEvent } from "../../core/dsl";
import { kpiDrill, kpiTile } from "./queries";
import { personTeamsSql } from "./sql";

const ASOF = "2026-11-29T23:00:00.000Z"; // a Sunday: the period is the weeks of 2, 9, 16 and 23 November
const WEEKS = ["2026-11-02", "2026-11-09", "2026-11-16", "2026-11-23"];
const DATA = { id: "ORG-DATA", name: "Data & Analytics (Ada Reyes)" };
const CLOUD = { id: "ORG-CLOUD", name: "Cloud Engineering (Tom Byrne)" };

type Team = { id: string; name: string } | null;
interface Fact {
  type: "assignment.made" | "time.approved";
  person: string;
  team: Team;
  /** Monday of the planned week, or the day the work was performed. */
  day: string;
  hours: number;
}

// u-1 in Data all month; u-2 in Cloud; u-3 moves from Data to Cloud in the third week (the HRIS changed);
// u-4 has approved time but no plan (unplanned hours), u-5 has no HRIS team on its facts.
const FACTS: Fact[] = [
  ...WEEKS.map((w): Fact => ({ type: "assignment.made", person: "u-1", team: DATA, day: w, hours: 30 })),
  ...WEEKS.map((w, i): Fact => ({ type: "time.approved", person: "u-1", team: DATA, day: w, hours: 28 + i })),
  ...WEEKS.slice(0, 3).map((w): Fact => ({ type: "assignment.made", person: "u-2", team: CLOUD, day: w, hours: 40 })),
  ...WEEKS.map((w): Fact => ({ type: "time.approved", person: "u-2", team: CLOUD, day: w, hours: 20 })),
  ...WEEKS.map((w, i): Fact => ({
    type: "assignment.made",
    person: "u-3",
    team: i < 2 ? DATA : CLOUD,
    day: w,
    hours: 16,
  })),
  ...WEEKS.map((w, i): Fact => ({
    type: "time.approved",
    person: "u-3",
    team: i < 2 ? DATA : CLOUD,
    day: w,
    hours: 24,
  })),
  { type: "time.approved", person: "u-4", team: CLOUD, day: WEEKS[1]!, hours: 8 },
  { type: "assignment.made", person: "u-5", team: null, day: WEEKS[0]!, hours: 10 },
  { type: "time.approved", person: "u-5", team: null, day: WEEKS[0]!, hours: 6 },
];

/** Per team: Σ planned, Σ actual and Σ|actual − planned| ÷ Σ planned over planned person-weeks; unplanned hours. */
function expected(facts: readonly Fact[]) {
  const weeks = new Map<string, { team: Team; planned: number; actual: number }>();
  for (const f of facts) {
    const k = `${f.person}|${f.day}`;
    const w = weeks.get(k) ?? { team: null, planned: 0, actual: 0 };
    if (f.type === "assignment.made") w.planned += f.hours;
    else w.actual += f.hours;
    w.team = w.team ?? f.team;
    weeks.set(k, w);
  }
  const teams = new Map<string | null, { planned: number; actual: number; abs: number; unplanned: number }>();
  for (const w of weeks.values()) {
    const t = teams.get(w.team?.id ?? null) ?? { planned: 0, actual: 0, abs: 0, unplanned: 0 };
    if (w.planned > 0) {
      t.planned += w.planned;
      t.actual += w.actual;
      t.abs += Math.abs(w.actual - w.planned);
    } else t.unplanned += w.actual;
    teams.set(w.team?.id ?? null, t);
  }
  return teams;
}

describe("utilisation per HRIS team", () => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase();
    const sql = prismaSql(t.db);
    // Bookings by PMO's staffing flow, approvals by finance's invoicing flow: the Weft teams say nothing of whose
    // people worked.
    const staffing = await makeFlow(t.db, { key: "staffing", teamKey: "pmo" });
    const billing = await makeFlow(t.db, { key: "billing", teamKey: "finance" });
    for (const [flowId, type] of [
      [staffing, "assignment.made"],
      [billing, "time.approved"],
    ] as const) {
      const [runId] = await insertRuns(t.db, flowId, [{ status: "succeeded", createdAt: new Date("2026-11-01Z") }]);
      const events: BusinessEvent[] = FACTS.filter((f) => f.type === type).map((f, i) => ({
        type,
        keys: {
          person: f.person,
          ...(f.team ? { personTeam: f.team.id } : {}),
          ...(type === "time.approved" ? { timeEntry: `te-${i}`, project: "P-1" } : { project: "P-1" }),
        },
        amount: null,
        currency: null,
        hours: f.hours,
        system: null,
        // Plans are recorded at the week's start; approvals a few days after the work.
        occurredAt: `${type === "time.approved" ? addDays(f.day, 3) : f.day}T09:00:00.000Z`,
        performedOn: type === "time.approved" ? f.day : null,
        personTeamName: f.team?.name ?? null,
      }));
      await insertBusinessEvents(sql, runId!, "facts", events, type === "time.approved" ? "finance" : "pmo");
    }
  });
  afterAll(() => t.drop());

  const input = { weeks: 4, asOf: ASOF };

  it("groups planned and actual hours by the person's HRIS team, with its name", async () => {
    const want = expected(FACTS);
    const drill = await kpiDrill(prismaSql(t.db), "utilisation-variance", input, 500, new Date(ASOF));
    expect(drill.teams).toBeDefined();
    const got = new Map(drill.teams!.map((x) => [x.team, x]));
    expect([...got.keys()].sort()).toEqual([...want.keys()].sort());
    for (const [team, w] of want) {
      const g = got.get(team)!;
      expect(g.planned, String(team)).toBeCloseTo(w.planned, 6);
      expect(g.actual, String(team)).toBeCloseTo(w.actual, 6);
      expect(g.variance, String(team)).toBeCloseTo(w.abs / w.planned, 6);
      expect(g.unplannedHours, String(team)).toBeCloseTo(w.unplanned, 6);
    }
    expect(got.get(DATA.id)!.name).toBe(DATA.name);
    expect(got.get(CLOUD.id)!.name).toBe(CLOUD.name);
    expect(got.get(null)!.name).toBeNull();
    // u-3 counts in Data for the first two weeks and in Cloud after the move.
    const u3 = drill.people!.filter((p) => p.person === "u-3").sort((a, b) => (a.week < b.week ? -1 : 1));
    expect(u3.map((p) => p.teamName)).toEqual([DATA.name, DATA.name, CLOUD.name, CLOUD.name]);
  });

  it("filters by the HRIS team; the Weft team filter does not split utilisation", async () => {
    const want = expected(FACTS);
    const sql = prismaSql(t.db);
    for (const team of [DATA, CLOUD]) {
      const tile = await kpiTile(sql, "utilisation-variance", { ...input, personTeam: team.id }, new Date(ASOF));
      const w = want.get(team.id)!;
      expect(tile.value, team.id).toBeCloseTo(w.abs / w.planned, 6);
      expect(tile.detail.plannedHours).toBeCloseTo(w.planned, 6);
      expect(tile.detail.teams).toBe(1);
    }
    const all = await kpiTile(sql, "utilisation-variance", input, new Date(ASOF));
    const finance = await kpiTile(sql, "utilisation-variance", { ...input, team: "finance" }, new Date(ASOF));
    expect(finance.value).toBe(all.value);
    expect(all.detail.teams).toBe(2);
    const records = await kpiDrill(
      sql,
      "utilisation-variance",
      { ...input, personTeam: CLOUD.id },
      500,
      new Date(ASOF),
    );
    expect(new Set(records.records.map((r) => r.person_team))).toEqual(new Set([CLOUD.id]));
  });

  it("lists the HRIS teams by their latest name", async () => {
    const sql = prismaSql(t.db);
    const q = personTeamsSql();
    expect((await sql.query(q.text, q.values)).rows).toEqual([
      { id: CLOUD.id, name: CLOUD.name },
      { id: DATA.id, name: DATA.name },
    ]);
    // Renamed in the HRIS: a later fact's name wins.
    const flowId = await makeFlow(t.db, { key: "late", teamKey: "pmo" });
    const [runId] = await insertRuns(t.db, flowId, [{ status: "succeeded", createdAt: new Date("2026-11-29Z") }]);
    await insertBusinessEvents(
      sql,
      runId!,
      "facts",
      [
        {
          type: "capacity.planned",
          keys: { person: "u-1", personTeam: DATA.id },
          amount: null,
          currency: null,
          hours: 0,
          system: null,
          occurredAt: "2026-11-29T09:00:00.000Z",
          performedOn: null,
          personTeamName: "Data & AI (Ada Reyes)",
        },
      ],
      "pmo",
    );
    expect((await sql.query(q.text, q.values)).rows).toEqual([
      { id: CLOUD.id, name: CLOUD.name },
      { id: DATA.id, name: "Data & AI (Ada Reyes)" },
    ]);
  });
});

function addDays(day: string, n: number): string {
  return new Date(Date.parse(`${day}T00:00:00Z`) + n * 86_400_000).toISOString().slice(0, 10);
}
