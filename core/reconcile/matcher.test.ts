import { describe, expect, it } from "vitest";
import { DomainError } from "../domain-error";
import {
  matchArrays,
  matchStreams,
  parseDec,
  formatDec,
  ReconDefinition,
  type KeyOutcome,
  type ReconDefinitionInput,
} from "./index";

/** Two one-row sides keyed by `k`, one rule. */
function pair(rule: ReconDefinitionInput["rules"] extends (infer R)[] | undefined ? R : never): ReconDefinitionInput {
  return {
    key: "pair",
    name: "Pair",
    sides: [
      { name: "a", key: ["k"] },
      { name: "b", key: ["k"] },
    ],
    rules: [rule],
  };
}

async function statusOf(def: ReconDefinitionInput, a: object, b: object): Promise<KeyOutcome> {
  const r = await matchArrays(def, { a: [{ k: "x", ...a }], b: [{ k: "x", ...b }] });
  return r.outcomes[0] as KeyOutcome;
}

describe("exact decimals", () => {
  it("reads numbers through their decimal text and formats without drift", () => {
    expect(formatDec(parseDec(0.1 + 0.2)!)).toBe("0.30000000000000004");
    expect(formatDec(parseDec("100.10")!)).toBe("100.1");
    expect(formatDec(parseDec("-0.020")!)).toBe("-0.02");
    expect(formatDec(parseDec(1e-7)!)).toBe("0.0000001");
    expect(parseDec("12abc")).toBeNull();
    expect(parseDec("")).toBeNull();
    expect(parseDec(Number.NaN)).toBeNull();
  });
});

describe("tolerance boundaries", () => {
  const money = pair({ id: "amount", type: "money", a: { side: "a", path: "v" }, b: { side: "b", path: "v" } });
  const hours = pair({ id: "hours", type: "hours", a: { side: "a", path: "v" }, b: { side: "b", path: "v" } });

  it("money: a difference of exactly 0.01 matches, 0.011 breaks (floats would say 0.010000000000005)", async () => {
    expect(100.11 - 100.1).toBeGreaterThan(0.01); // why integer units: the float difference is past the boundary
    expect((await statusOf(money, { v: 100.1 }, { v: 100.11 })).status).toBe("matched");
    expect((await statusOf(money, { v: "100.10" }, { v: "100.09" })).status).toBe("matched");
    const off = await statusOf(money, { v: "100.10" }, { v: "100.111" });
    expect(off.status).toBe("mismatched");
    expect(off.differences[0]).toMatchObject({
      rule: "amount",
      a: { side: "a", value: "100.1" },
      b: { side: "b", value: "100.111" },
      detail: "differs by -0.011",
    });
    expect((await statusOf(money, { v: 0 }, { v: 0.02 })).status).toBe("mismatched");
  });

  it("money: cents and canonical Money objects; different currencies break", async () => {
    const def = pair({
      id: "amount",
      type: "money",
      a: { side: "a", path: "v", unit: "cents" },
      b: { side: "b", path: "v" },
    });
    expect((await statusOf(def, { v: 10010 }, { v: { amount: "100.11", currency: "USD" } })).status).toBe("matched");
    expect((await statusOf(def, { v: 10010 }, { v: { amount: "100.12", currency: "USD" } })).status).toBe("mismatched");
    const cur = await statusOf(
      money,
      { v: { amount: "5.00", currency: "USD" } },
      { v: { amount: "5.00", currency: "EUR" } },
    );
    expect(cur.differences[0]!.detail).toBe("currencies differ");
  });

  it("hours: 0.25 h matches, 0.26 h breaks; minutes compare exactly against hours", async () => {
    expect((await statusOf(hours, { v: 8 }, { v: 8.25 })).status).toBe("matched");
    expect((await statusOf(hours, { v: "7.75" }, { v: 8 })).status).toBe("matched");
    expect((await statusOf(hours, { v: 8 }, { v: 8.26 })).status).toBe("mismatched");
    const mins = pair({
      id: "hours",
      type: "hours",
      a: { side: "a", path: "v", unit: "minutes" },
      b: { side: "b", path: "v" },
    });
    expect((await statusOf(mins, { v: 480 }, { v: "8.25" })).status).toBe("matched");
    const off = await statusOf(mins, { v: 480 }, { v: "8.26" });
    expect(off.status).toBe("mismatched");
    expect(off.differences[0]).toMatchObject({ a: { value: "8" }, b: { value: "8.26" }, detail: "differs by -0.26 h" });
  });

  it("date within n days, both ways; a non-date breaks with a reason", async () => {
    const def = pair({
      id: "posted",
      type: "date",
      withinDays: 3,
      a: { side: "a", path: "d" },
      b: { side: "b", path: "d" },
    });
    expect((await statusOf(def, { d: "2026-01-30" }, { d: "2026-02-02" })).status).toBe("matched");
    expect((await statusOf(def, { d: "2026-02-02T23:00:00Z" }, { d: "2026-01-30" })).status).toBe("matched");
    expect((await statusOf(def, { d: "2026-01-30" }, { d: "2026-02-03" })).differences[0]!.detail).toBe("4 days apart");
    expect((await statusOf(def, { d: "2026-02-30" }, { d: "2026-02-03" })).differences[0]!.detail).toMatch(
      /not a date/,
    );
  });

  it("equal with normalisation; missing and empty values are equal", async () => {
    const def = pair({
      id: "name",
      type: "equal",
      normalise: { caseFold: true },
      a: { side: "a", path: "n" },
      b: { side: "b", path: "n" },
    });
    expect((await statusOf(def, { n: "  Acme   Corp " }, { n: "ACME corp" })).status).toBe("matched");
    expect((await statusOf(def, { n: "" }, {})).status).toBe("matched");
    expect((await statusOf(def, { n: "Acme" }, { n: "Acme Ltd" })).status).toBe("mismatched");
    expect((await statusOf(def, { n: true }, { n: "true" })).status).toBe("matched");
  });
});

