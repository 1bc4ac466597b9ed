import { describe, expect, it } from "vitest";
import { businessKeyValues, isMeasure, mergeKeys } from "./keys";

describe("business keys", () => {
  it("measures (numbers under money/hours names) are impact, never matched; identities are", () => {
    expect(isMeasure("amount", 12.5)).toBe(true);
    expect(isMeasure("totalHours", "38.5")).toBe(true);
    expect(isMeasure("project", 42)).toBe(false);
    expect(isMeasure("amount", "EUR 12")).toBe(false);
    expect(
      businessKeyValues({ project: ["P1", "P2", "P1"], invoice: 1042, amount: 250, hours: "3", note: "" }),
    ).toEqual(["project=P1", "project=P2", "invoice=1042"]);
  });

  it("merging: identities are the distinct union, measures are summed only when asked", () => {
    const run = { batch: "B1", amount: 10 };
    expect(mergeKeys(run, null, { sumMeasures: true })).toBe(run);
    const items = mergeKeys(
      mergeKeys(null, { project: "P1", amount: 100 }, { sumMeasures: true }),
      { project: "P2", amount: 0.1 },
      { sumMeasures: true },
    );
    expect(items).toEqual({ project: ["P1", "P2"], amount: 100.1 });
    expect(mergeKeys(run, items, { sumMeasures: false })).toEqual({ batch: "B1", amount: 10, project: ["P1", "P2"] });
    expect(mergeKeys(run, items, { sumMeasures: true })).toEqual({ batch: "B1", amount: 110.1, project: ["P1", "P2"] });
    // Merging the same items again changes nothing (a resumed run walks its items again).
    const once = mergeKeys(run, { project: ["P1", "P2"] }, { sumMeasures: false });
    expect(mergeKeys(once, { project: "P2" }, { sumMeasures: false })).toEqual(once);
    expect(mergeKeys({ project: "P1" }, { project: "P1" }, { sumMeasures: false })).toEqual({ project: "P1" });
  });
});
