// The reconcile step in the DSL: a definition the validator checks with core/reconcile's schema, one source a side.
import { describe, expect, it } from "vitest";
import { exampleCatalog } from "@/examples/catalog";
import { validate } from "./validate";
import { compile, decompile } from "./graph";
import { parseFlow } from "./index";

const definition = {
  key: "invoices",
  name: "Invoices",
  sides: [
    { name: "erp", key: ["invoice"], id: "id" },
    { name: "dw", key: ["invoice"], id: "id" },
  ],
  rules: [{ id: "amount", type: "money", a: { side: "erp", path: "amount" }, b: { side: "dw", path: "amount" } }],
};
const sql = { connection: "warehouse", sql: "SELECT * FROM t", sortKey: "invoice", idColumn: "id" };
const doc = (step: Record<string, unknown>) => ({
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
  steps: [{ id: "match", type: "reconcile", definition, sources: { erp: sql, dw: sql }, ...step }],
});

describe("reconcile step", () => {
  it("accepts a definition with a source per side", () => {
    expect(validate(doc({})).problems.filter((p) => p.severity === "error")).toEqual([]);
  });

  it("names the step, field and reason of a bad definition", () => {
    const bad = { ...definition, rules: [{ ...definition.rules[0], b: { side: "crm", path: "amount" } }] };
    const p = validate(doc({ definition: bad })).problems.find((x) => x.code === "invalid-reconciliation");
    expect(p).toMatchObject({ stepId: "match", path: ["steps", 0, "definition", "rules", 0, "b", "side"] });
    expect(p?.message).toContain('no side named "crm"');
  });

  it("requires one source per side and no source for an unknown side", () => {
    const ps = validate(doc({ sources: { erp: sql, crm: sql } })).problems;
    expect(ps.find((p) => p.code === "missing-reconcile-source")?.message).toContain("'dw'");
    expect(ps.find((p) => p.code === "missing-reconcile-source")?.path).toEqual(["steps", 0, "sources", "dw"]);
    expect(ps.find((p) => p.code === "unknown-reconcile-side")?.path).toEqual(["steps", 0, "sources", "crm"]);
  });

  it("refuses a SQL source without its sort key", () => {
    const { sortKey: _, ...noKey } = sql;
    const ps = validate(doc({ sources: { erp: sql, dw: noKey } })).problems;
    expect(ps.some((p) => p.severity === "error" && JSON.stringify(p.path).includes("sources"))).toBe(true);
  });

  it("checks connector and SQL sources against the catalog, naming the source's field", () => {
    const catalog = {
      ...exampleCatalog,
      connections: [...(exampleCatalog.connections ?? []), { key: "warehouse", connectorKey: "postgres" }],
    };
    const erp = { connector: "kantata", operation: "listTimeEntrys", connection: "kantata-prod" };
    const ps = validate(doc({ sources: { erp, dw: { ...sql, connection: "reporting-warehouse" } } }), {
      catalog,
    }).problems;
    expect(ps.find((p) => p.code === "unknown-operation")?.path).toEqual(["steps", 0, "sources", "erp", "operation"]);
    expect(ps.find((p) => p.code === "connection-mismatch")?.path).toEqual(["steps", 0, "sources", "dw", "connection"]);
    const ok = validate(doc({}), { catalog }).problems.filter((p) => p.severity === "error");
    expect(ok).toEqual([]);
  });

  it("accepts a re-sync over the break and refuses run-only variables, bad syntax and unknown fields", () => {
    const resync = { flow: "sync-invoice", input: { invoice: "recordKey", erpId: "$trigger.ids.erp[0]" } };
    const errors = (step: Record<string, unknown>) =>
      validate(doc(step)).problems.filter((p) => p.severity === "error");
    expect(errors({ resync })).toEqual([]);
    expect(errors({ resync: { flow: "sync-invoice" } })).toEqual([]);
    const scope = errors({ resync: { flow: "sync-invoice", input: { invoice: "$steps.match.output" } } });
    expect(scope[0]).toMatchObject({ code: "resync-scope", path: ["steps", 0, "resync", "input", "invoice"] });
    expect(errors({ resync: { flow: "sync-invoice", input: "$item.x" } })[0]?.code).toBe("resync-scope");
    expect(errors({ resync: { flow: "sync-invoice", input: { a: "recordKey &" } } })[0]?.code).toBe(
      "expression-syntax",
    );
    expect(errors({ resync: { flow: "Bad Key" } }).some((p) => JSON.stringify(p.path).includes("resync"))).toBe(true);
    expect(errors({ resync: { flow: "sync-invoice", extra: 1 } }).length).toBeGreaterThan(0);
  });

  it("warns when the re-sync flow has no published version", () => {
    const p = validate(doc({ resync: { flow: "no-such-flow" } }), { catalog: exampleCatalog }).problems.find(
      (x) => x.code === "unknown-flow",
    );
    expect(p).toMatchObject({ severity: "warning", path: ["steps", 0, "resync", "flow"] });
  });

  it("survives the canvas round trip unchanged", () => {
    const flow = parseFlow(
      doc({ checkpointEvery: 500, resync: { flow: "sync-invoice", input: "{ 'k': recordKey }" } }),
    );
    const back = compile(decompile(flow).graph, { layout: false });
    expect(back.problems).toEqual([]);
    expect(back.flow).toStrictEqual(flow);
  });
});
