"use client";
// The inspector: settings of the selected node (or of the flow when nothing is selected), generated from
// JSON Schemas — the DSL's own step/trigger schemas and the connector operation's input schema — plus the
// connection picker, error handling (retry, timeout, idempotency, catch routes, compensation) and, after a
// test run, the node's input, output and error with "pin as sample".
import { z } from "zod";
import { clsx } from "clsx";
import { useEffect, useMemo, useRef, useState } from "react";
import {
  checkTriggerInput,
  defaultWebhookSecret,
  ShallowFlowSchema,
  triggerSampleSkeleton,
  TriggerSchema,
  type CanvasNodeData,
  type FlowMeta,
  type Mapping,
  type Problem,
  type StepConfig,
  type Trigger,
} from "@/core/dsl";
import { jsonSchemaOf, lookOf, operationOf, stepSettingsSchema, type EventInfo } from "../catalog";
import { useConnectorCatalog } from "../catalog-context";
import { ExpressionField, type ExprScope } from "../expression-field";
import type { JsonSchema, MapperSource } from "../mapper/types";
import { SystemIcon, stepTitle, triggerTitle } from "../nodes";
import { mapOutputRef, type DEdge, type DNode } from "../model";
import { exitsOf } from "../connect";
import { nodeLabel } from "../geometry";
import { MappingEditor } from "./mapping-editor";
import { FieldShell, inputLeaves, JsonTextArea, SchemaFields, type FieldProblems } from "./schema-form";
import { MapStepEditor } from "./map-step";
import { SIMULATED_LABEL } from "@/components/runs/format";
import { WebhookSetup } from "./webhook-setup";
import { defaultPollTrigger, PollSource } from "./poll-trigger";
import { triggerFieldScope } from "../trigger-field-scope";
import { BusinessEventsEditor } from "./business-events";
import { ReconcileStepEditor } from "./reconcile-step";

export interface StepRunView {
  status: string;
  durationMs: number | null;
  attempts: number;
  input: unknown;
  output: unknown;
  error: unknown;
  /** A dry test run did not send this step: how its output was obtained. */
  simulated?: string | null;
  /** A dry test run's business events of this step: what a real run would record. */
  businessEvents?: unknown[] | null;
}

export interface InspectorProps {
  node: DNode | null;
  meta: FlowMeta;
  nodes: readonly DNode[];
  edges: readonly DEdge[];
  connections: ReadonlyArray<{ key: string; name: string; connectorKey: string }>;
  /** Published flows (a reconcile step's re-sync picks one). */
  flows?: ReadonlyArray<{ key: string; name: string }>;
  events: readonly EventInfo[];
  scope: ExprScope;
  mapperSources: MapperSource[];
  mapperTarget?: { label: string; schema: JsonSchema };
  problems: readonly Problem[];
  fieldProblems: FieldProblems;
  readOnly: boolean;
  focus?: { field: string; nonce: number };
  run?: StepRunView;
  sample?: { payload: unknown; source: string };
  onChange(id: string, data: CanvasNodeData, field: string): void;
  onChangeMeta(meta: FlowMeta, field: string): void;
  onSetEdge(source: string, handle: string, target: string | null): void;
  onPin(nodeId: string, payload: unknown, source: "manual" | "test-run"): void;
}

const STRUCTURAL = ["id", "type", "next", "compensate", "catch", "default", "body", "branches", "cases", "routes"];
const POLICY = ["retry", "timeout", "idempotencyKey", "concurrencyKey"];
const SHOWN_ELSEWHERE = ["name", "description", "connector", "operation", "connection", "input", "business"];
const OMIT_SETTINGS = new Set([...STRUCTURAL, ...POLICY, ...SHOWN_ELSEWHERE]);

export function Inspector(p: InspectorProps) {
  const root = useRef<HTMLDivElement>(null);
  // Focus the field a problem points at (the problems panel sets `focus`).
  useEffect(() => {
    if (!p.focus || !root.current) return;
    const sel = `[data-field="${CSS.escape(p.focus.field)}"]`;
    const el = (root.current.querySelector(sel) ??
      root.current.querySelector(`[data-field^="${CSS.escape(p.focus.field.split(".")[0]!)}"]`)) as HTMLElement | null;
    if (el) {
      el.scrollIntoView({ block: "center" });
      el.focus();
      el.classList.add("weft-flash");
      setTimeout(() => el.classList.remove("weft-flash"), 1200);
    }
  }, [p.focus]);

  return (
    <div ref={root} className="flex h-full flex-col" data-testid="inspector">
      {!p.node ? (
        <FlowSettings {...p} />
      ) : p.node.data.kind === "trigger" ? (
        <TriggerInspector {...p} node={p.node} />
      ) : (
        <StepInspector {...p} node={p.node} />
      )}
    </div>
  );
}

