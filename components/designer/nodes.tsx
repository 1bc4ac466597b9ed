"use client";
// Canvas node components. Memoised, subscribed only to their own decoration (problems, run status) and to
// one boolean of the viewport (low zoom), so that panning a 2,000-node flow re-renders nothing and zooming
// out swaps every card for a plain block once.
import { Handle, useStore, type NodeProps, type ReactFlowState } from "@xyflow/react";
import { clsx } from "clsx";
import { memo } from "react";
import type { CanvasNodeData, Catalog, StepConfig, Trigger } from "@/core/dsl";
import { lookOf } from "./catalog";
import { useConnectorCatalog } from "./catalog-context";
import { useDecoration, type NodeDecoration } from "./decorations";
import { handleBounds, handleStyle, stepHandleSpecs, TRIGGER_HANDLES, type HandleSpec } from "./geometry";
import { NODE_H, NODE_W, type DNode } from "./model";

/** Flows with more nodes than this become an overview when zoomed out; smaller ones always keep their labels. */
export const OVERVIEW_MIN_NODES = 150;
/** Below this zoom a large flow's cards are drawn as plain blocks and the canvas as an overview. */
export const OVERVIEW_ZOOM = 0.45;
/** "Zoom to fit" never goes below this for a flow drawn with labels: past it card text is unreadable. */
export const READABLE_ZOOM = 0.6;
export const lowZoom = (s: ReactFlowState) => s.transform[2] < OVERVIEW_ZOOM && s.nodes.length > OVERVIEW_MIN_NODES;
/** Options of every "zoom to fit" (toolbar, Shift 1, the zoom controls, after Layout, on opening). */
export function fitOptions(
  nodeCount: number,
  duration = 300,
): { padding: number; maxZoom: number; minZoom?: number; duration: number } {
  return {
    padding: 0.15,
    maxZoom: 1,
    duration,
    ...(nodeCount <= OVERVIEW_MIN_NODES ? { minZoom: READABLE_ZOOM } : {}),
  };
}

export function SystemIcon({ look, size = 32 }: { look: string; size?: number }) {
  const l = lookOf(look);
  return (
    <span
      aria-hidden
      className="grid shrink-0 place-items-center rounded-md text-[11px] font-bold"
      style={{ width: size, height: size, background: l.bg, color: l.fg, fontSize: size < 28 ? 10 : 12 }}
    >
      {l.mono}
    </span>
  );
}

export function stepLook(step: StepConfig): string {
  return step.type === "call" ? step.connector : step.type;
}

export function stepTitle(id: string, step: StepConfig, catalog: Catalog): { title: string; subtitle: string } {
  if (step.type === "call") {
    const c = catalog.connectors[step.connector];
    const op = c?.operations[step.operation];
    return { title: step.name || id, subtitle: `${c?.name ?? step.connector} · ${op?.name ?? step.operation}` };
  }
  const detail: Record<string, string> = {
    map: "Map data",
    switch: `Switch · ${step.type === "switch" ? step.cases.length : 0} case(s)`,
    foreach: step.type === "foreach" ? `For each · ${step.items}` : "",
    parallel: step.type === "parallel" ? `Parallel · join ${step.join}` : "",
    wait: step.type === "wait" ? `Wait ${step.duration ?? step.until ?? ""}` : "",
    emit: step.type === "emit" ? `Emit ${step.event}` : "",
    subflow: step.type === "subflow" ? `Subflow ${step.flow}@${step.version}` : "",
    fail: step.type === "fail" ? `Fail · ${step.code}` : "",
    approval:
      step.type === "approval"
        ? `Approval · ${step.assignee.user ?? step.assignee.team ?? step.assignee.role ?? "nobody"}${step.due ? ` · due ${step.due}` : ""}`
        : "",
  };
  if (step.type === "reconcile") {
    const sides = (step.definition as { sides?: Array<{ name?: unknown }> }).sides;
    const names = Array.isArray(sides) ? sides.map((x) => String(x?.name ?? "?")).join(" ↔ ") : "";
    return { title: step.name || id, subtitle: `Reconcile${names ? ` · ${names}` : ""}` };
  }
  return { title: step.name || id, subtitle: detail[step.type] ?? step.type };
}

