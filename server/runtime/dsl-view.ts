// The few facts about a flow that ingress and triggers need before a run exists (trigger kind and its
// settings, the concurrency key). PROVISIONAL: reads the document loosely until server/dsl lands; then it
// is rewritten on the DSL's own types.
import jsonata from "jsonata";

export interface TriggerView {
  kind: "webhook" | "schedule" | "event" | "manual";
  secretConnection?: string;
  idempotencyKey?: string;
  maxBodyBytes?: number;
  toleranceSeconds?: number;
  cron?: string;
  timezone?: string;
  event?: string;
}

export interface FlowView {
  trigger: TriggerView;
  concurrencyKey?: string;
}

function rec(v: unknown): Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
}
const s = (v: unknown) => (typeof v === "string" ? v : undefined);
const n = (v: unknown) => (typeof v === "number" ? v : undefined);

export function flowView(dsl: unknown): FlowView {
  const d = rec(dsl);
  const t = rec(d.trigger);
  const kind = (s(t.type) ?? s(t.kind) ?? "manual") as TriggerView["kind"];
  return {
    trigger: {
      kind,
      secretConnection: s(t.secret) ?? s(t.secretConnection),
      idempotencyKey: s(t.idempotencyKey),
      maxBodyBytes: n(t.maxBodyBytes),
      cron: s(t.cron),
      timezone: s(t.timezone),
      event: s(t.event),
    },
    concurrencyKey: s(rec(d.concurrency).key),
  };
}

/** Evaluates a key expression against the trigger payload; empty results mean "no key". */
export async function evaluateKey(expression: string, input: unknown): Promise<string | null> {
  const v: unknown = await jsonata(expression).evaluate(input);
  if (v === undefined || v === null || v === "") return null;
  return typeof v === "string" ? v : JSON.stringify(v);
}