function Header({ look, title, subtitle, id }: { look: string; title: string; subtitle: string; id?: string }) {
  return (
    <div className="flex items-center gap-3 border-b border-slate-200 px-4 py-3">
      <SystemIcon look={look} size={36} />
      <div className="min-w-0">
        <h2 className="truncate text-sm font-semibold text-slate-900">{title}</h2>
        <p className="truncate text-xs text-slate-500">{subtitle}</p>
        {id && <p className="font-mono text-[10px] text-slate-400">id: {id}</p>}
      </div>
    </div>
  );
}

export function Section({
  title,
  children,
  defaultOpen = true,
  testId,
}: {
  title: string;
  children: React.ReactNode;
  defaultOpen?: boolean;
  testId?: string;
}) {
  return (
    <details open={defaultOpen} className="group border-b border-slate-200" data-testid={testId}>
      <summary className="flex cursor-pointer select-none items-center justify-between px-4 py-2 text-xs font-semibold uppercase tracking-wide text-slate-500 hover:bg-slate-50">
        {title}
        <span className="transition-transform group-open:rotate-90">›</span>
      </summary>
      <div className="space-y-3 px-4 pb-4 pt-1">{children}</div>
    </details>
  );
}

function ProblemList({ problems }: { problems: readonly Problem[] }) {
  if (!problems.length) return null;
  return (
    <ul className="space-y-1 border-b border-red-100 bg-red-50 px-4 py-2" aria-label="Problems of this node">
      {problems.map((pr, i) => (
        <li key={i} className={clsx("text-xs", pr.severity === "error" ? "text-red-800" : "text-amber-800")}>
          <span className="font-semibold">{pr.severity === "error" ? "Error" : "Warning"}:</span> {pr.message}
        </li>
      ))}
    </ul>
  );
}

function StepInspector(p: InspectorProps & { node: DNode }) {
  const data = p.node.data as Extract<CanvasNodeData, { kind: "step" }>;
  const step = data.step;
  const id = p.node.id;
  const { title, subtitle } = stepTitle(id, step, useConnectorCatalog());
  const setStep = (next: StepConfig, field: string) => p.onChange(id, { ...data, step: next }, field);
  const settingsSchema = useMemo(() => stepSettingsSchema(step.type), [step.type]);
  const asRecord = step as unknown as Record<string, unknown>;

  return (
    <div className="min-h-0 flex-1 overflow-y-auto">
      <Header look={step.type === "call" ? step.connector : step.type} title={title} subtitle={subtitle} id={id} />
      <ProblemList problems={p.problems} />
      <Section title="General">
        <FieldShell label="Name" htmlFor="f-name">
          <input
            id="f-name"
            data-field="name"
            disabled={p.readOnly}
            className="block w-full rounded-md border border-slate-300 px-2 py-1.5 text-sm"
            value={step.name ?? ""}
            placeholder={id}
            onChange={(e) => setStep({ ...step, name: e.target.value || undefined } as StepConfig, "name")}
          />
        </FieldShell>
        <FieldShell label="Description" htmlFor="f-description">
          <textarea
            id="f-description"
            data-field="description"
            disabled={p.readOnly}
            rows={2}
            className="block w-full rounded-md border border-slate-300 px-2 py-1.5 text-sm"
            value={step.description ?? ""}
            onChange={(e) =>
              setStep({ ...step, description: e.target.value || undefined } as StepConfig, "description")
            }
          />
        </FieldShell>
      </Section>
      <ConnectionsSection {...p} />
      {step.type === "call" && <CallSettings {...p} step={step} setStep={setStep} />}
      {step.type === "map" && (
        <Section title="Mapping" testId="mapping-section">
          <MapStepEditor
            value={step.output}
            onChange={(v) => setStep({ ...step, output: v }, "output")}
            sources={p.mapperSources}
            target={p.mapperTarget}
            readOnly={p.readOnly}
            scope={p.scope}
          />
          {p.fieldProblems.get("output") && <p className="text-xs text-red-700">{p.fieldProblems.get("output")}</p>}
        </Section>
      )}
      {step.type === "switch" && <CasesEditor {...p} step={step} setStep={setStep} />}
      {step.type === "reconcile" && (
        <ReconcileStepEditor
          step={step}
          setStep={setStep}
          scope={p.scope}
          problems={p.fieldProblems}
          readOnly={p.readOnly}
          connections={p.connections}
          flows={p.flows ?? []}
          runOutput={p.run?.output}
          Section={Section}
        />
      )}
      {step.type !== "map" && step.type !== "call" && step.type !== "reconcile" && (
        <Section title="Settings">
          <SchemaFields
            schema={settingsSchema}
            value={asRecord}
            omit={OMIT_SETTINGS}
            onChange={(v, f) => setStep(v as unknown as StepConfig, f)}
            scope={p.scope}
            problems={p.fieldProblems}
            readOnly={p.readOnly}
            renderMapping={(key, value, onChange, field, keys) => (
              <MappingEditor
                value={value}
                onChange={onChange}
                scope={p.scope}
                field={field}
                readOnly={p.readOnly}
                keys={keys}
              />
            )}
          />
          {step.type === "parallel" && (
            <FieldShell
              label="Branches"
              description="Connect each branch handle (top of the box) to the branch's first step."
            >
              <input
                data-field="branches"
                disabled={p.readOnly}
                className="block w-full rounded-md border border-slate-300 px-2 py-1.5 text-sm"
                value={step.branches.map((b) => b.name).join(", ")}
                onChange={(e) =>
                  setStep(
                    {
                      ...step,
                      branches: e.target.value
                        .split(",")
                        .map((x) => ({ name: x.trim() }))
                        .filter((b) => b.name),
                    },
                    "branches",
                  )
                }
              />
            </FieldShell>
          )}
        </Section>
      )}
      {(step.type === "call" || step.type === "map" || step.type === "emit") && (
        <Section title="Business events" defaultOpen={!!step.business?.length} testId="business-events-section">
          <BusinessEventsEditor
            value={step.business}
            onChange={(v, f) => setStep({ ...step, business: v } as StepConfig, f)}
            scope={p.scope}
            problems={p.fieldProblems}
            readOnly={p.readOnly}
          />
        </Section>
      )}
      {step.type !== "fail" && <ErrorHandling {...p} step={step} setStep={setStep} settingsSchema={settingsSchema} />}
      <RunSection {...p} />
    </div>
  );
}

