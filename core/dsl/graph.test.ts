import { readFileSync, readdirSync } from "node:fs";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { compile, decompile, edgeId, type CanvasEdge, type CanvasGraph } from "./graph";
import { decompileWithLayout, ELK_MAX_NODES, layoutGraph } from "./layout";
import type { Flow } from "./schema";
import { flowArb } from "./test-arbitraries";
import { validate } from "./validate";

const examples = readdirSync("examples")
  .filter((f) => f.endsWith(".weft.json"))
  .map((f) => [f, JSON.parse(readFileSync(`examples/${f}`, "utf8")) as Flow] as const);

/** Without the layout (for documents whose layout decompile had to invent). */
const behaviour = (f: Flow) => {
  const { layout: _layout, ...rest } = f;
  return rest;
};

describe("generated documents", () => {
  it("are valid (the arbitrary is honest)", () => {
    fc.assert(
      fc.property(flowArb(), (flow) => {
        const r = validate(flow);
        expect(r.problems.filter((p) => p.severity === "error")).toEqual([]);
      }),
      { numRuns: 300 },
    );
  });
});

describe("round trips", () => {
  it("compile ∘ decompile is the identity on documents with a complete layout", () => {
    fc.assert(
      fc.property(flowArb({ layout: "complete" }), (flow) => {
        const { graph, unplaced } = decompile(flow);
        expect(unplaced).toEqual([]);
        const back = compile(graph);
        expect(back.problems).toEqual([]);
        expect(back.flow).toStrictEqual(flow);
      }),
      { numRuns: 300 },
    );
  });

  it("compile ∘ decompile keeps everything but the invented layout when there is none", () => {
    fc.assert(
      fc.property(flowArb({ layout: "none" }), (flow) => {
        const back = compile(decompile(flow).graph, { layout: false });
        expect(back.flow).toStrictEqual(flow);
      }),
      { numRuns: 200 },
    );
  });

  it("decompile ∘ compile is the identity on canvas graphs", () => {
    fc.assert(
      fc.property(flowArb({ layout: "complete" }), (flow) => {
        const graph = decompile(flow).graph;
        const again = decompile(compile(graph).flow).graph;
        expect(again).toStrictEqual(graph);
      }),
      { numRuns: 300 },
    );
  });

  it("compile ignores edge order, edge ids and the handle/data redundancy", () => {
    fc.assert(
      fc.property(flowArb({ layout: "complete" }), fc.integer(), fc.boolean(), (flow, seed, dropData) => {
        const graph = decompile(flow).graph;
        const edges: CanvasEdge[] = graph.edges
          .map((e, i) => {
            const copy: CanvasEdge = { ...e, id: `xy-edge__${(seed + i * 31) >>> 0}` };
            if (dropData) delete copy.data; // a fresh React Flow edge only has a sourceHandle
            return copy;
          })
          .sort((a, b) => ((a.id.length * 7 + seed) % 5) - ((b.id.length * 3 + seed) % 5));
        expect(compile({ ...graph, edges }).flow).toStrictEqual(compile(graph).flow);
      }),
      { numRuns: 200 },
    );
  });

  for (const [name, flow] of examples) {
    it(`${name}: compiles and round-trips`, async () => {
      const { graph, unplaced } = decompile(flow);
      expect(unplaced.length).toBeGreaterThan(0); // the examples carry no layout
      expect(compile(graph, { layout: false }).flow).toStrictEqual(flow);
      const laid = await decompileWithLayout(flow);
      const compiled = compile(laid);
      expect(compiled.problems).toEqual([]);
      expect(behaviour(compiled.flow)).toStrictEqual(behaviour(flow));
      expect(validate(compiled.flow).problems).toEqual([]);
      // Laid out once, the document round-trips exactly, layout included.
      expect(compile(decompile(compiled.flow).graph).flow).toStrictEqual(compiled.flow);
    });
  }
});