export function triggerTitle(t: Trigger): { title: string; subtitle: string; look: string } {
  switch (t.type) {
    case "event":
      return { title: `When ${t.event}`, subtitle: `Event trigger · v${t.version ?? 1}`, look: "event" };
    case "schedule":
      return { title: "On schedule", subtitle: `${t.cron} (${t.timezone})`, look: "schedule" };
    case "webhook":
      return { title: "Webhook received", subtitle: `Signed with ${t.secret}`, look: "webhook" };
    case "poll":
      return {
        title: "When records change",
        subtitle: `Polls ${t.connector}.${t.operation} every ${t.interval}`,
        look: t.connector,
      };
    default:
      return { title: "Manual start", subtitle: "Operator or test run", look: "manual" };
  }
}

const RUN_RING: Record<string, string> = {
  succeeded: "ring-2 ring-emerald-500",
  failed: "ring-2 ring-red-500",
  running: "ring-2 ring-brand-500 animate-pulse",
  waiting: "ring-2 ring-amber-400",
  compensated: "ring-2 ring-amber-500",
  skipped: "opacity-60",
};

function Badges({ d }: { d: NodeDecoration }) {
  return (
    <div className="absolute -top-2.5 right-2 flex gap-1">
      {d.errors > 0 && (
        <span
          data-testid="node-error-badge"
          title={d.firstMessage}
          className="rounded-full bg-red-600 px-1.5 text-[10px] font-semibold leading-4 text-white shadow"
        >
          {d.errors} {d.errors === 1 ? "error" : "errors"}
        </span>
      )}
      {d.errors === 0 && d.warnings > 0 && (
        <span
          title={d.firstMessage}
          className="rounded-full bg-amber-400 px-1.5 text-[10px] font-semibold leading-4 text-amber-950 shadow"
        >
          {d.warnings} warning{d.warnings === 1 ? "" : "s"}
        </span>
      )}
      {d.run && (
        <span
          data-testid="node-run-status"
          data-status={d.run.status}
          className={clsx(
            "rounded-full px-1.5 text-[10px] font-semibold leading-4 shadow",
            d.run.status === "succeeded"
              ? "bg-emerald-600 text-white"
              : d.run.status === "failed"
                ? "bg-red-600 text-white"
                : "bg-brand-600 text-white",
          )}
        >
          {d.run.status}
          {d.run.durationMs !== null
            ? ` · ${d.run.durationMs < 1000 ? `${d.run.durationMs} ms` : `${(d.run.durationMs / 1000).toFixed(1)} s`}`
            : ""}
        </span>
      )}
    </div>
  );
}

const handleCls = "!h-2.5 !w-2.5 !border-2 !border-white";

function Card({
  id,
  look,
  title,
  subtitle,
  selected,
  d,
  handles,
  children,
  testType,
}: {
  id: string;
  look: string;
  title: string;
  subtitle: string;
  selected: boolean;
  d: NodeDecoration;
  handles: readonly HandleSpec[];
  children?: React.ReactNode;
  testType: string;
}) {
  const low = useStore(lowZoom);
  if (low)
    return (
      <div
        className={clsx(
          "h-[72px] w-[220px] rounded-lg border-2",
          d.errors ? "border-red-500" : selected ? "border-brand-600" : "border-slate-300",
        )}
        style={{ background: lookOf(look).bg }}
      >
        <HandleMarks specs={handles} />
      </div>
    );
  return (
    <div
      data-testid="canvas-node"
      data-node-id={id}
      data-node-type={testType}
      className={clsx(
        "relative flex h-[72px] w-[220px] items-center gap-3 rounded-lg border bg-white px-3 shadow-sm transition-shadow",
        selected
          ? "border-brand-600 shadow-md ring-2 ring-brand-200"
          : d.errors
            ? "border-red-400"
            : "border-slate-200 hover:shadow",
        d.run && RUN_RING[d.run.status],
      )}
    >
      <SystemIcon look={look} />
      <div className="min-w-0">
        <p className="truncate text-sm font-semibold text-slate-900">{title}</p>
        <p className="truncate text-xs text-slate-500">{subtitle}</p>
        <p className="truncate font-mono text-[10px] text-slate-400">{id}</p>
      </div>
      <Badges d={d} />
      {children}
      <Handles specs={handles} />
    </div>
  );
}

