// What the designer knows about connectors and step types: palette items, JSON Schemas of operation
// inputs/outputs (zod → JSON Schema, once per operation) and how each system looks. Everything is derived
// from the connector manifests (connectors/registry.ts) and the DSL schema, never written per connector.
// The connector catalog is a value, never mutated: the built-in one plus the workspace's imported connectors
// (withImportedConnectors) is made once per answer and handed down (catalog-context.ts, props).
import { z } from "zod";
import { connectorCatalog, connectors as builtInConnectors } from "@/connectors/registry";
import { defaultWebhookSecret, ShallowStepSchema, STEP_TYPES, type StepType, type Trigger } from "@/core/dsl";
import type { Catalog, OperationInfo } from "@/core/dsl";
import type { StepConfig } from "@/core/dsl";
import type { JsonSchema } from "./mapper/types";
import { reconcileTemplate } from "./inspector/reconcile-edits";

/** The built-in connectors' catalog (the manifests). */
export const BUILT_IN_CATALOG: Catalog = connectorCatalog();

/** An imported (OpenAPI) connector as `connections.catalog` sends it: operations with JSON Schemas. */
export interface ImportedConnector {
  key: string;
  name: string;
  system: string;
  source: string;
  operations?: Record<
    string,
    {
      key: string;
      kind: "action" | "trigger";
      name: string;
      description: string;
      effect?: "read" | "write";
      input: Record<string, unknown>;
      output: Record<string, unknown>;
    }
  >;
}

/**
 * `base` with the workspace's imported connectors added (palette, forms, validator): their schemas arrive as
 * JSON Schema and become zod again (z.fromJSONSchema), so the validator checks calls to them like calls to the
 * built-in ones. A key `base` already has is left alone. `base` is not changed.
 */
export function withImportedConnectors(base: Catalog, list: readonly ImportedConnector[]): Catalog {
  const connectors = { ...base.connectors };
  for (const c of list) {
    if (c.source !== "imported" || !c.operations || connectors[c.key]) continue;
    const operations: Record<string, OperationInfo> = {};
    for (const op of Object.values(c.operations)) {
      const zodOf = (schema: Record<string, unknown>): z.ZodType => {
        try {
          return z.fromJSONSchema(schema as Parameters<typeof z.fromJSONSchema>[0]);
        } catch {
          return z.unknown(); // a schema zod cannot rebuild: the server's validator still checks the call
        }
      };
      operations[op.key] = {
        key: op.key,
        kind: op.kind,
        name: op.name,
        description: op.description,
        input: zodOf(op.input),
        output: zodOf(op.output),
        ...(op.effect ? { effect: op.effect } : {}),
      };
    }
    connectors[c.key] = { key: c.key, name: c.name, system: c.system, operations };
  }
  return { ...base, connectors };
}

export type PaletteGroup = "Triggers" | "CRM" | "PSA" | "HRIS" | "ERP" | "Data" | "Generic" | "Logic";
export const PALETTE_GROUPS: readonly PaletteGroup[] = [
  "Triggers",
  "CRM",
  "PSA",
  "HRIS",
  "ERP",
  "Data",
  "Generic",
  "Logic",
];
const SYSTEM_GROUP: Record<string, PaletteGroup> = {
  crm: "CRM",
  psa: "PSA",
  hris: "HRIS",
  erp: "ERP",
  data: "Data",
  generic: "Generic",
};

/** Colour and monogram of each system (connector key) and of the step types. */
export const LOOKS: Record<string, { label: string; mono: string; bg: string; fg: string }> = {
  salesforce: { label: "Salesforce", mono: "SF", bg: "#e0f2fe", fg: "#0369a1" },
  kantata: { label: "Kantata", mono: "KA", bg: "#ede9fe", fg: "#6d28d9" },
  workday: { label: "Workday", mono: "WD", bg: "#ffedd5", fg: "#c2410c" },
  netsuite: { label: "NetSuite", mono: "NS", bg: "#dcfce7", fg: "#15803d" },
  reporting: { label: "Reporting", mono: "DP", bg: "#fef9c3", fg: "#a16207" },
  http: { label: "HTTP", mono: "{}", bg: "#f1f5f9", fg: "#334155" },
  postgres: { label: "PostgreSQL", mono: "PG", bg: "#e0e7ff", fg: "#3730a3" },
  webhook: { label: "Webhook", mono: "WH", bg: "#fce7f3", fg: "#be185d" },
  schedule: { label: "Schedule", mono: "CR", bg: "#f1f5f9", fg: "#334155" },
  manual: { label: "Manual", mono: "▶", bg: "#f1f5f9", fg: "#334155" },
  event: { label: "Event", mono: "⚡", bg: "#fef3c7", fg: "#b45309" },
  map: { label: "Map", mono: "⇄", bg: "#ecfeff", fg: "#0e7490" },
  switch: { label: "Switch", mono: "⑂", bg: "#f5f3ff", fg: "#5b21b6" },
  foreach: { label: "For each", mono: "↻", bg: "#f0fdfa", fg: "#0f766e" },
  parallel: { label: "Parallel", mono: "⇉", bg: "#eff6ff", fg: "#1d4ed8" },
  wait: { label: "Wait", mono: "‖", bg: "#f8fafc", fg: "#475569" },
  emit: { label: "Emit event", mono: "⚑", bg: "#fef3c7", fg: "#b45309" },
  subflow: { label: "Subflow", mono: "⊂", bg: "#f1f5f9", fg: "#334155" },
  fail: { label: "Fail", mono: "✕", bg: "#fee2e2", fg: "#b91c1c" },
  reconcile: { label: "Reconcile", mono: "⇋", bg: "#f0fdf4", fg: "#15803d" },
  approval: { label: "Approval", mono: "✓", bg: "#fdf4ff", fg: "#a21caf" },
};
export const lookOf = (key: string | undefined) =>
  (key && LOOKS[key]) || {
    label: key ?? "?",
    mono: String(key ?? "?")
      .slice(0, 2)
      .toUpperCase(),
    bg: "#f1f5f9",
    fg: "#334155",
  };