describe("canvas model", () => {
  const flow = examples.find(([n]) => n.startsWith("opportunity"))![1];
  const { graph } = decompile(flow);

  it("puts one trigger node first and parents before children", () => {
    expect(graph.nodes[0]).toMatchObject({
      id: "trigger",
      type: "trigger",
      data: { kind: "trigger", trigger: flow.trigger },
    });
    const index = new Map(graph.nodes.map((n, i) => [n.id, i]));
    for (const n of graph.nodes) if (n.parentId) expect(index.get(n.parentId)!).toBeLessThan(index.get(n.id)!);
    expect(graph.nodes.find((n) => n.id === "createMilestone")?.parentId).toBe("createMilestones");
  });

  it("turns every pointer into an edge with a handle", () => {
    const byId = new Map(graph.edges.map((e) => [e.id, e]));
    expect(byId.get(edgeId("trigger", "start"))).toMatchObject({ target: "getOpportunity", sourceHandle: "start" });
    expect(byId.get("chooseBilling:case-0")).toMatchObject({
      target: "createMilestones",
      data: { kind: "case", index: 0 },
    });
    expect(byId.get("chooseBilling:default")?.target).toBe("setRates");
    expect(byId.get("upsertCustomer:catch-0")?.target).toBe("customerRejected");
    expect(byId.get("createProject:compensate")?.target).toBe("archiveProject");
    expect(byId.get("createMilestones:body")?.target).toBe("createMilestone");
    const data = graph.nodes.find((n) => n.id === "chooseBilling")!.data;
    expect(data).toEqual({
      kind: "step",
      step: {
        type: "switch",
        name: "Fixed fee or T&M?",
        cases: [{ when: "$steps.getOpportunity.output.Billing_Type__c = 'Fixed Fee'", label: "Fixed fee" }],
      },
    });
  });

  it("reports drawing problems instead of throwing", () => {
    const broken: CanvasGraph = {
      ...graph,
      nodes: [...graph.nodes.filter((n) => n.id !== "trigger"), { ...graph.nodes[1]!, id: "getOpportunity" }],
      edges: [
        ...graph.edges,
        { id: "x1", source: "getAccount", target: "ghost", sourceHandle: "next" },
        { id: "x2", source: "getAccount", target: "createProject", sourceHandle: "next" },
        { id: "x3", source: "announce", target: "getAccount", sourceHandle: "case-3" },
        { id: "x4", source: "announce", target: "getAccount", sourceHandle: "wormhole" },
      ],
    };
    const r = compile(broken);
    const codes = r.problems.map((p) => p.code).sort();
    expect(codes).toEqual([
      "dangling-edge",
      "dangling-edge",
      "duplicate-edge",
      "duplicate-node",
      "invalid-edge",
      "invalid-edge",
      "missing-trigger",
    ]);
    expect(() => compile({ flow: null, nodes: "x", edges: 5 } as unknown as CanvasGraph)).not.toThrow();
  });

  it("reports switch cases and catch routes left unconnected", () => {
    const edges = graph.edges.filter((e) => e.id !== "chooseBilling:case-0" && e.id !== "upsertCustomer:catch-0");
    const codes = compile({ ...graph, edges }).problems.map((p) => p.code);
    expect(codes.sort()).toEqual(["unconnected-case", "unconnected-catch"]);
  });

  it("names steps whose containers form a circle instead of dropping them", () => {
    // createMilestones (foreach) inside a new foreach that is itself inside createMilestones.
    const loop = {
      ...graph.nodes.find((n) => n.id === "createMilestones")!,
      id: "outerLoop",
      parentId: "createMilestones",
    };
    const nodes = [
      ...graph.nodes.map((n) => (n.id === "createMilestones" ? { ...n, parentId: "outerLoop" } : n)),
      loop,
    ];
    const r = compile({ ...graph, nodes });
    const cycle = r.problems.filter((p) => p.code === "parent-cycle");
    expect(cycle.map((p) => p.stepId).sort()).toEqual(["createMilestone", "createMilestones", "outerLoop"]);
    expect(cycle.find((p) => p.stepId === "createMilestones")!.message).toBe(
      "Step 'createMilestones' is inside itself through its containers ('createMilestones' → 'outerLoop' → 'createMilestones'); move it out of 'outerLoop'.",
    );
    expect(cycle.find((p) => p.stepId === "createMilestone")!.message).toContain("whose containers form a circle");
    expect(r.problems.filter((p) => p.code === "invalid-edge")).toEqual([]);
  });

  // The class: however the parents are rewired, every step node is in the compiled document or named by a problem.
  it("never drops a step silently, whatever the parents", () => {
    fc.assert(
      fc.property(
        flowArb(),
        fc.array(fc.tuple(fc.nat(), fc.nat()), { minLength: 1, maxLength: 4 }),
        (flow, rewires) => {
          const g = decompile(flow).graph;
          const steps = g.nodes.filter((n) => n.type !== "trigger");
          if (steps.length === 0) return;
          const nodes = g.nodes.map((n) => ({ ...n }));
          for (const [a, b] of rewires) {
            const child = nodes.find((n) => n.id === steps[a % steps.length]!.id)!;
            child.parentId = steps[b % steps.length]!.id;
          }
          const r = compile({ ...g, nodes });
          const kept = new Set<string>();
          const walk = (list: unknown): void => {
            for (const s of (list as Array<{
              id: string;
              body?: { steps: unknown };
              branches?: Array<{ steps: unknown }>;
            }>) ?? []) {
              kept.add(s.id);
              if (s.body) walk(s.body.steps);
              for (const b of s.branches ?? []) walk(b.steps);
            }
          };
          walk(r.flow.steps);
          const named = new Set(r.problems.map((p) => p.stepId));
          for (const n of steps) expect(kept.has(n.id) || named.has(n.id), n.id).toBe(true);
        },
      ),
      { numRuns: 300 },
    );
  });

  it("rejects steps inside a non-container or outside any branch", () => {
    const nodes = graph.nodes.map((n) => (n.id === "announce" ? { ...n, parentId: "getAccount" } : n));
    expect(compile({ ...graph, nodes }).problems.map((p) => p.code)).toContain("invalid-parent");
  });
});

