// Canvas state ⇄ DSL glue for the designer: React Flow nodes/edges to the DSL's CanvasGraph (compile and
// decompile live in server/dsl/graph.ts — not re-implemented here), new step ids, what is in scope upstream
// of a node, where a validation problem points, and copy/paste of selections as DSL JSON.
import type { Edge, Node } from "@xyflow/react";
import {
  compile,
  decompile,
  edgeId,
  handleOf,
  RESERVED_STEP_IDS,
  STEP_ID_RE,
  TRIGGER_NODE_ID,
  type CanvasEdge,
  type CanvasEdgeKind,
  type CanvasGraph,
  type CanvasNode,
  type CanvasNodeData,
  type Flow,
  type FlowMeta,
  type Problem,
  type Step,
} from "@/server/dsl";

export type DNode = Node<CanvasNodeData>;
export type DEdge = Edge<{ kind: CanvasEdgeKind; index?: number }>;
export interface DocState {
  meta: FlowMeta;
  nodes: DNode[];
  edges: DEdge[];
}

export const CONTAINERS = new Set(["foreach", "parallel"]);
export const NODE_W = 220;
export const NODE_H = 72;

export function edgeStyleClass(kind: CanvasEdgeKind | undefined): string {
  return kind === "catch" ? "weft-edge-catch" : kind === "compensate" ? "weft-edge-compensate" : kind === "case" || kind === "default" ? "weft-edge-case" : "weft-edge-next";
}

export function toRfEdge(e: CanvasEdge, label?: string): DEdge {
  const kind = e.data?.kind ?? "next";
  return {
    id: e.id,
    source: e.source,
    target: e.target,
    sourceHandle: e.sourceHandle ?? handleOf(kind, e.data?.index),
    data: e.data ?? { kind },
    className: edgeStyleClass(kind),
    ...(label ? { label } : {}),
    ...(kind === "catch" || kind === "compensate" ? { zIndex: 1 } : {}),
  };
}

export function toRfNode(n: CanvasNode): DNode {
  const rf: DNode = { id: n.id, type: n.type, position: n.position, data: n.data };
  if (n.parentId !== undefined) rf.parentId = n.parentId;
  if (CONTAINERS.has(n.type)) {
    rf.width = n.width ?? 300;
    rf.height = n.height ?? 160;
  }
  return rf;
}

export function fromDecompiled(graph: CanvasGraph): DocState {
  return { meta: graph.flow, nodes: graph.nodes.map(toRfNode), edges: graph.edges.map((e) => toRfEdge(e, edgeLabel(graph.nodes, e))) };
}

function edgeLabel(nodes: readonly CanvasNode[], e: CanvasEdge): string | undefined {
  const k = e.data?.kind;
  if (k === "default") return "default";
  if (k === "catch") return "on error";
  if (k === "compensate") return "compensate";
  if (k === "case") {
    const n = nodes.find((x) => x.id === e.source);
    const c = n?.data.kind === "step" && n.data.step.type === "switch" ? n.data.step.cases[e.data?.index ?? 0] : undefined;
    return c?.label ?? c?.when ?? `case ${(e.data?.index ?? 0) + 1}`;
  }
  if (k === "branch") return `branch ${(e.data?.index ?? 0) + 1}`;
  return undefined;
}

export function relabelEdges(state: DocState): DEdge[] {
  const cn = state.nodes as unknown as CanvasNode[];
  return state.edges.map((e) => {
    const label = edgeLabel(cn, e as unknown as CanvasEdge);
    return e.label === label ? e : { ...e, label };
  });
}

/** The expression a call's input is when a map step builds it whole. */
export function mapOutputRef(mapId: string): string {
  return `$steps.${mapId}.output`;
}

/**
 * A map step followed by a call builds that call's input (the mapper's target is the call's input): a call
 * whose input is still empty is wired to `$steps.<map>.output`. An input the user wrote is never replaced.
 */
export function wireMapInputs(state: DocState): DNode[] {
  let nodes = state.nodes;
  for (const e of state.edges) {
    if ((e.sourceHandle ?? "next") !== "next") continue;
    const from = nodes.find((n) => n.id === e.source);
    const to = nodes.find((n) => n.id === e.target);
    if (from?.data.kind !== "step" || from.data.step.type !== "map" || to?.data.kind !== "step" || to.data.step.type !== "call") continue;
    const input = to.data.step.input;
    const empty = input === undefined || (typeof input === "string" ? input.trim() === "" || input.trim() === "{}" : Object.keys(input).length === 0);
    if (!empty) continue;
    const wired = { ...to, data: { ...to.data, step: { ...to.data.step, input: mapOutputRef(from.id) } } };
    nodes = nodes.map((n) => (n.id === to.id ? wired : n));
  }
  return nodes;
}

