"use client";
// The designer's React Flow canvas: nodes and edges of the document, drag and selection as transient history
// updates (a drag is one undo step, committed on drop), palette items and files dropped onto it, the large-
// canvas overview, and the hint and toast drawn over it.
import {
  Background,
  BackgroundVariant,
  Controls,
  MarkerType,
  MiniMap,
  ReactFlow,
  useReactFlow,
  useStore,
  type Connection,
  type EdgeChange,
  type NodeChange,
} from "@xyflow/react";
import { useCallback, useEffect, useMemo, useRef, useState } from "react";
import { EdgeOverview } from "./edge-overview";
import { applyCanvasEdgeChanges, applyCanvasNodeChanges } from "./edits";
import { useCanvasNodes } from "./geometry";
import { TRIGGER_NODE_ID, type DEdge, type DNode, type DocState } from "./model";
import { fitOptions, lowZoom, NODE_TYPES } from "./nodes";
import { DRAG_MIME } from "./palette";
import type { History } from "./use-history";

const EDGE_CSS = `
.weft-canvas .react-flow__edge-path, .weft-canvas .weft-edge-overview path { stroke: #94a3b8; stroke-width: 1.5; fill: none; }
.weft-canvas .react-flow__edge.selected .react-flow__edge-path { stroke: #2563eb; stroke-width: 2; }
.weft-canvas .weft-edge-catch .react-flow__edge-path, .weft-canvas path.weft-edge-catch { stroke: #dc2626; stroke-dasharray: 6 4; }
.weft-canvas .weft-edge-compensate .react-flow__edge-path, .weft-canvas path.weft-edge-compensate { stroke: #d97706; stroke-dasharray: 2 4; stroke-width: 2; }
.weft-canvas .weft-edge-case .react-flow__edge-path, .weft-canvas path.weft-edge-case { stroke: #7c3aed; }
.weft-canvas .react-flow__edge-textbg { fill: #f8fafc; }
.weft-canvas .react-flow__edge-text { font-size: 10px; fill: #475569; }
.weft-moving .react-flow__node { pointer-events: none; }
.weft-flash { animation: weft-flash 1.2s ease-out; }
@keyframes weft-flash { 0% { box-shadow: 0 0 0 3px rgba(220,38,38,.6); } 100% { box-shadow: 0 0 0 0 rgba(220,38,38,0); } }
`;
const DEFAULT_EDGE = {
  type: "smoothstep",
  markerEnd: { type: MarkerType.ArrowClosed, width: 16, height: 16, color: "#94a3b8" },
};
const PRO = { hideAttribution: true };

