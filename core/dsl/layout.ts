// Automatic layout of a canvas graph with elkjs (layered). The bundled build runs in the browser and in
// Node without a worker file. Containers (foreach, parallel) are laid out inside-out: ELK sizes each group
// from its children, and child positions stay relative to their parent, as React Flow expects.
// Large graphs (more than ELK_MAX_NODES nodes) get a simpler layered layout written here instead: ELK
// recurses along long paths and nesting (a 5,000-step foreach body overflows the stack, so the designer
// could not open the draft) and takes tens of seconds; the fallback is iterative and linear.
import type ELK from "elkjs/lib/elk.bundled.js";
import type { ElkExtendedEdge, ElkNode } from "elkjs/lib/elk-api";
import { decompile, type CanvasGraph, type CanvasNode } from "./graph";
import type { Flow } from "./schema";

export interface LayoutOptions {
  /** Main direction of flow. Default "RIGHT". */
  direction?: "RIGHT" | "DOWN";
  /** Size of a (non-container) node; default 220×72. */
  nodeSize?: (node: CanvasNode) => { width: number; height: number };
  /** Only these nodes get new positions (others keep theirs); default: all. */
  only?: ReadonlySet<string>;
}

// ELK (1.6 MB of compiled Java) is loaded on the first layout rather than with this module: most openings of
// the designer, and every server route that imports core/dsl, never lay anything out, and the dev server then
// need not compile it for them (docs/benchmarks.md, Newcomer).
let elk: Promise<InstanceType<typeof ELK>> | null = null;

const CONTAINER_TYPES = new Set(["foreach", "parallel"]);

/** Graphs with more nodes than this are laid out by `layeredLayout` rather than ELK. */
export const ELK_MAX_NODES = 400;

const SPACING = { node: 40, layer: 60 } as const;
const PADDING = { top: 56, left: 24, bottom: 24, right: 24 } as const;
const EMPTY_CONTAINER = { width: 260, height: 120 } as const;

type Box = { x: number; y: number; width?: number; height?: number };

export async function layoutGraph(graph: CanvasGraph, opts: LayoutOptions = {}): Promise<CanvasGraph> {
  const size = opts.nodeSize ?? (() => ({ width: 220, height: 72 }));
  const byParent = new Map<string, CanvasNode[]>();
  const ids = new Set(graph.nodes.map((n) => n.id));
  for (const n of graph.nodes) {
    const key = n.parentId !== undefined && ids.has(n.parentId) ? n.parentId : "";
    const list = byParent.get(key) ?? [];
    list.push(n);
    byParent.set(key, list);
  }
  const parentOf = new Map(
    graph.nodes.map((n) => [n.id, n.parentId !== undefined && ids.has(n.parentId) ? n.parentId : ""] as const),
  );
  // Edges between siblings only (edges into or out of a container's inside are not laid out).
  const edgesWithin = (key: string): Array<{ id: string; source: string; target: string }> =>
    graph.edges.filter(
      (e) =>
        ids.has(e.source) &&
        ids.has(e.target) &&
        e.source !== e.target &&
        parentOf.get(e.source) === key &&
        parentOf.get(e.target) === key,
    );
  const isGroup = (n: CanvasNode) => CONTAINER_TYPES.has(n.type) && (byParent.get(n.id)?.length ?? 0) > 0;
  const leafSize = (n: CanvasNode) => (CONTAINER_TYPES.has(n.type) ? EMPTY_CONTAINER : size(n));

  const pos =
    graph.nodes.length > ELK_MAX_NODES
      ? layeredLayout(byParent, edgesWithin, isGroup, leafSize, opts.direction ?? "RIGHT")
      : await elkLayout(byParent, edgesWithin, isGroup, leafSize, opts.direction ?? "RIGHT");
  return {
    ...graph,
    nodes: graph.nodes.map((n) => {
      const p = pos.get(n.id);
      if (!p || (opts.only && !opts.only.has(n.id))) return n;
      const out: CanvasNode = { ...n, position: { x: p.x, y: p.y } };
      if (p.width !== undefined) out.width = p.width;
      if (p.height !== undefined) out.height = p.height;
      return out;
    }),
  };
}

