// Canvas state ⇄ DSL glue for the designer: React Flow nodes/edges to the DSL's CanvasGraph (compile and
// decompile live in core/dsl/graph.ts — not re-implemented here), new step ids, what is in scope upstream
// of a node, where a validation problem points, and copy/paste of selections as DSL JSON.
import type { Edge, Node } from "@xyflow/react";
import {
  APPROVAL_ROUTES,
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
  type StepConfig,
  jsonEqual,
} from "@/core/dsl";
import { isObj } from "@/core/is-obj";

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
  return kind === "catch"
    ? "weft-edge-catch"
    : kind === "compensate"
      ? "weft-edge-compensate"
      : kind === "case" || kind === "default" || kind === "decision"
        ? "weft-edge-case"
        : "weft-edge-next";
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
  return {
    meta: graph.flow,
    nodes: graph.nodes.map(toRfNode),
    edges: graph.edges.map((e) => toRfEdge(e, edgeLabel(graph.nodes, e))),
  };
}

function edgeLabel(nodes: readonly CanvasNode[], e: CanvasEdge): string | undefined {
  const k = e.data?.kind;
  if (k === "default") return "default";
  if (k === "catch") return "on error";
  if (k === "compensate") return "compensate";
  if (k === "case") {
    const n = nodes.find((x) => x.id === e.source);
    const c =
      n?.data.kind === "step" && n.data.step.type === "switch" ? n.data.step.cases[e.data?.index ?? 0] : undefined;
    return c?.label ?? c?.when ?? `case ${(e.data?.index ?? 0) + 1}`;
  }
  if (k === "branch") return `branch ${(e.data?.index ?? 0) + 1}`;
  if (k === "decision") return `on ${APPROVAL_ROUTES[e.data?.index ?? 0] ?? "decision"}`;
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
    if (
      from?.data.kind !== "step" ||
      from.data.step.type !== "map" ||
      to?.data.kind !== "step" ||
      to.data.step.type !== "call"
    )
      continue;
    const input = to.data.step.input;
    const empty =
      input === undefined ||
      (typeof input === "string" ? input.trim() === "" || input.trim() === "{}" : Object.keys(input).length === 0);
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
    edges: state.edges.map((e) => ({
      id: e.id,
      source: e.source,
      target: e.target,
      sourceHandle: e.sourceHandle ?? null,
      ...(e.data ? { data: e.data } : {}),
    })),
  };
}

export function compileState(state: DocState): { flow: Flow; problems: Problem[] } {
  return compile(toCanvasGraph(state));
}

