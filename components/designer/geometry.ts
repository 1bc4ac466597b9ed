// Where each node's handles are, known without measuring the DOM. React Flow mounts every node that has no
// handle bounds yet (even with onlyRenderVisibleElements) so that it can measure it: opening a 1,000-node
// flow mounted, laid out and unmounted 1,000 cards. Nodes are fixed-size cards, so their size and handle
// positions follow from the step's settings; giving them to React Flow up front (`measured`, `handles`)
// lets it mount only the nodes in view. Mounted nodes are still measured and corrected by React Flow.
// The node components draw their handles from the same specs, so the two cannot drift apart.
import { Position, type NodeHandle } from "@xyflow/react";
import { useMemo, useRef, type CSSProperties } from "react";
import { APPROVAL_ROUTES, approvalDecisions, type StepConfig } from "@/core/dsl";
import { CONTAINERS, NODE_H, NODE_W, type DNode } from "./model";

export interface HandleSpec {
  /** React Flow's handle id (null: the node's one unnamed target handle). */
  id: string | null;
  type: "source" | "target";
  position: Position;
  /** Along the node's side: a fraction of its length, or pixels from its start. Centred when absent. */
  at?: { fraction: number } | { px: number };
  title?: string;
  tone: string;
}

/** The handles a step node shows: one entry, exits per its type, error routes and compensation. */
export function stepHandleSpecs(step: StepConfig): HandleSpec[] {
  const specs: HandleSpec[] = [{ id: null, type: "target", position: Position.Left, tone: "!bg-slate-400" }];
  if (step.type === "switch") {
    const n = step.cases.length;
    step.cases.forEach((c, i) =>
      specs.push({
        id: `case-${i}`,
        type: "source",
        position: Position.Right,
        at: { fraction: (i + 1) / (n + 2) },
        title: c.label ?? c.when,
        tone: "!bg-violet-500",
      }),
    );
    specs.push({
      id: "default",
      type: "source",
      position: Position.Right,
      at: { fraction: (n + 1) / (n + 2) },
      title: "default",
      tone: "!bg-slate-500",
    });
  } else if (step.type === "approval") {
    // One exit per decision it offers (and "expired" when it can expire), then `next` for decisions without a route.
    const routes = [...approvalDecisions(step), ...(step.expiresAfter ? (["expired"] as const) : [])];
    const n = routes.length;
    routes.forEach((r, i) =>
      specs.push({
        id: `decision-${APPROVAL_ROUTES.indexOf(r)}`,
        type: "source",
        position: Position.Right,
        at: { fraction: (i + 1) / (n + 2) },
        title: `on ${r}`,
        tone: r === "reject" || r === "expired" ? "!bg-rose-500" : "!bg-fuchsia-500",
      }),
    );
    specs.push({
      id: "next",
      type: "source",
      position: Position.Right,
      at: { fraction: (n + 1) / (n + 2) },
      title: "next (a decision without its own route)",
      tone: "!bg-slate-500",
    });
  } else if (step.type !== "fail")
    specs.push({ id: "next", type: "source", position: Position.Right, tone: "!bg-slate-500" });
  if (step.type !== "fail") {
    const catches = step.catch ?? [];
    catches.forEach((c, i) =>
      specs.push({
        id: `catch-${i}`,
        type: "source",
        position: Position.Bottom,
        at: { fraction: 0.18 + i * 0.14 },
        title: `on ${c.errors.join(", ")}`,
        tone: "!bg-red-500",
      }),
    );
    specs.push({
      id: "catch-new",
      type: "source",
      position: Position.Bottom,
      at: { fraction: 0.18 + catches.length * 0.14 },
      title: "Drag to add an error route",
      tone: "!bg-red-200",
    });
    specs.push({
      id: "compensate",
      type: "source",
      position: Position.Bottom,
      at: { fraction: 0.86 },
      title: "Compensation (undo on later failure)",
      tone: "!bg-amber-500",
    });
  }
  if (step.type === "foreach")
    specs.push({
      id: "body",
      type: "source",
      position: Position.Top,
      at: { px: 24 },
      title: "First step of the loop body",
      tone: "!bg-teal-500",
    });
  if (step.type === "parallel")
    step.branches.forEach((b, i) =>
      specs.push({
        id: `branch-${i}`,
        type: "source",
        position: Position.Top,
        at: { px: 24 + i * 24 },
        title: `Branch ${b.name}`,
        tone: "!bg-blue-500",
      }),
    );
  return specs;
}

