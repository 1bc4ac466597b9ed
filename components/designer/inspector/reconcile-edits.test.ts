// The reconcile step editor's edits: pure functions over the step, checked against the real schemas.
import { describe, expect, it } from "vitest";
import { ReconDefinition } from "@/core/reconcile";
import { validate } from "@/core/dsl";
import {
  addKeyPath,
  addMap,
  addRule,
  addSide,
  definitionOf,
  mergeRows,
  parseTable,
  parseWhereValues,
  reconcileTemplate,
  recordFieldsOf,
  removeKeyPath,
  removeMap,
  removeSide,
  renameMap,
  renameSide,
  resyncVariables,
  setCheckpointEvery,
  setCurrency,
  setImpactOperand,
  setKeyPath,
  setMapRows,
  setOperand,
  setPeriod,
  setResync,
  setSideNormalise,
  setSource,
  setSourceKind,
  sqlColumnsOf,
  withType,
  type ReconStep,
} from "./reconcile-edits";

const sql = (table: string) => ({ connection: "dw", sql: `SELECT * FROM ${table}`, sortKey: "k", idColumn: "id" });

/** A complete step built only through the edits. */
function built(): ReconStep {
  let s = reconcileTemplate();
  s = renameSide(s, 0, "erp");
  s = renameSide(s, 1, "warehouse");
  s = setSource(s, "erp", sql("erp_lines"));
  s = setSource(s, "warehouse", sql("dw_lines"));
  s = addRule(s, "money");
  s = setOperand(s, 0, "a", { path: "amount" });
  s = setOperand(s, 0, "b", { path: "amount" });
  s = setImpactOperand(s, "money", "erp", { path: "amount" });
  s = setCurrency(s, "usd");
  return s;
}

const flow = (step: ReconStep) => ({
  dsl: "weft/1",
  key: "recon",
  version: "1.0.0",
  name: "Recon",
  description: "",
  domain: "invoice",
  owner: "finance",
  classification: "internal",
  trigger: { type: "manual" },
  start: "match",
  steps: [{ id: "match", ...step }],
});

