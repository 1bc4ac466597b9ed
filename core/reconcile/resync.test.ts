// The record pair a break stores and what a re-sync's input sees; the reconcile steps of a stored flow.
import { beforeAll, describe, expect, it } from "vitest";
import { evaluateMapping } from "../dsl";
import { breaksOf } from "./breaks";
import { reconcileSteps } from "./in-flow";
import { matchArrays } from "./memory";
import { breakDetail, DETAIL_IDS, resyncContext } from "./resync";
import { parseDefinition } from "./matcher";

const def = parseDefinition({
  key: "customers",
  name: "Customers",
  sides: [
    { name: "crm", key: ["ref"], id: "id", normalise: { caseFold: true } },
    { name: "erp", key: ["ref"], id: "id", normalise: { caseFold: true } },
  ],
  rules: [{ id: "name", type: "equal", a: { side: "crm", path: "name" }, b: { side: "erp", path: "name" } }],
});

type Found = { b: ReturnType<typeof breaksOf>[number]; d: ReturnType<typeof breakDetail> };

describe("break detail and re-sync context", () => {
  let found: Found[] = [];
  beforeAll(async () => {
    const r = await matchArrays(def, {
      crm: [
        { id: "c1", ref: "A-1", name: "Acme" },
        { id: "c2", ref: "B-2", name: "Globex" },
        { id: "c3", ref: "", name: "No key" },
      ],
      erp: [{ id: "e1", ref: "a-1", name: "Acme Corp" }],
    });
    found = r.outcomes.flatMap((o) => breaksOf(def, o).map((b) => ({ b, d: breakDetail(def.key, o, b) })));
  });

  it("keeps both values of a rule break and the ids per side", () => {
    const { d } = found.find((x) => x.b.rule === "name")!;
    expect(d).toEqual({
      reconciliation: "customers",
      rule: "name",
      recordKey: "a-1",
      keyParts: ["a-1"],
      ids: { crm: ["c1"], erp: ["e1"] },
      rows: { crm: 1, erp: 1 },
      missingOn: [],
      duplicateOn: [],
      difference: {
        type: "equal",
        a: { side: "crm", value: "Acme" },
        b: { side: "erp", value: "Acme Corp" },
        detail: expect.any(String),
      },
    });
    expect(resyncContext(d)).toEqual({
      reconciliation: "customers",
      rule: "name",
      recordKey: "a-1",
      keyParts: ["a-1"],
      ids: { crm: ["c1"], erp: ["e1"] },
      values: { crm: "Acme", erp: "Acme Corp" },
    });
  });

  it("a missing side has no ids and no values; an unkeyed record keeps its id", async () => {
    const missing = found.find((x) => x.b.rule === "missing:erp")!.d;
    expect(missing).toMatchObject({ recordKey: "b-2", ids: { crm: ["c2"] }, missingOn: ["erp"], difference: null });
    const ctx = resyncContext(missing);
    expect(ctx.values).toEqual({});
    // The input mapping reads the break as its focus and as $trigger.
    expect(await evaluateMapping({ ref: "recordKey", crmId: "$trigger.ids.crm[0]" }, { trigger: ctx })).toEqual({
      ref: "b-2",
      crmId: "c2",
    });
    expect(found.find((x) => x.b.rule === "unkeyed:crm")!.d).toMatchObject({ recordKey: "", ids: { crm: ["c3"] } });
  });

  it("bounds the ids kept per side", async () => {
    const many = parseDefinition({ ...def, sides: [{ ...def.sides[0]!, many: true }, def.sides[1]!], rules: [] });
    const rows = Array.from({ length: 30 }, (_, i) => ({ id: `c${i}`, ref: "X", name: "n" }));
    const o = (await matchArrays(many, { crm: rows, erp: [] })).outcomes[0]!;
    const d = breakDetail(many.key, o, breaksOf(many, o)[0]!);
    expect(d.ids.crm).toHaveLength(DETAIL_IDS);
    expect(d.rows.crm).toBe(30);
  });
});

describe("reconcileSteps", () => {
  it("finds reconcile steps in bodies and branches, with their resync, and skips invalid definitions", () => {
    const step = (id: string, extra: object = {}) => ({
      id,
      type: "reconcile",
      definition: def,
      sources: {},
      ...extra,
    });
    const dsl = {
      steps: [
        step("top", { resync: { flow: "sync-customer", input: { ref: "recordKey" } } }),
        { id: "loop", type: "foreach", items: "$x", body: { steps: [step("inLoop")] } },
        { id: "par", type: "parallel", branches: [{ steps: [step("inBranch", { resync: { flow: "Bad Key" } })] }] },
        step("broken", { definition: { key: "x" } }),
      ],
    };
    const found = reconcileSteps(dsl);
    expect(found.map((s) => [s.stepId, s.resync?.flow ?? null]).sort()).toEqual([
      ["inBranch", null],
      ["inLoop", null],
      ["top", "sync-customer"],
    ]);
    expect(reconcileSteps(null)).toEqual([]);
    expect(reconcileSteps({ steps: "nope" })).toEqual([]);
  });
});
