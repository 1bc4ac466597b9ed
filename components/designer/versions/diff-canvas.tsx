"use client";
// One side of the visual diff: the flow drawn read-only with React Flow (server-side decompile + elkjs
// layout), every node tinted by what happened to it — added green, removed red, changed amber.
import {
  Background,
  Controls,
  Handle,
  Position,
  ReactFlow,
  ReactFlowProvider,
  useReactFlow,
  type Edge,
  type Node,
  type NodeProps,
} from "@xyflow/react";
import "@xyflow/react/dist/style.css";
import { clsx } from "clsx";
import { memo, useEffect, useMemo } from "react";
import type { CanvasGraph, CanvasNodeData, Catalog } from "@/core/dsl";
import { useConnectorCatalog } from "../catalog-context";
import { fromDecompiled } from "../model";
import { stepLook, stepTitle, SystemIcon, triggerTitle } from "../nodes";

export type NodeChange = "added" | "removed" | "changed";

type DiffNodeData = CanvasNodeData & { change?: NodeChange; focused?: boolean };
type DiffNode = Node<DiffNodeData>;

const TONE: Record<NodeChange, string> = {
  added: "border-emerald-500 bg-emerald-50 ring-2 ring-emerald-200",
  removed: "border-red-500 bg-red-50 ring-2 ring-red-200",
  changed: "border-amber-500 bg-amber-50 ring-2 ring-amber-200",
};
const TAG: Record<NodeChange, string> = { added: "bg-emerald-600", removed: "bg-red-600", changed: "bg-amber-500" };

/** Title and look of a node; history read leniently may lack fields the designer's helpers expect. */
function describe(id: string, data: DiffNodeData, catalog: Catalog): { title: string; subtitle: string; look: string } {
  try {
    if (data.kind === "trigger") return triggerTitle(data.trigger);
    const step = data.step;
    if (step.type === "call" && !step.connector) {
      const legacy = step as unknown as { connection?: string; operation?: string; name?: string };
      return {
        title: legacy.name || id,
        subtitle: `${legacy.connection ?? "?"} · ${legacy.operation ?? "?"}`,
        look: "http",
      };
    }
    return { ...stepTitle(id, step, catalog), look: stepLook(step) || step.type };
  } catch {
    return { title: id, subtitle: data.kind === "step" ? String(data.step.type) : "trigger", look: "manual" };
  }
}

const DiffCard = memo(function DiffCard({ id, data }: NodeProps<DiffNode>) {
  const t = describe(id, data, useConnectorCatalog());
  return (
    <div
      data-testid="diff-node"
      data-node-id={id}
      data-change={data.change ?? "same"}
      className={clsx(
        "relative flex h-[72px] w-[220px] items-center gap-3 rounded-lg border bg-white px-3 shadow-sm",
        data.change ? TONE[data.change] : "border-slate-200",
        data.focused && "outline outline-2 outline-offset-4 outline-brand-500",
      )}
    >
      <Handle
        type="target"
        position={Position.Left}
        className="!h-2 !w-2 !border-0 !bg-slate-400"
        isConnectable={false}
      />
      <SystemIcon look={t.look} />
      <div className="min-w-0">
        <p className="truncate text-sm font-semibold text-slate-900">{t.title}</p>
        <p className="truncate text-xs text-slate-500">{t.subtitle}</p>
        <p className="truncate font-mono text-[10px] text-slate-400">{id}</p>
      </div>
      {data.change && (
        <span
          className={clsx(
            "absolute -top-2.5 right-2 rounded-full px-1.5 text-[10px] font-semibold uppercase leading-4 text-white shadow",
            TAG[data.change],
          )}
        >
          {data.change}
        </span>
      )}
      <Handle
        type="source"
        position={Position.Right}
        className="!h-2 !w-2 !border-0 !bg-slate-400"
        isConnectable={false}
      />
    </div>
  );
});

