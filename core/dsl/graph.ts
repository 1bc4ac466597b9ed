// Canvas graph (React Flow nodes and edges + node configuration) ⇄ DSL.
//
// The canvas model:
// - One node per step, `id` = step id, `type` = step type; plus one node `trigger` (type "trigger").
// - `data.step` holds the step's own settings; everything that points at another step is an edge instead
//   (next, switch cases and default, catch routes, compensate, the start of a body or branch).
// - Steps inside a foreach body have `parentId` = the foreach; steps of a parallel branch have `parentId`
//   = the parallel and `data.branch` = the branch index (React Flow sub-flows; positions are relative).
// - Each edge leaves a named source handle: "start" (trigger → first step), "next", "case-<i>", "default",
//   "catch-<i>", "compensate", "body" (foreach → first body step), "branch-<i>" (parallel → first step of
//   branch i), "decision-<i>" (an approval's route for decision APPROVAL_ROUTES[i]). `data.kind`/`data.index` say the same for code that does not parse handles.
// - Positions live in the DSL's `layout` (nodes by id), so the canvas survives a save.
//
// compile(decompile(d)) = d for documents whose layout covers every node, and decompile(compile(g)) = g
// for graphs in canonical form (edge ids as decompile names them); the property tests hold both.
import type { Problem } from "./problems";
import { APPROVAL_ROUTES, type ApprovalRoute } from "./schema";
import type { Block, Branch, CatchRoute, Flow, Step, StepType, SwitchStep, Trigger } from "./schema";
import { isObj } from "../is-obj";

export type CanvasEdgeKind =
  "start" | "next" | "case" | "default" | "catch" | "compensate" | "body" | "branch" | "decision";
export const CANVAS_EDGE_KINDS: readonly CanvasEdgeKind[] = [
  "start",
  "next",
  "case",
  "default",
  "catch",
  "compensate",
  "body",
  "branch",
  "decision",
];

export type CaseConfig = { when: string; label?: string };
export type CatchConfig = { errors: string[]; output?: CatchRoute["output"] };
export type BranchConfig = { name: string };

type Structural = "id" | "next" | "compensate" | "catch" | "default" | "cases" | "body" | "branches" | "routes";
type Dist<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

/** A step's own settings, without anything that points at another step (those are edges). */
export type StepConfig =
  | (Dist<Exclude<Step, { type: "switch" | "foreach" | "parallel" | "fail" }>, Structural> & { catch?: CatchConfig[] })
  | Omit<Extract<Step, { type: "fail" }>, "id">
  | (Omit<SwitchStep, Structural> & { cases: CaseConfig[]; catch?: CatchConfig[] })
  | (Dist<Extract<Step, { type: "foreach" }>, Structural> & { catch?: CatchConfig[] })
  | (Dist<Extract<Step, { type: "parallel" }>, Structural> & { branches: BranchConfig[]; catch?: CatchConfig[] });

// `type` aliases (not interfaces) so they satisfy React Flow's `Record<string, unknown>` data constraint.
export type TriggerNodeData = { kind: "trigger"; trigger: Trigger };
export type StepNodeData = { kind: "step"; step: StepConfig; branch?: number };
export type CanvasNodeData = TriggerNodeData | StepNodeData;

export type CanvasNode = {
  id: string;
  type: "trigger" | StepType;
  position: { x: number; y: number };
  parentId?: string;
  width?: number;
  height?: number;
  data: CanvasNodeData;
};

export type CanvasEdge = {
  id: string;
  source: string;
  target: string;
  sourceHandle?: string | null;
  targetHandle?: string | null;
  data?: { kind: CanvasEdgeKind; index?: number };
};

/** The flow's header and flow-level settings (everything but trigger, start, steps and layout). */
export type FlowMeta = Omit<Flow, "trigger" | "start" | "steps" | "layout">;

export type CanvasGraph = { flow: FlowMeta; nodes: CanvasNode[]; edges: CanvasEdge[] };