function CallSettings(
  p: InspectorProps & {
    node: DNode;
    step: Extract<StepConfig, { type: "call" }>;
    setStep(s: StepConfig, f: string): void;
  },
) {
  const { step, setStep } = p;
  const catalog = useConnectorCatalog();
  const connector = catalog.connectors[step.connector];
  const op = operationOf(catalog, step.connector, step.operation);
  const inputSchema = useMemo(() => (op ? jsonSchemaOf(op.input) : undefined), [op]);
  const leaves = useMemo(() => (inputSchema ? inputLeaves(inputSchema) : []), [inputSchema]);
  const conns = p.connections.filter((c) => c.connectorKey === step.connector);
  const input = step.input;
  const fields = input && typeof input === "object" ? (input as Record<string, string>) : {};
  // `$steps.<map>.output` of a map step: the mapper builds this input (model.ts wireMapInputs).
  const builtBy =
    typeof input === "string"
      ? p.nodes.find((n) => n.data.kind === "step" && n.data.step.type === "map" && input.trim() === mapOutputRef(n.id))
          ?.id
      : undefined;
  const setInput = (path: string, v: string) => {
    const next = { ...fields };
    if (v.trim() === "") delete next[path];
    else next[path] = v;
    setStep({ ...step, input: next }, `input.${path}`);
  };
  return (
    <>
      <Section title="Operation">
        <FieldShell label="Operation" htmlFor="f-operation" description={op?.description}>
          <select
            id="f-operation"
            data-field="operation"
            disabled={p.readOnly}
            className="block w-full rounded-md border border-slate-300 px-2 py-1.5 text-sm"
            value={step.operation}
            onChange={(e) => setStep({ ...step, operation: e.target.value, input: {} }, "operation")}
          >
            {!op && <option value={step.operation}>{step.operation} (unknown)</option>}
            {Object.values(connector?.operations ?? {})
              .filter((o) => o.kind === "action")
              .map((o) => (
                <option key={o.key} value={o.key}>
                  {o.name}
                </option>
              ))}
          </select>
        </FieldShell>
        <FieldShell
          label="Connection"
          required
          htmlFor="f-connection"
          error={p.fieldProblems.get("connection")}
          description={
            conns.length
              ? `Credentials and base URL for ${lookOf(step.connector).label}.`
              : `No ${lookOf(step.connector).label} connection exists yet: an admin adds one under Settings → Connections.`
          }
        >
          <select
            id="f-connection"
            data-field="connection"
            disabled={p.readOnly}
            className={clsx(
              "block w-full rounded-md border px-2 py-1.5 text-sm",
              p.fieldProblems.get("connection") ? "border-red-400" : "border-slate-300",
            )}
            value={step.connection}
            onChange={(e) => setStep({ ...step, connection: e.target.value }, "connection")}
          >
            <option value="">Choose a connection…</option>
            {conns.map((c) => (
              <option key={c.key} value={c.key}>
                {c.name} ({c.key})
              </option>
            ))}
            {step.connection && !conns.some((c) => c.key === step.connection) && (
              <option value={step.connection}>{step.connection} (not found)</option>
            )}
          </select>
        </FieldShell>
      </Section>
      <Section title="Input" testId="input-section">
        {typeof input === "string" ? (
          <>
            {builtBy && (
              <p data-testid="input-built-by" className="rounded-md bg-brand-50 px-2 py-1 text-[11px] text-brand-800">
                Built by map step <span className="font-mono">{builtBy}</span>: its fields are this call&apos;s input.
              </p>
            )}
            <ExpressionField
              value={input}
              onChange={(v) => setStep({ ...step, input: v }, "input")}
              scope={p.scope}
              ariaLabel="Whole input"
              field="input"
              multiline
              readOnly={p.readOnly}
            />
            <button
              type="button"
              className="text-xs text-brand-700 hover:underline"
              onClick={() => setStep({ ...step, input: {} }, "input")}
            >
              Edit field by field
            </button>
          </>
        ) : (
          <>
            {leaves.length === 0 && <p className="text-xs text-slate-500">This operation takes no input.</p>}
            {leaves.map((l) => {
              const err = p.fieldProblems.get(`input.${l.path}`);
              return (
                <FieldShell
                  key={l.path}
                  label={l.path}
                  required={l.required}
                  description={[typeHint(l.schema), l.schema.description].filter(Boolean).join(" · ")}
                  error={err}
                >
                  <ExpressionField
                    value={fields[l.path] ?? ""}
                    onChange={(v) => setInput(l.path, v)}
                    scope={p.scope}
                    ariaLabel={`Input ${l.path}`}
                    field={`input.${l.path}`}
                    invalid={!!err}
                    placeholder={
                      l.schema.default !== undefined
                        ? `default ${JSON.stringify(l.schema.default)}`
                        : "JSONata, e.g. $trigger.id or 'text'"
                    }
                    readOnly={p.readOnly}
                  />
                </FieldShell>
              );
            })}
            {Object.keys(fields)
              .filter((k) => !leaves.some((l) => l.path === k))
              .map((k) => (
                <FieldShell
                  key={k}
                  label={k}
                  description="Not in the operation's schema (sub-path or extra field)"
                  error={p.fieldProblems.get(`input.${k}`)}
                >
                  <ExpressionField
                    value={fields[k] ?? ""}
                    onChange={(v) => setInput(k, v)}
                    scope={p.scope}
                    ariaLabel={`Input ${k}`}
                    field={`input.${k}`}
                    readOnly={p.readOnly}
                  />
                </FieldShell>
              ))}
            <button
              type="button"
              className="text-xs text-brand-700 hover:underline"
              onClick={() => setStep({ ...step, input: "{}" }, "input")}
            >
              Write the whole input as one expression
            </button>
          </>
        )}
      </Section>
    </>
  );
}