const DiffContainer = memo(function DiffContainer({ id, data }: NodeProps<DiffNode>) {
  const catalog = useConnectorCatalog();
  if (data.kind !== "step") return null;
  const { title, subtitle } = describe(id, data, catalog);
  return (
    <div
      data-testid="diff-node"
      data-node-id={id}
      data-change={data.change ?? "same"}
      className={clsx(
        "relative h-full w-full rounded-xl border-2 border-dashed",
        data.change ? TONE[data.change] : "border-slate-300 bg-slate-50/60",
      )}
    >
      <Handle
        type="target"
        position={Position.Left}
        className="!h-2 !w-2 !border-0 !bg-slate-400"
        isConnectable={false}
      />
      <div className="flex items-center gap-2 border-b border-dashed border-slate-200 px-3 py-2">
        <SystemIcon look={data.step.type} size={24} />
        <div className="min-w-0">
          <p className="truncate text-sm font-semibold text-slate-900">{title}</p>
          <p className="truncate text-xs text-slate-500">{subtitle}</p>
        </div>
      </div>
      {data.change && (
        <span
          className={clsx(
            "absolute -top-2.5 right-2 rounded-full px-1.5 text-[10px] font-semibold uppercase leading-4 text-white shadow",
            TAG[data.change],
          )}
        >
          {data.change}
        </span>
      )}
      <Handle
        type="source"
        position={Position.Right}
        className="!h-2 !w-2 !border-0 !bg-slate-400"
        isConnectable={false}
      />
    </div>
  );
});

const NODE_TYPES = {
  trigger: DiffCard,
  call: DiffCard,
  map: DiffCard,
  switch: DiffCard,
  wait: DiffCard,
  emit: DiffCard,
  subflow: DiffCard,
  fail: DiffCard,
  foreach: DiffContainer,
  parallel: DiffContainer,
};

function FocusOn({ nodeId, nodes }: { nodeId: string | null; nodes: readonly DiffNode[] }) {
  const rf = useReactFlow();
  useEffect(() => {
    if (!nodeId) return;
    const n = rf.getInternalNode(nodeId);
    if (!n) return;
    const p = n.internals.positionAbsolute;
    void rf.setCenter(p.x + (n.measured.width ?? 220) / 2, p.y + (n.measured.height ?? 72) / 2, {
      zoom: 1,
      duration: 300,
    });
  }, [nodeId, rf, nodes]);
  return null;
}

export function DiffCanvas({
  graph,
  changes,
  focus,
  label,
}: {
  graph: CanvasGraph;
  changes: ReadonlyMap<string, NodeChange>;
  focus: string | null;
  label: string;
}) {
  const { nodes, edges } = useMemo(() => {
    const doc = fromDecompiled(graph);
    const nodes: DiffNode[] = doc.nodes.map((n) => {
      const change = changes.get(n.id);
      return {
        ...n,
        data: { ...n.data, ...(change ? { change } : {}), ...(focus === n.id ? { focused: true } : {}) },
        draggable: false,
        selectable: false,
        connectable: false,
      } as DiffNode;
    });
    // One handle per side on these read-only cards: the edge's kind is shown by its style and label.
    const edges: Edge[] = doc.edges.map((e) => ({ ...e, sourceHandle: null, targetHandle: null, selectable: false }));
    return { nodes, edges };
  }, [graph, changes, focus]);

  return (
    <div className="weft-diff h-full w-full" aria-label={label} role="img">
      <ReactFlowProvider>
        <ReactFlow
          nodes={nodes}
          edges={edges}
          nodeTypes={NODE_TYPES}
          fitView
          fitViewOptions={{ padding: 0.15, maxZoom: 1 }}
          nodesDraggable={false}
          nodesConnectable={false}
          elementsSelectable={false}
          proOptions={{ hideAttribution: true }}
          minZoom={0.1}
        >
          <Background gap={18} size={1} color="#e2e8f0" />
          <Controls showInteractive={false} position="bottom-right" />
          <FocusOn nodeId={focus} nodes={nodes} />
        </ReactFlow>
      </ReactFlowProvider>
      <style>{`
.weft-diff .react-flow__edge-path { stroke: #94a3b8; stroke-width: 1.5; }
.weft-diff .weft-edge-catch .react-flow__edge-path { stroke: #dc2626; stroke-dasharray: 6 4; }
.weft-diff .weft-edge-compensate .react-flow__edge-path { stroke: #d97706; stroke-dasharray: 2 4; stroke-width: 2; }
.weft-diff .weft-edge-case .react-flow__edge-path { stroke: #7c3aed; }
.weft-diff .react-flow__edge-text { font-size: 10px; fill: #475569; }
`}</style>
    </div>
  );
}