export function toCanvasGraph(state: DocState): CanvasGraph {
  return {
    flow: state.meta,
    nodes: state.nodes.map((n) => {
      const c: CanvasNode = { id: n.id, type: n.type as CanvasNode["type"], position: n.position, data: n.data };
      if (n.parentId) c.parentId = n.parentId;
      if (CONTAINERS.has(n.type ?? "") && typeof n.width === "number") {
        c.width = n.width;
        c.height = typeof n.height === "number" ? n.height : 160;
      }
      return c;
    }),
    edges: state.edges.map((e) => ({ id: e.id, source: e.source, target: e.target, sourceHandle: e.sourceHandle ?? null, ...(e.data ? { data: e.data } : {}) })),
  };
}

export function compileState(state: DocState): { flow: Flow; problems: Problem[] } {
  return compile(toCanvasGraph(state));
}

/** A fresh step id from a hint ("createInvoice", "map"), unique among `taken`. */
export function newStepId(hint: string, taken: ReadonlySet<string>): string {
  let base = hint.replace(/[^A-Za-z0-9_]/g, "").replace(/^[^A-Za-z_]+/, "");
  if (!base) base = "step";
  base = base.slice(0, 56);
  if (!taken.has(base) && !RESERVED_STEP_IDS.has(base) && STEP_ID_RE.test(base)) return base;
  for (let i = 2; ; i++) {
    const id = `${base}${i}`;
    if (!taken.has(id)) return id;
  }
}

/** Step nodes that run before `nodeId` (reverse reachability over edges, through enclosing containers). */
export function upstreamOf(nodeId: string, nodes: readonly DNode[], edges: readonly DEdge[]): { steps: string[]; inForeach: string | null } {
  const incoming = new Map<string, string[]>();
  for (const e of edges) {
    const l = incoming.get(e.target) ?? [];
    l.push(e.source);
    incoming.set(e.target, l);
  }
  const parentOf = new Map(nodes.map((n) => [n.id, n.parentId] as const));
  const typeOf = new Map(nodes.map((n) => [n.id, n.type] as const));
  const seen = new Set<string>();
  const stack = [nodeId];
  let inForeach: string | null = null;
  while (stack.length) {
    const id = stack.pop()!;
    for (const s of incoming.get(id) ?? []) if (!seen.has(s)) (seen.add(s), stack.push(s));
    const p = parentOf.get(id);
    if (p && !seen.has(p)) {
      if (typeOf.get(p) === "foreach" && inForeach === null) inForeach = p;
      seen.add(p);
      stack.push(p);
    }
  }
  seen.delete(nodeId);
  seen.delete(TRIGGER_NODE_ID);
  // Containers enclosing the node have not produced output yet when it runs.
  for (let p = parentOf.get(nodeId); p; p = parentOf.get(p)) seen.delete(p);
  return { steps: [...seen], inForeach };
}

/** The canvas node a problem is about. */
export function nodeOfProblem(p: Problem): string | undefined {
  if (p.stepId) return p.stepId;
  if (p.path[0] === "trigger") return TRIGGER_NODE_ID;
  return undefined;
}

/** The field path inside the node's settings, e.g. "input.amount" or "retry.maxAttempts". */
export function fieldOfProblem(flow: unknown, p: Problem): string | undefined {
  if (p.path[0] === "trigger") return p.path.slice(1).join(".") || undefined;
  if (!p.stepId) return undefined;
  let cur: unknown = flow;
  let after = -1;
  p.path.forEach((seg, i) => {
    if (cur && typeof cur === "object") {
      cur = (cur as Record<string | number, unknown>)[seg as string];
      if (cur && typeof cur === "object" && !Array.isArray(cur) && (cur as { id?: unknown }).id === p.stepId) after = i;
    }
  });
  if (after < 0) return undefined;
  const rest = p.path.slice(after + 1);
  return rest.length ? rest.join(".") : undefined;
}

// ---------------------------------------------------------------------------------------------------
// Copy / paste as DSL JSON

export const CLIPBOARD_KIND = "weft/steps";

/** The selected nodes (with everything inside selected containers) as a DSL fragment: steps + layout. */
export function selectionToDsl(state: DocState, selected: ReadonlySet<string>): string | null {
  const ids = new Set<string>();
  for (const n of state.nodes) if (selected.has(n.id) && n.id !== TRIGGER_NODE_ID) ids.add(n.id);
  // Descendants of selected containers come along.
  let grew = true;
  while (grew) {
    grew = false;
    for (const n of state.nodes) if (n.parentId && ids.has(n.parentId) && !ids.has(n.id)) (ids.add(n.id), (grew = true));
  }
  if (ids.size === 0) return null;
  const nodes = [
    { id: TRIGGER_NODE_ID, type: "trigger" as const, position: { x: 0, y: 0 }, data: { kind: "trigger" as const, trigger: { type: "manual" as const } } },
    ...toCanvasGraph(state)
      .nodes.filter((n) => ids.has(n.id))
      .map((n) => (n.parentId && !ids.has(n.parentId) ? { ...n, parentId: undefined } : n)),
  ] as CanvasNode[];
  const edges = toCanvasGraph(state).edges.filter((e) => ids.has(e.source) && ids.has(e.target));
  const { flow } = compile({ flow: state.meta, nodes, edges });
  const layout = { ...(flow.layout?.nodes ?? {}) };
  delete layout[TRIGGER_NODE_ID];
  return JSON.stringify({ dsl: "weft/1", kind: CLIPBOARD_KIND, steps: flow.steps, layout: { nodes: layout } }, null, 2);
}

