// The designer's pure document edits: a map step wiring the call after it (wireMapInputs), adding a step
// after the selected node or the end of the main path (connected), and dropping a step on an edge (inserted
// between its ends, both sides reconnected), and the three-way merge of two editors' versions.
import { describe, expect, it } from "vitest";
import { compile, decompile, validate, type Flow, type StepConfig } from "@/core/dsl";
import { exampleCatalog } from "@/examples/catalog";
import {
  addStepAfter,
  compileState,
  edgeFrom,
  fromDecompiled,
  insertStepOnEdge,
  lastStepOf,
  mergeDocs,
  STEP_GAP_X,
  toCanvasGraph,
  wireMapInputs,
  type DNode,
  type DocState,
} from "./model";

const flow = (input: unknown): Flow =>
  ({
    dsl: "weft/1",
    key: "map-wiring",
    version: "0.1.0",
    name: "Map wiring",
    description: "",
    domain: "customer",
    owner: "sales",
    classification: "internal",
    trigger: { type: "manual" },
    start: "prep",
    steps: [
      {
        id: "prep",
        type: "map",
        output: { "body.companyName": "$trigger.name", "body.subsidiary.id": "'1'" },
        next: "createCustomer",
      },
      {
        id: "createCustomer",
        type: "call",
        connector: "netsuite",
        operation: "createCustomer",
        connection: "netsuite-prod",
        ...(input === undefined ? {} : { input }),
      },
    ],
  }) as unknown as Flow;

describe("wireMapInputs", () => {
  it("wires an empty call input after a map step to $steps.<map>.output; the validator then finds nothing missing", () => {
    const state = fromDecompiled(decompile(flow(undefined)).graph);
    expect(validate(compileState(state).flow, { catalog: exampleCatalog }).problems.map((p) => p.code)).toEqual([
      "missing-required-input",
    ]);
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
      expect(compileState({ ...state, nodes: wireMapInputs(state) }).flow.steps[1]).toMatchObject({
        input: "$steps.prep.output",
      });
    }
  });
});

const header = {
  dsl: "weft/1",
  key: "model-test",
  version: "0.1.0",
  name: "Model test",
  description: "",
  domain: "invoice",
  owner: "finance",
  classification: "internal",
} as const;

function doc(flow: Partial<Flow>): DocState {
  return fromDecompiled(decompile({ ...header, trigger: { type: "manual" }, steps: [], ...flow } as Flow).graph);
}
/** trigger → a (map) → b (wait), laid out left to right. */
const chain = () =>
  doc({
    start: "a",
    steps: [
      { id: "a", type: "map", output: { x: "1" }, next: "b" },
      { id: "b", type: "wait", duration: "PT1M" },
    ] as Flow["steps"],
    layout: { nodes: { trigger: { x: 0, y: 0 }, a: { x: 280, y: 0 }, b: { x: 560, y: 0 } } },
  });
const wait = { type: "wait", duration: "PT5M" } as unknown as StepConfig;
const fail = { type: "fail", code: "STOP", message: "'stop'" } as unknown as StepConfig;
const pos = (s: DocState, id: string) => s.nodes.find((n) => n.id === id)!.position;
const targetOf = (s: DocState, edgeId: string) => s.edges.find((e) => e.id === edgeId)?.target;
const steps = (s: DocState) => compile(toCanvasGraph(s)).flow;

describe("adding a step", () => {
  it("on an empty canvas follows the trigger, beside it, connected", () => {
    const s = addStepAfter(doc({ layout: { nodes: { trigger: { x: 0, y: 0 } } } }), "w", wait);
    expect(targetOf(s, "trigger:start")).toBe("w");
    expect(pos(s, "w")).toEqual({ x: STEP_GAP_X, y: 0 });
    expect(s.nodes.filter((n) => n.selected).map((n) => n.id)).toEqual(["w"]);
    expect(steps(s).start).toBe("w");
  });

  it("without a selection goes after the last step of the main path, not on top of the trigger", () => {
    const s0 = chain();
    expect(lastStepOf(s0).id).toBe("b");
    const s = addStepAfter(s0, "w", wait);
    expect(targetOf(s, "b:next")).toBe("w");
    expect(pos(s, "w")).toEqual({ x: 560 + STEP_GAP_X, y: 0 });
    expect(steps(s).steps.map((x) => [x.id, "next" in x ? x.next : undefined])).toEqual([
      ["a", "b"],
      ["b", "w"],
      ["w", undefined],
    ]);
  });

  it("after a selected step whose exit is taken, inserts itself there and moves what follows one column right", () => {
    const s = addStepAfter(chain(), "w", wait, "a");
    expect(targetOf(s, "a:next")).toBe("w");
    expect(targetOf(s, "w:next")).toBe("b");
    expect(pos(s, "w")).toEqual({ x: 560, y: 0 });
    expect(pos(s, "b")).toEqual({ x: 560 + STEP_GAP_X, y: 0 });
    expect(pos(s, "a")).toEqual({ x: 280, y: 0 });
  });

  it("after a fail step is placed beside it, below anything already there, unconnected", () => {
    const s0 = addStepAfter(chain(), "stop", fail, "b");
    expect(targetOf(s0, "b:next")).toBe("stop");
    const s = addStepAfter(s0, "w", wait, "stop");
    expect(s.edges.filter((e) => e.source === "stop" || e.target === "w")).toEqual([]);
    expect(pos(s, "w").x).toBe(pos(s0, "stop").x + STEP_GAP_X);
    // A fail added on a taken exit does not cut the path: it is placed, not inserted.
    const s2 = addStepAfter(chain(), "stop", fail, "a");
    expect(targetOf(s2, "a:next")).toBe("b");
    expect(s2.nodes.some((n) => n.id === "stop")).toBe(true);
  });

  it("after a switch continues from its default route", () => {
    const s0 = doc({
      start: "sw",
      steps: [
        { id: "sw", type: "switch", cases: [{ when: "true", next: "b" }] },
        { id: "b", type: "wait", duration: "PT1M" },
      ] as Flow["steps"],
    });
    const s = addStepAfter(s0, "w", wait, "sw");
    expect(targetOf(s, "sw:default")).toBe("w");
    expect(targetOf(s, "sw:case-0")).toBe("b");
  });
});

