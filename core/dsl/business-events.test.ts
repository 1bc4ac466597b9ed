// Business events in the DSL: the schema, the validator's named problems, the canvas round trip and evaluation.
import { describe, expect, it } from "vitest";
import { validate } from "./validate";
import { compile, decompile } from "./graph";
import { evaluateBusinessEvents, parseFlow, type BusinessEventDecl } from "./index";

const doc = (business: unknown, type = "map") => ({
  dsl: "weft/1",
  key: "billing",
  version: "1.0.0",
  name: "Billing",
  description: "",
  domain: "invoice",
  owner: "finance",
  classification: "internal",
  trigger: { type: "manual" },
  start: "shape",
  steps: [
    type === "map"
      ? { id: "shape", type: "map", output: "$trigger.entries", business }
      : { id: "shape", type: "wait", duration: "1s", business },
  ],
});
const approved = {
  type: "time.approved",
  each: "$output",
  keys: { timeEntry: "id", project: "project" },
  hours: "hours",
  amount: "hours * rate",
  currency: "'EUR'",
};
const errors = (d: unknown) => validate(d).problems.filter((p) => p.severity === "error");

describe("business events: definitions and validation", () => {
  it("accepts a declaration and round-trips it through the canvas", () => {
    const d = doc([approved]);
    expect(errors(d)).toEqual([]);
    const flow = parseFlow(d);
    const back = compile(decompile(flow).graph, { layout: false });
    expect(back.problems).toEqual([]);
    expect(back.flow).toStrictEqual(flow);
  });

  it("names the step, field and reason of a bad declaration", () => {
    const bad = validate(doc([{ ...approved, type: "time.logged" }])).problems.find((p) => p.severity === "error");
    expect(bad).toMatchObject({ stepId: "shape", path: ["steps", 0, "business", 0, "type"] });
    expect(bad!.message).toMatch(/time\.approved/);

    const noKeys = errors(doc([{ ...approved, keys: {} }]));
    expect(noKeys).toContainEqual(
      expect.objectContaining({ code: "business-event-without-keys", path: ["steps", 0, "business", 0, "keys"] }),
    );
    const record = errors(doc([{ type: "deal.won", keys: { opportunity: "$record.id" } }]));
    expect(record).toContainEqual(
      expect.objectContaining({
        code: "record-without-each",
        path: ["steps", 0, "business", 0, "keys", "opportunity"],
      }),
    );
    const live = errors(doc([{ type: "project.live", keys: { project: "$output.id" } }]));
    expect(live).toContainEqual(expect.objectContaining({ code: "business-event-needs-system" }));
    const syntax = errors(doc([{ ...approved, hours: "hours *" }]));
    expect(syntax).toContainEqual(
      expect.objectContaining({ code: "expression-syntax", path: ["steps", 0, "business", 0, "hours"] }),
    );
    const unknownKey = errors(doc([{ ...approved, keys: { order: "id" } }]));
    expect(unknownKey[0]).toMatchObject({ path: ["steps", 0, "business", 0, "keys", "order"] });
  });

  it("is refused on a step type that does not record events", () => {
    const p = errors(doc([approved], "wait"));
    expect(p[0]).toMatchObject({ stepId: "shape", path: ["steps", 0, "business"] });
  });

  it("evaluates one event per element that passes `when`, with checked values", async () => {
    const decls = [{ ...approved, when: "billable" }] as BusinessEventDecl[];
    const output = [
      { id: 1, project: "P", hours: 2, rate: 100, billable: true },
      { id: 2, project: "P", hours: 1, rate: 100, billable: false },
    ];
    const now = new Date("2026-11-02T00:00:00Z");
    const ev = await evaluateBusinessEvents(decls, { trigger: {}, steps: {}, output }, now);
    expect(ev).toEqual([
      {
        type: "time.approved",
        keys: { timeEntry: "1", project: "P" },
        hours: 2,
        amount: 200,
        currency: "EUR",
        system: null,
        occurredAt: now.toISOString(),
        performedOn: null,
        personTeamName: null,
      },
    ]);
    await expect(
      evaluateBusinessEvents([{ ...approved, occurredAt: "'yesterday'" }] as BusinessEventDecl[], { output }, now),
    ).rejects.toThrow(/business\[0\]\.occurredAt \(time\.approved\): occurredAt gave "yesterday", not an ISO 8601/);
  });

  it("records the day the work was performed: a date as is, a timestamp's date as written, anything else refused", async () => {
    const now = new Date("2026-11-02T00:00:00Z");
    const one = async (performedOn: string) =>
      (
        await evaluateBusinessEvents(
          [{ ...approved, performedOn }] as BusinessEventDecl[],
          { output: [{ id: 1, project: "P", hours: 2, rate: 100, day: "2026-10-26" }] },
          now,
        )
      )[0]!.performedOn;
    expect(await one("day")).toBe("2026-10-26");
    // 23:30 on the 26th at -05:00 is the 27th in UTC, but the person worked it on the 26th.
    expect(await one("'2026-10-26T23:30:00-05:00'")).toBe("2026-10-26");
    expect(await one("$record.nothing")).toBeNull();
    const refused: Array<[string, string]> = [
      ["'2026-02-30'", '"2026-02-30"'],
      ["'26/10/2026'", '"26/10/2026"'],
      ["'2026-10-26Tnoon'", '"2026-10-26Tnoon"'],
      ["20261026", "20261026"],
    ];
    for (const [bad, shown] of refused)
      await expect(one(bad)).rejects.toThrow(
        `business[0].performedOn (time.approved): performedOn gave ${shown}, not a day (YYYY-MM-DD) or an ISO 8601 timestamp.`,
      );
    // Checked like every field's expression by the validator.
    expect(errors(doc([{ ...approved, performedOn: "day +" }]))).toContainEqual(
      expect.objectContaining({ code: "expression-syntax", path: ["steps", 0, "business", 0, "performedOn"] }),
    );
    expect(errors(doc([{ ...approved, performedOn: "date_performed" }]))).toEqual([]);
  });
});