export const TRIGGER_NODE_ID = "trigger";

export function handleOf(kind: CanvasEdgeKind, index?: number): string {
  return kind === "case" || kind === "catch" || kind === "branch" || kind === "decision"
    ? `${kind}-${index ?? 0}`
    : kind;
}

/** Canonical edge id: one edge per source handle. */
export function edgeId(source: string, kind: CanvasEdgeKind, index?: number): string {
  return `${source}:${handleOf(kind, index)}`;
}

function edge(source: string, target: string, kind: CanvasEdgeKind, index?: number): CanvasEdge {
  return {
    id: edgeId(source, kind, index),
    source,
    target,
    sourceHandle: handleOf(kind, index),
    data: index === undefined ? { kind } : { kind, index },
  };
}

// ---------------------------------------------------------------------------------------------------
// DSL → graph

/** Settings of a step without its structural fields. */
export function stepConfig(step: Step): StepConfig {
  const { id: _id, ...rest } = step;
  const o: Record<string, unknown> = { ...rest };
  delete o.next;
  delete o.compensate;
  delete o.default;
  delete o.body;
  delete o.routes;
  if (step.type === "switch")
    o.cases = step.cases.map((c) => (c.label !== undefined ? { when: c.when, label: c.label } : { when: c.when }));
  if (step.type === "parallel") o.branches = step.branches.map((b) => ({ name: b.name }));
  if (step.type !== "fail" && step.catch)
    o.catch = step.catch.map((c) => ({
      errors: [...c.errors],
      ...(c.output !== undefined ? { output: c.output } : {}),
    }));
  return o as StepConfig;
}

export interface DecompileResult {
  graph: CanvasGraph;
  /** Node ids without a position in the document's layout (placed at 0,0; see layout.ts). */
  unplaced: string[];
}

export function decompile(flow: Flow): DecompileResult {
  const { trigger, start, steps, layout, ...meta } = flow;
  const nodes: CanvasNode[] = [];
  const edges: CanvasEdge[] = [];
  const unplaced: string[] = [];
  const place = (node: Omit<CanvasNode, "position">): CanvasNode => {
    const p = layout?.nodes[node.id];
    const n: CanvasNode = { ...node, position: p ? { x: p.x, y: p.y } : { x: 0, y: 0 } } as CanvasNode;
    if (!p) unplaced.push(node.id);
    if (p?.width !== undefined) n.width = p.width;
    if (p?.height !== undefined) n.height = p.height;
    return n;
  };
  nodes.push(place({ id: TRIGGER_NODE_ID, type: "trigger", data: { kind: "trigger", trigger } }));
  if (start !== undefined) edges.push(edge(TRIGGER_NODE_ID, start, "start"));

  // Depth-first so every parent precedes its children (React Flow needs that order).
  const visit = (list: Step[], parentId: string | undefined, branch: number | undefined): void => {
    for (const step of list) {
      const data: StepNodeData =
        branch === undefined
          ? { kind: "step", step: stepConfig(step) }
          : { kind: "step", step: stepConfig(step), branch };
      nodes.push(place({ id: step.id, type: step.type, ...(parentId !== undefined ? { parentId } : {}), data }));
      if (step.type === "switch") {
        step.cases.forEach((c, i) => edges.push(edge(step.id, c.next, "case", i)));
        if (step.default !== undefined) edges.push(edge(step.id, step.default, "default"));
      } else if (step.type !== "fail" && step.next !== undefined) edges.push(edge(step.id, step.next, "next"));
      if (step.type === "approval")
        APPROVAL_ROUTES.forEach((d, i) => {
          const t = step.routes?.[d];
          if (t !== undefined) edges.push(edge(step.id, t, "decision", i));
        });
      if (step.type !== "fail") {
        step.catch?.forEach((c, i) => edges.push(edge(step.id, c.next, "catch", i)));
        if (step.compensate !== undefined) edges.push(edge(step.id, step.compensate, "compensate"));
      }
      if (step.type === "foreach") {
        if (step.body.start !== undefined) edges.push(edge(step.id, step.body.start, "body"));
        visit(step.body.steps, step.id, undefined);
      } else if (step.type === "parallel") {
        step.branches.forEach((b, i) => {
          if (b.start !== undefined) edges.push(edge(step.id, b.start, "branch", i));
          visit(b.steps, step.id, i);
        });
      }
    }
  };
  visit(steps, undefined, undefined);
  return { graph: { flow: meta, nodes, edges }, unplaced };
}

