// The designer's document edits as pure `(state, …) → state` functions (the xyflow examples' shape): the
// editor hands each one to the history (use-history.ts) and never edits a document inline. Adding a step
// after a node or onto an edge lives in model.ts (addStepAfter, insertStepOnEdge); this file composes them
// with palette items, hit-testing, connecting, deleting, selecting and layout.
import { applyEdgeChanges, applyNodeChanges, type EdgeChange, type NodeChange } from "@xyflow/react";
import type { CanvasNodeData, FlowMeta, StepConfig, Trigger } from "@/core/dsl";
import {
  addStepAfter,
  CONTAINERS,
  edgeFrom,
  insertStepOnEdge,
  newStepId,
  relabelEdges,
  stepNode,
  TRIGGER_NODE_ID,
  wireMapInputs,
  type DEdge,
  type DNode,
  type DocState,
} from "./model";

type Point = { x: number; y: number };

/** The trigger takes `trigger`'s settings and becomes the only selected node. */
export function setTrigger(state: DocState, trigger: Trigger): DocState {
  return {
    ...state,
    nodes: state.nodes.map((n) =>
      n.id === TRIGGER_NODE_ID
        ? { ...n, selected: true, data: { kind: "trigger", trigger: structuredClone(trigger) } }
        : { ...n, selected: false },
    ),
  };
}

/** The top-level foreach/parallel box under `at` (flow coordinates), the last drawn winning; none outside boxes. */
export function containerAt(nodes: readonly DNode[], at: Point): DNode | undefined {
  let hit: DNode | undefined;
  for (const n of nodes) {
    if (!CONTAINERS.has(n.type ?? "") || n.parentId) continue;
    const w = typeof n.width === "number" ? n.width : 300;
    const h = typeof n.height === "number" ? n.height : 160;
    if (at.x >= n.position.x && at.x <= n.position.x + w && at.y >= n.position.y && at.y <= n.position.y + h) hit = n;
  }
  return hit;
}

/**
 * Adds a step from the palette. A call takes the workspace's first connection of its connector. Dropped on an
 * edge (`at` and `onEdge`) it is inserted between the edge's ends; added without a point (keyboard, command
 * menu, palette click) it goes after the selected node or the end of the main path, connected; dropped
 * elsewhere it lands at `at`, inside the foreach/parallel box there (first branch of a parallel) if any.
 * Returns the new step's id with the document.
 */
export function addStep(
  state: DocState,
  template: StepConfig,
  connections: ReadonlyArray<{ key: string; connectorKey: string }>,
  place: { at?: Point; onEdge?: string } = {},
): { state: DocState; id: string } {
  const cfg = structuredClone(template);
  if (cfg.type === "call") cfg.connection = connections.find((c) => c.connectorKey === cfg.connector)?.key ?? "";
  const id = newStepId(cfg.type === "call" ? cfg.operation : cfg.type, new Set(state.nodes.map((n) => n.id)));
  const { at, onEdge } = place;
  if (at && onEdge) {
    const next = insertStepOnEdge(state, onEdge, id, cfg, at);
    if (next !== state) return { state: next, id };
  }
  if (!at) {
    const selected = state.nodes.filter((n) => n.selected);
    return { state: addStepAfter(state, id, cfg, selected.length === 1 ? selected[0]!.id : undefined), id };
  }
  const parent = containerAt(state.nodes, at);
  const node = stepNode(
    id,
    cfg,
    parent ? { x: at.x - parent.position.x, y: at.y - parent.position.y } : at,
    parent ? { parentId: parent.id, ...(parent.type === "parallel" ? { branch: 0 } : {}) } : {},
  );
  return { state: { ...state, nodes: [...deselect(state.nodes), node], edges: state.edges }, id };
}

/**
 * Points `source`'s `handle` at `target` (or nowhere, with null), replacing what it led to. The "catch-new"
 * handle first appends a catch route that catches anything. A call newly following a map takes the map's output.
 */
export function connect(state: DocState, source: string, handle: string, target: string | null): DocState {
  let nodes = state.nodes;
  let h = handle;
  if (handle === "catch-new") {
    const n = state.nodes.find((x) => x.id === source);
    if (!n || n.data.kind !== "step" || n.data.step.type === "fail") return state;
    const step = n.data.step;
    const catches = [...(step.catch ?? []), { errors: ["any"] }];
    h = `catch-${catches.length - 1}`;
    nodes = state.nodes.map((x) =>
      x.id === source ? { ...x, data: { ...n.data, step: { ...step, catch: catches } as StepConfig } } : x,
    );
  }
  const edges = state.edges.filter((e) => !(e.source === source && (e.sourceHandle ?? "next") === h));
  if (target) edges.push(edgeFrom(source, h, target));
  if (target)
    nodes = wireMapInputs({ ...state, nodes, edges: edges.filter((e) => e.source === source && e.target === target) });
  return { ...state, nodes, edges: relabelEdges({ ...state, nodes, edges }) };
}