function typeHint(s: JsonSchema): string {
  if (s.enum) return `one of ${s.enum.map((x) => JSON.stringify(x)).join(", ")}`;
  const t = Array.isArray(s.type) ? s.type.join(" | ") : s.type;
  return t ? `${t}${s.format ? ` (${s.format})` : ""}` : "";
}

function CasesEditor(
  p: InspectorProps & {
    node: DNode;
    step: Extract<StepConfig, { type: "switch" }>;
    setStep(s: StepConfig, f: string): void;
  },
) {
  const { step, setStep } = p;
  return (
    <Section title="Cases">
      <p className="text-[11px] text-slate-500">
        The first case whose condition is true is taken; connect each case handle to its step.
      </p>
      {step.cases.map((c, i) => (
        <div key={i} className="space-y-1 rounded-md border border-slate-200 p-2">
          <div className="flex items-center gap-2">
            <input
              aria-label={`Case ${i + 1} label`}
              disabled={p.readOnly}
              className="flex-1 rounded-md border border-slate-300 px-2 py-1 text-xs"
              value={c.label ?? ""}
              placeholder={`case ${i + 1}`}
              onChange={(e) =>
                setStep(
                  {
                    ...step,
                    cases: step.cases.map((x, j) => (j === i ? { ...x, label: e.target.value || undefined } : x)),
                  } as StepConfig,
                  `cases.${i}.label`,
                )
              }
            />
            <button
              type="button"
              disabled={p.readOnly || step.cases.length <= 1}
              className="text-xs text-slate-400 hover:text-red-600"
              onClick={() => setStep({ ...step, cases: step.cases.filter((_, j) => j !== i) }, "cases")}
            >
              Remove
            </button>
          </div>
          <ExpressionField
            value={c.when}
            onChange={(v) =>
              setStep(
                { ...step, cases: step.cases.map((x, j) => (j === i ? { ...x, when: v } : x)) },
                `cases.${i}.when`,
              )
            }
            scope={p.scope}
            ariaLabel={`Case ${i + 1} condition`}
            field={`cases.${i}.when`}
            invalid={!!p.fieldProblems.get(`cases.${i}.when`)}
            readOnly={p.readOnly}
          />
        </div>
      ))}
      <button
        type="button"
        disabled={p.readOnly}
        className="text-xs font-medium text-brand-700 hover:underline"
        onClick={() =>
          setStep(
            { ...step, cases: [...step.cases, { when: "true", label: `case ${step.cases.length + 1}` }] },
            "cases",
          )
        }
      >
        + Add case
      </button>
    </Section>
  );
}