export const TriggerNode = memo(function TriggerNode({ id, data, selected }: NodeProps<DNode>) {
  const d = useDecoration(id);
  const t = data.kind === "trigger" ? triggerTitle(data.trigger) : { title: "Trigger", subtitle: "", look: "manual" };
  return (
    <Card
      id={id}
      look={t.look}
      title={t.title}
      subtitle={t.subtitle}
      selected={!!selected}
      d={d}
      handles={TRIGGER_HANDLES}
      testType="trigger"
    >
      <span className="absolute -left-2 top-1/2 -translate-y-1/2 rounded bg-slate-900 px-1 text-[9px] font-semibold uppercase text-white">
        Start
      </span>
    </Card>
  );
});

function Handles({ specs }: { specs: readonly HandleSpec[] }) {
  return (
    <>
      {specs.map((h) => (
        <Handle
          key={h.id ?? "in"}
          type={h.type}
          {...(h.id !== null ? { id: h.id } : {})}
          position={h.position}
          title={h.title}
          style={handleStyle(h)}
          className={clsx(handleCls, h.tone)}
        />
      ))}
    </>
  );
}

/**
 * At low zoom, invisible stand-ins where the handles are (computed, geometry.ts) instead of React Flow's
 * handles: too small to connect at this zoom, and no store subscription per handle while panning. React
 * Flow measures every node it mounts and reads handles from the DOM (`.source`/`.target`), so the
 * stand-ins carry the same classes and data attributes.
 */
function HandleMarks({ specs }: { specs: readonly HandleSpec[] }) {
  return (
    <>
      {handleBounds(specs, NODE_W, NODE_H, 1).map((b) => (
        <span
          key={b.id ?? "in"}
          aria-hidden
          className={clsx("pointer-events-none invisible absolute", b.type)}
          data-handleid={b.id ?? undefined}
          data-handlepos={b.position}
          style={{ left: b.x, top: b.y, width: b.width, height: b.height }}
        />
      ))}
    </>
  );
}

export const StepNode = memo(function StepNode({ id, data, selected }: NodeProps<DNode>) {
  const d = useDecoration(id);
  const catalog = useConnectorCatalog();
  if (data.kind !== "step") return null;
  const { title, subtitle } = stepTitle(id, data.step, catalog);
  return (
    <Card
      id={id}
      look={stepLook(data.step)}
      title={title}
      subtitle={subtitle}
      selected={!!selected}
      d={d}
      handles={stepHandleSpecs(data.step)}
      testType={data.step.type === "call" ? `call:${data.step.connector}` : data.step.type}
    />
  );
});

export const ContainerNode = memo(function ContainerNode({ id, data, selected }: NodeProps<DNode>) {
  const d = useDecoration(id);
  const catalog = useConnectorCatalog();
  if (data.kind !== "step") return null;
  const step = data.step;
  const { title, subtitle } = stepTitle(id, step, catalog);
  return (
    <div
      data-testid="canvas-node"
      data-node-id={id}
      data-node-type={step.type}
      className={clsx(
        "relative h-full w-full rounded-xl border-2 border-dashed bg-slate-50/60",
        selected ? "border-brand-500" : d.errors ? "border-red-400" : "border-slate-300",
      )}
    >
      <div className="flex items-center gap-2 border-b border-dashed border-slate-200 px-3 py-2">
        <SystemIcon look={step.type} size={24} />
        <div className="min-w-0">
          <p className="truncate text-xs font-semibold text-slate-800">{title}</p>
          <p className="truncate text-[10px] text-slate-500">{subtitle}</p>
        </div>
      </div>
      <Badges d={d} />
      <Handles specs={stepHandleSpecs(step)} />
    </div>
  );
});

export const NODE_TYPES = {
  trigger: TriggerNode,
  call: StepNode,
  map: StepNode,
  switch: StepNode,
  wait: StepNode,
  emit: StepNode,
  subflow: StepNode,
  fail: StepNode,
  reconcile: StepNode,
  approval: StepNode,
  foreach: ContainerNode,
  parallel: ContainerNode,
};

export type { CanvasNodeData };
