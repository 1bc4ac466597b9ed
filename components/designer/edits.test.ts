// The designer's document edits (edits.ts): what adding, connecting, deleting, selecting, laying out and
// pasting do to the document, checked on the compiled flow where the DSL is what matters.
import { describe, expect, it } from "vitest";
import { compile, decompile, type Flow, type StepConfig } from "@/core/dsl";
import {
  addStep,
  applyCanvasEdgeChanges,
  applyCanvasNodeChanges,
  applyLayout,
  connect,
  containerAt,
  deleteSelection,
  keepSelection,
  pasteSteps,
  selectAll,
  selectOnly,
  setMeta,
  setNodeData,
  setTrigger,
} from "./edits";
import { dslToPaste, fromDecompiled, selectionToDsl, toCanvasGraph, TRIGGER_NODE_ID, type DocState } from "./model";

const header = {
  dsl: "weft/1",
  key: "edits-test",
  version: "0.1.0",
  name: "Edits test",
  description: "",
  domain: "invoice",
  owner: "finance",
  classification: "internal",
} as const;
const doc = (flow: Partial<Flow>): DocState =>
  fromDecompiled(decompile({ ...header, trigger: { type: "manual" }, steps: [], ...flow } as Flow).graph);
/** trigger → a (map) → b (wait), laid out left to right, and a foreach box "loop" below, off the path. */
const sample = () =>
  doc({
    start: "a",
    steps: [
      { id: "a", type: "map", output: { x: "1" }, next: "b" },
      { id: "b", type: "wait", duration: "PT1M" },
      {
        id: "loop",
        type: "foreach",
        items: "$trigger.items",
        body: { start: "inner", steps: [{ id: "inner", type: "wait", duration: "PT1M" }] },
      },
    ] as Flow["steps"],
    layout: {
      nodes: {
        trigger: { x: 0, y: 0 },
        a: { x: 280, y: 0 },
        b: { x: 560, y: 0 },
        loop: { x: 0, y: 300, width: 400, height: 200 },
        inner: { x: 40, y: 60 },
      },
    },
  });
const wait = { type: "wait", duration: "PT5M" } as unknown as StepConfig;
const call = {
  type: "call",
  connector: "netsuite",
  operation: "createCustomer",
  connection: "",
  input: {},
} as unknown as StepConfig;
const node = (s: DocState, id: string) => s.nodes.find((n) => n.id === id);
const selected = (s: DocState) => s.nodes.filter((n) => n.selected).map((n) => n.id);
const targetOf = (s: DocState, edgeId: string) => s.edges.find((e) => e.id === edgeId)?.target;
const flowOf = (s: DocState) => compile(toCanvasGraph(s)).flow;