describe("keys", () => {
  it("normalises: trim, case-fold, leading zeros, a map table, composite keys", async () => {
    const def: ReconDefinitionInput = {
      key: "keys",
      name: "Keys",
      maps: { ws: { "10001": "prj-2001" } },
      sides: [
        {
          name: "psa",
          key: ["workspace", "period"],
          normalise: { caseFold: true, stripLeadingZeros: true, map: "ws" },
        },
        { name: "erp", key: ["job", "period"], normalise: { caseFold: true } },
      ],
    };
    const r = await matchArrays(def, {
      psa: [
        { workspace: "0010001", period: "2026-01" },
        { workspace: "0", period: "2026-01" },
      ],
      erp: [
        { job: " PRJ-2001 ", period: "2026-01" },
        { job: "0", period: "2026-01" },
      ],
    });
    expect(r.totals).toMatchObject({ keys: 2, matched: 2 });
  });

  it("reports missing on each side, duplicates on a one-row side, and unkeyed records", async () => {
    const def: ReconDefinitionInput = {
      key: "m",
      name: "M",
      sides: [
        { name: "a", key: ["k"], id: "id" },
        { name: "b", key: ["k"], id: "id" },
      ],
    };
    const r = await matchArrays(def, {
      a: [
        { k: "1", id: "a1" },
        { k: "2", id: "a2" },
        { k: "3", id: "a3" },
        { k: "3", id: "a3b" },
        { k: "  ", id: "blank" },
      ],
      b: [
        { k: "2", id: "b2" },
        { k: "3", id: "b3" },
        { k: "4", id: "b4" },
      ],
    });
    const byKey = Object.fromEntries(
      r.outcomes.filter((o): o is KeyOutcome => o.kind === "key").map((o) => [o.key, o]),
    );
    expect(byKey["1"]).toMatchObject({ status: "missing", missingOn: ["b"], ids: { a: ["a1"], b: [] } });
    expect(byKey["2"]!.status).toBe("matched");
    expect(byKey["3"]).toMatchObject({ status: "duplicate", duplicateOn: ["a"], ids: { a: ["a3", "a3b"] } });
    expect(byKey["4"]).toMatchObject({ status: "missing", missingOn: ["a"] });
    expect(r.outcomes).toContainEqual({ kind: "unkeyed", side: "a", id: "blank" });
    expect(r.totals).toMatchObject({
      keys: 4,
      matched: 1,
      missing: 2,
      duplicate: 1,
      unkeyed: 1,
      missingOn: { a: 1, b: 1 },
      records: { a: 4, b: 3 },
    });
    expect(r.summary).toMatchObject({ matchRate: 0.25, breaks: 4 });
  });

  it("refuses a side that is not sorted by its normalised key, naming the side", async () => {
    const def: ReconDefinitionInput = {
      key: "s",
      name: "S",
      sides: [
        { name: "a", key: ["k"] },
        { name: "b", key: ["k"] },
      ],
    };
    const run = async () => {
      for await (const ev of matchStreams(def, { a: [{ k: "2" }, { k: "1" }], b: [] })) void ev;
    };
    await expect(run()).rejects.toThrow(DomainError);
    await expect(run()).rejects.toThrow(/Side "a" is not sorted .*"1" comes after "2"/);
  });

  it("drops records outside the period", async () => {
    const def: ReconDefinitionInput = {
      key: "p",
      name: "P",
      period: { from: "2026-01-01", to: "2026-01-31" },
      sides: [
        { name: "a", key: ["k"], date: "d" },
        { name: "b", key: ["k"], date: "d" },
      ],
    };
    const r = await matchArrays(def, {
      a: [
        { k: "1", d: "2026-01-31T22:00:00Z" },
        { k: "2", d: "2026-02-01" },
      ],
      b: [
        { k: "1", d: "2026-01-01" },
        { k: "3", d: "2025-12-31" },
      ],
    });
    expect(r.totals).toMatchObject({ keys: 1, matched: 1, outOfScope: 2 });
  });
});

