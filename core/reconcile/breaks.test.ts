import { describe, expect, it } from "vitest";
import { breaksOf, matchArrays, resolvedBy, type KeyOutcome, type ReconDefinitionInput } from "./index";

const def: ReconDefinitionInput = {
  key: "workers",
  name: "Workers",
  sides: [
    { name: "hris", key: ["n", "c"], id: "id" },
    { name: "psa", key: ["n", "c"], id: "id" },
  ],
  rules: [
    { id: "active", type: "equal", a: { side: "hris", path: "active" }, b: { side: "psa", path: "active" } },
    { id: "cost-rate", type: "money", a: { side: "hris", path: "rate" }, b: { side: "psa", path: "rate" } },
  ],
  impact: {
    money: [
      { side: "hris", path: "rate" },
      { side: "psa", path: "rate" },
    ],
  },
};
const meta = { key: "workers", name: "Workers" };

async function outcome(hris: object[], psa: object[]): Promise<KeyOutcome> {
  return (await matchArrays(def, { hris, psa })).outcomes.find((o) => o.kind === "key") as KeyOutcome;
}

describe("breaks", () => {
  it("one per broken rule, grouped by rule, the stake on the first only, compared values kept out of business keys", async () => {
    const o = await outcome(
      [{ n: "1", c: "UK", id: "W1", active: false, rate: "80.00" }],
      [{ n: "1", c: "UK", id: "U1", active: true, rate: "80.05" }],
    );
    const b = breaksOf(meta, o);
    expect(b.map((x) => [x.rule, x.signature])).toEqual([
      ["active", "reconcile:workers:active"],
      ["cost-rate", "reconcile:workers:cost-rate"],
    ]);
    expect(b[0]!.key).toBe("1 / UK");
    expect(b[0]!.message).toBe("Workers: 1 / UK — active: hris false, psa true (values differ)");
    expect(b[0]!.businessKeys).toEqual({
      reconciliation: "workers",
      recordKey: "1 / UK",
      rule: "active",
      amountAtStake: "0.05",
    });
    expect(b[1]!.businessKeys).toEqual({ reconciliation: "workers", recordKey: "1 / UK", rule: "cost-rate" });
    expect(b[1]!.difference).toMatchObject({ a: { value: "80" }, b: { value: "80.05" } });
  });

  it("missing sides and unkeyed records are breaks; a matched key has none", async () => {
    expect(breaksOf(meta, await outcome([{ n: "1", c: "UK", rate: "1" }], [{ n: "1", c: "UK", rate: "1" }]))).toEqual(
      [],
    );
    const missing = breaksOf(meta, await outcome([{ n: "1", c: "UK", rate: "12.50" }], []));
    expect(missing.map((x) => [x.rule, x.businessKeys.amountAtStake])).toEqual([["missing:psa", "12.5"]]);
    expect(breaksOf(meta, { kind: "unkeyed", side: "psa", id: "U9" })[0]).toMatchObject({
      rule: "unkeyed:psa",
      message: "Workers: record U9 on psa has no key",
    });
  });

  it("a later run resolves the open breaks its outcome no longer shows, and only this key's", async () => {
    const broken = await outcome(
      [{ n: "1", c: "UK", active: false, rate: "80" }],
      [{ n: "1", c: "UK", active: true, rate: "81" }],
    );
    const other = await outcome([{ n: "2", c: "UK", active: false }], [{ n: "2", c: "UK", active: true }]);
    const open = [...breaksOf(meta, broken), ...breaksOf(meta, other)].map((b) => b.identity);
    const fixedRate = await outcome(
      [{ n: "1", c: "UK", active: false, rate: "80" }],
      [{ n: "1", c: "UK", active: true, rate: "80" }],
    );
    expect(resolvedBy(meta, fixedRate, open)).toEqual([breaksOf(meta, broken)[1]!.identity]);
    const matched = await outcome(
      [{ n: "1", c: "UK", active: true, rate: "80" }],
      [{ n: "1", c: "UK", active: true, rate: "80" }],
    );
    expect(resolvedBy(meta, matched, open)).toEqual(breaksOf(meta, broken).map((b) => b.identity));
    // Rerunning with the same break resolves nothing and yields the same identities (no duplicate exceptions).
    expect(resolvedBy(meta, broken, open)).toEqual([]);
    expect(breaksOf(meta, broken).map((b) => b.identity)).toEqual(open.slice(0, 2));
    expect(open[0]).toBe("workers|active|1\u001fUK");
    // A key that merely starts like another is not the other's.
    expect(resolvedBy(meta, { ...matched, key: "1" }, ["workers|active|1|x", "workers|active|1\u001fUK"])).toEqual([]);
  });
});