export function EditorCanvas({
  history,
  readOnly,
  toast,
  onConnect,
  onDropItem,
  onDropFile,
}: {
  history: History<DocState>;
  readOnly: boolean;
  toast: string | null;
  onConnect(c: Connection): void;
  /** A palette item dropped at `at` (flow coordinates), on the edge `onEdge` if it was dropped on one. */
  onDropItem(itemId: string, at: { x: number; y: number }, onEdge: string | undefined): void;
  onDropFile(text: string): void;
}) {
  const rf = useReactFlow<DNode, DEdge>();
  const doc = history.present;
  const { set: edit, commit } = history;
  // "?zoom=1" opens at that zoom at the top-left of the drawing instead of fitting it (deep links, bench:designer).
  const [startZoom] = useState(() => {
    const z = Number(new URLSearchParams(typeof window === "undefined" ? "" : window.location.search).get("zoom"));
    return Number.isFinite(z) && z >= 0.05 && z <= 2 ? z : null;
  });

  const onNodesChange = useCallback(
    (changes: NodeChange<DNode>[]) => edit((s) => applyCanvasNodeChanges(s, changes), { transient: true }),
    [edit],
  );
  const onEdgesChange = useCallback(
    (changes: EdgeChange<DEdge>[]) => edit((s) => applyCanvasEdgeChanges(s, changes), { transient: true }),
    [edit],
  );
  const docRef = useRef(doc);
  useEffect(() => {
    docRef.current = doc;
  }, [doc]);
  const dragStart = useRef<DocState | null>(null);
  const onNodeDragStart = useCallback(() => {
    dragStart.current = docRef.current;
  }, []);
  const onNodeDragStop = useCallback(() => {
    if (dragStart.current) commit(dragStart.current);
    dragStart.current = null;
  }, [commit]);

  // Fit with the readable-zoom floor of small flows (nodes.tsx fitOptions).
  const nodeCount = doc.nodes.length;
  const fitOpts = useMemo(() => fitOptions(nodeCount), [nodeCount]);
  const initialFitOpts = useMemo(() => fitOptions(nodeCount, 0), [nodeCount]);

  const canvasNodes = useCanvasNodes(doc.nodes);
  // Zoomed out to plain blocks, the canvas is its own overview: React Flow's edges give way to one drawn
  // overview of them (edge-overview.tsx), and the minimap and background dots (a grey haze at that size) go.
  const overview = useStore(lowZoom);
  const rfEdges = useMemo(
    () => (overview ? doc.edges.map((e) => (e.hidden ? e : { ...e, hidden: true })) : doc.edges),
    [doc.edges, overview],
  );
  // While the view pans or zooms, nodes are not hit-tested on every pointer move.
  const canvasRef = useRef<HTMLDivElement>(null);
  const onMoveStart = useCallback(() => canvasRef.current?.classList.add("weft-moving"), []);
  const onMoveEnd = useCallback(() => canvasRef.current?.classList.remove("weft-moving"), []);
  const onDrop = useCallback(
    (e: React.DragEvent) => {
      e.preventDefault();
      const id = e.dataTransfer.getData(DRAG_MIME);
      if (id) {
        // The edge under the pointer (React Flow widens each edge's hit area), if the step was dropped on one.
        const onEdge = document
          .elementsFromPoint(e.clientX, e.clientY)
          .map((el) => el.closest(".react-flow__edge"))
          .find((el) => el)
          ?.getAttribute("data-id");
        onDropItem(id, rf.screenToFlowPosition({ x: e.clientX - 110, y: e.clientY - 36 }), onEdge ?? undefined);
        return;
      }
      const file = e.dataTransfer.files[0];
      if (file) void file.text().then(onDropFile);
    },
    [onDropItem, onDropFile, rf],
  );

  return (
    <div
      ref={canvasRef}
      className="weft-canvas relative min-h-0 flex-1"
      onDragOver={(e) => (e.preventDefault(), (e.dataTransfer.dropEffect = "move"))}
      onDrop={onDrop}
      data-testid="canvas"
    >
      <style>{EDGE_CSS}</style>
      <ReactFlow<DNode, DEdge>
        nodes={canvasNodes}
        edges={rfEdges}
        nodeTypes={NODE_TYPES}
        onNodesChange={onNodesChange}
        onEdgesChange={onEdgesChange}
        onConnect={onConnect}
        onNodeDragStart={onNodeDragStart}
        onNodeDragStop={onNodeDragStop}
        onMoveStart={onMoveStart}
        onMoveEnd={onMoveEnd}
        nodesDraggable={!readOnly}
        nodesConnectable={!readOnly}
        deleteKeyCode={null}
        selectionKeyCode="Shift"
        multiSelectionKeyCode={["Control", "Meta"]}
        onlyRenderVisibleElements
        minZoom={0.05}
        maxZoom={2}
        fitView={startZoom === null}
        {...(startZoom !== null ? { defaultViewport: { x: 40, y: 40, zoom: startZoom } } : {})}
        fitViewOptions={initialFitOpts}
        defaultEdgeOptions={DEFAULT_EDGE}
        proOptions={PRO}
      >
        {overview ? (
          <EdgeOverview nodes={canvasNodes} edges={doc.edges} />
        ) : (
          <>
            <Background variant={BackgroundVariant.Dots} gap={20} size={1} color="#cbd5e1" />
            <MiniMap
              pannable
              zoomable
              nodeStrokeWidth={3}
              nodeColor={(n) => (n.id === TRIGGER_NODE_ID ? "#0f172a" : "#94a3b8")}
              className="!rounded-md !border !border-slate-200"
            />
          </>
        )}
        <Controls showInteractive={false} fitViewOptions={fitOpts} />
      </ReactFlow>
      {doc.nodes.length === 1 && !readOnly && (
        <div className="pointer-events-none absolute inset-x-0 top-6 flex justify-center">
          <p className="rounded-full bg-white/90 px-4 py-1.5 text-xs text-slate-500 shadow ring-1 ring-slate-200">
            Drag a step from the palette, or press Ctrl K — then connect it to the trigger.
          </p>
        </div>
      )}
      {toast && (
        <div
          role="status"
          className="absolute bottom-4 left-1/2 -translate-x-1/2 rounded-md bg-slate-900 px-3 py-1.5 text-xs text-white shadow-lg"
        >
          {toast}
        </div>
      )}
    </div>
  );
}

/**
 * A step added off-screen (keyboard building, the command menu) is scrolled into view: set the returned
 * ref to the step's flow position when adding it; the next document change brings it into view.
 */
export function useRevealAdded(doc: DocState) {
  const rf = useReactFlow<DNode, DEdge>();
  const reveal = useRef<{ x: number; y: number } | null>(null);
  useEffect(() => {
    const at = reveal.current;
    if (!at) return;
    reveal.current = null;
    const vp = rf.getViewport();
    const el = document.querySelector(".weft-canvas");
    const w = el?.clientWidth ?? 800;
    const h = el?.clientHeight ?? 600;
    const sx = at.x * vp.zoom + vp.x;
    const sy = at.y * vp.zoom + vp.y;
    if (sx < 0 || sy < 0 || sx + 220 * vp.zoom > w - 16 || sy + 72 * vp.zoom > h - 16)
      void rf.setCenter(at.x + 110, at.y + 36, { zoom: vp.zoom, duration: 0 });
  }, [doc, rf]);
  return reveal;
}