function ErrorHandling(
  p: InspectorProps & {
    node: DNode;
    step: StepConfig;
    setStep(s: StepConfig, f: string): void;
    settingsSchema: JsonSchema;
  },
) {
  const { step, setStep } = p;
  const id = p.node.id;
  const s = step as Exclude<StepConfig, { type: "fail" }>;
  const policySchema: JsonSchema = useMemo(
    () => ({
      type: "object",
      // A reconcile step edits its concurrency key with its run settings (reconcile-step.tsx).
      properties: Object.fromEntries(
        POLICY.filter((k) => !(k === "concurrencyKey" && step.type === "reconcile")).map((k) => [
          k,
          p.settingsSchema.properties?.[k] ?? {},
        ]),
      ),
    }),
    [p.settingsSchema, step.type],
  );
  const catches = s.catch ?? [];
  const edgeFrom = (h: string) => p.edges.find((e) => e.source === id && e.sourceHandle === h)?.target;
  const siblings = p.nodes.filter((n) => n.id !== id && n.data.kind === "step" && n.parentId === p.node.parentId);
  return (
    <Section title="Error handling" defaultOpen={false} testId="error-handling">
      <SchemaFields
        schema={policySchema}
        value={s as unknown as Record<string, unknown>}
        onChange={(v, f) => setStep(v as unknown as StepConfig, f)}
        scope={p.scope}
        problems={p.fieldProblems}
        readOnly={p.readOnly}
      />
      <div className="space-y-2">
        <p className="text-xs font-medium text-slate-700">Error routes (catch)</p>
        {catches.length === 0 && (
          <p className="text-[11px] text-slate-500">
            None: a failure after retries fails the run. Drag from the red handle under the node, or add one here.
          </p>
        )}
        {catches.map((c, i) => (
          <div key={i} className="space-y-1.5 rounded-md border border-red-100 bg-red-50/50 p-2">
            <div className="flex items-center gap-2">
              <input
                aria-label={`Errors of route ${i + 1}`}
                disabled={p.readOnly}
                className="w-32 rounded border border-slate-300 px-1.5 py-1 text-xs"
                value={c.errors.join(", ")}
                onChange={(e) =>
                  setStep(
                    {
                      ...s,
                      catch: catches.map((x, j) =>
                        j === i
                          ? {
                              ...x,
                              errors: e.target.value
                                .split(",")
                                .map((v) => v.trim())
                                .filter(Boolean),
                            }
                          : x,
                      ),
                    } as StepConfig,
                    `catch.${i}.errors`,
                  )
                }
              />
              <span className="text-[11px] text-slate-500">→</span>
              <select
                aria-label={`Target of route ${i + 1}`}
                disabled={p.readOnly}
                className="min-w-0 flex-1 rounded border border-slate-300 px-1 py-1 text-xs"
                value={edgeFrom(`catch-${i}`) ?? ""}
                onChange={(e) => p.onSetEdge(id, `catch-${i}`, e.target.value || null)}
              >
                <option value="">(not connected)</option>
                {siblings.map((n) => (
                  <option key={n.id} value={n.id}>
                    {n.id}
                  </option>
                ))}
              </select>
              <button
                type="button"
                disabled={p.readOnly}
                className="text-xs text-slate-400 hover:text-red-600"
                aria-label={`Remove route ${i + 1}`}
                onClick={() => setStep({ ...s, catch: catches.filter((_, j) => j !== i) } as StepConfig, "catch")}
              >
                ✕
              </button>
            </div>
            {typeof c.output === "object" ? (
              <p className="text-[11px] text-slate-500">
                Output when caught: field mappings (edit them in the JSON view).
              </p>
            ) : (
              <ExpressionField
                value={c.output ?? ""}
                onChange={(v) =>
                  setStep(
                    {
                      ...s,
                      catch: catches.map((x, j) => {
                        if (j !== i) return x;
                        const { output: _drop, ...rest } = x;
                        return v.trim() ? { ...rest, output: v } : rest;
                      }),
                    } as StepConfig,
                    `catch.${i}.output`,
                  )
                }
                scope={p.scope}
                ariaLabel={`Output of route ${i + 1} when caught`}
                placeholder={'Optional: the step’s output on this route, e.g. {"error": $error.message}'}
                field={`catch.${i}.output`}
                invalid={!!p.fieldProblems.get(`catch.${i}.output`)}
                readOnly={p.readOnly}
              />
            )}
          </div>
        ))}
        <button
          type="button"
          disabled={p.readOnly}
          className="text-xs font-medium text-brand-700 hover:underline"
          onClick={() => setStep({ ...s, catch: [...catches, { errors: ["any"] }] } as StepConfig, "catch")}
        >
          + Add error route
        </button>
      </div>
      <FieldShell
        label="Compensation"
        description="Step that undoes this one when the flow fails later (saga rollback)."
      >
        <select
          aria-label="Compensation step"
          disabled={p.readOnly}
          className="block w-full rounded-md border border-slate-300 px-2 py-1.5 text-sm"
          value={edgeFrom("compensate") ?? ""}
          onChange={(e) => p.onSetEdge(id, "compensate", e.target.value || null)}
        >
          <option value="">None</option>
          {siblings.map((n) => (
            <option key={n.id} value={n.id}>
              {n.id}
            </option>
          ))}
        </select>
      </FieldShell>
    </Section>
  );
}

