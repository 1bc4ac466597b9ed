"use client";
// The visual designer for one flow: palette, React Flow canvas, inspector, problems, test runs, versions.
// The document is the DSL (core/dsl graph compile/decompile is the only translation); every edit goes
// through one snapshot history (undo/redo), is validated with the server's validator as you type, and is
// autosaved with an optimistic revision check.
import "@xyflow/react/dist/style.css";
import {
  applyEdgeChanges,
  applyNodeChanges,
  Background,
  BackgroundVariant,
  Controls,
  MarkerType,
  MiniMap,
  ReactFlow,
  ReactFlowProvider,
  useReactFlow,
  useStore,
  type Connection,
  type EdgeChange,
  type NodeChange,
} from "@xyflow/react";
import { useMutation, useQueries, useQuery } from "@tanstack/react-query";
import { clsx } from "clsx";
import Link from "next/link";
import { useRouter } from "next/navigation";
import { useCallback, useEffect, useMemo, useRef, useState } from "react";
import { useTRPC, useTRPCClient } from "@/components/trpc/client";
import { Badge, LIFECYCLE_TONE } from "@/components/ui/badge";
import { TEST_MODE_LABEL } from "@/components/runs/format";
import { decompileWithLayout, layoutGraph, triggerInputSchema, validate, type JsonSchemaObject, type CanvasEdgeKind, type CanvasNodeData, type Flow, type FlowMeta, type Problem, type StepConfig, type Catalog, type CatalogConnection } from "@/core/dsl";
import { BUILT_IN_CATALOG, callOutputSchema, describeKey, describeRequest, jsonSchemaOf, operationOf, paletteItems, withImportedConnectors, type EventInfo, type PaletteItem } from "./catalog";
import { ConnectorCatalogContext } from "./catalog-context";
import { CommandMenu, ShortcutSheet, type DesignerCommand } from "./command-menu";
import { DecorationContext, DecorationStore, type NodeDecoration } from "./decorations";
import { samplePaths, schemaPaths, type ExprScope } from "./expression-field";
import { EdgeOverview } from "./edge-overview";
import { addStep, applyLayout, connect, deleteSelection as deleteSelectionOf, pasteSteps, selectAll, selectOnly, setMeta, setNodeData, setTrigger } from "./edits";
import { useCanvasNodes } from "./geometry";
import { Inspector } from "./inspector/inspector";
import type { JsonSchema, MapperSource } from "./mapper/types";
import {
  absolutePosition,
  compileState,
  dslToPaste,
  fieldOfProblem,
  fromDecompiled,
  nodeOfProblem,
  selectionToDsl,
  toCanvasGraph,
  TRIGGER_NODE_ID,
  upstreamOf,
  type DEdge,
  type DNode,
  type DocState,
} from "./model";
import { fitOptions, lowZoom, NODE_TYPES } from "./nodes";
import { DRAG_MIME, Palette } from "./palette";
import { ProblemsPanel } from "./problems-panel";
import { TestRunDialog, useTestRun, type LiveConnection, type TestMode } from "./test-run";
import { ConflictBanner, MergeDialog, RestoreBanner, SaveAlertContext } from "./save-alert";
import { useAutosave } from "./use-autosave";
import { useHistory } from "./use-history";
import { VersionsMount } from "./versions-mount";

const CLIPBOARD_KEY = "weft.designer.clipboard";
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

export function Designer({ flowKey }: { flowKey: string }) {
  const trpc = useTRPC();
  // Loaded once per opening (never refetched under the user's edits), and never from an earlier opening's
  // cache: reopening the designer after client-side navigation must show the draft as stored now.
  const flowQ = useQuery({ ...trpc.flows.get.queryOptions({ flowKey }), refetchOnWindowFocus: false, staleTime: Infinity, gcTime: 0 });
  const catQ = useQuery({ ...trpc.flows.designerCatalog.queryOptions(), staleTime: 60_000 });
  // The workspace's imported (OpenAPI) connectors join the palette, forms and validator before the editor opens.
  const importsQ = useQuery({ ...trpc.connections.catalog.queryOptions(), staleTime: 60_000 });
  const connectors = useMemo(() => (importsQ.data ? withImportedConnectors(BUILT_IN_CATALOG, importsQ.data) : null), [importsQ.data]);
  const meQ = useQuery(trpc.session.me.queryOptions());
  const [initial, setInitial] = useState<{ state: DocState; revision: number; nonce: number } | null>(null);
  const [loadError, setLoadError] = useState<string | null>(null);

  const f = flowQ.data;
  useEffect(() => {
    if (!f) return;
    let cancelled = false;
    const draft = f.draft as Flow;
    decompileWithLayout(draft)
      .then((g) => !cancelled && setInitial({ state: fromDecompiled(g), revision: f.draftRevision, nonce: Date.now() }))
      .catch((e: Error) => !cancelled && setLoadError(`The draft cannot be drawn: ${e.message}`));
    return () => {
      cancelled = true;
    };
  }, [f]);

  const err = flowQ.error?.message ?? catQ.error?.message ?? importsQ.error?.message ?? loadError;
  if (err)
    return (
      <div className="p-8">
        <p role="alert" className="rounded-md border border-red-200 bg-red-50 p-4 text-sm text-red-800">
          {err}
        </p>
        <Link href="/flows" className="mt-4 inline-block text-sm text-brand-700 hover:underline">
          ← Back to flows
        </Link>
      </div>
    );
  if (!f || !catQ.data || !connectors || !meQ.data || !initial)
    return (
      <div className="grid h-screen place-items-center text-sm text-slate-500" aria-busy="true">
        Opening the designer…
      </div>
    );
  // The server's answer (role and team ownership, server/auth/ownership.ts): the same rule that guards saving.
  const readOnly = !f.access.canEdit;
  return (
    <ReactFlowProvider>
      <ConnectorCatalogContext.Provider value={connectors}>
      <Editor
        key={initial.nonce}
        flowKey={flowKey}
        header={{ name: f.name, lifecycle: f.lifecycle, ownerTeam: f.ownerTeam.name, latestVersion: f.latestVersion?.version ?? null, lastSaved: f.lastSaved }}
        initial={initial.state}
        initialRevision={initial.revision}
        samples={f.samples}
        catalog={catQ.data}
        connectors={connectors}
        readOnly={readOnly}
        readOnlyReason={f.access.reason}
        onReload={() => {
          setInitial(null);
          void flowQ.refetch();
        }}
      />
      </ConnectorCatalogContext.Provider>
    </ReactFlowProvider>
  );
}