export interface EventInfo {
  name: string;
  version: string;
  major: number;
  schema: unknown;
  description: string;
  producers: string[];
}

export type PaletteItem =
  | { id: string; group: PaletteGroup; label: string; detail: string; look: string; kind: "trigger"; trigger: Trigger }
  | { id: string; group: PaletteGroup; label: string; detail: string; look: string; kind: "step"; step: StepConfig };

const LOGIC_DEFAULTS: Record<Exclude<StepType, "call">, StepConfig> = {
  map: { type: "map", output: {} },
  switch: { type: "switch", cases: [{ when: "true", label: "case 1" }] },
  foreach: { type: "foreach", items: "$trigger.items" },
  parallel: { type: "parallel", join: "all", branches: [{ name: "a" }, { name: "b" }] },
  wait: { type: "wait", duration: "5m" },
  emit: { type: "emit", event: "domain.entity.changed", payload: {} },
  subflow: { type: "subflow", flow: "", version: "^1.0.0" } as unknown as StepConfig,
  fail: { type: "fail", code: "business_rule_failed", message: "Describe what went wrong." },
  reconcile: reconcileTemplate(),
  approval: {
    type: "approval",
    assignee: { team: "finance" },
    title: "'Approve ' & $flow.name",
    decisions: ["approve", "reject"],
    due: "2d",
  } as unknown as StepConfig,
} as Record<Exclude<StepType, "call">, StepConfig>;

const LOGIC_DETAIL: Record<Exclude<StepType, "call">, string> = {
  map: "Transform data with a field mapping",
  switch: "Route by conditions",
  foreach: "Repeat steps for each item",
  parallel: "Run branches at the same time",
  wait: "Pause for a duration or until a time",
  emit: "Publish a domain event",
  subflow: "Call another published flow",
  fail: "Stop with a typed business error",
  reconcile: "Match two or three record sets and report breaks",
  approval: "Ask a person or team to decide; the run waits",
};

/** Palette items: triggers (DSL trigger types + event contracts a system produces), every connector action, the logic steps. */
export function paletteItems(catalog: Catalog, events: readonly EventInfo[], flowKey: string): PaletteItem[] {
  const items: PaletteItem[] = [
    {
      id: "trigger:manual",
      group: "Triggers",
      label: "Manual",
      detail: "Started by an operator or a test run",
      look: "manual",
      kind: "trigger",
      trigger: { type: "manual" },
    },
    {
      id: "trigger:webhook",
      group: "Triggers",
      label: "Webhook",
      detail: "A signed HTTP call to the flow's URL",
      look: "webhook",
      kind: "trigger",
      trigger: { type: "webhook", secret: defaultWebhookSecret(flowKey) },
    },
    {
      id: "trigger:schedule",
      group: "Triggers",
      label: "Schedule",
      detail: "Cron, in a time zone",
      look: "schedule",
      kind: "trigger",
      trigger: { type: "schedule", cron: "0 6 * * 1-5", timezone: "UTC" },
    },
  ];
  for (const e of events) {
    const producer = e.producers.find((p) => LOOKS[p]) ?? "event";
    const sys = LOOKS[producer] ? lookOf(producer).label : "Event";
    items.push({
      id: `trigger:event:${e.name}`,
      group: "Triggers",
      label: `${sys}: ${e.name}`,
      detail: e.description || `Domain event ${e.name}`,
      look: producer,
      kind: "trigger",
      trigger: { type: "event", event: e.name, version: e.major },
    });
  }
  for (const c of Object.values(catalog.connectors)) {
    const group = SYSTEM_GROUP[c.system] ?? "Generic";
    for (const op of Object.values(c.operations)) {
      if (op.kind !== "action") continue;
      items.push({
        id: `call:${c.key}.${op.key}`,
        group,
        label: `${c.name}: ${op.name}`,
        detail: op.description ?? `${c.key}.${op.key}`,
        look: c.key,
        kind: "step",
        step: { type: "call", connector: c.key, operation: op.key, connection: "", input: {} } as StepConfig,
      });
    }
  }
  for (const t of STEP_TYPES) {
    if (t === "call") continue;
    items.push({
      id: `logic:${t}`,
      group: "Logic",
      label: lookOf(t).label,
      detail: LOGIC_DETAIL[t],
      look: t,
      kind: "step",
      step: structuredClone(LOGIC_DEFAULTS[t]),
    });
  }
  return items;
}