describe("adding a palette item", () => {
  it("a call takes the workspace's first connection of its connector and an id from its operation", () => {
    const { state, id } = addStep(sample(), call, [
      { key: "sf", connectorKey: "salesforce" },
      { key: "ns-prod", connectorKey: "netsuite" },
      { key: "ns-test", connectorKey: "netsuite" },
    ]);
    expect(id).toBe("createCustomer");
    expect(node(state, id)?.data).toMatchObject({ kind: "step", step: { connection: "ns-prod" } });
    // The template is not shared with the document.
    expect(call).toMatchObject({ connection: "" });
    expect(node(addStep(sample(), call, []).state, "createCustomer")?.data).toMatchObject({ step: { connection: "" } });
  });

  it("without a point goes after the selected node, connected, and is the only one selected", () => {
    const { state, id } = addStep(selectOnly(sample(), "a"), wait, []);
    expect(id).toBe("wait");
    expect(targetOf(state, "a:next")).toBe("wait");
    expect(targetOf(state, "wait:next")).toBe("b");
    expect(selected(state)).toEqual(["wait"]);
  });

  it("dropped on an edge is inserted between its ends at the drop point", () => {
    const { state } = addStep(sample(), wait, [], { at: { x: 420, y: 100 }, onEdge: "a:next" });
    expect(targetOf(state, "a:next")).toBe("wait");
    expect(targetOf(state, "wait:next")).toBe("b");
    expect(node(state, "wait")?.position).toEqual({ x: 420, y: 100 });
  });

  it("dropped inside a loop box joins its body, positioned relative to the box; elsewhere it lands unconnected", () => {
    const inBox = addStep(sample(), wait, [], { at: { x: 200, y: 420 } }).state;
    expect(node(inBox, "wait")).toMatchObject({ parentId: "loop", position: { x: 200, y: 120 } });
    const outside = addStep(sample(), wait, [], { at: { x: 900, y: 900 } }).state;
    expect(node(outside, "wait")?.parentId).toBeUndefined();
    expect(node(outside, "wait")?.position).toEqual({ x: 900, y: 900 });
    expect(outside.edges).toEqual(sample().edges);
    // A drop on an edge that refuses the step (an unknown edge) falls back to the drop point.
    expect(
      node(addStep(sample(), wait, [], { at: { x: 900, y: 900 }, onEdge: "nope" }).state, "wait")?.position,
    ).toEqual({ x: 900, y: 900 });
  });

  it("hit-tests only top-level boxes, the last drawn winning", () => {
    const s = sample();
    expect(containerAt(s.nodes, { x: 10, y: 310 })?.id).toBe("loop");
    expect(containerAt(s.nodes, { x: 300, y: 10 })).toBeUndefined();
    const twice = { ...s, nodes: [...s.nodes, { ...node(s, "loop")!, id: "loop2", type: "parallel" }] };
    expect(containerAt(twice.nodes, { x: 10, y: 310 })?.id).toBe("loop2");
    expect(node(addStep(twice, wait, [], { at: { x: 10, y: 310 } }).state, "wait")?.data).toMatchObject({ branch: 0 });
  });

  it("a trigger item replaces the trigger's settings and selects it", () => {
    const s = setTrigger(selectOnly(sample(), "a"), { type: "schedule", cron: "0 6 * * 1-5", timezone: "UTC" });
    expect(flowOf(s).trigger).toEqual({ type: "schedule", cron: "0 6 * * 1-5", timezone: "UTC" });
    expect(selected(s)).toEqual([TRIGGER_NODE_ID]);
  });
});

describe("connecting", () => {
  it("points a handle at a new target, replacing what it led to; null disconnects", () => {
    const s = connect(sample(), "a", "next", "loop");
    expect(s.edges.filter((e) => e.source === "a").map((e) => e.target)).toEqual(["loop"]);
    expect(flowOf(s).steps.find((x) => x.id === "a")).toMatchObject({ next: "loop" });
    const cut = connect(sample(), "a", "next", null);
    expect(cut.edges.some((e) => e.source === "a")).toBe(false);
  });

  it("the add-error-route handle appends a catch-anything route to the target; never on a fail step", () => {
    const s = connect(sample(), "b", "catch-new", "loop");
    expect(flowOf(s).steps.find((x) => x.id === "b")).toMatchObject({ catch: [{ errors: ["any"], next: "loop" }] });
    const withFail = doc({
      start: "f",
      steps: [{ id: "f", type: "fail", code: "STOP", message: "'stop'" }] as Flow["steps"],
    });
    expect(connect(withFail, "f", "catch-new", TRIGGER_NODE_ID)).toBe(withFail);
  });

  it("a call connected after a map takes its input from the map", () => {
    const s0 = addStep(sample(), call, [{ key: "ns", connectorKey: "netsuite" }], { at: { x: 900, y: 0 } }).state;
    const s = connect(connect(s0, "b", "next", null), "a", "next", "createCustomer");
    expect(flowOf(s).steps.find((x) => x.id === "createCustomer")).toMatchObject({ input: "$steps.a.output" });
  });
});

describe("deleting", () => {
  it("removes selected steps with their box contents and every edge touching them; the trigger stays", () => {
    const s0 = sample();
    const s = deleteSelection({
      ...s0,
      nodes: s0.nodes.map((n) => ({ ...n, selected: n.id === "loop" || n.id === TRIGGER_NODE_ID })),
    });
    expect(s.nodes.map((n) => n.id).sort()).toEqual(["a", "b", TRIGGER_NODE_ID].sort());
    const s2 = deleteSelection(selectOnly(sample(), "b"));
    expect(s2.edges.some((e) => e.target === "b")).toBe(false);
  });

  it("removes a selected edge alone, and returns the document itself when nothing is selected", () => {
    const s0 = sample();
    const s = deleteSelection({
      ...s0,
      edges: s0.edges.map((e) => (e.id === "a:next" ? { ...e, selected: true } : e)),
    });
    expect(s.nodes).toEqual(s0.nodes);
    expect(targetOf(s, "a:next")).toBeUndefined();
    expect(deleteSelection(s0)).toBe(s0);
  });
});

