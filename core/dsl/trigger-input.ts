// What a trigger produces: the value a run sees as `$trigger`. One definition for everything that makes,
// edits or reads that value — webhook ingress (`webhookInput`), schedule ticks (`scheduleInput`), test runs
// and replays (`checkTriggerInput`), the designer's sample editor (`triggerSampleSkeleton`, `asTriggerInput`)
// and its scope autocomplete and mapper trees (`triggerInputSchema`). A webhook run's `$trigger` is the
// request — `{ body, headers, query }` — never the bare body, so a flow that passes its test also runs on a
// real delivery. Pure (no I/O).
import { z } from "zod";
import type { Trigger } from "./schema";
import { isObj } from "../is-obj";

/** A JSON Schema object (draft 2020-12). */
export type JsonSchemaObject = Record<string, unknown>;

/** Headers a webhook run may read: never the signature, credentials or cookies. */
export const HIDDEN_WEBHOOK_HEADERS: ReadonlySet<string> = new Set([
  "x-weft-signature",
  "authorization",
  "cookie",
  "proxy-authorization",
]);

export interface WebhookInput {
  body: unknown;
  headers: Record<string, string>;
  query: Record<string, string>;
}

/** `$trigger` of a webhook delivery: the parsed body, the request's readable headers (lower-case) and its query. */
export function webhookInput(
  body: unknown,
  headers: Iterable<[string, string]>,
  query: string | URLSearchParams = "",
): WebhookInput {
  const h: Record<string, string> = {};
  for (const [k, v] of headers) {
    const key = k.toLowerCase();
    if (!HIDDEN_WEBHOOK_HEADERS.has(key)) h[key] = v;
  }
  return { body, headers: h, query: Object.fromEntries(new URLSearchParams(query)) };
}

/** `$trigger` of a schedule tick. */
export function scheduleInput(firedAt: Date): { firedAt: string } {
  return { firedAt: firedAt.toISOString() };
}

/**
 * The JSON Schema of `$trigger` for a trigger. `eventSchema` is the consumed event's contract (the
 * payload), when known. Webhook: `{ body, headers, query }` with the body as the trigger's payloadSchema.
 */
export function triggerInputSchema(trigger: Trigger | undefined, eventSchema?: JsonSchemaObject): JsonSchemaObject {
  const stringMap = { type: "object", additionalProperties: { type: "string" } };
  switch (trigger?.type) {
    case "webhook":
      return {
        type: "object",
        required: ["body", "headers", "query"],
        properties: {
          body: trigger.payloadSchema ?? { description: "The JSON body the sender posted." },
          headers: {
            ...stringMap,
            description: "Request headers, lower-case (never the signature, credentials or cookies).",
          },
          query: { ...stringMap, description: "Query string parameters." },
        },
      };
    case "schedule":
      return {
        type: "object",
        required: ["firedAt"],
        properties: {
          firedAt: { type: "string", format: "date-time", description: "When the schedule fired (ISO 8601, UTC)." },
        },
      };
    case "event":
      return eventSchema ?? { type: "object" };
    case "manual":
      return trigger.inputSchema ?? { type: "object" };
    case "poll":
      return {
        type: "object",
        description: `One record the poll of ${trigger.connector}.${trigger.operation} found new or changed (a run per record version).`,
      };
    default:
      return { type: "object" };
  }
}

/** `$trigger` of a poll's read (its `input` mapping): the cursor to read from — before any record exists. */
export function pollReadInput(cursor: string): { cursor: string } {
  return { cursor };
}

/** What a poll trigger's own expression fields see as `$trigger` (by top-level field). */
const POLL_FIELD_INPUT = {
  input: "read",
  records: "output",
  cursor: "record",
  recordId: "record",
  version: "record",
} as const;