export const TRIGGER_HANDLES: HandleSpec[] = [
  { id: "start", type: "source", position: Position.Right, tone: "!bg-slate-500" },
];

/** The inline style that puts a handle at its place along the side (React Flow's CSS centres it otherwise). */
export function handleStyle(spec: HandleSpec): CSSProperties | undefined {
  if (!spec.at) return undefined;
  const v = "fraction" in spec.at ? `${spec.at.fraction * 100}%` : spec.at.px;
  return spec.position === Position.Left || spec.position === Position.Right ? { top: v } : { left: v };
}

const HANDLE = 10; // the handles' size (h-2.5 w-2.5, border-box)

/**
 * Handle bounds relative to the node, as React Flow measures them: handles are positioned inside the
 * card's padding box (the card's border is `border` px) and centred on its edge by React Flow's CSS.
 */
export function handleBounds(
  specs: readonly HandleSpec[],
  width: number,
  height: number,
  border: number,
): NodeHandle[] {
  const w = width - 2 * border;
  const h = height - 2 * border;
  return specs.map((s) => {
    const along = (len: number) => (!s.at ? len / 2 : "fraction" in s.at ? len * s.at.fraction : s.at.px);
    const c =
      s.position === Position.Left
        ? { x: 0, y: along(h) }
        : s.position === Position.Right
          ? { x: w, y: along(h) }
          : s.position === Position.Top
            ? { x: along(w), y: 0 }
            : { x: along(w), y: h };
    return {
      id: s.id,
      type: s.type,
      position: s.position,
      x: border + c.x - HANDLE / 2,
      y: border + c.y - HANDLE / 2,
      width: HANDLE,
      height: HANDLE,
    };
  });
}

function withGeometry(n: DNode): DNode {
  const container = CONTAINERS.has(n.type ?? "");
  const width = n.measured?.width ?? (container ? (typeof n.width === "number" ? n.width : 300) : NODE_W);
  const height = n.measured?.height ?? (container ? (typeof n.height === "number" ? n.height : 160) : NODE_H);
  const specs = n.data.kind === "trigger" ? TRIGGER_HANDLES : stepHandleSpecs(n.data.step);
  return {
    ...n,
    measured: { width, height },
    handles: handleBounds(specs, width, height, container ? 2 : 1),
    ariaLabel: nodeLabel(n),
  };
}

/**
 * A node's accessible name (React Flow's focusable group): what a keyboard or screen-reader user selects it by
 * — Tab to it (the canvas pans to it), Enter selects it, wherever the view is.
 */
export function nodeLabel(n: DNode): string {
  if (n.data.kind === "trigger") return `Trigger: ${n.data.trigger.type}`;
  const name = "step" in n.data ? n.data.step.name : undefined;
  return `Step ${n.id}${name ? `: ${name}` : ""}`;
}

/**
 * The document's nodes with their size and handles, for React Flow. A node keeps its identity while its
 * document node does (React Flow re-adopts only nodes whose object changed), so a drag frame costs one node.
 */
export function useCanvasNodes(nodes: DNode[]): DNode[] {
  const cache = useRef(new WeakMap<DNode, DNode>());
  return useMemo(
    () =>
      nodes.map((n) => {
        let g = cache.current.get(n);
        if (!g) cache.current.set(n, (g = withGeometry(n)));
        return g;
      }),
    [nodes],
  );
}

/** Where an edge meets a handle of a node from useCanvasNodes (React Flow's anchor: the handle's outer side). */
export function handleAnchor(
  node: DNode,
  handleId: string | null,
  type: "source" | "target",
): { x: number; y: number } | null {
  const h = node.handles?.find((x) => x.type === type && (type === "target" || x.id === handleId));
  if (!h) return null;
  const w = h.width ?? HANDLE;
  const ht = h.height ?? HANDLE;
  switch (h.position) {
    case Position.Right:
      return { x: h.x + w, y: h.y + ht / 2 };
    case Position.Left:
      return { x: h.x, y: h.y + ht / 2 };
    case Position.Top:
      return { x: h.x + w / 2, y: h.y };
    default:
      return { x: h.x + w / 2, y: h.y + ht };
  }
}