/**
 * Where the run goes from this node, one picker per exit: the keyboard's (and screen reader's) way to draw
 * the canvas's arrows. Error routes and compensation are in "Error handling".
 */
function ConnectionsSection(p: InspectorProps & { node: DNode }) {
  const exits = exitsOf(p.node, p.nodes, p.edges);
  if (!exits.length) return null;
  const who = p.node.data.kind === "trigger" ? "the trigger" : p.node.id;
  return (
    <Section title="Connections" testId="connections-section">
      <p className="text-[11px] text-slate-500">
        Where the run goes next — the same as drawing an arrow on the canvas from this node&apos;s handle.
      </p>
      {exits.map((x) => (
        <FieldShell key={x.handle} label={x.label} htmlFor={`f-exit-${x.handle}`}>
          <select
            id={`f-exit-${x.handle}`}
            aria-label={`Connect ${who}: ${x.label}`}
            disabled={p.readOnly}
            className="block w-full rounded-md border border-slate-300 px-2 py-1.5 text-sm"
            value={x.target ?? ""}
            onChange={(e) => p.onSetEdge(p.node.id, x.handle, e.target.value || null)}
          >
            <option value="">(not connected)</option>
            {x.choices.map((n) => (
              <option key={n.id} value={n.id}>
                {nodeLabel(n)}
              </option>
            ))}
          </select>
          {x.choices.length === 0 && (
            <p className="mt-1 text-[11px] text-slate-500">No step to connect to here yet: add one first.</p>
          )}
        </FieldShell>
      ))}
    </Section>
  );
}

const triggerSchemas = new Map<string, JsonSchema>(
  TriggerSchema.options.map((o) => [
    String((o.shape.type as unknown as { value: string }).value),
    jsonSchemaOf(o as unknown as z.ZodType),
  ]),
);