describe("reconcile step edits", () => {
  it("builds a step the validator and the definition schema accept", () => {
    const s = built();
    expect(ReconDefinition.safeParse(s.definition).success).toBe(true);
    expect(validate(flow(s)).problems.filter((p) => p.severity === "error")).toEqual([]);
    const def = definitionOf(s);
    expect(def.rules?.[0]).toEqual({
      id: "money1",
      type: "money",
      tolerance: "0.01",
      a: { side: "erp", path: "amount" },
      b: { side: "warehouse", path: "amount" },
    });
    expect(def.impact).toEqual({ money: [{ side: "erp", path: "amount" }], currency: "USD" });
  });

  it("renames a side everywhere it is named: source, rule operands, impact", () => {
    const s = renameSide(built(), 0, "netsuite");
    const def = definitionOf(s);
    expect(Object.keys(s.sources)).toEqual(["netsuite", "warehouse"]);
    expect(def.rules?.[0]?.a.side).toBe("netsuite");
    expect(def.impact?.money?.[0]?.side).toBe("netsuite");
  });

  it("adds up to three sides and removes one with its source and impact, never below two", () => {
    let s = addSide(built());
    expect(definitionOf(s).sides.map((x) => x.name)).toEqual(["erp", "warehouse", "left"]);
    expect(definitionOf(addSide(s)).sides).toHaveLength(3);
    s = removeSide(s, 0);
    expect(definitionOf(s).sides.map((x) => x.name)).toEqual(["warehouse", "left"]);
    expect(s.sources).not.toHaveProperty("erp");
    expect(definitionOf(s).impact?.money).toBeUndefined();
  });

  it("edits composite keys: at most four paths, never none", () => {
    let s = built();
    for (let i = 0; i < 5; i++) s = addKeyPath(s, 0);
    expect(definitionOf(s).sides[0]?.key).toHaveLength(4);
    s = setKeyPath(s, 0, 1, "period");
    expect(definitionOf(s).sides[0]?.key.slice(0, 2)).toEqual(["id", "period"]);
    for (let i = 0; i < 5; i++) s = removeKeyPath(s, 0, 0);
    expect(definitionOf(s).sides[0]?.key).toEqual([""]);
  });

  it("switches a side's source between SQL and a connector operation", () => {
    const op = { connector: "netsuite", operation: "listInvoices", connection: "ns" };
    let s = setSourceKind(built(), "erp", "operation", { operation: op });
    expect(s.sources.erp).toEqual(op);
    expect(setSourceKind(s, "erp", "operation", {})).toBe(s);
    s = setSourceKind(s, "erp", "sql", { sqlConnection: "dw" });
    expect(s.sources.erp).toEqual({ connection: "dw", sql: "", sortKey: "", idColumn: "" });
  });

  it("changing a rule's type keeps id and operands, drops the old type's settings and units that no longer apply", () => {
    const money = {
      id: "amt",
      type: "money" as const,
      tolerance: "0.05",
      a: { side: "a", path: "x", unit: "cents" as const },
      b: { side: "b", path: "y" },
    };
    expect(withType(money, "hours")).toEqual({
      id: "amt",
      type: "hours",
      tolerance: "0.25",
      a: { side: "a", path: "x" },
      b: { side: "b", path: "y" },
    });
    expect(withType(money, "date")).toMatchObject({ withinDays: 0 });
    expect(withType(money, "money").a.unit).toBe("cents");
  });

  it("maps: renamed and removed maps follow into normalisations", () => {
    let s = addMap(built());
    s = setMapRows(s, "map1", [["PRJ-1", "4711"]]);
    s = setSideNormalise(s, 0, { map: "map1" });
    s = renameMap(s, "map1", "projects");
    expect(definitionOf(s).maps).toEqual({ projects: { "PRJ-1": "4711" } });
    expect(definitionOf(s).sides[0]?.normalise?.map).toBe("projects");
    expect(ReconDefinition.safeParse(s.definition).success).toBe(true);
    s = removeMap(s, "projects");
    expect(definitionOf(s).sides[0]?.normalise).not.toHaveProperty("map");
    expect(ReconDefinition.safeParse(s.definition).success).toBe(true);
  });

  it("parses pasted CSV and TSV (quotes, header row, blank lines) and merges by from-value", () => {
    expect(parseTable('from,to\nPRJ-1,4711\n\n"Acme, Inc.","C-""9"""\n')).toEqual([
      ["PRJ-1", "4711"],
      ["Acme, Inc.", 'C-"9"'],
    ]);
    expect(parseTable("PRJ-1\t4711\r\nPRJ-2\t4712")).toEqual([
      ["PRJ-1", "4711"],
      ["PRJ-2", "4712"],
    ]);
    expect(
      mergeRows({ a: "1", b: "2" }, [
        ["b", "3"],
        ["c", "4"],
      ]),
    ).toEqual([
      ["a", "1"],
      ["b", "3"],
      ["c", "4"],
    ]);
  });

  it("types where-filter values as written", () => {
    expect(parseWhereValues("approved, 42, true, , 007x")).toEqual(["approved", 42, true, "007x"]);
  });

  it("sets and clears the period, the impact, re-sync and checkpoints", () => {
    let s = setPeriod(built(), { from: "2026-01-01", to: "2026-01-31" });
    expect(definitionOf(s).period).toEqual({ from: "2026-01-01", to: "2026-01-31" });
    expect(definitionOf(setPeriod(s, undefined))).not.toHaveProperty("period");
    s = setImpactOperand(s, "money", "erp", { path: "" });
    expect(definitionOf(s).impact).toEqual({ currency: "USD" });
    s = setResync(s, { flow: "sync", input: { lineId: "recordKey" } });
    expect(s.resync).toEqual({ flow: "sync", input: { lineId: "recordKey" } });
    expect(setResync(s, undefined)).not.toHaveProperty("resync");
    expect(setCheckpointEvery(s, "500").checkpointEvery).toBe(500);
    expect(setCheckpointEvery(s, "")).not.toHaveProperty("checkpointEvery");
  });

  it("offers the re-sync variables of every side", () => {
    expect(resyncVariables(definitionOf(built())).map((v) => v.path)).toEqual([
      "recordKey",
      "keyParts",
      "rule",
      "reconciliation",
      "ids.erp",
      "values.erp",
      "ids.warehouse",
      "values.warehouse",
    ]);
  });

  it("lists a connector output's record fields at its items path", () => {
    const out = {
      type: "object",
      properties: {
        items: {
          type: "array",
          items: { $ref: "#/$defs/Inv" },
        },
      },
      $defs: {
        Inv: {
          type: "object",
          properties: {
            id: { type: "string" },
            customer: { type: "object", properties: { name: { type: "string" } } },
          },
        },
      },
    };
    expect(recordFieldsOf(out)).toEqual(["id", "customer.name"]);
    expect(recordFieldsOf(out, "nothing")).toEqual([]);
  });

  it("suggests a SQL side's selected column names", () => {
    expect(
      sqlColumnsOf('SELECT line_id, t.customer, amount::text AS amount, count(*) AS n, "Ref", coalesce(a, b) FROM x'),
    ).toEqual(["line_id", "customer", "amount", "n", "Ref"]);
    expect(sqlColumnsOf("SELECT * FROM x")).toEqual([]);
    expect(sqlColumnsOf("not sql")).toEqual([]);
  });
});
