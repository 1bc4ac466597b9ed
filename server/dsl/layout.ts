// Automatic layout of a canvas graph with elkjs (layered). The bundled build runs in the browser and in
// Node without a worker file. Containers (foreach, parallel) are laid out inside-out: ELK sizes each group
// from its children, and child positions stay relative to their parent, as React Flow expects.
import ELK from "elkjs/lib/elk.bundled.js";
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

let elk: InstanceType<typeof ELK> | null = null;

const CONTAINER_TYPES = new Set(["foreach", "parallel"]);

export async function layoutGraph(graph: CanvasGraph, opts: LayoutOptions = {}): Promise<CanvasGraph> {
  elk ??= new ELK();
  const size = opts.nodeSize ?? (() => ({ width: 220, height: 72 }));
  const byParent = new Map<string, CanvasNode[]>();
  const ids = new Set(graph.nodes.map((n) => n.id));
  for (const n of graph.nodes) {
    const key = n.parentId !== undefined && ids.has(n.parentId) ? n.parentId : "";
    const list = byParent.get(key) ?? [];
    list.push(n);
    byParent.set(key, list);
  }
  const parentOf = new Map(graph.nodes.map((n) => [n.id, n.parentId !== undefined && ids.has(n.parentId) ? n.parentId : ""] as const));
  const baseOptions = {
    "elk.algorithm": "layered",
    "elk.direction": opts.direction ?? "RIGHT",
    "elk.spacing.nodeNode": "40",
    "elk.layered.spacing.nodeNodeBetweenLayers": "60",
    "elk.layered.nodePlacement.strategy": "BRANDES_KOEPF",
  };
  const seen = new Set<string>();
  const build = (key: string): ElkNode[] =>
    (byParent.get(key) ?? []).flatMap((n): ElkNode[] => {
      if (seen.has(n.id)) return []; // parent cycles in a broken drawing
      seen.add(n.id);
      if (CONTAINER_TYPES.has(n.type) && (byParent.get(n.id)?.length ?? 0) > 0) {
        return [
          {
            id: n.id,
            layoutOptions: { ...baseOptions, "elk.padding": "[top=56,left=24,bottom=24,right=24]" },
            children: build(n.id),
            edges: edgesWithin(n.id),
          },
        ];
      }
      const s = CONTAINER_TYPES.has(n.type) ? { width: 260, height: 120 } : size(n);
      return [{ id: n.id, width: s.width, height: s.height }];
    });
  // Edges between siblings only (edges into or out of a container's inside are not drawn by ELK).
  const edgesWithin = (key: string): ElkExtendedEdge[] =>
    graph.edges
      .filter((e) => ids.has(e.source) && ids.has(e.target) && e.source !== e.target && parentOf.get(e.source) === key && parentOf.get(e.target) === key)
      .map((e) => ({ id: e.id, sources: [e.source], targets: [e.target] }));

  const root: ElkNode = { id: "__root", layoutOptions: baseOptions, children: build(""), edges: edgesWithin("") };
  const laid = await elk.layout(root);

  const pos = new Map<string, { x: number; y: number; width?: number; height?: number }>();
  const collect = (n: ElkNode) => {
    for (const c of n.children ?? []) {
      pos.set(c.id, { x: Math.round(c.x ?? 0), y: Math.round(c.y ?? 0), ...(c.children?.length ? { width: Math.round(c.width ?? 0), height: Math.round(c.height ?? 0) } : {}) });
      collect(c);
    }
  };
  collect(laid);
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

/** DSL → canvas graph, laying out the nodes the document has no position for. */
export async function decompileWithLayout(flow: Flow, opts: Omit<LayoutOptions, "only"> = {}): Promise<CanvasGraph> {
  const { graph, unplaced } = decompile(flow);
  if (unplaced.length === 0) return graph;
  return layoutGraph(graph, { ...opts, only: new Set(unplaced) });
}