describe("layout", () => {
  it("places every node, sizes containers, and keeps children relative to them", async () => {
    const flow = examples.find(([n]) => n.startsWith("timesheet"))![1];
    const laid = await layoutGraph(decompile(flow).graph);
    const pos = new Map(laid.nodes.map((n) => [n.id, n]));
    const fan = pos.get("fanOut")!;
    expect(fan.width).toBeGreaterThan(200);
    expect(fan.height).toBeGreaterThan(100);
    const distinct = new Set(laid.nodes.filter((n) => !n.parentId).map((n) => `${n.position.x},${n.position.y}`));
    expect(distinct.size).toBe(laid.nodes.filter((n) => !n.parentId).length);
    const child = pos.get("postTimeBills")!;
    expect(child.position.x).toBeLessThan(fan.width!);
  });

  it("keeps positions the document has", async () => {
    const flow = examples[0]![1];
    const partial: Flow = { ...flow, layout: { nodes: { trigger: { x: -999, y: 4242 } } } };
    const g = await decompileWithLayout(partial);
    expect(g.nodes.find((n) => n.id === "trigger")!.position).toEqual({ x: -999, y: 4242 });
  });

  // A 5,000-step draft: ELK overflowed the stack on it (a long foreach body) and the designer could not
  // open it. Above ELK_MAX_NODES the layered fallback lays it out; the picture must still be a layout.
  it.each([
    [
      "a 5,000-step chain inside a foreach",
      () => [{ id: "loop", type: "foreach", items: "$trigger.items", body: { start: "b0", steps: chain("b", 5000) } }],
    ],
    [
      "5,000 steps with switches, catch routes and a parallel",
      () => [
        ...chain("s", 4990).map((st, i) =>
          i === 4989
            ? { ...st, next: "par" }
            : i % 50 === 10
              ? { id: st.id, type: "switch", cases: [{ when: "$trigger.x = 1", next: `s${i + 3}` }], default: st.next }
              : i % 70 === 20
                ? { ...st, catch: [{ errors: ["any"], next: `s${i + 5}` }] }
                : st,
        ),
        {
          id: "par",
          type: "parallel",
          join: "all",
          branches: [
            { name: "a", start: "pa0", steps: chain("pa", 4) },
            { name: "b", start: "pb0", steps: chain("pb", 4) },
          ],
        },
      ],
    ],
  ] as const)(
    "lays out %s without overflowing: every node placed, edges point forward, containers hold their children",
    async (_what, steps) => {
      const all = steps() as Array<{ id: string }>;
      const flow = {
        dsl: "weft/1",
        key: "huge",
        version: "1.0.0",
        name: "Huge",
        trigger: { type: "manual" },
        start: all[0]!.id,
        steps: all,
      } as unknown as Flow;
      const { graph } = decompile(flow);
      expect(graph.nodes.length).toBeGreaterThan(ELK_MAX_NODES);
      const laid = await layoutGraph(graph);
      const byId = new Map(laid.nodes.map((n) => [n.id, n]));
      const w = (id: string) => byId.get(id)!.width ?? 220;
      const h = (id: string) => byId.get(id)!.height ?? 72;
      // Every node has its own place among its siblings.
      const seen = new Map<string, string>();
      for (const n of laid.nodes) {
        expect(Number.isFinite(n.position.x) && Number.isFinite(n.position.y), n.id).toBe(true);
        const k = `${n.parentId ?? ""}|${n.position.x},${n.position.y}`;
        expect(seen.get(k), `${n.id} on top of ${seen.get(k)}`).toBeUndefined();
        seen.set(k, n.id);
        if (n.parentId) {
          expect(n.position.x + w(n.id)).toBeLessThanOrEqual(w(n.parentId));
          expect(n.position.y + h(n.id)).toBeLessThanOrEqual(h(n.parentId));
        }
      }
      // Sibling edges run left to right (the graphs are acyclic).
      for (const e of laid.edges) {
        const a = byId.get(e.source)!;
        const b = byId.get(e.target)!;
        if ((a.parentId ?? "") === (b.parentId ?? ""))
          expect(b.position.x, `${e.source} → ${e.target}`).toBeGreaterThan(a.position.x);
      }
    },
    60_000,
  );
});

function chain(prefix: string, n: number): Array<{ id: string; type: "map"; output: string; next?: string }> {
  return Array.from({ length: n }, (_, i) => ({
    id: `${prefix}${i}`,
    type: "map",
    output: "1",
    ...(i < n - 1 ? { next: `${prefix}${i + 1}` } : {}),
  }));
}