interface DesignerCatalog {
  connections: Array<CatalogConnection & { name: string; host: string | null }>;
  events: EventInfo[];
  flows: Array<{ key: string; name: string; versions: string[] }>;
}


function Editor({
  flowKey,
  header,
  initial,
  initialRevision,
  samples: initialSamples,
  catalog,
  connectors,
  readOnly,
  readOnlyReason,
  onReload,
}: {
  flowKey: string;
  header: { name: string; lifecycle: string; ownerTeam: string; latestVersion: string | null; lastSaved: { by: string; at: Date } | null };
  initial: DocState;
  initialRevision: number;
  samples: Record<string, { payload: unknown; source: string; pinnedAt: Date }>;
  catalog: DesignerCatalog;
  /** Built-in plus imported connectors (catalog.ts withImportedConnectors). */
  connectors: Catalog;
  readOnly: boolean;
  readOnlyReason: string | null;
  onReload(): void;
}) {
  const trpc = useTRPC();
  const rf = useReactFlow<DNode, DEdge>();
  const history = useHistory<DocState>(initial);
  const doc = history.present;
  const docRef = useRef(doc);
  docRef.current = doc;
  const decorations = useMemo(() => new DecorationStore(), []);
  const items = useMemo(() => paletteItems(connectors, catalog.events, flowKey), [connectors, catalog.events, flowKey]);
  const [samples, setSamples] = useState(initialSamples);
  const [menuOpen, setMenuOpen] = useState(false);
  const [sheetOpen, setSheetOpen] = useState(false);
  const [testOpen, setTestOpen] = useState(false);
  const [problemsOpen, setProblemsOpen] = useState(true);
  const [tab, setTab] = useState<"inspect" | "versions">("inspect");
  const [focus, setFocus] = useState<{ field: string; nonce: number } | undefined>();
  const [toast, setToast] = useState<string | null>(null);
  const fileInput = useRef<HTMLInputElement>(null);
  // "?zoom=1" opens at that zoom at the top-left of the drawing instead of fitting it (deep links, bench:designer).
  const [startZoom] = useState(() => {
    const z = Number(new URLSearchParams(typeof window === "undefined" ? "" : window.location.search).get("zoom"));
    return Number.isFinite(z) && z >= 0.05 && z <= 2 ? z : null;
  });
  const showToast = useCallback((m: string) => {
    setToast(m);
    setTimeout(() => setToast((t) => (t === m ? null : t)), 3500);
  }, []);

  // ---------------------------------------------------------------------------------------------
  // Validation (the server's validator, in the browser), debounced and skipped when only positions or
  // the selection changed.
  const validationCatalog = useMemo(
    () => ({ ...connectors, connections: catalog.connections.map((c) => ({ key: c.key, connectorKey: c.connectorKey, credentials: c.credentials })), flows: Object.fromEntries(catalog.flows.map((f) => [f.key, { versions: f.versions }])) }),
    [connectors, catalog],
  );
  const [validation, setValidation] = useState<{ flow: Flow; problems: Problem[] }>(() => runValidation(initial, validationCatalog));
  // The opening document was validated above: the effect below must not validate it a second time.
  // A changed catalog (a connection created from the inspector) re-validates an unchanged document.
  const lastValidated = useRef<{ doc: { nodes: DNode[]; edges: DEdge[]; meta: FlowMeta }; catalog: typeof validationCatalog } | null>({ doc: initial, catalog: validationCatalog });
  useEffect(() => {
    const prev = lastValidated.current;
    if (prev && prev.catalog === validationCatalog && prev.doc.meta === doc.meta && prev.doc.edges === doc.edges && sameStructure(prev.doc.nodes, doc.nodes)) return;
    const t = setTimeout(() => {
      lastValidated.current = { doc, catalog: validationCatalog };
      setValidation(runValidation(doc, validationCatalog));
    }, 120);
    return () => clearTimeout(t);
  }, [doc, validationCatalog]);
  const errorCount = validation.problems.filter((p) => p.severity === "error").length;

  // ---------------------------------------------------------------------------------------------
  // Test runs
  const test = useTestRun(flowKey);
  useEffect(() => {
    const m = new Map<string, NodeDecoration>();
    for (const p of validation.problems) {
      const id = nodeOfProblem(p);
      if (!id) continue;
      const d = m.get(id) ?? { errors: 0, warnings: 0 };
      if (p.severity === "error") d.errors++;
      else d.warnings++;
      d.firstMessage ??= p.message;
      m.set(id, d);
    }
    if (test.run) {
      for (const [id, s] of test.run.steps) m.set(id, { ...(m.get(id) ?? { errors: 0, warnings: 0 }), run: { status: s.status, durationMs: s.durationMs } });
      m.set(TRIGGER_NODE_ID, { ...(m.get(TRIGGER_NODE_ID) ?? { errors: 0, warnings: 0 }), run: { status: test.run.status, durationMs: test.run.durationMs } });
    }
    decorations.replace(m);
  }, [validation, test.run, decorations]);

  // ---------------------------------------------------------------------------------------------
  // Autosave: serialised on the acknowledged revision, kept in localStorage until acknowledged, merged on a
  // real conflict (use-autosave.ts).
  const trpcClient = useTRPCClient();
  const autosave = useAutosave({
    flowKey,
    doc,
    initial,
    initialRevision,
    lastSavedAt: header.lastSaved ? new Date(header.lastSaved.at) : null,
    readOnly,
    save: (baseRevision, draft) => trpcClient.flows.saveDraft.mutate({ flowKey, baseRevision, draft: draft as unknown as Record<string, unknown> }),
    loadLatest: () => trpcClient.flows.get.query({ flowKey }),
    apply: (next) => history.set(next),
  });
  const saveState = autosave.state;
  const [mergeOpen, setMergeOpen] = useState(false);
  const [copying, setCopying] = useState(false);
  const router = useRouter();
  const saveMineAsCopy = useCallback(async () => {
    setCopying(true);
    try {
      const r = await trpcClient.flows.saveDraftAsCopy.mutate({ flowKey, draft: compileState(docRef.current).flow as unknown as Record<string, unknown> });
      autosave.forget();
      router.push(`/flows/${r.key}`);
    } catch (e) {
      showToast(`Your version could not be saved as a copy: ${(e as Error).message}`);
    } finally {
      setCopying(false);
    }
  }, [trpcClient, flowKey, autosave, router, showToast]);
  const restoreEdits = useCallback(async () => {
    if (await autosave.restore()) setMergeOpen(true);
  }, [autosave]);

  // ---------------------------------------------------------------------------------------------
  // Editing operations (each is one history entry)
  // Nodes whose identity changes only when settings or nesting change (not on drag frames or selection):
  // scope, autocomplete and the inspector depend on these, so dragging does not recompute them.
  const structRef = useRef(doc.nodes);
  if (!sameStructure(structRef.current, doc.nodes)) structRef.current = doc.nodes;
  const structNodes = structRef.current;
  const selectedList = doc.nodes.filter((n) => n.selected);
  const selectedId = selectedList.length === 1 ? selectedList[0]!.id : null;
  const selectedNode = useMemo(() => (selectedId ? (structNodes.find((n) => n.id === selectedId) ?? null) : null), [selectedId, structNodes]);
  const edit = history.set;

  const onNodesChange = useCallback(
    (changes: NodeChange<DNode>[]) => {
      const kept = changes.filter((c) => c.type !== "remove");
      if (kept.length) edit((s) => ({ ...s, nodes: applyNodeChanges(kept, s.nodes) }), { transient: true });
    },
    [edit],
  );
  const onEdgesChange = useCallback(
    (changes: EdgeChange<DEdge>[]) => {
      const kept = changes.filter((c) => c.type === "select");
      if (kept.length) edit((s) => ({ ...s, edges: applyEdgeChanges(kept, s.edges) }), { transient: true });
    },
    [edit],
  );
  const dragStart = useRef<DocState | null>(null);
  const onNodeDragStart = useCallback(() => {
    dragStart.current = docRef.current;
  }, []);
  const onNodeDragStop = useCallback(() => {
    if (dragStart.current) history.commit(dragStart.current);
    dragStart.current = null;
  }, [history]);

  const setEdge = useCallback((source: string, handle: string, target: string | null) => edit((s) => connect(s, source, handle, target)), [edit]);
  const onConnect = useCallback((c: Connection) => c.source !== c.target && setEdge(c.source, c.sourceHandle ?? "next", c.target), [setEdge]);

  const addItem = useCallback(
    (item: PaletteItem, at?: { x: number; y: number }, onEdge?: string) => {
      if (readOnly) return;
      if (item.kind === "trigger") return edit((s) => setTrigger(s, item.trigger));
      edit((s) => {
        const added = addStep(s, item.step, catalog.connections, { ...(at ? { at } : {}), ...(onEdge ? { onEdge } : {}) });
        // Added without a point (keyboard, command menu, palette click): scrolled into view below.
        const node = !at ? added.state.nodes.find((n) => n.id === added.id) : undefined;
        if (node) reveal.current = absolutePosition(added.state.nodes, node);
        return added.state;
      });
    },
    [edit, catalog.connections, readOnly],
  );

  // A step added off-screen (keyboard building, the command menu) is scrolled into view.
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
    if (sx < 0 || sy < 0 || sx + 220 * vp.zoom > w - 16 || sy + 72 * vp.zoom > h - 16) void rf.setCenter(at.x + 110, at.y + 36, { zoom: vp.zoom, duration: 0 });
  }, [doc, rf]);

  const deleteSelection = useCallback(() => {
    if (readOnly) return;
    edit(deleteSelectionOf);
  }, [edit, readOnly]);

  const copy = useCallback(async () => {
    const text = selectionToDsl(docRef.current, new Set(docRef.current.nodes.filter((n) => n.selected).map((n) => n.id)));
    if (!text) return showToast("Select steps to copy.");
    localStorage.setItem(CLIPBOARD_KEY, text);
    try {
      await navigator.clipboard.writeText(text);
    } catch {
      // No clipboard permission: the local copy still pastes into any flow in this browser.
    }
    const n = (JSON.parse(text) as { steps: unknown[] }).steps.length;
    showToast(`Copied ${n} step${n === 1 ? "" : "s"} as DSL JSON.`);
  }, [showToast]);

  const pasteText = useCallback(
    async (text: string) => {
      if (readOnly) return;
      let pasted;
      try {
        pasted = dslToPaste(text, docRef.current.meta, new Set(docRef.current.nodes.map((n) => n.id)));
      } catch (e) {
        return showToast((e as Error).message);
      }
      let nodes = pasted.nodes;
      if (pasted.unplaced.length) {
        const laid = await layoutGraph(toCanvasGraph({ meta: docRef.current.meta, nodes, edges: pasted.edges }), { only: new Set(pasted.unplaced) });
        const pos = new Map(laid.nodes.map((n) => [n.id, n.position]));
        nodes = nodes.map((n) => ({ ...n, position: pos.get(n.id) ?? n.position }));
      }
      edit((s) => pasteSteps(s, { nodes, edges: pasted.edges }));
      showToast(`Pasted ${nodes.length} step${nodes.length === 1 ? "" : "s"}.`);
    },
    [edit, readOnly, showToast],
  );
  const paste = useCallback(async () => {
    let text: string | null = null;
    try {
      text = await navigator.clipboard.readText();
    } catch {
      text = null;
    }
    if (!text || !text.trim().startsWith("{")) text = localStorage.getItem(CLIPBOARD_KEY);
    if (!text) return showToast("The clipboard is empty.");
    await pasteText(text);
  }, [pasteText, showToast]);

  // Fit with the readable-zoom floor of small flows (nodes.tsx fitOptions).
  const nodeCount = doc.nodes.length;
  const fitOpts = useMemo(() => fitOptions(nodeCount), [nodeCount]);
  const initialFitOpts = useMemo(() => fitOptions(nodeCount, 0), [nodeCount]);
  const fitAll = useCallback(() => rf.fitView(fitOptions(docRef.current.nodes.length)), [rf]);

  const autoLayout = useCallback(async () => {
    if (readOnly) return;
    const laid = await layoutGraph(toCanvasGraph(docRef.current));
    edit((s) => applyLayout(s, laid.nodes));
    setTimeout(() => void fitAll(), 50);
  }, [edit, readOnly, fitAll]);

  const pin = useMutation(trpc.flows.pinSample.mutationOptions());
  const pinSample = useCallback(
    (nodeId: string, payload: unknown, source: "manual" | "test-run") => {
      pin.mutate(
        { flowKey, nodeId, payload, source },
        {
          onSuccess: (r) => {
            setSamples((s) => ({ ...s, [nodeId]: { payload, source, pinnedAt: r.pinnedAt } }));
            showToast(`Pinned a sample for ${nodeId}.`);
          },
          onError: (e) => showToast(e.message),
        },
      );
    },
    [flowKey, pin, showToast],
  );

  const startTest = useCallback(
    (input: unknown, pinIt: boolean, mode: TestMode) => {
      if (pinIt) pinSample(TRIGGER_NODE_ID, input, "manual");
      test.start(compileState(docRef.current).flow, input, mode);
    },
    [pinSample, test],
  );

  const pickProblem = useCallback(
    (p: Problem) => {
      const id = nodeOfProblem(p);
      edit((s) => selectOnly(s, id ?? null), { transient: true });
      if (id) {
        const n = docRef.current.nodes.find((x) => x.id === id);
        if (n) void rf.fitView({ nodes: [{ id }], duration: 300, maxZoom: 1.2 });
      }
      setTab("inspect");
      const field = fieldOfProblem(validation.flow, p);
      setFocus({ field: field ?? "", nonce: Date.now() });
    },
    [edit, rf, validation.flow],
  );

  // ---------------------------------------------------------------------------------------------
  // Keyboard
  const commands: DesignerCommand[] = useMemo(
    () => [
      { id: "layout", label: "Auto-layout", shortcut: "Shift L", run: () => void autoLayout() },
      { id: "fit", label: "Zoom to fit", shortcut: "Shift 1", run: () => void fitAll() },
      { id: "test", label: "Test run…", shortcut: "Ctrl Enter", run: () => setTestOpen(true) },
      { id: "undo", label: "Undo", shortcut: "Ctrl Z", run: history.undo },
      { id: "redo", label: "Redo", shortcut: "Ctrl Shift Z", run: history.redo },
      { id: "copy", label: "Copy selection as DSL JSON", shortcut: "Ctrl C", run: () => void copy() },
      { id: "paste", label: "Paste steps", shortcut: "Ctrl V", run: () => void paste() },
      { id: "import", label: "Import steps from a file…", run: () => fileInput.current?.click() },
      { id: "shortcuts", label: "Keyboard shortcuts", shortcut: "?", run: () => setSheetOpen(true) },
    ],
    [autoLayout, fitAll, history.undo, history.redo, copy, paste],
  );
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      const t = e.target as HTMLElement | null;
      if (t && (t.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(t.tagName))) return;
      const mod = e.ctrlKey || e.metaKey;
      const k = e.key.toLowerCase();
      if (mod && k === "k") return (e.preventDefault(), setMenuOpen(true));
      if (menuOpen || sheetOpen || testOpen) return;
      if (mod && k === "z" && !e.shiftKey) return (e.preventDefault(), history.undo());
      if ((mod && k === "z" && e.shiftKey) || (mod && k === "y")) return (e.preventDefault(), history.redo());
      if (mod && k === "c") return (e.preventDefault(), void copy());
      if (mod && k === "v") return (e.preventDefault(), void paste());
      if (mod && k === "a") return (e.preventDefault(), edit(selectAll, { transient: true }));
      if (mod && e.key === "Enter") return (e.preventDefault(), setTestOpen(true));
      if (e.key === "Delete" || e.key === "Backspace") return (e.preventDefault(), deleteSelection());
      if (e.shiftKey && k === "l") return (e.preventDefault(), void autoLayout());
      if (e.shiftKey && (e.key === "!" || e.code === "Digit1")) return (e.preventDefault(), void fitAll());
      if (e.key === "?") return (e.preventDefault(), setSheetOpen(true));
      if (e.key === "Escape") edit((s) => selectOnly(s, null), { transient: true });
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, [menuOpen, sheetOpen, testOpen, history, copy, paste, deleteSelection, autoLayout, fitAll, edit]);

  // ---------------------------------------------------------------------------------------------
  // Scope of the selected node: autocomplete paths and mapper sources
  const triggerNode = structNodes.find((n) => n.id === TRIGGER_NODE_ID);
  const triggerSchema = useMemo(() => triggerPayloadSchema(triggerNode?.data, catalog.events), [triggerNode?.data, catalog.events]);
  // Steps whose output depends on the target account (a Salesforce record has its org's fields): described on
  // the server with the step's connection. Until an answer arrives — or without one (no connection, offline,
  // no designer role) — the connector's canonical shapes stand in.
  const describeRequests = useMemo(() => {
    const m = new Map<string, { key: string; operation: string; subject: string }>();
    for (const n of structNodes) {
      if (readOnly || n.data.kind !== "step") continue;
      const r = describeRequest(n.data.step);
      if (r && catalog.connections.some((c) => c.key === r.key)) m.set(describeKey(r), r);
    }
    return [...m.values()];
  }, [structNodes, readOnly, catalog.connections]);
  const describeResults = useQueries({ queries: describeRequests.map((r) => ({ ...trpc.connections.describe.queryOptions(r), staleTime: 5 * 60_000, retry: false, refetchOnWindowFocus: false })) });
  const describedKey = describeResults.map((q) => (q.data ? `${q.data.subject}:${q.dataUpdatedAt}` : "-")).join(",");
  const described = useMemo(() => {
    const m = new Map<string, unknown>();
    describeRequests.forEach((r, i) => {
      const d = describeResults[i]?.data;
      if (d) m.set(describeKey(r), d.description);
    });
    return m;
    // describedKey stands for the results' data (useQueries returns a new array every render).
  }, [describeRequests, describedKey]);
  const { scope, sources, target } = useMemo(() => {
    const paths: ExprScope["paths"] = [
      { path: "$trigger", type: "object" },
      { path: "$steps", type: "object" },
      { path: "$flow", type: "object" },
      { path: "$flow.key", type: "string" },
      { path: "$flow.version", type: "string" },
      { path: "$run", type: "object" },
      { path: "$run.id", type: "string" },
    ];
    const src: MapperSource[] = [];
    const tSample = samples[TRIGGER_NODE_ID]?.payload;
    schemaPaths("$trigger", triggerSchema, paths);
    if (tSample !== undefined) samplePaths("$trigger", tSample, paths);
    src.push({ ref: "$trigger", label: "Trigger", ...(triggerSchema ? { schema: triggerSchema } : {}), ...(tSample !== undefined ? { sample: tSample } : {}) });
    let tgt: { label: string; schema: JsonSchema } | undefined;
    if (selectedNode && selectedNode.id !== TRIGGER_NODE_ID) {
      const up = upstreamOf(selectedNode.id, structNodes, doc.edges);
      for (const id of up.steps) {
        const n = structNodes.find((x) => x.id === id);
        if (!n || n.data.kind !== "step") continue;
        const ref = `$steps.${id}.output`;
        paths.push({ path: `$steps.${id}`, type: n.data.step.type }, { path: ref, type: "output" });
        const req = describeRequest(n.data.step);
        const schema = stepOutputSchema(connectors, n.data.step, req ? described.get(describeKey(req)) : undefined);
        const sample = samples[id]?.payload;
        schemaPaths(ref, schema, paths);
        if (sample !== undefined) samplePaths(ref, sample, paths);
        src.push({ ref, label: n.data.step.name || id, ...(schema ? { schema } : {}), ...(sample !== undefined ? { sample } : {}) });
      }
      if (up.inForeach) {
        const fe = structNodes.find((x) => x.id === up.inForeach);
        const itemsExpr = fe?.data.kind === "step" && fe.data.step.type === "foreach" ? fe.data.step.items.trim() : "";
        paths.push({ path: "$item", type: "any" }, { path: "$index", type: "number" });
        for (const p of [...paths]) if (itemsExpr && p.path.startsWith(`${itemsExpr}.`)) paths.push({ ...p, path: `$item.${p.path.slice(itemsExpr.length + 1)}` });
        src.push({ ref: "$item", label: "Current item" });
      }
      // The map step's target: the input of the call it feeds.
      const nextId = doc.edges.find((e) => e.source === selectedNode.id && (e.sourceHandle ?? "next") === "next")?.target;
      const next = nextId ? structNodes.find((n) => n.id === nextId) : undefined;
      if (next?.data.kind === "step" && next.data.step.type === "call") {
        const op = operationOf(connectors, next.data.step.connector, next.data.step.operation);
        if (op) tgt = { label: `${connectors.connectors[next.data.step.connector]?.name ?? next.data.step.connector} · ${op.name} input`, schema: jsonSchemaOf(op.input) };
      }
    }
    return { scope: { paths }, sources: src, target: tgt };
  }, [selectedNode, structNodes, doc.edges, samples, triggerSchema, described, connectors]);

  // The connections a live test run would really call (named, with their hosts, before it starts).
  const liveConnections = useMemo((): LiveConnection[] => {
    const used = new Set<string>();
    for (const n of structNodes) if (n.data.kind === "step" && n.data.step.type === "call" && n.data.step.connection) used.add(n.data.step.connection);
    return [...used].sort().map((key) => {
      const c = catalog.connections.find((x) => x.key === key);
      return { key, name: c?.name ?? "unknown connection", host: c?.host ?? null };
    });
  }, [structNodes, catalog.connections]);

  const changeNodeData = useCallback(
    (id: string, data: CanvasNodeData, field: string) =>
edit((s) => setNodeData(s, id, data), { coalesce: `${id}:${field}` }),
    [edit],
  );
  const changeMeta = useCallback((meta: FlowMeta, field: string) => edit((s) => setMeta(s, meta), { coalesce: `meta:${field}` }), [edit]);
  const nodeProblems = useMemo(() => {
    const id = selectedNode?.id;
    return validation.problems.filter((p) => (id ? nodeOfProblem(p) === id : !nodeOfProblem(p)));
  }, [validation.problems, selectedNode?.id]);
  const fieldProblems = useMemo(() => {
    const m = new Map<string, string>();
    for (const p of nodeProblems) {
      const f = fieldOfProblem(validation.flow, p);
      if (f && !m.has(f)) m.set(f, p.message);
    }
    return m;
  }, [nodeProblems, validation.flow]);

  const canvasNodes = useCanvasNodes(doc.nodes);
  // Zoomed out to plain blocks, the canvas is its own overview: React Flow's edges give way to one drawn
  // overview of them (edge-overview.tsx), and the minimap and background dots (a grey haze at that size) go.
  const overview = useStore(lowZoom);
  const rfEdges = useMemo(() => (overview ? doc.edges.map((e) => (e.hidden ? e : { ...e, hidden: true })) : doc.edges), [doc.edges, overview]);
  // While the view pans or zooms, nodes are not hit-tested on every pointer move.
  const canvasRef = useRef<HTMLDivElement>(null);
  const onMoveStart = useCallback(() => canvasRef.current?.classList.add("weft-moving"), []);
  const onMoveEnd = useCallback(() => canvasRef.current?.classList.remove("weft-moving"), []);
  const onDrop = useCallback(
    (e: React.DragEvent) => {
      e.preventDefault();
      const id = e.dataTransfer.getData(DRAG_MIME);
      if (id) {
        const item = items.find((i) => i.id === id);
        // The edge under the pointer (React Flow widens each edge's hit area), if the step was dropped on one.
        const onEdge = document
          .elementsFromPoint(e.clientX, e.clientY)
          .map((el) => el.closest(".react-flow__edge"))
          .find((el) => el)
          ?.getAttribute("data-id");
        if (item) addItem(item, rf.screenToFlowPosition({ x: e.clientX - 110, y: e.clientY - 36 }), onEdge ?? undefined);
        return;
      }
      const file = e.dataTransfer.files[0];
      if (file) void file.text().then(pasteText);
    },
    [items, addItem, rf, pasteText],
  );

  const saveLabel =
    saveState.kind === "saved"
      ? saveState.at
        ? `Saved ${saveState.at.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" })}`
        : "Saved"
      : saveState.kind === "dirty"
        ? "Unsaved changes"
        : saveState.kind === "saving"
          ? "Saving…"
          : saveState.kind === "conflict"
            ? "Not saved: conflict"
            : "Not saved";

  // The save alert: shown under the top bar and repeated inside the full-screen mapper, which covers it.
  const saveAlert =
    saveState.kind === "conflict" ? (
      <ConflictBanner
        message={saveState.message}
        canMerge={!!autosave.merge}
        busy={copying}
        onMerge={() => (autosave.merge ? setMergeOpen(true) : void autosave.prepareMerge().then(() => setMergeOpen(true)))}
        onCopy={() => void saveMineAsCopy()}
        onDownload={() => downloadJson(`${flowKey}-my-draft.weft.json`, compileState(docRef.current).flow)}
      />
    ) : saveState.kind === "error" ? (
      <div role="alert" data-testid="save-error" className="flex items-center gap-3 border-b border-amber-200 bg-amber-50 px-4 py-2 text-sm text-amber-900">
        <span className="flex-1">The draft could not be saved: {saveState.message} Your edits are kept in this browser.</span>
        <button type="button" className="rounded-md border border-amber-300 bg-white px-2.5 py-1 text-xs font-medium" onClick={autosave.retry}>
          Retry
        </button>
      </div>
    ) : autosave.restorable && !readOnly ? (
      <RestoreBanner at={autosave.restorable.at} baseRevision={autosave.restorable.baseRevision} onRestore={() => void restoreEdits()} onDiscard={autosave.discardRestorable} />
    ) : null;

  return (
    <SaveAlertContext.Provider value={saveAlert}>
    <DecorationContext.Provider value={decorations}>
      <style>{EDGE_CSS}</style>
      <div className="flex h-screen flex-col" data-testid="designer" data-ready="true">
        {/* Top bar */}
        <header className="flex items-center gap-3 border-b border-slate-200 bg-white px-4 py-2">
          <Link href="/flows" className="text-sm text-slate-500 hover:text-slate-800" aria-label="Back to flows">
            ←
          </Link>
          <div className="min-w-0">
            <h1 className="truncate text-sm font-semibold text-slate-900">{doc.meta.name || header.name}</h1>
            <p className="truncate font-mono text-[11px] text-slate-400">
              {flowKey} · draft rev {autosave.revision} · {header.ownerTeam}
            </p>
          </div>
          <Badge tone={LIFECYCLE_TONE[header.lifecycle]}>{header.lifecycle}</Badge>
          {header.latestVersion && <span className="font-mono text-xs text-slate-500">v{header.latestVersion}</span>}
          <span data-testid="save-state" data-state={saveState.kind} className={clsx("text-xs", saveState.kind === "conflict" || saveState.kind === "error" ? "font-medium text-red-700" : "text-slate-500")}>
            {readOnly ? <span title={readOnlyReason ?? undefined}>Read only</span> : saveLabel}
          </span>
          <div className="ml-auto flex items-center gap-1">
            <ToolButton label="Undo (Ctrl Z)" onClick={history.undo} disabled={!history.canUndo || readOnly}>
              ↶
            </ToolButton>
            <ToolButton label="Redo (Ctrl Shift Z)" onClick={history.redo} disabled={!history.canRedo || readOnly}>
              ↷
            </ToolButton>
            <span className="mx-1 h-5 w-px bg-slate-200" />
            <ToolButton label="Auto-layout (Shift L)" onClick={() => void autoLayout()} disabled={readOnly}>
              ⊞ Layout
            </ToolButton>
            <ToolButton label="Zoom to fit (Shift 1)" onClick={() => void fitAll()}>
              ⤢ Fit
            </ToolButton>
            <ToolButton label="Import steps from a file" onClick={() => fileInput.current?.click()} disabled={readOnly}>
              ⇪ Import
            </ToolButton>
            <ToolButton label="Command menu (Ctrl K)" onClick={() => setMenuOpen(true)}>
              ⌘K
            </ToolButton>
            <ToolButton label="Keyboard shortcuts (?)" onClick={() => setSheetOpen(true)}>
              ?
            </ToolButton>
            <span className="mx-1 h-5 w-px bg-slate-200" />
            <button
              type="button"
              onClick={() => setTestOpen(true)}
              disabled={readOnly || test.pending}
              className="rounded-md bg-brand-600 px-3 py-1.5 text-sm font-medium text-white shadow-sm hover:bg-brand-700 disabled:opacity-50"
            >
              {test.pending ? "Running…" : "▶ Test run"}
            </button>
          </div>
          <input
            ref={fileInput}
            type="file"
            accept=".json,application/json"
            className="hidden"
            aria-label="Import steps file"
            data-testid="import-file"
            onChange={(e) => {
              const file = e.target.files?.[0];
              if (file) void file.text().then(pasteText);
              e.target.value = "";
            }}
          />
        </header>
        {readOnly && readOnlyReason && (
          <p role="note" data-testid="read-only-reason" className="border-b border-amber-200 bg-amber-50 px-4 py-1.5 text-xs text-amber-900">
            Read only — {readOnlyReason}
          </p>
        )}
        {saveAlert}
        {(test.run || test.error) && <RunBar run={test.run} error={test.error} onClear={test.clear} />}
        <div className="flex min-h-0 flex-1">
          <Palette items={items} onAdd={(i) => addItem(i)} readOnly={readOnly} />
          <div className="flex min-w-0 flex-1 flex-col">
            <div ref={canvasRef} className="weft-canvas relative min-h-0 flex-1" onDragOver={(e) => (e.preventDefault(), (e.dataTransfer.dropEffect = "move"))} onDrop={onDrop} data-testid="canvas">
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
                defaultEdgeOptions={{ type: "smoothstep", markerEnd: { type: MarkerType.ArrowClosed, width: 16, height: 16, color: "#94a3b8" } }}
                proOptions={{ hideAttribution: true }}
              >
                {overview ? (
                  <EdgeOverview nodes={canvasNodes} edges={doc.edges} />
                ) : (
                  <>
                    <Background variant={BackgroundVariant.Dots} gap={20} size={1} color="#cbd5e1" />
                    <MiniMap pannable zoomable nodeStrokeWidth={3} nodeColor={(n) => (n.id === TRIGGER_NODE_ID ? "#0f172a" : "#94a3b8")} className="!rounded-md !border !border-slate-200" />
                  </>
                )}
                <Controls showInteractive={false} fitViewOptions={fitOpts} />
              </ReactFlow>
              {doc.nodes.length === 1 && !readOnly && (
                <div className="pointer-events-none absolute inset-x-0 top-6 flex justify-center">
                  <p className="rounded-full bg-white/90 px-4 py-1.5 text-xs text-slate-500 shadow ring-1 ring-slate-200">Drag a step from the palette, or press Ctrl K — then connect it to the trigger.</p>
                </div>
              )}
              {toast && (
                <div role="status" className="absolute bottom-4 left-1/2 -translate-x-1/2 rounded-md bg-slate-900 px-3 py-1.5 text-xs text-white shadow-lg">
                  {toast}
                </div>
              )}
            </div>
            <ProblemsPanel problems={validation.problems} onPick={pickProblem} open={problemsOpen} onToggle={() => setProblemsOpen((o) => !o)} />
          </div>
          <aside aria-label="Inspector" className="flex w-[420px] shrink-0 flex-col border-l border-slate-200 bg-white">
            <div role="tablist" className="flex border-b border-slate-200 text-xs font-medium">
              {(["inspect", "versions"] as const).map((t) => (
                <button key={t} role="tab" type="button" aria-selected={tab === t} onClick={() => setTab(t)} className={clsx("flex-1 px-3 py-2", tab === t ? "border-b-2 border-brand-600 text-brand-700" : "text-slate-500 hover:text-slate-800")}>
                  {t === "inspect" ? "Inspector" : "Versions"}
                </button>
              ))}
            </div>
            <div className="min-h-0 flex-1">
              {tab === "inspect" ? (
                <Inspector
                  node={selectedNode}
                  meta={doc.meta}
                  nodes={structNodes}
                  edges={doc.edges}
                  connections={catalog.connections}
                  events={catalog.events}
                  scope={scope}
                  mapperSources={sources}
                  {...(target ? { mapperTarget: target } : {})}
                  problems={nodeProblems}
                  fieldProblems={fieldProblems}
                  readOnly={readOnly}
                  {...(focus ? { focus } : {})}
                  {...(selectedNode && test.run ? (selectedNode.id === TRIGGER_NODE_ID ? { run: { status: test.run.status, durationMs: test.run.durationMs, attempts: 1, input: test.run.input, output: null, error: test.run.error } } : test.run.steps.has(selectedNode.id) ? { run: test.run.steps.get(selectedNode.id)! } : {}) : {})}
                  {...(selectedNode && samples[selectedNode.id] ? { sample: samples[selectedNode.id]! } : {})}
                  onChange={changeNodeData}
                  onChangeMeta={changeMeta}
                  onSetEdge={setEdge}
                  onPin={pinSample}
                />
              ) : (
                <VersionsMount flowKey={flowKey} draft={validation.flow} draftRevision={autosave.revision} hasErrors={errorCount > 0} onRestored={onReload} />
              )}
            </div>
          </aside>
        </div>
      </div>
      <CommandMenu open={menuOpen} onClose={() => setMenuOpen(false)} items={items} commands={commands} onAdd={(i) => addItem(i)} />
      <ShortcutSheet open={sheetOpen} onClose={() => setSheetOpen(false)} />
      {mergeOpen && autosave.merge && (
        <MergeDialog
          merge={autosave.merge}
          mine={doc}
          onApply={(merged) => (setMergeOpen(false), autosave.acceptMerge(merged))}
          onCancel={() => (setMergeOpen(false), autosave.cancelMerge())}
        />
      )}
      <TestRunDialog
        open={testOpen}
        onClose={() => setTestOpen(false)}
        trigger={triggerNode?.data.kind === "trigger" ? triggerNode.data.trigger : undefined}
        {...(triggerNode?.data.kind === "trigger" && triggerNode.data.trigger.type === "event" ? { eventSchema: triggerSchema as JsonSchemaObject | undefined } : {})}
        initial={samples[TRIGGER_NODE_ID]?.payload}
        pinnedSource={samples[TRIGGER_NODE_ID]?.source ?? null}
        connections={liveConnections}
        onRun={startTest}
      />
    </DecorationContext.Provider>
    </SaveAlertContext.Provider>
  );
}