/**
 * `$trigger` inside a trigger's own expression field (`field` as the inspector names it, e.g. "input.soql" or
 * "cursor"): what it is and its JSON Schema, or undefined where it is the run's `$trigger` (an event's
 * filter). A poll evaluates its fields with nothing else bound (no `$steps`, `$flow` or `$run`): `input`
 * sees `{ cursor }` (`pollReadInput`), `records` the operation's output (`operationOutput` when known),
 * cursor / recordId / version one record — the run's `$trigger`.
 */
export function triggerFieldInput(
  trigger: Trigger | undefined,
  field: string,
  operationOutput?: JsonSchemaObject,
): { sees: "read" | "output" | "record"; schema: JsonSchemaObject } | undefined {
  if (trigger?.type !== "poll") return undefined;
  const sees = (POLL_FIELD_INPUT as Record<string, "read" | "output" | "record" | undefined>)[field.split(".")[0]!];
  switch (sees) {
    case "read":
      return {
        sees,
        schema: {
          type: "object",
          required: ["cursor"],
          properties: {
            cursor: {
              type: "string",
              description:
                "The watermark to read from (ISO 8601 for date-time cursors, moved back by the lookback). No record exists yet here.",
            },
          },
        },
      };
    case "output":
      return {
        sees,
        schema: operationOutput ?? {
          type: "object",
          description: `The output of ${trigger.connector}.${trigger.operation}.`,
        },
      };
    case "record":
      return { sees, schema: triggerInputSchema(trigger) };
    default:
      return undefined;
  }
}

/** A starting point for the sample editor when nothing is pinned: the shape the trigger produces. */
export function triggerSampleSkeleton(trigger: Trigger | undefined, now = new Date()): unknown {
  switch (trigger?.type) {
    case "webhook":
      return { body: {}, headers: { "content-type": "application/json" }, query: {} };
    case "schedule":
      return scheduleInput(now);
    default:
      return {};
  }
}

/**
 * A sample pinned before `$trigger` of webhooks was the request (a bare body) as the request it stands
 * for; anything already shaped `{ body, … }` is kept. Other triggers' samples are their input as is.
 */
export function asTriggerInput(trigger: Trigger | undefined, sample: unknown): unknown {
  if (trigger?.type !== "webhook") return sample;
  if (
    isObj(sample) &&
    "body" in sample &&
    Object.keys(sample).every((k) => k === "body" || k === "headers" || k === "query")
  ) {
    return {
      body: sample.body,
      headers: isObj(sample.headers) ? sample.headers : {},
      query: isObj(sample.query) ? sample.query : {},
    };
  }
  return { body: sample ?? {}, headers: { "content-type": "application/json" }, query: {} };
}

export interface TriggerInputProblem {
  /** Where in `$trigger` ("body.workerId"; "" for the whole value). */
  path: string;
  message: string;
}

/**
 * Whether a value is something the trigger could produce (test runs, replays, the sample editor): checked
 * against `triggerInputSchema`. Returns every problem, each naming the field.
 */
export function checkTriggerInput(
  trigger: Trigger | undefined,
  input: unknown,
  eventSchema?: JsonSchemaObject,
): TriggerInputProblem[] {
  const schema = triggerInputSchema(trigger, eventSchema);
  let zs: z.ZodType;
  try {
    zs = z.fromJSONSchema(schema as Parameters<typeof z.fromJSONSchema>[0]);
  } catch {
    return []; // a schema zod cannot read is not the input's fault
  }
  const r = zs.safeParse(input, { reportInput: true });
  if (r.success) return [];
  const what =
    trigger?.type === "webhook"
      ? "A webhook trigger produces { body, headers, query }"
      : trigger?.type === "schedule"
        ? "A schedule trigger produces { firedAt }"
        : "The trigger's input";
  return r.error.issues.slice(0, 20).map((i) => {
    const path = i.path.map(String).join(".");
    const missing = i.code === "invalid_type" && i.input === undefined;
    const top = i.path.length <= 1;
    return {
      path,
      message: missing
        ? `${path ? `'${path}'` : "The input"} is required${top ? ` (${what})` : ""}.`
        : `${path ? `'${path}'` : "The input"}: ${i.message}`,
    };
  });
}