describe("the definition", () => {
  const base: ReconDefinitionInput = {
    key: "d",
    name: "D",
    sides: [
      { name: "a", key: ["k"] },
      { name: "b", key: ["k"] },
    ],
  };
  const problem = (def: unknown) => {
    const r = ReconDefinition.safeParse(def);
    return r.success ? null : r.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`);
  };

  it("accepts 2 or 3 sides and names what is wrong otherwise", () => {
    expect(problem(base)).toBeNull();
    expect(problem({ ...base, sides: [base.sides[0]] })).toEqual([
      "sides: a reconciliation compares 2 or 3 record sets",
    ]);
    expect(problem({ ...base, sides: [base.sides[0], base.sides[0]] })).toContain("sides: side names must be unique");
    expect(problem({ ...base, sides: [{ name: "a", key: ["k"], normalise: { map: "nope" } }, base.sides[1]] })).toEqual(
      ['sides.0.normalise.map: no map named "nope" in maps'],
    );
    expect(
      problem({
        ...base,
        rules: [{ id: "x", type: "equal", a: { side: "a", path: "n" }, b: { side: "c", path: "n" } }],
      }),
    ).toEqual(['rules.0.b.side: no side named "c"']);
    expect(problem({ ...base, period: { from: "2026-01-01", to: "2026-01-31" } })).toContain(
      'sides.0.date: side "a" needs a date path when a period is set',
    );
    expect(
      problem({
        ...base,
        sides: [{ name: "a", key: ["k"], many: true }, base.sides[1]],
        rules: [{ id: "x", type: "equal", a: { side: "a", path: "n" }, b: { side: "b", path: "n" } }],
      }),
    ).toEqual(['rules.0.a.side: side "a" has many rows per key: only money and hours rules (sums) apply to it']);
    expect(
      problem({
        ...base,
        rules: [{ id: "x", type: "money", a: { side: "a", path: "n", unit: "minutes" }, b: { side: "b", path: "n" } }],
      }),
    ).toEqual(["rules.0.a.unit: minutes applies to hours rules"]);
  });

  it("matchStreams refuses an invalid definition with the field at fault", async () => {
    const run = async () => {
      for await (const ev of matchStreams({ ...base, sides: [base.sides[0]!] }, { a: [] })) void ev;
    };
    await expect(run()).rejects.toMatchObject({ code: "invalid", field: "sides" });
  });
});