function TriggerInspector(p: InspectorProps & { node: DNode }) {
  const data = p.node.data as Extract<CanvasNodeData, { kind: "trigger" }>;
  const t = data.trigger;
  const tt = triggerTitle(t);
  const set = (next: Trigger, field: string) => p.onChange(p.node.id, { kind: "trigger", trigger: next }, field);
  const catalog = useConnectorCatalog();
  const schema = triggerSchemas.get(t.type) ?? {};
  // A poll's fields are evaluated by the poller, each with its own `$trigger` — not the run's scope.
  const fieldScope = (field: string) => triggerFieldScope(t, field, catalog, p.sample?.payload);
  return (
    <div className="min-h-0 flex-1 overflow-y-auto">
      <Header look={t.type === "event" ? "event" : tt.look} title={tt.title} subtitle={tt.subtitle} id="trigger" />
      <ProblemList problems={p.problems} />
      <Section title="Trigger">
        <FieldShell label="Starts when" htmlFor="f-trigger-type">
          <select
            id="f-trigger-type"
            data-field="type"
            disabled={p.readOnly}
            className="block w-full rounded-md border border-slate-300 px-2 py-1.5 text-sm"
            value={t.type}
            onChange={(e) => {
              const v = e.target.value;
              set(
                v === "event"
                  ? { type: "event", event: p.events[0]?.name ?? "domain.entity.changed" }
                  : v === "schedule"
                    ? { type: "schedule", cron: "0 6 * * 1-5", timezone: "UTC" }
                    : v === "webhook"
                      ? { type: "webhook", secret: defaultWebhookSecret(p.meta.key) }
                      : v === "poll"
                        ? defaultPollTrigger(catalog, p.connections)
                        : { type: "manual" },
                "type",
              );
            }}
          >
            <option value="manual">An operator starts it (manual)</option>
            <option value="event">A domain event arrives</option>
            <option value="webhook">A webhook is called</option>
            <option value="schedule">On a schedule</option>
            <option value="poll">Records change in a system (poll)</option>
          </select>
        </FieldShell>
        {t.type === "poll" && (
          <PollSource
            trigger={t}
            connections={p.connections}
            readOnly={p.readOnly}
            problems={p.fieldProblems}
            onChange={(next, f) => set(next, f)}
          />
        )}
        {t.type === "event" && (
          <FieldShell
            label="Event"
            htmlFor="f-event"
            error={p.fieldProblems.get("event")}
            description={p.events.find((e) => e.name === t.event)?.description}
          >
            <input
              id="f-event"
              list="weft-events"
              data-field="event"
              disabled={p.readOnly}
              className="block w-full rounded-md border border-slate-300 px-2 py-1.5 text-sm"
              value={t.event}
              onChange={(e) => set({ ...t, event: e.target.value }, "event")}
            />
            <datalist id="weft-events">
              {p.events.map((e) => (
                <option key={e.name} value={e.name}>
                  {e.description}
                </option>
              ))}
            </datalist>
          </FieldShell>
        )}
        <SchemaFields
          schema={schema}
          value={t as unknown as Record<string, unknown>}
          omit={new Set(["type", "event", "connector", "connection", "operation"])}
          onChange={(v, f) => set(v as unknown as Trigger, f)}
          scope={p.scope}
          scopeFor={fieldScope}
          renderMapping={(key, value, onChange, field) => (
            <MappingEditor
              value={value}
              onChange={(v) => onChange(v as Mapping | undefined)}
              scope={fieldScope(field) ?? p.scope}
              field={field}
              readOnly={p.readOnly}
            />
          )}
          problems={p.fieldProblems}
          readOnly={p.readOnly}
        />
      </Section>
      <ConnectionsSection {...p} />
      {t.type === "webhook" && (
        <Section title="Webhook set-up" testId="webhook-section">
          <WebhookSetup
            flowKey={p.meta.key}
            secretKey={t.secret}
            toleranceSeconds={t.toleranceSeconds}
            sample={p.sample?.payload}
            readOnly={p.readOnly}
          />
        </Section>
      )}
      <SampleSection {...p} trigger={t} />
      <RunSection {...p} />
    </div>
  );
}

/**
 * The pinned sample, edited as the value the trigger produces (`$trigger`): checked as the user types against
 * the same definition test runs and replays use (core/dsl/trigger-input.ts), each problem named inline, with
 * the trigger's shape one click away.
 */
function SampleSection(p: InspectorProps & { node: DNode; trigger: Trigger }) {
  const pinned = p.sample ? JSON.stringify(p.sample.payload, null, 2) : "";
  const [text, setText] = useState(pinned);
  // A new pin (from a run's output, another tab's save) replaces what is shown.
  useEffect(() => setText(pinned), [pinned]);
  const skeleton = useMemo(() => JSON.stringify(triggerSampleSkeleton(p.trigger), null, 2), [p.trigger]);
  const problems = useMemo((): string[] => {
    if (!text.trim()) return [];
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (e) {
      return [`This is not JSON: ${(e as Error).message}`];
    }
    return checkTriggerInput(p.trigger, value).map((x) => x.message);
  }, [text, p.trigger]);
  const shape =
    p.trigger.type === "webhook"
      ? "the request a delivery makes: { body, headers, query }"
      : p.trigger.type === "schedule"
        ? "{ firedAt }, when the schedule fired"
        : "the input the trigger gives the run";
  return (
    <Section title="Sample payload" testId="sample-section">
      <p className="text-[11px] text-slate-500" id="sample-hint">
        Pinned test input: used by “Test run”, by the mapper&apos;s preview and for $trigger autocomplete. Its shape is{" "}
        {shape}.
      </p>
      <textarea
        aria-label="Sample payload"
        aria-describedby="sample-hint"
        aria-invalid={problems.length > 0 || undefined}
        rows={6}
        disabled={p.readOnly}
        className={clsx(
          "block w-full rounded-md border px-2 py-1.5 font-mono text-xs",
          problems.length ? "border-red-400" : "border-slate-300",
        )}
        value={text}
        onChange={(e) => setText(e.target.value)}
        placeholder={skeleton}
      />
      {problems.length > 0 && (
        <ul role="alert" aria-label="Sample problems" className="list-disc space-y-0.5 pl-4 text-[11px] text-red-700">
          {problems.map((m) => (
            <li key={m}>{m}</li>
          ))}
        </ul>
      )}
      <div className="flex items-center gap-2">
        <button
          type="button"
          disabled={p.readOnly || problems.length > 0 || !text.trim()}
          className="rounded-md bg-slate-900 px-2.5 py-1 text-xs font-medium text-white hover:bg-slate-700 disabled:opacity-50"
          onClick={() => p.onPin(p.node.id, JSON.parse(text), "manual")}
        >
          Pin sample
        </button>
        <button
          type="button"
          disabled={p.readOnly}
          className="rounded-md border border-slate-300 px-2.5 py-1 text-xs text-slate-700 hover:bg-slate-50"
          onClick={() => setText(skeleton)}
        >
          Insert example
        </button>
        {p.sample && <span className="text-[11px] text-slate-500">pinned ({p.sample.source})</span>}
      </div>
    </Section>
  );
}