describe("dropping a step on an edge", () => {
  it("inserts it between the edge's ends at the drop point and reconnects both sides", () => {
    const s = insertStepOnEdge(chain(), "a:next", "w", wait, { x: 420, y: 120 });
    expect(targetOf(s, "a:next")).toBe("w");
    expect(targetOf(s, "w:next")).toBe("b");
    expect(pos(s, "w")).toEqual({ x: 420, y: 120 });
    expect(pos(s, "b")).toEqual({ x: 560, y: 0 });
    const f = steps(s);
    expect(f.steps.find((x) => x.id === "a")).toMatchObject({ next: "w" });
    expect(f.steps.find((x) => x.id === "w")).toMatchObject({ next: "b" });
  });

  it("on the trigger's start edge makes the step the flow's start", () => {
    const s = insertStepOnEdge(chain(), "trigger:start", "w", wait, { x: 100, y: 100 });
    expect(steps(s).start).toBe("w");
    expect(targetOf(s, "w:next")).toBe("a");
  });

  it("on a loop's body edge puts the step inside the loop, at the body's start, positioned relative to the loop", () => {
    const s0 = doc({
      start: "loop",
      steps: [
        {
          id: "loop",
          type: "foreach",
          items: "$trigger.items",
          body: { start: "inner", steps: [{ id: "inner", type: "wait", duration: "PT1M" }] },
        },
      ] as Flow["steps"],
      layout: {
        nodes: { trigger: { x: 0, y: 0 }, loop: { x: 300, y: 0, width: 600, height: 200 }, inner: { x: 40, y: 60 } },
      },
    });
    const s = insertStepOnEdge(s0, "loop:body", "w", wait, { x: 400, y: 100 });
    const w = s.nodes.find((n) => n.id === "w")!;
    expect(w.parentId).toBe("loop");
    expect(w.position).toEqual({ x: 100, y: 100 });
    const loop = steps(s).steps[0] as Extract<Flow["steps"][number], { type: "foreach" }>;
    expect(loop.body.start).toBe("w");
    expect(loop.body.steps.map((x) => x.id)).toEqual(["inner", "w"]);
  });

  it("a call inserted after a map takes its input from the map (wireMapInputs)", () => {
    const call = {
      type: "call",
      connector: "netsuite",
      operation: "createCustomer",
      connection: "netsuite-prod",
    } as unknown as StepConfig;
    const s = insertStepOnEdge(chain(), "a:next", "createCustomer", call, { x: 420, y: 0 });
    expect(steps(s).steps.find((x) => x.id === "createCustomer")).toMatchObject({
      input: "$steps.a.output",
      next: "b",
    });
  });

  it("refuses a fail step or an unknown edge (the document is returned unchanged)", () => {
    const s0 = chain();
    expect(insertStepOnEdge(s0, "a:next", "stop", fail)).toBe(s0);
    expect(insertStepOnEdge(s0, "nope:next", "w", wait)).toBe(s0);
  });
});