type EdgesWithin = (key: string) => Array<{ id: string; source: string; target: string }>;

async function elkLayout(
  byParent: Map<string, CanvasNode[]>,
  edgesWithin: EdgesWithin,
  isGroup: (n: CanvasNode) => boolean,
  leafSize: (n: CanvasNode) => { width: number; height: number },
  direction: "RIGHT" | "DOWN",
): Promise<Map<string, Box>> {
  elk ??= import("elkjs/lib/elk.bundled.js").then((m) => new m.default());
  const engine = await elk;
  const baseOptions = {
    "elk.algorithm": "layered",
    "elk.direction": direction,
    "elk.spacing.nodeNode": String(SPACING.node),
    "elk.layered.spacing.nodeNodeBetweenLayers": String(SPACING.layer),
    "elk.layered.nodePlacement.strategy": "BRANDES_KOEPF",
  };
  const elkEdges = (key: string): ElkExtendedEdge[] =>
    edgesWithin(key).map((e) => ({ id: e.id, sources: [e.source], targets: [e.target] }));
  const seen = new Set<string>();
  const build = (key: string): ElkNode[] =>
    (byParent.get(key) ?? []).flatMap((n): ElkNode[] => {
      if (seen.has(n.id)) return []; // parent cycles in a broken drawing
      seen.add(n.id);
      if (isGroup(n)) {
        return [
          {
            id: n.id,
            layoutOptions: {
              ...baseOptions,
              "elk.padding": `[top=${PADDING.top},left=${PADDING.left},bottom=${PADDING.bottom},right=${PADDING.right}]`,
            },
            children: build(n.id),
            edges: elkEdges(n.id),
          },
        ];
      }
      const s = leafSize(n);
      return [{ id: n.id, width: s.width, height: s.height }];
    });

  const root: ElkNode = { id: "__root", layoutOptions: baseOptions, children: build(""), edges: elkEdges("") };
  const laid = await engine.layout(root);

  const pos = new Map<string, Box>();
  const collect = (n: ElkNode) => {
    for (const c of n.children ?? []) {
      pos.set(c.id, {
        x: Math.round(c.x ?? 0),
        y: Math.round(c.y ?? 0),
        ...(c.children?.length ? { width: Math.round(c.width ?? 0), height: Math.round(c.height ?? 0) } : {}),
      });
      collect(c);
    }
  };
  collect(laid);
  return pos;
}

/**
 * Layered layout without recursion, for large graphs: per scope (the root, each container's inside), nodes
 * go into layers by longest path from the scope's sources (nodes on a cycle after what leads to them), are
 * ordered within a layer by the mean place of their predecessors, and are stacked with ELK's spacing.
 * Scopes are laid out deepest first, so a container's size is known before its own scope is laid out.
 */