function RunSection(p: InspectorProps & { node: DNode }) {
  if (!p.run) return null;
  const r = p.run;
  return (
    <Section title="Last test run" testId="run-io">
      <p className="text-xs text-slate-600">
        <span
          className={clsx(
            "font-semibold",
            r.status === "succeeded" ? "text-emerald-700" : r.status === "failed" ? "text-red-700" : "text-brand-700",
          )}
        >
          {r.status}
        </span>
        {r.durationMs !== null && ` in ${r.durationMs} ms`} · {r.attempts} attempt{r.attempts === 1 ? "" : "s"}
      </p>
      {r.simulated && (
        <p data-testid="simulated-note" className="rounded-md bg-amber-50 px-2 py-1 text-[11px] text-amber-900">
          {SIMULATED_LABEL[r.simulated] ?? r.simulated}
        </p>
      )}
      {r.error != null && <Json label="Error" value={r.error} tone="red" />}
      {r.businessEvents && r.businessEvents.length > 0 && (
        <Json label="Business events (not stored in a dry run)" value={r.businessEvents} />
      )}
      {r.input !== undefined && r.input !== null && <Json label="Input" value={r.input} />}
      {r.output !== undefined && r.output !== null && (
        <>
          <Json label="Output" value={r.output} />
          <button
            type="button"
            disabled={p.readOnly}
            className="rounded-md border border-slate-300 px-2.5 py-1 text-xs font-medium hover:bg-slate-50"
            onClick={() => p.onPin(p.node!.id, r.output, "test-run")}
          >
            Pin output as sample
          </button>
        </>
      )}
    </Section>
  );
}

function Json({ label, value, tone }: { label: string; value: unknown; tone?: "red" }) {
  return (
    <div>
      <p className="text-[11px] font-semibold uppercase tracking-wide text-slate-500">{label}</p>
      <pre
        className={clsx(
          "max-h-56 overflow-auto rounded-md p-2 font-mono text-[11px]",
          tone === "red" ? "bg-red-50 text-red-900" : "bg-slate-900 text-slate-100",
        )}
      >
        {JSON.stringify(value, null, 2)}
      </pre>
    </div>
  );
}

const flowSchema = jsonSchemaOf(ShallowFlowSchema as unknown as z.ZodType);
const FLOW_OMIT = new Set(["$schema", "dsl", "key", "trigger", "start", "steps", "layout"]);

function FlowSettings(p: InspectorProps) {
  return (
    <div className="min-h-0 flex-1 overflow-y-auto">
      <Header look="subflow" title={p.meta.name} subtitle="Flow settings — select a node to edit it" id={p.meta.key} />
      <ProblemList problems={p.problems} />
      <Section title="Flow">
        <SchemaFields
          schema={flowSchema}
          value={p.meta as unknown as Record<string, unknown>}
          omit={FLOW_OMIT}
          onChange={(v, f) => p.onChangeMeta(v as unknown as FlowMeta, f)}
          scope={p.scope}
          problems={p.fieldProblems}
          readOnly={p.readOnly}
          renderMapping={(key, value, onChange, field, keys) => (
            <MappingEditor
              value={value}
              onChange={(v) => onChange(v as Mapping | undefined)}
              scope={p.scope}
              field={field}
              readOnly={p.readOnly}
              keys={keys}
            />
          )}
        />
      </Section>
      <Section title="Raw JSON" defaultOpen={false}>
        <JsonTextArea value={p.meta} onChange={() => undefined} readOnly />
      </Section>
    </div>
  );
}