// ---------------------------------------------------------------------------------------------------
// graph → DSL

export interface CompileOptions {
  /** Write node positions into `layout` (default true). */
  layout?: boolean;
}

export interface CompileResult {
  /** The document (not yet validated: run `validate` on it). */
  flow: Flow;
  /** Problems of the drawing itself (dangling edges, two "next" edges from one handle, …). */
  problems: Problem[];
}

function kindOfEdge(e: CanvasEdge): { kind: CanvasEdgeKind; index?: number } | null {
  const d = e.data;
  if (isObj(d) && typeof d.kind === "string" && (CANVAS_EDGE_KINDS as readonly string[]).includes(d.kind)) {
    const idx = typeof d.index === "number" ? d.index : undefined;
    return idx === undefined ? { kind: d.kind } : { kind: d.kind, index: idx };
  }
  const h = typeof e.sourceHandle === "string" ? e.sourceHandle : "next";
  const m = /^(case|catch|branch|decision)-(\d+)$/.exec(h);
  if (m) return { kind: m[1] as CanvasEdgeKind, index: Number(m[2]) };
  return (CANVAS_EDGE_KINDS as readonly string[]).includes(h) ? { kind: h as CanvasEdgeKind } : null;
}

/** Compiles a canvas graph to a DSL document. Never throws; drawing problems are returned. */
export function compile(graph: CanvasGraph, opts: CompileOptions = {}): CompileResult {
  const problems: Problem[] = [];
  const problem = (path: Array<string | number>, code: string, message: string, stepId?: string) =>
    problems.push({ ...(stepId !== undefined ? { stepId } : {}), path, code, message, severity: "error" });
  const nodesIn = Array.isArray(graph?.nodes) ? graph.nodes : [];
  const edgesIn = Array.isArray(graph?.edges) ? graph.edges : [];

  // Nodes
  const byId = new Map<string, { node: CanvasNode; i: number }>();
  let triggerNode: CanvasNode | undefined;
  nodesIn.forEach((node, i) => {
    if (!isObj(node) || typeof node.id !== "string")
      return problem(["nodes", i], "invalid-node", `Node ${i + 1} has no id.`);
    if (byId.has(node.id))
      return problem(["nodes", i], "duplicate-node", `Two nodes are called '${node.id}'.`, node.id);
    if (!isObj(node.data))
      return problem(["nodes", i, "data"], "invalid-node", `Node '${node.id}' has no settings.`, node.id);
    byId.set(node.id, { node, i });
    if (node.type === "trigger" || node.data.kind === "trigger") {
      if (triggerNode)
        problem(["nodes", i], "multiple-triggers", "A flow has exactly one trigger; remove the extra one.", node.id);
      else triggerNode = node;
    }
  });
  if (!triggerNode) problem(["nodes"], "missing-trigger", "The flow has no trigger: add one to say what starts it.");

  // Edges: one target per (source, handle)
  const out = new Map<string, Map<string, string>>();
  edgesIn.forEach((e, j) => {
    if (!isObj(e) || typeof e.source !== "string" || typeof e.target !== "string")
      return problem(["edges", j], "invalid-edge", `Connection ${j + 1} is incomplete.`);
    if (!byId.has(e.source) || !byId.has(e.target))
      return problem(
        ["edges", j],
        "dangling-edge",
        `A connection from '${e.source}' to '${e.target}' has a missing end.`,
        e.source,
      );
    const k = kindOfEdge(e);
    if (!k)
      return problem(
        ["edges", j],
        "invalid-edge",
        `The connection from '${e.source}' leaves an unknown handle '${String(e.sourceHandle)}'.`,
        e.source,
      );
    const handle = handleOf(k.kind, k.index);
    const m = out.get(e.source) ?? new Map<string, string>();
    if (m.has(handle))
      return problem(
        ["edges", j],
        "duplicate-edge",
        `'${e.source}' has two connections from its ${handle} handle; a handle leads to one step.`,
        e.source,
      );
    m.set(handle, e.target);
    out.set(e.source, m);
  });
  const used = new Set<string>();
  const take = (source: string, kind: CanvasEdgeKind, index?: number) => {
    const h = handleOf(kind, index);
    const t = out.get(source)?.get(h);
    if (t !== undefined) used.add(`${source}\u0000${h}`);
    return t;
  };

  // Scopes: children by parent (and branch), in node order.
  const children = new Map<string, CanvasNode[]>(); // key: "" root, "<id>" body, "<id>#<i>" branch
  for (const { node, i } of byId.values()) {
    if (node === triggerNode) continue;
    const data = node.data;
    if (data.kind !== "step" || !isObj(data.step) || typeof data.step.type !== "string") {
      problem(["nodes", i, "data"], "invalid-node", `Node '${node.id}' is not a step.`, node.id);
      continue;
    }
    let key = "";
    if (node.parentId !== undefined) {
      const parent = byId.get(node.parentId)?.node;
      const pType = parent?.data.kind === "step" ? parent.data.step.type : undefined;
      if (pType === "foreach") key = node.parentId;
      else if (pType === "parallel") {
        const b = data.branch;
        const count =
          parent?.data.kind === "step" && parent.data.step.type === "parallel" ? parent.data.step.branches.length : 0;
        if (typeof b !== "number" || b < 0 || b >= count) {
          problem(
            ["nodes", i, "data", "branch"],
            "invalid-branch",
            `Step '${node.id}' is inside parallel '${node.parentId}' but not in one of its branches.`,
            node.id,
          );
          continue;
        }
        key = `${node.parentId}#${b}`;
      } else {
        problem(
          ["nodes", i, "parentId"],
          "invalid-parent",
          `Step '${node.id}' sits inside '${node.parentId}', which is not a foreach or parallel step.`,
          node.id,
        );
        continue;
      }
    }
    const list = children.get(key) ?? [];
    list.push(node);
    children.set(key, list);
  }

  // Build steps depth-first from the root; `building` guards against parent cycles.
  const building = new Set<string>();
  const buildScope = (key: string): Step[] =>
    (children.get(key) ?? []).map((n) => buildStep(n)).filter((s): s is Step => s !== null);
  const buildStep = (node: CanvasNode): Step | null => {
    if (building.has(node.id)) return null;
    building.add(node.id);
    const data = node.data as StepNodeData;
    const cfg = data.step as Record<string, unknown>;
    const s: Record<string, unknown> = { id: node.id, ...cfg };
    const type = cfg.type as StepType;
    if (type === "switch") {
      const cases = Array.isArray(cfg.cases) ? (cfg.cases as CaseConfig[]) : [];
      s.cases = cases.map((c, i) => {
        const t = take(node.id, "case", i);
        if (t === undefined)
          problem(
            ["nodes", byId.get(node.id)!.i],
            "unconnected-case",
            `Case ${i + 1} of switch '${node.id}' is not connected to a step.`,
            node.id,
          );
        return { ...c, ...(t !== undefined ? { next: t } : {}) };
      });
      const d = take(node.id, "default");
      if (d !== undefined) s.default = d;
    } else if (type !== "fail") {
      const n = take(node.id, "next");
      if (n !== undefined) s.next = n;
    }
    if (type === "approval") {
      const routes: Partial<Record<ApprovalRoute, string>> = {};
      APPROVAL_ROUTES.forEach((d, i) => {
        const t = take(node.id, "decision", i);
        if (t !== undefined) routes[d] = t;
      });
      if (Object.keys(routes).length) s.routes = routes;
    }
    if (type !== "fail") {
      if (Array.isArray(cfg.catch))
        s.catch = (cfg.catch as CatchConfig[]).map((c, i) => {
          const t = take(node.id, "catch", i);
          if (t === undefined)
            problem(
              ["nodes", byId.get(node.id)!.i],
              "unconnected-catch",
              `Catch route ${i + 1} of '${node.id}' is not connected to a step.`,
              node.id,
            );
          return { ...c, ...(t !== undefined ? { next: t } : {}) } as CatchRoute;
        });
      const c = take(node.id, "compensate");
      if (c !== undefined) s.compensate = c;
    }
    if (type === "foreach") {
      const start = take(node.id, "body");
      const body: Block = { ...(start !== undefined ? { start } : {}), steps: buildScope(node.id) };
      s.body = body;
    } else if (type === "parallel") {
      const branches = Array.isArray(cfg.branches) ? (cfg.branches as BranchConfig[]) : [];
      s.branches = branches.map((b, i): Branch => {
        const start = take(node.id, "branch", i);
        return { ...b, ...(start !== undefined ? { start } : {}), steps: buildScope(`${node.id}#${i}`) };
      });
    }
    return s as unknown as Step;
  };

  const start = triggerNode ? take(triggerNode.id, "start") : undefined;
  const steps = buildScope("");
  // Step nodes the walk from the root never reached sit in a parent cycle (a inside b inside a) or inside
  // one: name them rather than drop them (and skip their edges, which would only add noise).
  const unreached = new Set<string>();
  for (const list of children.values())
    for (const n of list) {
      if (building.has(n.id)) continue;
      unreached.add(n.id);
      const chain: string[] = [];
      let cur: string | undefined = n.id;
      while (cur !== undefined && !chain.includes(cur)) {
        chain.push(cur);
        cur = byId.get(cur)?.node.parentId;
      }
      const loop = cur === undefined ? [] : [...chain.slice(chain.indexOf(cur)), cur];
      const names = loop.map((id) => `'${id}'`).join(" → ");
      problem(
        ["nodes", byId.get(n.id)!.i, "parentId"],
        "parent-cycle",
        loop[0] === n.id
          ? `Step '${n.id}' is inside itself through its containers (${names}); move it out of '${n.parentId}'.`
          : `Step '${n.id}' is inside '${n.parentId}', whose containers form a circle (${names}); move them apart.`,
        n.id,
      );
    }
  // Edges no step consumed: a handle the node type does not have.
  for (const [source, m] of out)
    for (const [h, t] of m)
      if (!used.has(`${source}\u0000${h}`) && !unreached.has(source))
        problem(
          ["edges"],
          "invalid-edge",
          `'${source}' cannot have a '${h}' connection (to '${t}').`,
          source === triggerNode?.id ? undefined : source,
        );

  const flow: Record<string, unknown> = { ...(isObj(graph?.flow) ? graph.flow : {}) };
  flow.trigger = triggerNode?.data.kind === "trigger" ? triggerNode.data.trigger : { type: "manual" };
  if (start !== undefined) flow.start = start;
  flow.steps = steps;
  if (opts.layout !== false && byId.size > 0) {
    const positions: Record<string, { x: number; y: number; width?: number; height?: number }> = {};
    for (const { node } of byId.values()) {
      const x = Number(node.position?.x ?? 0);
      const y = Number(node.position?.y ?? 0);
      const p: { x: number; y: number; width?: number; height?: number } = {
        x: Number.isFinite(x) ? x : 0,
        y: Number.isFinite(y) ? y : 0,
      };
      if (typeof node.width === "number") p.width = node.width;
      if (typeof node.height === "number") p.height = node.height;
      positions[node.id] = p;
    }
    flow.layout = { nodes: positions };
  }
  return { flow: flow as unknown as Flow, problems };
}