export function layeredLayout(
  byParent: Map<string, CanvasNode[]>,
  edgesWithin: EdgesWithin,
  isGroup: (n: CanvasNode) => boolean,
  leafSize: (n: CanvasNode) => { width: number; height: number },
  direction: "RIGHT" | "DOWN",
): Map<string, Box> {
  const pos = new Map<string, Box>();
  const sizeOf = new Map<string, { width: number; height: number }>();
  // Scopes deepest first (iteratively; a parent cycle in a broken drawing is laid out once, unreached).
  const order: string[] = [];
  const seen = new Set<string>([""]);
  const queue = [""];
  for (let i = 0; i < queue.length; i++) {
    order.push(queue[i]!);
    for (const n of byParent.get(queue[i]!) ?? [])
      if (isGroup(n) && !seen.has(n.id)) {
        seen.add(n.id);
        queue.push(n.id);
      }
  }
  const across = direction === "RIGHT" ? "height" : "width";
  const along = direction === "RIGHT" ? "width" : "height";
  for (const key of order.reverse()) {
    const nodes = byParent.get(key) ?? [];
    const index = new Map(nodes.map((n, i) => [n.id, i]));
    const preds = nodes.map((): number[] => []);
    const succs = nodes.map((): number[] => []);
    for (const e of edgesWithin(key)) {
      const a = index.get(e.source);
      const b = index.get(e.target);
      if (a === undefined || b === undefined) continue;
      succs[a]!.push(b);
      preds[b]!.push(a);
    }
    // Longest-path layers (Kahn); what a cycle keeps back is placed after its placed predecessors.
    const layer = new Array<number>(nodes.length).fill(-1);
    const waiting = preds.map((p) => p.length);
    const ready: number[] = [];
    waiting.forEach((w, i) => w === 0 && ready.push(i));
    let placed = 0;
    for (let next = 0, head = 0; placed < nodes.length;) {
      if (head === ready.length) {
        while (layer[next] !== -1) next++;
        ready.push(next);
      }
      const i = ready[head++]!;
      if (layer[i] !== -1) continue;
      layer[i] = preds[i]!.reduce((m, p) => (layer[p]! >= 0 ? Math.max(m, layer[p]! + 1) : m), 0);
      placed++;
      for (const s of succs[i]!) if (--waiting[s]! === 0 && layer[s] === -1) ready.push(s);
    }
    const layers: number[][] = [];
    nodes.forEach((_, i) => (layers[layer[i]!] ??= []).push(i));
    const rank = new Array<number>(nodes.length).fill(0);
    const box = (i: number) => sizeOf.get(nodes[i]!.id) ?? leafSize(nodes[i]!);
    let offsetAlong = key === "" ? 0 : direction === "RIGHT" ? PADDING.left : PADDING.top;
    let extentAcross = 0;
    for (const members of layers) {
      if (!members) continue;
      const mean = (i: number) =>
        preds[i]!.length ? preds[i]!.reduce((s, p) => s + rank[p]!, 0) / preds[i]!.length : rank[i]! + i / nodes.length;
      members.sort((a, b) => mean(a) - mean(b) || a - b);
      let offsetAcross = key === "" ? 0 : direction === "RIGHT" ? PADDING.top : PADDING.left;
      let thickness = 0;
      members.forEach((i, r) => {
        rank[i] = r;
        const b = box(i);
        const p: Box =
          direction === "RIGHT" ? { x: offsetAlong, y: offsetAcross } : { x: offsetAcross, y: offsetAlong };
        if (sizeOf.has(nodes[i]!.id)) Object.assign(p, sizeOf.get(nodes[i]!.id));
        pos.set(nodes[i]!.id, p);
        offsetAcross += b[across] + SPACING.node;
        thickness = Math.max(thickness, b[along]);
      });
      extentAcross = Math.max(extentAcross, offsetAcross - SPACING.node);
      offsetAlong += thickness + SPACING.layer;
    }
    if (key !== "") {
      const endAlong = offsetAlong - SPACING.layer + (direction === "RIGHT" ? PADDING.right : PADDING.bottom);
      const endAcross = extentAcross + (direction === "RIGHT" ? PADDING.bottom : PADDING.right);
      sizeOf.set(
        key,
        direction === "RIGHT" ? { width: endAlong, height: endAcross } : { width: endAcross, height: endAlong },
      );
    }
  }
  return pos;
}

/** DSL → canvas graph, laying out the nodes the document has no position for. */
export async function decompileWithLayout(flow: Flow, opts: Omit<LayoutOptions, "only"> = {}): Promise<CanvasGraph> {
  const { graph, unplaced } = decompile(flow);
  if (unplaced.length === 0) return graph;
  return layoutGraph(graph, { ...opts, only: new Set(unplaced) });
}