/** Same nodes with the same settings and nesting: only positions, sizes or the selection may differ. */
export function sameStructure(a: readonly DNode[], b: readonly DNode[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++)
    if (a[i]!.id !== b[i]!.id || a[i]!.data !== b[i]!.data || a[i]!.parentId !== b[i]!.parentId) return false;
  return true;
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
export function upstreamOf(
  nodeId: string,
  nodes: readonly DNode[],
  edges: readonly DEdge[],
): { steps: string[]; inForeach: string | null } {
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
    for (const s of incoming.get(id) ?? [])
      if (!seen.has(s)) {
        seen.add(s);
        stack.push(s);
      }
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
    for (const n of state.nodes)
      if (n.parentId && ids.has(n.parentId) && !ids.has(n.id)) {
        ids.add(n.id);
        grew = true;
      }
  }
  if (ids.size === 0) return null;
  const nodes = [
    {
      id: TRIGGER_NODE_ID,
      type: "trigger" as const,
      position: { x: 0, y: 0 },
      data: { kind: "trigger" as const, trigger: { type: "manual" as const } },
    },
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
  const refRe = map.size
    ? new RegExp(`\\$steps\\.(${[...map.keys()].map((k) => k.replace(/[$]/g, "\\$")).join("|")})\\b`, "g")
    : null;
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
    if (s.type === "foreach")
      s.body = {
        ...(s.body.start !== undefined ? { start: r(s.body.start) } : {}),
        steps: renameSteps(s.body.steps, map),
      };
    if (s.type === "parallel")
      s.branches = s.branches.map((b) => ({
        ...b,
        ...(b.start !== undefined ? { start: r(b.start) } : {}),
        steps: renameSteps(b.steps, map),
      }));
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
    throw new Error(
      'The clipboard does not hold Weft steps: expected a weft/1 flow or a "weft/steps" fragment with a "steps" list.',
    );
  const d = doc as {
    steps: Step[];
    layout?: { nodes?: Record<string, { x: number; y: number; width?: number; height?: number }> };
  };
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
  for (const [k, v] of Object.entries(d.layout?.nodes ?? {}))
    if (k !== TRIGGER_NODE_ID && v && typeof v.x === "number") layout[map.get(k) ?? k] = v;
  const { graph, unplaced } = decompile({
    ...(meta as Flow),
    trigger: { type: "manual" },
    steps,
    layout: { nodes: layout },
  } as Flow);
  const state = fromDecompiled(graph);
  return {
    nodes: state.nodes.filter((n) => n.id !== TRIGGER_NODE_ID),
    edges: state.edges.filter((e) => e.source !== TRIGGER_NODE_ID),
    unplaced: unplaced.filter((u) => u !== TRIGGER_NODE_ID),
  };
}

export { edgeId, handleOf, TRIGGER_NODE_ID };

// ---------------------------------------------------------------------------------------------------
// Adding steps: after a node (connected), or onto an edge (inserted between its ends)

/** Horizontal distance between a step and the one it leads to (the layout runs left to right). */
export const STEP_GAP_X = 280;

/** The handle a step added after `node` continues from: "start" for the trigger, a switch's "default", none after "fail". */
export function exitHandleOf(node: DNode): string | null {
  if (node.id === TRIGGER_NODE_ID) return "start";
  if (node.data.kind !== "step") return null;
  const t = node.data.step.type;
  return t === "fail" ? null : t === "switch" ? "default" : "next";
}

/** The edge leaving `source` by `handle` ("next", "case-1", …) for `target`. */
export function edgeFrom(source: string, handle: string, target: string): DEdge {
  const m = /^(case|catch|branch|decision)-(\d+)$/.exec(handle);
  const kind = (m ? m[1] : handle) as CanvasEdgeKind;
  const index = m ? Number(m[2]) : undefined;
  return toRfEdge({
    id: edgeId(source, kind, index),
    source,
    target,
    sourceHandle: handle,
    data: index === undefined ? { kind } : { kind, index },
  });
}

/**
 * The end of the main path: from the trigger along "start" then each step's exit, staying at the top level.
 * A flow with no path yet ends at the trigger.
 */
export function lastStepOf(state: DocState): DNode {
  const byId = new Map(state.nodes.map((n) => [n.id, n] as const));
  const out = new Map(state.edges.map((e) => [`${e.source}\u0000${e.sourceHandle ?? "next"}`, e.target] as const));
  let cur = byId.get(TRIGGER_NODE_ID)!;
  const seen = new Set<string>([cur.id]);
  for (;;) {
    const h = exitHandleOf(cur);
    const nextId = h ? out.get(`${cur.id}\u0000${h}`) : undefined;
    const next = nextId !== undefined ? byId.get(nextId) : undefined;
    if (!next || next.parentId || seen.has(next.id)) return cur;
    seen.add(next.id);
    cur = next;
  }
}

/** Nodes with `parentId` reachable from `from` over edges (itself included): what moves aside for an insert. */
function downstream(state: DocState, from: string, parentId: string | undefined): Set<string> {
  const parentOf = new Map(state.nodes.map((n) => [n.id, n.parentId] as const));
  const seen = new Set<string>();
  const stack = [from];
  while (stack.length) {
    const id = stack.pop()!;
    if (seen.has(id) || parentOf.get(id) !== parentId) continue;
    seen.add(id);
    for (const e of state.edges) if (e.source === id) stack.push(e.target);
  }
  return seen;
}

/** A new step node (selected) with its container size. */
export function stepNode(
  id: string,
  step: StepConfig,
  position: { x: number; y: number },
  place: { parentId?: string; branch?: number } = {},
): DNode {
  return {
    id,
    type: step.type,
    position,
    selected: true,
    data: place.branch !== undefined ? { kind: "step", step, branch: place.branch } : { kind: "step", step },
    ...(place.parentId ? { parentId: place.parentId } : {}),
    ...(CONTAINERS.has(step.type) ? { width: 300, height: 160 } : {}),
  };
}

const deselect = (nodes: readonly DNode[]) => nodes.map((n) => (n.selected ? { ...n, selected: false } : n));

/**
 * Inserts a new step on an edge: the edge's source now leads to the step (same handle, same edge id) and the
 * step's exit leads to the edge's old target. Inside a loop body or parallel branch the step joins that
 * scope. Without `at` (flow coordinates, absolute) the step takes the old target's place and everything
 * downstream of it moves one column right. A "fail" step cannot continue, so it is not inserted.
 */
export function insertStepOnEdge(
  state: DocState,
  edgeIdToSplit: string,
  id: string,
  step: StepConfig,
  at?: { x: number; y: number },
): DocState {
  const edge = state.edges.find((e) => e.id === edgeIdToSplit);
  const source = edge && state.nodes.find((n) => n.id === edge.source);
  const target = edge && state.nodes.find((n) => n.id === edge.target);
  if (!edge || !source || !target || step.type === "fail" || state.nodes.some((n) => n.id === id)) return state;
  const kind = edge.data?.kind ?? "next";
  // "body" and "branch" edges lead into the container that is their source.
  const inside = kind === "body" || kind === "branch";
  const parentId = inside ? source.id : source.parentId;
  const branch = inside
    ? kind === "branch"
      ? (edge.data?.index ?? 0)
      : undefined
    : source.data.kind === "step"
      ? source.data.branch
      : undefined;
  const parent = parentId ? state.nodes.find((n) => n.id === parentId) : undefined;
  const origin = parent ? absolutePosition(state.nodes, parent) : { x: 0, y: 0 };
  const exit = exitHandleOf(stepNode(id, step, { x: 0, y: 0 }))!;
  let nodes = deselect(state.nodes);
  let position: { x: number; y: number };
  if (at) position = { x: at.x - origin.x, y: at.y - origin.y };
  else {
    position = { ...target.position };
    const move = target.parentId === parentId ? downstream(state, target.id, parentId) : new Set<string>();
    nodes = nodes.map((n) =>
      move.has(n.id) ? { ...n, position: { x: n.position.x + STEP_GAP_X, y: n.position.y } } : n,
    );
  }
  nodes = [
    ...nodes,
    stepNode(id, step, position, { ...(parentId ? { parentId } : {}), ...(branch !== undefined ? { branch } : {}) }),
  ];
  const edges = state.edges.map((e) => (e.id === edge.id ? { ...e, target: id } : e));
  edges.push(edgeFrom(id, exit, target.id));
  // A call now following a map gets its input from the map, like a drawn connection (only the new ones).
  nodes = wireMapInputs({ ...state, nodes, edges: edges.filter((e) => e.source === id || e.target === id) });
  return { ...state, nodes, edges: relabelEdges({ ...state, nodes, edges }) };
}

/**
 * Adds a new step after `afterId` (default: the end of the main path) and connects it: when that node's exit
 * already leads somewhere the step is inserted there; after "fail" it is only placed beside it.
 */
export function addStepAfter(state: DocState, id: string, step: StepConfig, afterId?: string): DocState {
  if (state.nodes.some((n) => n.id === id)) return state;
  const after = (afterId !== undefined ? state.nodes.find((n) => n.id === afterId) : undefined) ?? lastStepOf(state);
  const handle = exitHandleOf(after);
  const existing = handle
    ? state.edges.find((e) => e.source === after.id && (e.sourceHandle ?? "next") === handle)
    : undefined;
  if (existing && step.type !== "fail") return insertStepOnEdge(state, existing.id, id, step);
  const place = {
    ...(after.parentId ? { parentId: after.parentId } : {}),
    ...(after.data.kind === "step" && after.data.branch !== undefined ? { branch: after.data.branch } : {}),
  };
  const node = stepNode(
    id,
    step,
    freeSpot(state.nodes, after.parentId, { x: after.position.x + STEP_GAP_X, y: after.position.y }),
    place,
  );
  const edges = handle && !existing ? [...state.edges, edgeFrom(after.id, handle, id)] : state.edges;
  const nodes = wireMapInputs({
    ...state,
    nodes: [...deselect(state.nodes), node],
    edges: edges.filter((e) => e.target === id),
  });
  return { ...state, nodes, edges: relabelEdges({ ...state, nodes, edges }) };
}

/** `want`, moved down until no sibling card overlaps it. */
function freeSpot(
  nodes: readonly DNode[],
  parentId: string | undefined,
  want: { x: number; y: number },
): { x: number; y: number } {
  const siblings = nodes.filter((n) => n.parentId === parentId);
  const pos = { ...want };
  for (let i = 0; i < 50; i++) {
    const hit = siblings.some((n) => {
      const w = typeof n.width === "number" ? n.width : NODE_W;
      const h = typeof n.height === "number" ? n.height : NODE_H;
      return (
        pos.x < n.position.x + w &&
        pos.x + NODE_W > n.position.x &&
        pos.y < n.position.y + h &&
        pos.y + NODE_H > n.position.y
      );
    });
    if (!hit) return pos;
    pos.y += NODE_H + 40;
  }
  return pos;
}

/** A node's position in flow coordinates (positions of children are relative to their container). */
export function absolutePosition(nodes: readonly DNode[], node: DNode): { x: number; y: number } {
  let x = node.position.x;
  let y = node.position.y;
  for (let p = node.parentId; p;) {
    const parent = nodes.find((n) => n.id === p);
    if (!parent) break;
    x += parent.position.x;
    y += parent.position.y;
    p = parent.parentId;
  }
  return { x, y };
}

// ---------------------------------------------------------------------------------------------------
// Three-way merge of two editors' versions of one draft

/** One place both sides changed differently. `id` is stable across merges of the same three documents. */
export interface MergeConflict {
  id: string;
  /** What the user reads: 'Step "notify" · input.amount', 'Flow · name', 'Connection "map:next"'. */
  label: string;
  base: unknown;
  theirs: unknown;
  mine: unknown;
}
export type MergeChoice = "mine" | "theirs";
export interface MergeResult {
  merged: DocState;
  conflicts: MergeConflict[];
  /** How many places took the other side's change (changes of mine alone are kept as they are). */
  fromTheirs: number;
}

type Json = unknown;

/** A node as the merge sees it: what is saved, nothing transient (selection, measured size). Arrays are atomic. */
interface NodeProjection {
  type: string;
  parentId?: string;
  position: [number, number];
  size?: [number, number];
  data: CanvasNodeData;
}

function projectNodes(state: DocState): Map<string, { proj: NodeProjection; node: CanvasNode }> {
  const out = new Map<string, { proj: NodeProjection; node: CanvasNode }>();
  for (const n of toCanvasGraph(state).nodes) {
    const proj: NodeProjection = { type: n.type, position: [n.position.x, n.position.y], data: n.data };
    if (n.parentId) proj.parentId = n.parentId;
    if (n.width !== undefined) proj.size = [n.width, n.height ?? 160];
    out.set(n.id, { proj, node: n });
  }
  return out;
}

function projectEdges(state: DocState): Map<string, CanvasEdge> {
  return new Map(toCanvasGraph(state).edges.map((e) => [e.id, e] as const));
}

function nodeLabel(id: string): string {
  return id === TRIGGER_NODE_ID ? "Trigger" : `Step "${id}"`;
}

/** The field path a user recognises: a step's settings without the "data.step." wrapper. */
function fieldLabel(path: readonly string[]): string {
  const p = path[0] === "data" ? path.slice(path[1] === "step" || path[1] === "trigger" ? 2 : 1) : path;
  return p.join(".") || "settings";
}

/**
 * Merges three versions of a value: where only one side changed it, that change wins; where both changed it
 * the same way, that; otherwise plain objects merge key by key and anything else is a conflict, resolved by
 * `choices` (mine by default) and reported.
 */
function merge3(
  base: Json,
  theirs: Json,
  mine: Json,
  at: { id: string; label: (p: string[]) => string },
  path: string[],
  ctx: { conflicts: MergeConflict[]; choices: Readonly<Record<string, MergeChoice>>; fromTheirs: number },
): Json {
  if (jsonEqual(theirs, mine)) return mine;
  if (jsonEqual(base, mine)) {
    ctx.fromTheirs++;
    return theirs;
  }
  if (jsonEqual(base, theirs)) return mine;
  if (isObj(base) && isObj(theirs) && isObj(mine)) {
    const out: Record<string, unknown> = {};
    for (const k of new Set([...Object.keys(base), ...Object.keys(theirs), ...Object.keys(mine)])) {
      const v = merge3(base[k], theirs[k], mine[k], at, [...path, k], ctx);
      if (v !== undefined) out[k] = v;
    }
    return out;
  }
  const id = [at.id, ...path].join("/");
  ctx.conflicts.push({ id, label: at.label(path), base, theirs, mine });
  return ctx.choices[id] === "theirs" ? theirs : mine;
}

/**
 * Three-way merge of the designer document: `base` is the revision this editor last had acknowledged,
 * `theirs` the stored draft someone else saved since, `mine` this editor's document. The flow header and
 * settings merge per field, steps per step and per field of their settings (a map's output fields and a
 * call's input fields one by one), connections per exit handle, positions per node. A step one side deleted
 * while the other changed it or connected to it is a conflict too. Pure; the merged document is
 * deterministic for the same inputs and choices.
 */
export function mergeDocs(
  base: DocState,
  theirs: DocState,
  mine: DocState,
  choices: Readonly<Record<string, MergeChoice>> = {},
): MergeResult {
  const ctx = { conflicts: [] as MergeConflict[], choices, fromTheirs: 0 };
  const meta = merge3(
    base.meta,
    theirs.meta,
    mine.meta,
    { id: "flow", label: (p) => `Flow · ${p.join(".") || "settings"}` },
    [],
    ctx,
  ) as FlowMeta;

  const [bn, tn, mn] = [projectNodes(base), projectNodes(theirs), projectNodes(mine)];
  // Mine's order first, then theirs' additions (parents are re-sorted before children below).
  const order = [...new Set([...mn.keys(), ...tn.keys(), ...bn.keys()])];
  const nodes = new Map<string, CanvasNode>();
  for (const id of order) {
    const [b, t, m] = [bn.get(id), tn.get(id), mn.get(id)];
    const v = merge3(
      b?.proj,
      t?.proj,
      m?.proj,
      {
        id: `node:${id}`,
        label: (p) =>
          p.length
            ? `${nodeLabel(id)} · ${fieldLabel(p)}`
            : `${nodeLabel(id)}${!t ? " (deleted by them)" : !m ? " (deleted by you)" : b ? "" : " (added by both)"}`,
      },
      [],
      ctx,
    ) as NodeProjection | undefined;
    if (v) nodes.set(id, fromProjection(id, v));
  }

  const [be, te, me] = [projectEdges(base), projectEdges(theirs), projectEdges(mine)];
  const edges = new Map<string, CanvasEdge>();
  for (const id of new Set([...me.keys(), ...te.keys(), ...be.keys()])) {
    const [b, t, m] = [be.get(id), te.get(id), me.get(id)];
    const target = merge3(
      b?.target,
      t?.target,
      m?.target,
      { id: `edge:${id}`, label: () => `Connection "${id}"` },
      [],
      ctx,
    ) as string | undefined;
    const shape = m ?? t ?? b;
    if (target !== undefined && shape) edges.set(id, { ...shape, target });
  }

  // A step one side deleted and the other kept (changed, or chosen): the keeper's connections to it come
  // back with it where that exit is still free, so a kept step is not left standing alone.
  const restoreEdges = (id: string, side: Map<string, CanvasEdge>) => {
    for (const [eid, e] of side)
      if ((e.source === id || e.target === id) && !edges.has(eid) && nodes.has(e.source) && nodes.has(e.target))
        edges.set(eid, e);
  };
  for (const id of nodes.keys()) {
    if (!bn.has(id)) continue;
    if (!tn.has(id) && mn.has(id)) restoreEdges(id, me);
    else if (!mn.has(id) && tn.has(id)) restoreEdges(id, te);
  }

  // A node one side deleted while the other still points at it (a connection, a child): keep it or let it
  // go together with what points at it — the user's call, like any other conflict.
  for (let round = 0; round < 10; round++) {
    const missing = new Set<string>();
    for (const e of edges.values()) for (const end of [e.source, e.target]) if (!nodes.has(end)) missing.add(end);
    for (const n of nodes.values()) if (n.parentId && !nodes.has(n.parentId)) missing.add(n.parentId);
    if (missing.size === 0) break;
    for (const id of missing) {
      const keptBy: MergeChoice | null = mn.has(id) ? "mine" : tn.has(id) ? "theirs" : null;
      const cid = `node:${id}/kept`;
      if (keptBy && !ctx.conflicts.some((c) => c.id === cid))
        ctx.conflicts.push({
          id: cid,
          label: `${nodeLabel(id)} · ${keptBy === "mine" ? "they deleted it; your version still uses it" : "you deleted it; their version still uses it"}`,
          base: bn.get(id)?.proj.data,
          theirs: tn.get(id)?.proj.data,
          mine: mn.get(id)?.proj.data,
        });
      if (keptBy && (choices[cid] ?? "mine") === keptBy) {
        nodes.set(id, fromProjection(id, (keptBy === "mine" ? mn : tn).get(id)!.proj));
        restoreEdges(id, keptBy === "mine" ? me : te);
      } else {
        for (const [eid, e] of edges) if (e.source === id || e.target === id) edges.delete(eid);
        for (const [nid, n] of nodes) if (n.parentId === id) nodes.delete(nid);
      }
    }
  }

  const ordered = order.filter((id) => nodes.has(id)).map((id) => nodes.get(id)!);
  const state: DocState = {
    meta,
    nodes: parentsFirst(ordered).map(toRfNode),
    edges: [...edges.values()].map((e) => toRfEdge(e)),
  };
  return { merged: { ...state, edges: relabelEdges(state) }, conflicts: ctx.conflicts, fromTheirs: ctx.fromTheirs };
}

function fromProjection(id: string, p: NodeProjection): CanvasNode {
  const n: CanvasNode = {
    id,
    type: p.type as CanvasNode["type"],
    position: { x: p.position[0], y: p.position[1] },
    data: p.data,
  };
  if (p.parentId) n.parentId = p.parentId;
  if (p.size) {
    n.width = p.size[0];
    n.height = p.size[1];
  }
  return n;
}

/** React Flow needs every container before its children; otherwise the order is kept. */
function parentsFirst(nodes: CanvasNode[]): CanvasNode[] {
  const byId = new Map(nodes.map((n) => [n.id, n] as const));
  const out: CanvasNode[] = [];
  const done = new Set<string>();
  const visit = (n: CanvasNode, depth: number) => {
    if (done.has(n.id)) return;
    const p = n.parentId ? byId.get(n.parentId) : undefined;
    if (p && depth < 50) visit(p, depth + 1);
    done.add(n.id);
    out.push(n);
  };
  for (const n of nodes) visit(n, 0);
  return out;
}
