import { describe, expect, it } from "vitest";
import { rankCandidates, StaffingInputError, workingDays, type StaffingCandidate } from "./rank";
import { evaluate } from "../dsl/expressions";
import { validate } from "../dsl/validate";

const request = {
  startDate: "2026-06-01", // Monday
  endDate: "2026-06-12", // Friday: 10 working days
  hours: 40,
  skills: [
    { name: "Snowflake", level: 4 },
    { name: "dbt", level: 2 },
  ],
  location: { city: "Chicago", country: "US" },
};
const person = (id: string, over: Partial<StaffingCandidate> = {}): StaffingCandidate => ({
  id,
  skills: [
    { name: "Snowflake", level: 4 },
    { name: "dbt", level: 3 },
  ],
  location: { city: "Chicago", country: "US" },
  weeklyCapacityHours: 40,
  utilisation: 0.5,
  ...over,
});

describe("rankCandidates", () => {
  it("counts working days Monday to Friday, both ends included", () => {
    expect(workingDays("2026-06-01", "2026-06-12")).toBe(10);
    expect(workingDays("2026-06-06", "2026-06-07")).toBe(0);
    expect(workingDays("2026-06-12", "2026-06-01")).toBe(0);
  });

  it("scores skills by level, location, availability and utilisation, with the documented weights", () => {
    const r = rankCandidates(request, [
      person("a"),
      person("b", { location: { city: "New York", country: "US" } }),
      person("c", { skills: [{ name: "snowflake", level: 2 }] }), // half the level of one of two skills: 0.25
      person("d", { timeOffHours: 40, bookedHours: 30 }), // 10 of 40 hours free: 0.25 availability
      person("e", { utilisation: 0.9 }),
    ]);
    expect(r.options.map((o) => [o.id, o.score])).toEqual([
      ["a", 0.95],
      ["b", 0.85],
    ]);
    expect(r.options[0]).toMatchObject({
      rank: 1,
      skillMatch: 1,
      locationMatch: 1,
      availability: 1,
      availableHours: 80,
      utilisation: 0.5,
      matchedSkills: ["Snowflake", "dbt"],
      missingSkills: [],
    });
    expect(r.excluded).toEqual({ skills: 1, utilisation: 1, availability: 1 });
    expect(r).toMatchObject({ considered: 5, workingDays: 10, requestedHours: 40 });
  });

  it("breaks ties by skill match, then lower utilisation, then id — whatever the input order", () => {
    const same = [person("z"), person("m"), person("k", { utilisation: 0.5 })];
    const a = rankCandidates(request, same, { top: 10 });
    const b = rankCandidates(request, [...same].reverse(), { top: 10 });
    expect(a.options.map((o) => o.id)).toEqual(["k", "m", "z"]);
    expect(b.options).toEqual(a.options);
    // Lower utilisation scores higher anyway; equal scores fall back to the skill match.
    const tie = rankCandidates({ ...request, location: null }, [
      person("x", {
        skills: [
          { name: "Snowflake", level: 4 },
          { name: "dbt", level: 1 },
        ],
        utilisation: 0,
      }),
      person("y", { utilisation: 0.5 }),
    ]);
    // x: 0.5·0.75 + 0.2 + 0.2 + 0.1 = 0.875; y: 0.5 + 0.2 + 0.2 + 0.05 = 0.95
    expect(tie.options.map((o) => [o.id, o.score])).toEqual([
      ["y", 0.95],
      ["x", 0.875],
    ]);
  });

  it("same country counts half; no location in the request counts everyone as local", () => {
    const r = rankCandidates({ ...request, location: { country: "GB" } }, [
      person("lon", { location: { city: "London", country: "GB" } }),
      person("chi"),
    ]);
    expect(r.options.map((o) => [o.id, o.locationMatch])).toEqual([
      ["lon", 0.5],
      ["chi", 0],
    ]);
    expect(rankCandidates({ ...request, location: undefined }, [person("chi")]).options[0]!.locationMatch).toBe(1);
  });

  it("honours the thresholds and the number of options", () => {
    const many = ["a", "b", "c", "d", "e"].map((id) => person(id));
    expect(rankCandidates(request, many).options).toHaveLength(3);
    expect(rankCandidates(request, many, { top: 1 }).options.map((o) => o.id)).toEqual(["a"]);
    expect(rankCandidates(request, [person("e", { utilisation: 0.9 })], { maxUtilisation: 0.95 }).options).toHaveLength(
      1,
    );
  });

  it("names the field of a request it cannot rank", () => {
    const err = (f: () => unknown): unknown => {
      try {
        f();
      } catch (e) {
        return e instanceof StaffingInputError ? [e.field, e.message] : e;
      }
      return "no error";
    };
    expect(err(() => rankCandidates({ ...request, startDate: undefined as never }, []))).toEqual([
      "request.startDate",
      "request.startDate must be a date (YYYY-MM-DD); got null.",
    ]);
    expect(err(() => rankCandidates({ ...request, skills: [] }, []))).toEqual([
      "request.skills",
      "request.skills must name at least one skill.",
    ]);
    expect(err(() => rankCandidates({ ...request, endDate: "2026-05-01" }, []))).toEqual([
      "request.endDate",
      "request.endDate must not be before request.startDate.",
    ]);
    expect(err(() => rankCandidates(request, [{ ...person("a"), id: "" }]))).toEqual([
      "candidates[0].id",
      "candidates[0].id must be a non-empty string.",
    ]);
  });

  it("is bound in flow expressions as $staffingRank and $workingDays", async () => {
    const out = (await evaluate("$staffingRank($trigger.request, $trigger.people, { 'top': 1 }).options.id", {
      trigger: { request, people: [person("b"), person("a")] },
    })) as string;
    expect(out).toBe("a");
    expect(await evaluate("$workingDays('2026-06-01', '2026-06-05')", {})).toBe(5);
    await expect(evaluate("$staffingRank({}, [])", {})).rejects.toThrow(/request.startDate must be a date/);
  });
});

describe("the validator knows the staffing functions", () => {
  const flow = (output: string) => ({
    dsl: "weft/1",
    key: "rank-check",
    version: "1.0.0",
    name: "Rank check",
    description: "Checks the staffing functions.",
    domain: "resource",
    owner: "pmo",
    classification: "internal",
    trigger: { type: "manual" },
    start: "rank",
    steps: [{ id: "rank", type: "map", output }],
  });

  it("accepts the documented calls", () => {
    expect(validate(flow("$staffingRank($trigger.request, $trigger.people)")).problems).toEqual([]);
    expect(validate(flow("$staffingRank($trigger.request, $trigger.people, { 'top': 5 })")).ok).toBe(true);
    expect(validate(flow("$workingDays('2026-06-01', $trigger.end)")).ok).toBe(true);
  });

  it("refuses a call with the wrong number of arguments, naming the usage", () => {
    const r = validate(flow("$count($staffingRank($trigger.request))"));
    expect(r.ok).toBe(false);
    expect(r.problems).toEqual([
      {
        stepId: "rank",
        path: ["steps", 0, "output"],
        code: "function-arguments",
        severity: "error",
        message:
          "Step 'rank': output calls $staffingRank with 1 argument (position 20); it takes $staffingRank(request, candidates, options?).",
      },
    ]);
    expect(validate(flow("$workingDays('2026-06-01')")).problems.map((p) => p.code)).toEqual(["function-arguments"]);
  });
});