describe("three-way merge of two editors' versions", () => {
  /** Changes the settings of one step (a new document; the others are untouched). */
  const setStep = (s: DocState, id: string, patch: Record<string, unknown>): DocState => ({
    ...s,
    nodes: s.nodes.map((n) =>
      n.id === id && n.data.kind === "step"
        ? ({ ...n, data: { ...n.data, step: { ...n.data.step, ...patch } } } as DNode)
        : n,
    ),
  });
  const step = (s: DocState, id: string) => {
    const n = s.nodes.find((x) => x.id === id);
    return n?.data.kind === "step" ? (n.data.step as unknown as Record<string, unknown>) : undefined;
  };

  it("takes both sides' changes where they do not overlap: different steps, different fields of one step, different mapped fields", () => {
    const base = chain();
    const theirs = setStep(setStep(base, "b", { duration: "PT2M" }), "a", { output: { x: "1", y: "2" } });
    const mine = setStep({ ...addStepAfter(base, "w", wait), meta: { ...base.meta, description: "Mine" } }, "a", {
      name: "Mapped",
      output: { x: "1", z: "3" },
    });
    const r = mergeDocs(base, theirs, mine);
    expect(r.conflicts).toEqual([]);
    expect(r.merged.meta.description).toBe("Mine");
    expect(step(r.merged, "b")!.duration).toBe("PT2M");
    expect(step(r.merged, "a")).toMatchObject({ name: "Mapped", output: { x: "1", y: "2", z: "3" } });
    expect(r.merged.edges.find((e) => e.id === "b:next")?.target).toBe("w");
    expect(r.fromTheirs).toBe(2);
    // The merged document compiles to a flow with all of it.
    const f = steps(r.merged);
    expect(f.steps.map((x) => x.id)).toEqual(["a", "b", "w"]);
  });

  it("reports what overlaps and resolves each overlap by the user's choice (mine unless told)", () => {
    const base = chain();
    const theirs = { ...setStep(base, "b", { duration: "PT2M" }), meta: { ...base.meta, name: "Their name" } };
    const mine = { ...setStep(base, "b", { duration: "PT9M" }), meta: { ...base.meta, name: "My name" } };
    const r = mergeDocs(base, theirs, mine);
    expect(r.conflicts.map((c) => [c.id, c.label, c.theirs, c.mine])).toEqual([
      ["flow/name", "Flow · name", "Their name", "My name"],
      ["node:b/data/step/duration", 'Step "b" · duration', "PT2M", "PT9M"],
    ]);
    expect(step(r.merged, "b")!.duration).toBe("PT9M");
    expect(r.merged.meta.name).toBe("My name");
    const r2 = mergeDocs(base, theirs, mine, { "node:b/data/step/duration": "theirs" });
    expect(step(r2.merged, "b")!.duration).toBe("PT2M");
    expect(r2.merged.meta.name).toBe("My name");
    expect(r2.conflicts).toHaveLength(2);
  });

  it("a step they deleted that I changed is a conflict: keeping mine restores it, taking theirs drops it and its connections", () => {
    const base = chain();
    const theirs = {
      ...base,
      nodes: base.nodes.filter((n) => n.id !== "b"),
      edges: base.edges.filter((e) => e.target !== "b"),
    };
    const mine = setStep(base, "b", { duration: "PT7M" });
    const r = mergeDocs(base, theirs, mine);
    expect(r.conflicts.map((c) => c.label)).toEqual(['Step "b" (deleted by them)']);
    expect(step(r.merged, "b")!.duration).toBe("PT7M");
    expect(r.merged.edges.find((e) => e.id === "a:next")?.target).toBe("b");
    const r2 = mergeDocs(base, theirs, mine, { "node:b": "theirs" });
    expect(step(r2.merged, "b")).toBeUndefined();
    expect(r2.merged.edges.some((e) => e.target === "b")).toBe(false);
  });

  it("a connection I added to a step they deleted asks whether to keep the step", () => {
    const base = chain();
    const theirs = {
      ...base,
      nodes: base.nodes.filter((n) => n.id !== "b"),
      edges: base.edges.filter((e) => e.target !== "b"),
    };
    // Mine: a new step after b (b itself unchanged).
    const mine = addStepAfter(base, "w", wait, "b");
    const r = mergeDocs(base, theirs, mine);
    expect(r.conflicts.map((c) => c.id)).toEqual(["node:b/kept"]);
    expect(r.merged.nodes.map((n) => n.id)).toEqual(["trigger", "a", "b", "w"]);
    expect(r.merged.edges.map((e) => `${e.id}>${e.target}`).sort()).toEqual([
      "a:next>b",
      "b:next>w",
      "trigger:start>a",
    ]);
    const r2 = mergeDocs(base, theirs, mine, { "node:b/kept": "theirs" });
    expect(r2.merged.nodes.map((n) => n.id)).toEqual(["trigger", "a", "w"]);
    expect(r2.merged.edges.map((e) => e.id)).toEqual(["trigger:start"]);
  });

  it("positions merge per node and transient state (selection) is not a change", () => {
    const base = chain();
    const theirs = {
      ...base,
      nodes: base.nodes.map((n) => (n.id === "a" ? { ...n, position: { x: 300, y: 50 } } : n)),
    };
    const mine = {
      ...base,
      nodes: base.nodes.map((n) => (n.id === "b" ? { ...n, position: { x: 600, y: 90 }, selected: true } : n)),
    };
    const r = mergeDocs(base, theirs, mine);
    expect(r.conflicts).toEqual([]);
    expect(pos(r.merged, "a")).toEqual({ x: 300, y: 50 });
    expect(pos(r.merged, "b")).toEqual({ x: 600, y: 90 });
  });
});

describe("edgeFrom", () => {
  it("a connection drawn from an approval's decision handle is that decision's route", () => {
    expect(edgeFrom("approve", "decision-1", "rejected")).toMatchObject({
      id: "approve:decision-1",
      sourceHandle: "decision-1",
      data: { kind: "decision", index: 1 },
    });
  });
});
