"use client";
// The visual designer for one flow: palette, React Flow canvas, inspector, problems, test runs, versions.
// The document is the DSL (core/dsl graph compile/decompile is the only translation); every edit goes
// through one snapshot history (undo/redo), is validated with the server's validator as you type, and is
// autosaved with an optimistic revision check.
import "@xyflow/react/dist/style.css";
import { ReactFlowProvider, useReactFlow, type Connection } from "@xyflow/react";
import { useQuery } from "@tanstack/react-query";
import dynamic from "next/dynamic";
import Link from "next/link";
import { useCallback, useEffect, useMemo, useRef, useState } from "react";
import { useTRPC, useTRPCClient } from "@/components/trpc/client";
import {
  decompileWithLayout,
  layoutGraph,
  type CanvasNodeData,
  type Catalog,
  type CatalogConnection,
  type Flow,
  type FlowMeta,
  type JsonSchemaObject,
  type Problem,
} from "@/core/dsl";
import { EditorCanvas, useRevealAdded } from "./canvas";
import { BUILT_IN_CATALOG, paletteItems, withImportedConnectors, type EventInfo, type PaletteItem } from "./catalog";
import { ConnectorCatalogContext } from "./catalog-context";
import { CommandMenu, ShortcutSheet } from "./command-menu";
import { DecorationContext } from "./decorations";
import {
  addStep,
  applyLayout,
  connect,
  deleteSelection,
  keepSelection,
  selectAll,
  selectOnly,
  setMeta,
  setNodeData,
  setTrigger,
} from "./edits";
import {
  absolutePosition,
  compileState,
  fieldOfProblem,
  fromDecompiled,
  nodeOfProblem,
  sameStructure,
  TRIGGER_NODE_ID,
  toCanvasGraph,
  type DEdge,
  type DNode,
  type DocState,
} from "./model";
import { fitOptions } from "./nodes";
import { Palette } from "./palette";
import { ProblemsPanel } from "./problems-panel";
import { RunBar } from "./run-bar";
import { MergeDialog, SaveAlert, SaveAlertContext, useSaveAsCopy } from "./save-alert";
import type { SideTab } from "./side-panel";
import { SidePanelFrame } from "./side-panel-frame";
import { TestRunDialog, useTestRun, type LiveConnection, type TestMode } from "./test-run";
import { EditorToolbar, type EditorHeader } from "./toolbar";
import { useAutosave } from "./use-autosave";
import { useClipboard } from "./use-clipboard";
import { useHistory } from "./use-history";
import { useSamples, type Samples } from "./use-samples";
import { useScope } from "./use-scope";
import { useShortcuts, type EditorActions } from "./use-shortcuts";
import { useDecorations, useProblemsAt, useValidation } from "./use-validation";

// The inspector, mapper and versions (CodeMirror and the forms) load after the canvas: the canvas is what a
// newcomer waits for, and the dev server compiles the panel only when it is asked for (docs/benchmarks.md,
// Newcomer). Its frame holds the place meanwhile.
const SidePanel = dynamic(() => import("./side-panel").then((m) => m.SidePanel), {
  ssr: false,
  loading: () => <SidePanelFrame busy />,
});

