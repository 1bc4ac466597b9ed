// A map step followed by a call builds the call's input: the designer wires it (wireMapInputs) and the
// validator then checks the call against the map's fields, so the call no longer reports its body unmapped.
import { describe, expect, it } from "vitest";
import { validate, type Flow } from "@/server/dsl";
import { exampleCatalog } from "@/examples/catalog";
import { compileState, fromDecompiled, wireMapInputs } from "./model";
import { decompile } from "@/server/dsl";

const flow = (input: unknown): Flow =>
  ({
    dsl: "weft/1", key: "map-wiring", version: "0.1.0", name: "Map wiring", description: "", domain: "customer", owner: "sales", classification: "internal",
    trigger: { type: "manual" }, start: "prep",
    steps: [
      { id: "prep", type: "map", output: { "body.companyName": "$trigger.name", "body.subsidiary.id": "'1'" }, next: "createCustomer" },
      { id: "createCustomer", type: "call", connector: "netsuite", operation: "createCustomer", connection: "netsuite-prod", ...(input === undefined ? {} : { input }) },
    ],
  }) as unknown as Flow;

describe("wireMapInputs", () => {
  it("wires an empty call input after a map step to $steps.<map>.output; the validator then finds nothing missing", () => {
    const state = fromDecompiled(decompile(flow(undefined)).graph);
    expect(validate(compileState(state).flow, { catalog: exampleCatalog }).problems.map((p) => p.code)).toEqual(["missing-required-input"]);
    const wired = { ...state, nodes: wireMapInputs(state) };
    const doc = compileState(wired).flow;
    expect(doc.steps[1]).toMatchObject({ id: "createCustomer", input: "$steps.prep.output" });
    expect(validate(doc, { catalog: exampleCatalog }).problems).toEqual([]);
  });

  it("never replaces an input the user wrote", () => {
    for (const input of [{ "body.companyName": "'ACME'" }, "$trigger.customer"]) {
      const state = fromDecompiled(decompile(flow(input)).graph);
      expect(compileState({ ...state, nodes: wireMapInputs(state) }).flow.steps[1]).toMatchObject({ input });
    }
    for (const empty of [{}, "{}"]) {
      const state = fromDecompiled(decompile(flow(empty)).graph);
      expect(compileState({ ...state, nodes: wireMapInputs(state) }).flow.steps[1]).toMatchObject({ input: "$steps.prep.output" });
    }
  });
});