const schemaCache = new WeakMap<z.ZodType, JsonSchema>();
/** JSON Schema of a zod schema (input side: what a caller may send), cached per schema object. */
export function jsonSchemaOf(schema: z.ZodType): JsonSchema {
  let s = schemaCache.get(schema);
  if (!s) {
    try {
      s = z.toJSONSchema(schema, { io: "input", unrepresentable: "any" }) as JsonSchema;
    } catch {
      s = {};
    }
    schemaCache.set(schema, s);
  }
  return s;
}
const outCache = new WeakMap<z.ZodType, JsonSchema>();
export function outputSchemaOf(schema: z.ZodType): JsonSchema {
  let s = outCache.get(schema);
  if (!s) {
    try {
      s = z.toJSONSchema(schema, { io: "output", unrepresentable: "any" }) as JsonSchema;
    } catch {
      s = {};
    }
    outCache.set(schema, s);
  }
  return s;
}

/**
 * The values a call's input mapping states outright — JSONata literals such as 'Opportunity', "SELECT Id FROM
 * Account", ["Id", "Name"] or 5 — by field path; expressions that depend on data are left out.
 */
export function literalInput(input: unknown): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (!input || typeof input !== "object") return out;
  for (const [path, expr] of Object.entries(input as Record<string, unknown>)) {
    if (typeof expr !== "string") continue;
    const t = expr.trim();
    let value: unknown;
    const single = /^'((?:[^'\\]|\\.)*)'$/s.exec(t);
    if (single) value = single[1]!.replace(/\\(.)/g, "$1");
    else if (/^(".*"|\[.*\]|-?\d+(\.\d+)?|true|false)$/s.test(t)) {
      try {
        value = JSON.parse(t);
      } catch {
        continue;
      }
    } else continue;
    const parts = path.split(".");
    let cur = out;
    parts.slice(0, -1).forEach((p) => (cur = (cur[p] ??= {}) as Record<string, unknown>));
    cur[parts.at(-1)!] = value;
  }
  return out;
}

/** What the designer should ask the server to describe for a call step (a Salesforce sObject), if anything. */
export function describeRequest(step: StepConfig): { key: string; operation: string; subject: string } | undefined {
  if (step.type !== "call" || !step.connection) return undefined;
  const spec = builtInConnectors[step.connector]?.operations[step.operation]?.describedOutput;
  const subject = spec?.subject(literalInput(step.input));
  return subject && /^[A-Za-z][A-Za-z0-9_]*$/.test(subject)
    ? { key: step.connection, operation: step.operation, subject }
    : undefined;
}
export const describeKey = (r: { key: string; operation: string; subject: string }) =>
  `${r.key}|${r.operation}|${r.subject}`;

/**
 * A call step's output schema: shaped by what it reads where the connector can say (the org's described
 * fields when `description` is given, else its canonical shapes), otherwise the operation's declared output.
 */
export function callOutputSchema(catalog: Catalog, step: StepConfig, description?: unknown): JsonSchema | undefined {
  if (step.type !== "call") return undefined;
  const spec = builtInConnectors[step.connector]?.operations[step.operation]?.describedOutput;
  const shaped = spec?.schema(literalInput(step.input), description);
  if (shaped) return outputSchemaOf(shaped);
  const op = operationOf(catalog, step.connector, step.operation);
  return op ? outputSchemaOf(op.output) : undefined;
}

export function operationOf(
  catalog: Catalog,
  connector: string | undefined,
  operation: string | undefined,
): OperationInfo | undefined {
  if (!connector || !operation) return undefined;
  return catalog.connectors[connector]?.operations[operation];
}

/** JSON Schema of a step type's own settings (from the DSL's zod schema). */
export function stepSettingsSchema(type: StepType): JsonSchema {
  const opt = ShallowStepSchema.options.find((o) => (o.shape.type as unknown as { value: string }).value === type);
  return opt ? jsonSchemaOf(opt as unknown as z.ZodType) : {};
}

/** A JSONata expression field in a JSON Schema generated from the DSL (the DSL's Expression has maxLength 20,000). */
export const isExpressionSchema = (s: JsonSchema | undefined): boolean =>
  !!s && s.type === "string" && s.maxLength === 20000;