export function Designer({ flowKey }: { flowKey: string }) {
  const trpc = useTRPC();
  // Loaded once per opening (never refetched under the user's edits), and never from an earlier opening's
  // cache: reopening the designer after client-side navigation must show the draft as stored now.
  const flowQ = useQuery({
    ...trpc.flows.get.queryOptions({ flowKey }),
    refetchOnWindowFocus: false,
    staleTime: Infinity,
    gcTime: 0,
  });
  const catQ = useQuery({ ...trpc.flows.designerCatalog.queryOptions(), staleTime: 60_000 });
  // The workspace's imported (OpenAPI) connectors join the palette, forms and validator before the editor opens.
  const importsQ = useQuery({ ...trpc.connections.catalog.queryOptions(), staleTime: 60_000 });
  const connectors = useMemo(
    () => (importsQ.data ? withImportedConnectors(BUILT_IN_CATALOG, importsQ.data) : null),
    [importsQ.data],
  );
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
          header={{
            name: f.name,
            lifecycle: f.lifecycle,
            ownerTeam: f.ownerTeam.name,
            latestVersion: f.latestVersion?.version ?? null,
            lastSaved: f.lastSaved,
          }}
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

/**
 * One opening of a flow: the document's history, and the hooks and panels around it. Edits are pure
 * functions (edits.ts, model.ts) handed to the history; validation, autosave, scope, clipboard and
 * shortcuts are hooks; the toolbar, canvas and side panel are components of their own.
 */
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
  header: EditorHeader;
  initial: DocState;
  initialRevision: number;
  samples: Samples;
  catalog: DesignerCatalog;
  /** Built-in plus imported connectors (catalog.ts withImportedConnectors). */
  connectors: Catalog;
  readOnly: boolean;
  readOnlyReason: string | null;
  onReload(): void;
}) {
  const trpcClient = useTRPCClient();
  const rf = useReactFlow<DNode, DEdge>();
  const history = useHistory<DocState>(initial);
  const doc = history.present;
  const edit = history.set;
  // The document as of the last render, for handlers that read it without re-subscribing.
  const docRef = useRef(doc);
  docRef.current = doc;
  const items = useMemo(() => paletteItems(connectors, catalog.events, flowKey), [connectors, catalog.events, flowKey]);
  const [menuOpen, setMenuOpen] = useState(false);
  const [sheetOpen, setSheetOpen] = useState(false);
  const [testOpen, setTestOpen] = useState(false);
  const [mergeOpen, setMergeOpen] = useState(false);
  const [problemsOpen, setProblemsOpen] = useState(true);
  const [tab, setTab] = useState<SideTab>("inspect");
  const [focus, setFocus] = useState<{ field: string; nonce: number } | undefined>();
  const fileInput = useRef<HTMLInputElement>(null);
  const { toast, showToast } = useToast();
  const { samples, pinSample } = useSamples(flowKey, initialSamples, showToast);

  // Validation with the workspace's connections and published flows; the canvas badges follow it and the test run.
  const validationCatalog = useMemo(
    () => ({
      ...connectors,
      connections: catalog.connections.map((c) => ({
        key: c.key,
        connectorKey: c.connectorKey,
        credentials: c.credentials,
      })),
      flows: Object.fromEntries(catalog.flows.map((f) => [f.key, { versions: f.versions }])),
    }),
    [connectors, catalog],
  );
  const validation = useValidation(doc, initial, validationCatalog);
  const errorCount = validation.problems.filter((p) => p.severity === "error").length;
  const test = useTestRun(flowKey);
  const decorations = useDecorations(validation.problems, test.run);

  // Autosave: serialised on the acknowledged revision, kept in localStorage until acknowledged, merged on a
  // real conflict (use-autosave.ts).
  const autosave = useAutosave({
    flowKey,
    doc,
    initial,
    initialRevision,
    lastSavedAt: header.lastSaved ? new Date(header.lastSaved.at) : null,
    readOnly,
    save: (baseRevision, draft) =>
      trpcClient.flows.saveDraft.mutate({ flowKey, baseRevision, draft: draft as unknown as Record<string, unknown> }),
    loadLatest: () => trpcClient.flows.get.query({ flowKey }),
    apply: (next) => history.set(keepSelection(next, docRef.current)),
  });
  const copy = useSaveAsCopy({ flowKey, draft: () => compileState(docRef.current).flow, autosave, showToast });
  // The save alert: shown under the top bar and repeated inside the full-screen mapper, which covers it.
  const saveAlert = (
    <SaveAlert
      autosave={autosave}
      readOnly={readOnly}
      copying={copy.busy}
      onOpenMerge={() => setMergeOpen(true)}
      onCopy={() => void copy.save()}
      onDownload={() => downloadJson(`${flowKey}-my-draft.weft.json`, compileState(docRef.current).flow)}
      onRestore={() => void autosave.restore().then((overlaps) => overlaps && setMergeOpen(true))}
    />
  );

  // Nodes whose identity changes only when settings or nesting change (not on drag frames or selection):
  // scope, autocomplete and the inspector depend on these, so dragging does not recompute them.
  const structRef = useRef(doc.nodes);
  if (!sameStructure(structRef.current, doc.nodes)) structRef.current = doc.nodes;
  const structNodes = structRef.current;
  const selectedList = doc.nodes.filter((n) => n.selected);
  const selectedId = selectedList.length === 1 ? selectedList[0]!.id : null;
  const selectedNode = useMemo(
    () => (selectedId ? (structNodes.find((n) => n.id === selectedId) ?? null) : null),
    [selectedId, structNodes],
  );
  const triggerNode = structNodes.find((n) => n.id === TRIGGER_NODE_ID);
  const { scope, sources, target, triggerSchema } = useScope({
    nodes: structNodes,
    edges: doc.edges,
    selected: selectedNode,
    samples,
    events: catalog.events,
    connections: catalog.connections,
    connectors,
    readOnly,
  });

  // ---------------------------------------------------------------------------------------------
  // Editing (each edit is a pure function of the document, one history entry)
  const setEdge = useCallback(
    (source: string, handle: string, target: string | null) => edit((s) => connect(s, source, handle, target)),
    [edit],
  );
  const onConnect = useCallback(
    (c: Connection) => c.source !== c.target && setEdge(c.source, c.sourceHandle ?? "next", c.target),
    [setEdge],
  );
  const reveal = useRevealAdded(doc);
  const addItem = useCallback(
    (item: PaletteItem, at?: { x: number; y: number }, onEdge?: string) => {
      if (readOnly) return;
      if (item.kind === "trigger") return edit((s) => setTrigger(s, item.trigger));
      edit((s) => {
        const added = addStep(s, item.step, catalog.connections, {
          ...(at ? { at } : {}),
          ...(onEdge ? { onEdge } : {}),
        });
        // Added without a point (keyboard, command menu, palette click): scrolled into view if off-screen.
        const node = !at ? added.state.nodes.find((n) => n.id === added.id) : undefined;
        if (node) reveal.current = absolutePosition(added.state.nodes, node);
        return added.state;
      });
    },
    [edit, catalog.connections, readOnly, reveal],
  );
  const onDropItem = useCallback(
    (id: string, at: { x: number; y: number }, onEdge: string | undefined) => {
      const item = items.find((i) => i.id === id);
      if (item) addItem(item, at, onEdge);
    },
    [items, addItem],
  );
  const clipboard = useClipboard({ docRef, edit, readOnly, showToast });
  const fitAll = useCallback(() => rf.fitView(fitOptions(docRef.current.nodes.length)), [rf]);
  const autoLayout = useCallback(async () => {
    if (readOnly) return;
    const laid = await layoutGraph(toCanvasGraph(docRef.current));
    edit((s) => applyLayout(s, laid.nodes));
    setTimeout(() => void fitAll(), 50);
  }, [edit, readOnly, fitAll]);
  const changeNodeData = useCallback(
    (id: string, data: CanvasNodeData, field: string) =>
      edit((s) => setNodeData(s, id, data), { coalesce: `${id}:${field}` }),
    [edit],
  );
  const changeMeta = useCallback(
    (meta: FlowMeta, field: string) => edit((s) => setMeta(s, meta), { coalesce: `meta:${field}` }),
    [edit],
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
      if (id && docRef.current.nodes.some((x) => x.id === id))
        void rf.fitView({ nodes: [{ id }], duration: 300, maxZoom: 1.2 });
      setTab("inspect");
      const field = fieldOfProblem(validation.flow, p);
      setFocus({ field: field ?? "", nonce: Date.now() });
    },
    [edit, rf, validation.flow],
  );

  // ---------------------------------------------------------------------------------------------
  // Keyboard and the command menu: one list of actions
  const actions: EditorActions = useMemo(
    () => ({
      undo: history.undo,
      redo: history.redo,
      copy: () => void clipboard.copy(),
      paste: () => void clipboard.paste(),
      selectAll: () => edit(selectAll, { transient: true }),
      clearSelection: () => edit((s) => selectOnly(s, null), { transient: true }),
      deleteSelection: () => !readOnly && edit(deleteSelection),
      autoLayout: () => void autoLayout(),
      fitAll: () => void fitAll(),
      importFile: () => fileInput.current?.click(),
      openMenu: () => setMenuOpen(true),
      openShortcuts: () => setSheetOpen(true),
      openTest: () => setTestOpen(true),
      goTo: (id) => {
        edit((s) => selectOnly(s, id), { transient: true });
        void rf.fitView({ nodes: [{ id }], duration: 300, maxZoom: 1 });
        setTab("inspect");
      },
    }),
    [history.undo, history.redo, clipboard, edit, readOnly, autoLayout, fitAll, rf],
  );
  const goToTargets = useMemo(
    () =>
      doc.nodes.map((n) => ({
        id: n.id,
        trigger: n.data.kind === "trigger",
        name: n.data.kind === "step" ? n.data.step.name : undefined,
      })),
    [doc.nodes],
  );
  const commands = useShortcuts(actions, menuOpen || sheetOpen || testOpen, goToTargets);

  // ---------------------------------------------------------------------------------------------
  // What the inspector and the test-run dialog show
  // The connections a live test run would really call (named, with their hosts, before it starts).
  const liveConnections = useMemo((): LiveConnection[] => {
    const used = new Set<string>();
    for (const n of structNodes)
      if (n.data.kind === "step" && n.data.step.type === "call" && n.data.step.connection)
        used.add(n.data.step.connection);
    return [...used].sort().map((key) => {
      const c = catalog.connections.find((x) => x.key === key);
      return { key, name: c?.name ?? "unknown connection", host: c?.host ?? null };
    });
  }, [structNodes, catalog.connections]);
  const { nodeProblems, fieldProblems } = useProblemsAt(validation, selectedNode?.id ?? null);
  const run = test.run;
  const selectedRun =
    selectedNode && run
      ? selectedNode.id === TRIGGER_NODE_ID
        ? {
            status: run.status,
            durationMs: run.durationMs,
            attempts: 1,
            input: run.input,
            output: null,
            error: run.error,
          }
        : run.steps.get(selectedNode.id)
      : undefined;
  const selectedSample = selectedNode ? samples[selectedNode.id] : undefined;

  return (
    <SaveAlertContext.Provider value={saveAlert}>
      <DecorationContext.Provider value={decorations}>
        <div className="flex h-screen flex-col" data-testid="designer" data-ready="true">
          <EditorToolbar
            flowKey={flowKey}
            header={header}
            name={doc.meta.name}
            revision={autosave.revision}
            saveState={autosave.state}
            readOnly={readOnly}
            readOnlyReason={readOnlyReason}
            canUndo={history.canUndo}
            canRedo={history.canRedo}
            testPending={test.pending}
            actions={actions}
            fileInput={fileInput}
            onImportText={(text) => void clipboard.pasteText(text)}
          />
          {readOnly && readOnlyReason && (
            <p
              role="note"
              data-testid="read-only-reason"
              className="border-b border-amber-200 bg-amber-50 px-4 py-1.5 text-xs text-amber-900"
            >
              Read only — {readOnlyReason}
            </p>
          )}
          {saveAlert}
          {(test.run || test.error) && <RunBar run={test.run} error={test.error} onClear={test.clear} />}
          <div className="flex min-h-0 flex-1">
            <Palette items={items} onAdd={(i) => addItem(i)} readOnly={readOnly} />
            <div className="flex min-w-0 flex-1 flex-col">
              <EditorCanvas
                history={history}
                readOnly={readOnly}
                toast={toast}
                onConnect={onConnect}
                onDropItem={onDropItem}
                onDropFile={(text) => void clipboard.pasteText(text)}
              />
              <ProblemsPanel
                problems={validation.problems}
                onPick={pickProblem}
                open={problemsOpen}
                onToggle={() => setProblemsOpen((o) => !o)}
              />
            </div>
            <SidePanel
              tab={tab}
              onTab={setTab}
              inspector={{
                node: selectedNode,
                meta: doc.meta,
                nodes: structNodes,
                edges: doc.edges,
                connections: catalog.connections,
                flows: catalog.flows,
                events: catalog.events,
                scope,
                mapperSources: sources,
                ...(target ? { mapperTarget: target } : {}),
                problems: nodeProblems,
                fieldProblems,
                readOnly,
                ...(focus ? { focus } : {}),
                ...(selectedRun ? { run: selectedRun } : {}),
                ...(selectedSample ? { sample: selectedSample } : {}),
                onChange: changeNodeData,
                onChangeMeta: changeMeta,
                onSetEdge: setEdge,
                onPin: pinSample,
              }}
              versions={{
                flowKey,
                draft: validation.flow,
                draftRevision: autosave.revision,
                hasErrors: errorCount > 0,
                onRestored: onReload,
              }}
            />
          </div>
        </div>
        <CommandMenu
          open={menuOpen}
          onClose={() => setMenuOpen(false)}
          items={items}
          commands={commands}
          onAdd={(i) => addItem(i)}
        />
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
          {...(triggerNode?.data.kind === "trigger" && triggerNode.data.trigger.type === "event"
            ? { eventSchema: triggerSchema as JsonSchemaObject | undefined }
            : {})}
          initial={samples[TRIGGER_NODE_ID]?.payload}
          pinnedSource={samples[TRIGGER_NODE_ID]?.source ?? null}
          connections={liveConnections}
          onRun={startTest}
        />
      </DecorationContext.Provider>
    </SaveAlertContext.Provider>
  );
}

/** A message over the canvas for a few seconds (a newer one replaces it). */
function useToast() {
  const [toast, setToast] = useState<string | null>(null);
  const showToast = useCallback((m: string) => {
    setToast(m);
    setTimeout(() => setToast((t) => (t === m ? null : t)), 3500);
  }, []);
  return { toast, showToast };
}

function downloadJson(name: string, value: unknown) {
  const url = URL.createObjectURL(new Blob([JSON.stringify(value, null, 2)], { type: "application/json" }));
  const a = document.createElement("a");
  a.href = url;
  a.download = name;
  a.click();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}
