// What is in scope at the selected node: autocomplete paths for expressions, the mapper's sources (the
// trigger and every upstream step's output, from schemas and pinned samples) and the mapper's target (the
// input of the call a map step feeds). Steps whose output depends on the target account (a Salesforce
// record has its org's fields) are described on the server with the step's connection; until an answer
// arrives — or without one (no connection, offline, no designer role) — the connector's canonical shapes
// stand in.
import { useQueries } from "@tanstack/react-query";
import { useMemo } from "react";
import { useTRPC } from "@/components/trpc/client";
import {
  triggerInputSchema,
  type CanvasNodeData,
  type Catalog,
  type JsonSchemaObject,
  type StepConfig,
} from "@/core/dsl";
import { callOutputSchema, describeKey, describeRequest, jsonSchemaOf, operationOf, type EventInfo } from "./catalog";
import { samplePaths, schemaPaths, type ExprScope } from "./scope-paths";
import type { JsonSchema, MapperSource } from "./mapper/types";
import { TRIGGER_NODE_ID, upstreamOf, type DEdge, type DNode } from "./model";

export interface ScopeInput {
  /** The document's nodes, changing identity only when settings or nesting change. */
  nodes: readonly DNode[];
  edges: readonly DEdge[];
  selected: DNode | null;
  samples: Readonly<Record<string, { payload: unknown }>>;
  events: readonly EventInfo[];
  connections: ReadonlyArray<{ key: string }>;
  connectors: Catalog;
  readOnly: boolean;
}

export interface Scope {
  scope: ExprScope;
  sources: MapperSource[];
  target: { label: string; schema: JsonSchema } | undefined;
  /** `$trigger`'s schema (also the test-run dialog's for an event trigger). */
  triggerSchema: JsonSchema | undefined;
}

export function useScope({
  nodes,
  edges,
  selected,
  samples,
  events,
  connections,
  connectors,
  readOnly,
}: ScopeInput): Scope {
  const trpc = useTRPC();
  const triggerNode = nodes.find((n) => n.id === TRIGGER_NODE_ID);
  const triggerSchema = useMemo(() => triggerPayloadSchema(triggerNode?.data, events), [triggerNode?.data, events]);
  const describeRequests = useMemo(() => {
    const m = new Map<string, { key: string; operation: string; subject: string }>();
    for (const n of nodes) {
      if (readOnly || n.data.kind !== "step") continue;
      const r = describeRequest(n.data.step);
      if (r && connections.some((c) => c.key === r.key)) m.set(describeKey(r), r);
    }
    return [...m.values()];
  }, [nodes, readOnly, connections]);
  const describeResults = useQueries({
    queries: describeRequests.map((r) => ({
      ...trpc.connections.describe.queryOptions(r),
      staleTime: 5 * 60_000,
      retry: false,
      refetchOnWindowFocus: false,
    })),
  });
  const describedKey = describeResults.map((q) => (q.data ? `${q.data.subject}:${q.dataUpdatedAt}` : "-")).join(",");
  const described = useMemo(() => {
    const m = new Map<string, unknown>();
    describeRequests.forEach((r, i) => {
      const d = describeResults[i]?.data;
      if (d) m.set(describeKey(r), d.description);
    });
    return m;
    // eslint-disable-next-line react-hooks/exhaustive-deps -- describedKey stands for the results' data (useQueries returns a new array every render)
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
    src.push({
      ref: "$trigger",
      label: "Trigger",
      ...(triggerSchema ? { schema: triggerSchema } : {}),
      ...(tSample !== undefined ? { sample: tSample } : {}),
    });
    let tgt: { label: string; schema: JsonSchema } | undefined;
    if (selected && selected.id !== TRIGGER_NODE_ID) {
      const up = upstreamOf(selected.id, nodes, edges);
      for (const id of up.steps) {
        const n = nodes.find((x) => x.id === id);
        if (!n || n.data.kind !== "step") continue;
        const ref = `$steps.${id}.output`;
        paths.push({ path: `$steps.${id}`, type: n.data.step.type }, { path: ref, type: "output" });
        const req = describeRequest(n.data.step);
        const schema = stepOutputSchema(connectors, n.data.step, req ? described.get(describeKey(req)) : undefined);
        const sample = samples[id]?.payload;
        schemaPaths(ref, schema, paths);
        if (sample !== undefined) samplePaths(ref, sample, paths);
        src.push({
          ref,
          label: n.data.step.name || id,
          ...(schema ? { schema } : {}),
          ...(sample !== undefined ? { sample } : {}),
        });
      }
      if (up.inForeach) {
        const fe = nodes.find((x) => x.id === up.inForeach);
        const itemsExpr = fe?.data.kind === "step" && fe.data.step.type === "foreach" ? fe.data.step.items.trim() : "";
        paths.push({ path: "$item", type: "any" }, { path: "$index", type: "number" });
        for (const p of [...paths])
          if (itemsExpr && p.path.startsWith(`${itemsExpr}.`))
            paths.push({ ...p, path: `$item.${p.path.slice(itemsExpr.length + 1)}` });
        src.push({ ref: "$item", label: "Current item" });
      }
      // The map step's target: the input of the call it feeds.
      const nextId = edges.find((e) => e.source === selected.id && (e.sourceHandle ?? "next") === "next")?.target;
      const next = nextId ? nodes.find((n) => n.id === nextId) : undefined;
      if (next?.data.kind === "step" && next.data.step.type === "call") {
        const op = operationOf(connectors, next.data.step.connector, next.data.step.operation);
        if (op)
          tgt = {
            label: `${connectors.connectors[next.data.step.connector]?.name ?? next.data.step.connector} · ${op.name} input`,
            schema: jsonSchemaOf(op.input),
          };
      }
    }
    return { scope: { paths }, sources: src, target: tgt };
  }, [selected, nodes, edges, samples, triggerSchema, described, connectors]);
  return { scope, sources, target, triggerSchema };
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
          cur = cur[p]!.properties ??= {};
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
  const eventSchema =
    t.type === "event" ? (events.find((e) => e.name === t.event)?.schema as JsonSchemaObject | undefined) : undefined;
  return triggerInputSchema(t, eventSchema) as JsonSchema;
}