/**
 * Deletes the selected steps (never the trigger) with everything inside deleted boxes, the selected edges and
 * every edge touching a deleted node. Nothing to delete returns `state` itself.
 */
export function deleteSelection(state: DocState): DocState {
  const gone = new Set(state.nodes.filter((n) => n.selected && n.id !== TRIGGER_NODE_ID).map((n) => n.id));
  let grew = true;
  while (grew) {
    grew = false;
    for (const n of state.nodes)
      if (n.parentId && gone.has(n.parentId) && !gone.has(n.id)) {
        gone.add(n.id);
        grew = true;
      }
  }
  const edges = state.edges.filter((e) => !e.selected && !gone.has(e.source) && !gone.has(e.target));
  if (gone.size === 0 && edges.length === state.edges.length) return state;
  return { ...state, nodes: state.nodes.filter((n) => !gone.has(n.id)), edges };
}

/** A node's settings replaced (the inspector); a map step being edited builds the input of the call it feeds. */
export function setNodeData(state: DocState, id: string, data: CanvasNodeData): DocState {
  let nodes = state.nodes.map((n) => (n.id === id ? { ...n, data } : n));
  if (data.kind === "step" && data.step.type === "map") nodes = wireMapInputs({ ...state, nodes });
  return { ...state, nodes, edges: relabelEdges({ ...state, nodes }) };
}

/** The flow's settings replaced, except its key and DSL version, which the designer never changes. */
export function setMeta(state: DocState, meta: FlowMeta): DocState {
  return { ...state, meta: { ...meta, key: state.meta.key, dsl: state.meta.dsl } };
}

const deselect = (nodes: readonly DNode[]) => nodes.map((n) => (n.selected ? { ...n, selected: false } : n));

/** Only `id` selected (none with null); unchanged nodes keep their identity. */
export function selectOnly(state: DocState, id: string | null): DocState {
  return {
    ...state,
    nodes: state.nodes.map((n) =>
      n.id === id ? (n.selected ? n : { ...n, selected: true }) : n.selected ? { ...n, selected: false } : n,
    ),
  };
}

/**
 * `next` (a merged or restored document replacing the editor's) with the selection of `current`: the user
 * stays where they were — on the same step, in the full-screen mapper they merged from.
 */
export function keepSelection(next: DocState, current: DocState): DocState {
  const selected = new Set(current.nodes.filter((n) => n.selected).map((n) => n.id));
  return {
    ...next,
    nodes: next.nodes.map((n) => (selected.has(n.id) === !!n.selected ? n : { ...n, selected: selected.has(n.id) })),
  };
}

export function selectAll(state: DocState): DocState {
  return { ...state, nodes: state.nodes.map((n) => (n.selected ? n : { ...n, selected: true })) };
}

/** Positions (and box sizes) from an auto-layout; nodes it did not place stay where they are. */
export function applyLayout(
  state: DocState,
  laid: ReadonlyArray<{ id: string; position: Point; width?: number; height?: number }>,
): DocState {
  const by = new Map(laid.map((n) => [n.id, n]));
  return {
    ...state,
    nodes: state.nodes.map((n) => {
      const l = by.get(n.id);
      if (!l) return n;
      return {
        ...n,
        position: l.position,
        ...(CONTAINERS.has(n.type ?? "") && l.width ? { width: l.width, height: l.height } : {}),
      };
    }),
  };
}

/**
 * Pasted nodes and edges (model.ts dslToPaste, already placed) join the document: top-level ones offset so a
 * paste next to the original shows as a copy, and selected instead of what was.
 */
export function pasteSteps(state: DocState, pasted: { nodes: readonly DNode[]; edges: readonly DEdge[] }): DocState {
  const nodes = pasted.nodes.map((n) => ({
    ...n,
    selected: !n.parentId,
    position: n.parentId ? n.position : { x: n.position.x + 60, y: n.position.y + 80 },
  }));
  return {
    ...state,
    nodes: [...deselect(state.nodes), ...nodes],
    edges: relabelEdges({ ...state, nodes: [...state.nodes, ...nodes], edges: [...state.edges, ...pasted.edges] }),
  };
}

/**
 * React Flow's node changes (drag, select, measure) applied to the document. Removals are not: deleting goes
 * through `deleteSelection`, which takes a box's contents and the edges along.
 */
export function applyCanvasNodeChanges(state: DocState, changes: readonly NodeChange<DNode>[]): DocState {
  const kept = changes.filter((c) => c.type !== "remove");
  return kept.length ? { ...state, nodes: applyNodeChanges(kept, state.nodes) } : state;
}

/** React Flow's edge changes applied to the document: only selection (connections change through `connect`). */
export function applyCanvasEdgeChanges(state: DocState, changes: readonly EdgeChange<DEdge>[]): DocState {
  const kept = changes.filter((c) => c.type === "select");
  return kept.length ? { ...state, edges: applyEdgeChanges(kept, state.edges) } : state;
}