const REF_KEYS = ["next", "default", "compensate"] as const;

function allStepIds(steps: readonly Step[], out: string[] = []): string[] {
  for (const s of steps) {
    out.push(s.id);
    if (s.type === "foreach") allStepIds(s.body.steps, out);
    if (s.type === "parallel") for (const b of s.branches) allStepIds(b.steps, out);
  }
  return out;
}

function renameSteps(steps: Step[], map: ReadonlyMap<string, string>): Step[] {
  const r = (id: string | undefined) => (id !== undefined ? (map.get(id) ?? id) : undefined);
  const refRe = map.size ? new RegExp(`\\$steps\\.(${[...map.keys()].map((k) => k.replace(/[$]/g, "\\$")).join("|")})\\b`, "g") : null;
  const rewrite = (v: unknown): unknown => {
    if (typeof v === "string") return refRe ? v.replace(refRe, (_m, id: string) => `$steps.${map.get(id) ?? id}`) : v;
    if (Array.isArray(v)) return v.map(rewrite);
    if (v && typeof v === "object") return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, rewrite(x)]));
    return v;
  };
  return steps.map((s0) => {
    const s = rewrite(s0) as Record<string, unknown> & Step;
    s.id = r(s0.id)!;
    for (const k of REF_KEYS) if (typeof s[k] === "string") s[k] = r(s[k] as string);
    if (s.type === "switch") s.cases = s.cases.map((c) => ({ ...c, next: r(c.next)! }));
    if (s.type !== "fail" && s.catch) s.catch = s.catch.map((c) => ({ ...c, next: r(c.next)! }));
    if (s.type === "foreach") s.body = { ...(s.body.start !== undefined ? { start: r(s.body.start) } : {}), steps: renameSteps(s.body.steps, map) };
    if (s.type === "parallel") s.branches = s.branches.map((b) => ({ ...b, ...(b.start !== undefined ? { start: r(b.start) } : {}), steps: renameSteps(b.steps, map) }));
    return s as Step;
  });
}

export interface Pasted {
  nodes: DNode[];
  edges: DEdge[];
  unplaced: string[];
}

/** Parses clipboard or file text (a "weft/steps" fragment or a whole weft/1 flow) into canvas nodes with ids that do not collide. */
export function dslToPaste(text: string, meta: FlowMeta, taken: ReadonlySet<string>): Pasted {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    throw new Error("The clipboard does not hold Weft steps (it is not JSON).");
  }
  if (!doc || typeof doc !== "object" || !Array.isArray((doc as { steps?: unknown }).steps))
    throw new Error('The clipboard does not hold Weft steps: expected a weft/1 flow or a "weft/steps" fragment with a "steps" list.');
  const d = doc as { steps: Step[]; layout?: { nodes?: Record<string, { x: number; y: number; width?: number; height?: number }> } };
  const ids = allStepIds(d.steps);
  const used = new Set(taken);
  const map = new Map<string, string>();
  for (const id of ids) {
    const next = used.has(id) || RESERVED_STEP_IDS.has(id) ? newStepId(id.replace(/\d+$/, ""), used) : id;
    used.add(next);
    if (next !== id) map.set(id, next);
  }
  const steps = renameSteps(d.steps, map);
  const layout: Record<string, { x: number; y: number; width?: number; height?: number }> = {};
  for (const [k, v] of Object.entries(d.layout?.nodes ?? {})) if (k !== TRIGGER_NODE_ID && v && typeof v.x === "number") layout[map.get(k) ?? k] = v;
  const { graph, unplaced } = decompile({ ...(meta as Flow), trigger: { type: "manual" }, steps, layout: { nodes: layout } } as Flow);
  const state = fromDecompiled(graph);
  return {
    nodes: state.nodes.filter((n) => n.id !== TRIGGER_NODE_ID),
    edges: state.edges.filter((e) => e.source !== TRIGGER_NODE_ID),
    unplaced: unplaced.filter((u) => u !== TRIGGER_NODE_ID),
  };
}

export { edgeId, handleOf, TRIGGER_NODE_ID };
