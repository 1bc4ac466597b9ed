"use client";
// Edges at overview zoom. Zoomed out, React Flow's edges (one SVG group, two paths, a marker and a store
// subscription each) cost more per frame than everything else on a 2,000-node canvas, yet nobody reads
// their routing or labels at that size. Below the low-zoom threshold the designer hides them and draws
// this instead: one straight line per edge, handle to handle, a path per edge kind, under the nodes.
import { EdgeLabelRenderer } from "@xyflow/react";
import { memo, useMemo } from "react";
import { handleAnchor } from "./geometry";
import { edgeStyleClass, type DEdge, type DNode } from "./model";

/** One path per edge kind: "M x1 y1 L x2 y2" per edge, in flow coordinates. */
export function overviewPaths(nodes: readonly DNode[], edges: readonly DEdge[]): Map<string, string> {
  const byId = new Map(nodes.map((n) => [n.id, n]));
  // Children are positioned relative to their container.
  const origin = (n: DNode): { x: number; y: number } => {
    const p = n.parentId ? byId.get(n.parentId) : undefined;
    if (!p) return n.position;
    const o = origin(p);
    return { x: o.x + n.position.x, y: o.y + n.position.y };
  };
  const parts = new Map<string, string[]>();
  for (const e of edges) {
    const s = byId.get(e.source);
    const t = byId.get(e.target);
    if (!s || !t) continue;
    const a = handleAnchor(s, e.sourceHandle ?? null, "source");
    const b = handleAnchor(t, null, "target");
    if (!a || !b) continue;
    const so = origin(s);
    const to = origin(t);
    const cls = edgeStyleClass(e.data?.kind);
    const list = parts.get(cls) ?? [];
    list.push(
      `M${(so.x + a.x).toFixed(1)} ${(so.y + a.y).toFixed(1)}L${(to.x + b.x).toFixed(1)} ${(to.y + b.y).toFixed(1)}`,
    );
    parts.set(cls, list);
  }
  return new Map([...parts].map(([k, v]) => [k, v.join("")]));
}

export const EdgeOverview = memo(function EdgeOverview({
  nodes,
  edges,
}: {
  nodes: readonly DNode[];
  edges: readonly DEdge[];
}) {
  const paths = useMemo(() => overviewPaths(nodes, edges), [nodes, edges]);
  // The edge-label layer lies between React Flow's edges and its nodes and moves with the viewport.
  return (
    <EdgeLabelRenderer>
      {/* Paths carry the edge-kind classes: the designer's edge styles colour them like React Flow's edges. */}
      <svg
        data-testid="edge-overview"
        aria-hidden
        className="weft-edge-overview pointer-events-none absolute left-0 top-0 overflow-visible"
        width={1}
        height={1}
      >
        {[...paths].map(([cls, d]) => (
          <path key={cls} className={cls} d={d} vectorEffect="non-scaling-stroke" />
        ))}
      </svg>
    </EdgeLabelRenderer>
  );
});