function ToolButton({ label, onClick, disabled, children }: { label: string; onClick(): void; disabled?: boolean; children: React.ReactNode }) {
  return (
    <button type="button" title={label} aria-label={label} onClick={onClick} disabled={disabled} className="rounded-md px-2 py-1.5 text-sm text-slate-600 hover:bg-slate-100 hover:text-slate-900 disabled:opacity-40 disabled:hover:bg-transparent">
      {children}
    </button>
  );
}

function RunBar({ run, error, onClear }: { run: ReturnType<typeof useTestRun>["run"]; error: string | null; onClear(): void }) {
  return (
    <div data-testid="run-bar" data-status={run?.status ?? "error"} className={clsx("flex items-center gap-3 border-b px-4 py-1.5 text-xs", run?.status === "failed" || error ? "border-red-200 bg-red-50 text-red-900" : run?.status === "succeeded" ? "border-emerald-200 bg-emerald-50 text-emerald-900" : "border-brand-100 bg-brand-50 text-brand-700")}>
      <span className="font-semibold">Test run</span>
      {run ? (
        <>
          {run.testMode && <span data-testid="run-mode" className="rounded bg-white/70 px-1.5 py-0.5 font-medium">{TEST_MODE_LABEL[run.testMode] ?? run.testMode}</span>}
          <span>{run.status}</span>
          {run.durationMs !== null && <span>{run.durationMs} ms</span>}
          <span className="font-mono text-[11px] opacity-70">{run.runId.slice(0, 8)}</span>
          {run.error != null && <span className="truncate">{String((run.error as { message?: string }).message ?? "")}</span>}
          <Link href={`/runs/${run.runId}`} className="underline">
            Open run
          </Link>
        </>
      ) : (
        <span>{error}</span>
      )}
      <button type="button" className="ml-auto opacity-70 hover:opacity-100" onClick={onClear} aria-label="Clear test run">
        ✕
      </button>
    </div>
  );
}