describe("a merged or restored document", () => {
  it("keeps the editor's selection (the user stays on the step, in the mapper they merged from)", () => {
    const merged = selectOnly(sample(), TRIGGER_NODE_ID);
    const kept = keepSelection(merged, selectOnly(sample(), "b"));
    expect(kept.nodes.filter((n) => n.selected).map((n) => n.id)).toEqual(["b"]);
    // Nodes whose selection is unchanged keep their identity (React Flow re-adopts only changed nodes).
    expect(kept.nodes.find((n) => n.id === "a")).toBe(merged.nodes.find((n) => n.id === "a"));
  });
});

describe("settings, selection, layout and paste", () => {
  it("the inspector's node settings and flow settings; the flow's key and DSL version never change", () => {
    const s0 = sample();
    const b = node(s0, "b")!;
    const s = setNodeData(s0, "b", {
      kind: "step",
      step: { ...(b.data.kind === "step" ? b.data.step : wait), name: "Pause" } as StepConfig,
    });
    expect(flowOf(s).steps.find((x) => x.id === "b")).toMatchObject({ name: "Pause" });
    const m = setMeta(s0, { ...s0.meta, name: "Renamed", key: "other", dsl: "weft/9" as never });
    expect(m.meta).toMatchObject({ name: "Renamed", key: "edits-test", dsl: "weft/1" });
  });

  it("selects one, none or all, keeping unchanged nodes' identity", () => {
    const s0 = selectOnly(sample(), "a");
    expect(selected(s0)).toEqual(["a"]);
    const none = selectOnly(s0, null);
    expect(selected(none)).toEqual([]);
    expect(node(none, "b")).toBe(node(s0, "b"));
    expect(selected(selectAll(none))).toHaveLength(none.nodes.length);
  });

  it("an auto-layout moves the nodes it placed and resizes boxes only", () => {
    const s0 = sample();
    const s = applyLayout(s0, [
      { id: "a", position: { x: 1, y: 2 }, width: 999, height: 999 },
      { id: "loop", position: { x: 3, y: 4 }, width: 500, height: 250 },
    ]);
    expect(node(s, "a")).toMatchObject({ position: { x: 1, y: 2 } });
    expect(node(s, "a")?.width).toBe(node(s0, "a")?.width);
    expect(node(s, "loop")).toMatchObject({ position: { x: 3, y: 4 }, width: 500, height: 250 });
    expect(node(s, "b")).toBe(node(s0, "b"));
  });

  it("pasted steps are offset beside the originals, selected instead of what was, connected among themselves", () => {
    const s0 = selectOnly(sample(), "a");
    const text = selectionToDsl(s0, new Set(["a", "b"]))!;
    const pasted = dslToPaste(text, s0.meta, new Set(s0.nodes.map((n) => n.id)));
    const s = pasteSteps(s0, pasted);
    const copies = s.nodes.filter((n) => !s0.nodes.some((o) => o.id === n.id));
    expect(copies).toHaveLength(2);
    expect(selected(s).sort()).toEqual(copies.map((n) => n.id).sort());
    const [ca] = copies;
    const original = pasted.nodes.find((n) => n.id === ca!.id)!;
    expect(ca!.position).toEqual({ x: original.position.x + 60, y: original.position.y + 80 });
    expect(s.edges.some((e) => e.source === copies[0]!.id && e.target === copies[1]!.id)).toBe(true);
  });

  it("canvas changes: drags and selection apply, removals and edge changes other than selection do not", () => {
    const s0 = sample();
    const moved = applyCanvasNodeChanges(s0, [
      { type: "position", id: "b", position: { x: 9, y: 9 } },
      { type: "remove", id: "a" },
    ]);
    expect(node(moved, "b")?.position).toEqual({ x: 9, y: 9 });
    expect(node(moved, "a")).toBeDefined();
    expect(applyCanvasNodeChanges(s0, [{ type: "remove", id: "a" }])).toBe(s0);
    const picked = applyCanvasEdgeChanges(s0, [
      { type: "select", id: "a:next", selected: true },
      { type: "remove", id: "trigger:start" },
    ]);
    expect(picked.edges.find((e) => e.id === "a:next")?.selected).toBe(true);
    expect(picked.edges).toHaveLength(s0.edges.length);
    expect(applyCanvasEdgeChanges(s0, [{ type: "remove", id: "a:next" }])).toBe(s0);
  });
});
