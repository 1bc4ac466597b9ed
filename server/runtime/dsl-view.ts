// The few facts about a flow that ingress and triggers need before a run exists: the trigger's settings
// and the concurrency key. Read leniently (a document that does not validate still gets a clear answer at
// ingress; the interpreter refuses to execute it), with the field names of core/dsl's schema.
import { evaluate, type Mapping, type Trigger } from "../../core/dsl";
import { parseDuration } from "../../core/dsl/defaults";

export interface TriggerView {
  kind: Trigger["type"];
  /** webhook: the connection holding the signing secret. */
  secretConnection?: string;
  idempotencyKey?: string;
  maxBodyBytes?: number;
  toleranceSeconds?: number;
  /** webhook: the body's JSON Schema, and whether a body breaking it is refused at the door (422). */
  payloadSchema?: Record<string, unknown>;
  rejectInvalidPayload?: boolean;
  cron?: string;
  timezone?: string;
  event?: string;
  filter?: string;
  /** poll: what to read and how to tell records apart (server/runtime/poll.ts). */
  poll?: PollView;
}

export interface PollView {
  connector: string;
  connection: string;
  operation: string;
  interval?: string;
  input: Mapping;
  records?: string;
  cursor: string;
  recordId: string;
  version?: string;
  lookbackMs: number;
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

const views = new WeakMap<object, FlowView>();

export function flowView(dsl: unknown): FlowView {
  if (typeof dsl === "object" && dsl !== null && views.has(dsl)) return views.get(dsl)!;
  const d = rec(dsl);
  const t = rec(d.trigger);
  const kind = (
    ["webhook", "schedule", "event", "manual", "poll"].includes(s(t.type) ?? "") ? s(t.type) : "manual"
  ) as TriggerView["kind"];
  const view: FlowView = {
    trigger: {
      kind,
      secretConnection: s(t.secret),
      idempotencyKey: s(t.idempotencyKey),
      maxBodyBytes: n(t.maxBodyBytes),
      toleranceSeconds: n(t.toleranceSeconds),
      payloadSchema: t.payloadSchema && typeof t.payloadSchema === "object" ? rec(t.payloadSchema) : undefined,
      rejectInvalidPayload: t.onInvalidPayload === "reject",
      cron: s(t.cron),
      timezone: s(t.timezone),
      event: s(t.event),
      filter: s(t.filter),
      poll:
        kind === "poll" && s(t.connector) && s(t.connection) && s(t.operation) && s(t.cursor) && s(t.recordId)
          ? {
              connector: s(t.connector)!,
              connection: s(t.connection)!,
              operation: s(t.operation)!,
              interval: s(t.interval),
              input: (typeof t.input === "string" ? t.input : rec(t.input)) as Mapping,
              records: s(t.records),
              cursor: s(t.cursor)!,
              recordId: s(t.recordId)!,
              version: s(t.version),
              lookbackMs: (s(t.lookback) ? parseDuration(s(t.lookback)!) : 0) ?? 0,
            }
          : undefined,
    },
    concurrencyKey: s(rec(d.concurrency).key),
  };
  if (typeof dsl === "object" && dsl !== null) views.set(dsl, view);
  return view;
}

/** Evaluates a key expression with `$trigger` (and `$`) bound to the trigger payload; empty = no key. */
export async function evaluateKey(expression: string, trigger: unknown): Promise<string | null> {
  const v = await evaluate(expression, { trigger });
  if (v === undefined || v === null || v === "") return null;
  return typeof v === "string" ? v : JSON.stringify(v);
}
