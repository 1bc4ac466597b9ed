// The inspector's keyboard way to connect steps (connect.ts): which exits a node offers, where each leads
// now, which steps it may lead to — and that picking one connects like a drawn arrow.
import { describe, expect, it } from "vitest";
import { compile, decompile, type Flow } from "@/core/dsl";
import { exitsOf } from "./connect";
import { connect } from "./edits";
import { fromDecompiled, toCanvasGraph, TRIGGER_NODE_ID, type DocState } from "./model";

const flow = {
  dsl: "weft/1",
  key: "connect-test",
  version: "0.1.0",
  name: "Connect test",
  description: "",
  domain: "invoice",
  owner: "finance",
  classification: "internal",
  trigger: { type: "manual" },
  start: "route",
  steps: [
    {
      id: "route",
      type: "switch",
      cases: [{ when: "$trigger.amount > 100", label: "large", next: "big" }],
      default: "small",
    },
    { id: "big", type: "wait", duration: "PT1M" },
    { id: "small", type: "wait", duration: "PT1M" },
    {
      id: "loop",
      type: "foreach",
      items: "$trigger.items",
      body: { start: "inner", steps: [{ id: "inner", type: "wait", duration: "PT1M" }] },
    },
  ],
} as unknown as Flow;
const state = (): DocState => fromDecompiled(decompile(flow).graph);
const node = (s: DocState, id: string) => s.nodes.find((n) => n.id === id)!;
const summary = (s: DocState, id: string) =>
  exitsOf(node(s, id), s.nodes, s.edges).map((e) => [e.label, e.target, e.choices.map((c) => c.id)]);

describe("exitsOf", () => {
  it("lists each exit with its current target and the steps beside the node (never error routes)", () => {
    const s = state();
    expect(summary(s, TRIGGER_NODE_ID)).toEqual([["First step", "route", ["route", "big", "small", "loop"]]]);
    expect(summary(s, "route")).toEqual([
      ["Case 1 (large)", "big", ["big", "small", "loop"]],
      ["Otherwise (default)", "small", ["big", "small", "loop"]],
    ]);
    expect(summary(s, "big")).toEqual([["Then", null, ["route", "small", "loop"]]]);
    // A loop's body starts with a step inside it; a step inside connects to steps inside the same loop only.
    expect(summary(s, "loop")).toEqual([
      ["Then", null, ["route", "big", "small"]],
      ["Loop body starts with", "inner", ["inner"]],
    ]);
    expect(summary(s, "inner")).toEqual([["Then", null, []]]);
  });

  it("picking a target connects like a drawn arrow", () => {
    const s = connect(state(), "big", "next", "small");
    expect(summary(s, "big")[0]![1]).toBe("small");
    const compiled = compile(toCanvasGraph(s)).flow;
    expect(compiled.steps.find((x) => x.id === "big")).toMatchObject({ next: "small" });
    // "(not connected)" removes it again.
    expect(summary(connect(s, "big", "next", null), "big")[0]![1]).toBeNull();
  });
});