function runValidation(state: DocState, catalog: Parameters<typeof validate>[1] extends infer O ? (O extends { catalog?: infer C } ? C : never) : never): { flow: Flow; problems: Problem[] } {
  const c = compileState(state);
  const v = validate(c.flow, { catalog });
  // Drawing problems first (dangling connections…), then the document's.
  return { flow: c.flow, problems: [...c.problems, ...v.problems] };
}

function sameStructure(a: readonly DNode[], b: readonly DNode[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i]!.id !== b[i]!.id || a[i]!.data !== b[i]!.data || a[i]!.parentId !== b[i]!.parentId) return false;
  return true;
}

function stepOutputSchema(connectors: Catalog, step: StepConfig, description?: unknown): JsonSchema | undefined {
  if (step.type === "call") return callOutputSchema(connectors, step, description);
  if (step.type === "map" && step.output && typeof step.output === "object") {
    // The map's output fields are its target paths.
    const props: Record<string, JsonSchema> = {};
    for (const k of Object.keys(step.output)) {
      const parts = k.split(".");
      let cur = props;
      parts.forEach((p, i) => {
        if (i === parts.length - 1) cur[p] ??= {};
        else {
          cur[p] ??= { type: "object", properties: {} };
          cur = (cur[p]!.properties ??= {});
        }
      });
    }
    return { type: "object", properties: props };
  }
  return undefined;
}

/** `$trigger`'s schema: the one definition (core/dsl trigger-input.ts), with the consumed event's contract. */
function triggerPayloadSchema(data: CanvasNodeData | undefined, events: readonly EventInfo[]): JsonSchema | undefined {
  if (!data || data.kind !== "trigger") return undefined;
  const t = data.trigger;
  const eventSchema = t.type === "event" ? (events.find((e) => e.name === t.event)?.schema as JsonSchemaObject | undefined) : undefined;
  return triggerInputSchema(t, eventSchema) as JsonSchema;
}

function downloadJson(name: string, value: unknown) {
  const url = URL.createObjectURL(new Blob([JSON.stringify(value, null, 2)], { type: "application/json" }));
  const a = document.createElement("a");
  a.href = url;
  a.download = name;
  a.click();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}
