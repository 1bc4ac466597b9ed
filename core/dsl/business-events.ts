// Business events: the facts a flow records as it runs (a deal won, time approved, an invoice posted), declared
// on a step in its `business` list and written by the runtime in the same transaction as the step's success.
// The KPI page (core/kpis, server/kpis) computes every figure from these rows. One list of types and keys
// here: the DSL schema, the validator, the runtime, the database column names and the inspector use it.
import { z } from "zod";

/** What happened. Fixed, so that a KPI's definition can name the events it reads (docs/kpis.md). */
export const BUSINESS_EVENT_TYPES = [
  "deal.won",
  "project.created",
  "project.live",
  "assignment.made",
  "capacity.planned",
  "time.approved",
  "time.invoiced",
  "invoice.posted",
] as const;
export type BusinessEventType = (typeof BUSINESS_EVENT_TYPES)[number];

export const BUSINESS_EVENT_DESCRIPTIONS: Record<BusinessEventType, string> = {
  "deal.won": "A deal closed-won in the CRM (keys: opportunity, customer; amount).",
  "project.created": "A project was created for a deal (keys: project, opportunity, customer).",
  "project.live": 'A project is live in one system: system "psa" or "erp" (keys: project, opportunity).',
  "assignment.made":
    "A person was assigned to a project: hours = billable hours planned in the week of occurredAt (keys: person, project, personTeam).",
  "capacity.planned":
    "A person's planned billable hours for the week of occurredAt from capacity (used when no assignment plans that week; keys: person, personTeam).",
  "time.approved":
    "Billable time was approved in the PSA (keys: timeEntry, project, person, personTeam; hours, amount; performedOn: the day the work was done).",
  "time.invoiced": "Approved time was put on an invoice (keys: timeEntry, invoice, project).",
  "invoice.posted": "An invoice was posted in the ERP (keys: invoice, project, customer; amount).",
};

/**
 * The business keys an event may carry; each is a column of business_event (snake_case in SQL).
 * `team` is a Weft team (default: the recording flow's owner — who runs the integration). `personTeam` is the
 * person's team in the firm: their organisation in the HRIS (Workday's primary supervisory organisation id), which
 * utilisation is grouped by (docs/kpis.md "Utilisation variance"). Two different things: Weft teams own flows,
 * HRIS organisations employ people, and neither list is derived from the other.
 */
export const BUSINESS_EVENT_KEYS = [
  "customer",
  "project",
  "opportunity",
  "invoice",
  "person",
  "personTeam",
  "timeEntry",
  "team",
] as const;
export type BusinessEventKey = (typeof BUSINESS_EVENT_KEYS)[number];

/**
 * Facts that happen once per business key: a deal is won once, however many flows announce it (the Salesforce
 * poll, its CDC push twin and the project set-up it starts all record deal.won). The writer keeps the first one
 * recorded per key value (and per test / non-test) and records nothing for the others.
 */
export const ONCE_PER_KEY: Partial<Record<BusinessEventType, BusinessEventKey>> = { "deal.won": "opportunity" };

/** Systems a `project.live` event names. */
export const BUSINESS_SYSTEMS = ["psa", "erp", "crm", "hris"] as const;

/** Step types that may declare business events (their output exists when the step succeeds). */
export const STEP_TYPES_WITH_EVENTS = ["call", "map", "emit"] as const;

/** At most this many events from one declaration's `each` (a batch larger than that is split by the flow). */
export const MAX_EVENTS_PER_DECLARATION = 10_000;

const Expr = z
  .string()
  .min(1, "An expression cannot be empty.")
  .max(20_000, "An expression may have at most 20,000 characters.");

export const BusinessEventDecl = z
  .strictObject({
    type: z.enum(BUSINESS_EVENT_TYPES).meta({ description: "What happened: " + BUSINESS_EVENT_TYPES.join(", ") }),
    each: Expr.optional().meta({
      description: "Expression yielding an array: one event per element, which the other expressions read as $record.",
    }),
    when: Expr.optional().meta({ description: "Condition: the event (or an element's) is recorded only when true." }),
    keys: z
      .partialRecord(z.enum(BUSINESS_EVENT_KEYS), Expr)
      .meta({ description: "Business keys: " + BUSINESS_EVENT_KEYS.join(", ") + " (expressions giving ids)." }),
    amount: Expr.optional().meta({ description: "Money of the event (a number)." }),
    currency: Expr.optional().meta({ description: "ISO 4217 code of the amount, e.g. \"'EUR'\"." }),
    hours: Expr.optional().meta({ description: "Hours of the event (a number)." }),
    system: Expr.optional().meta({ description: 'project.live: the system ("psa", "erp").' }),
    occurredAt: Expr.optional().meta({
      description: "When it happened in the business (ISO 8601). Default: when the step succeeded.",
    }),
    performedOn: Expr.optional().meta({
      description:
        "time.approved: the day the work was performed (YYYY-MM-DD, or an ISO 8601 timestamp whose date as written counts). Utilisation counts the hours in that day's week; without it, in the week of occurredAt.",
    }),
    personTeamName: Expr.optional().meta({
      description:
        "The name of keys.personTeam as the HRIS shows it (e.g. Workday's organisation descriptor); the Business page shows teams by it.",
    }),
  })
  .meta({
    description:
      "A business fact recorded when the step succeeds. Expressions see $output and $input (this step's), $record (with each), $trigger, $steps, $item.",
  });
export type BusinessEventDecl = z.infer<typeof BusinessEventDecl>;

export const BusinessEvents = z
  .array(BusinessEventDecl)
  .max(20)
  .meta({ description: "Business facts this step records when it succeeds (KPIs are computed from them)." });

/** One evaluated event, as the runtime writes it (and a dry test run shows it). */
export interface BusinessEvent {
  type: BusinessEventType;
  keys: Partial<Record<BusinessEventKey, string>>;
  amount: number | null;
  currency: string | null;
  hours: number | null;
  system: string | null;
  occurredAt: string;
  /** The day the work was performed (YYYY-MM-DD), when the declaration says it. */
  performedOn: string | null;
  /** The name of keys.personTeam, when the declaration says it. */
  personTeamName?: string | null;
}

/** The expressions of a declaration with their path relative to it, for the validator and the walker. */
export function declarationExpressions(d: BusinessEventDecl): Array<{ path: (string | number)[]; expression: string }> {
  const out: Array<{ path: (string | number)[]; expression: string }> = [];
  for (const f of [
    "each",
    "when",
    "amount",
    "currency",
    "hours",
    "system",
    "occurredAt",
    "performedOn",
    "personTeamName",
  ] as const)
    if (d[f] !== undefined) out.push({ path: [f], expression: d[f] });
  for (const [k, v] of Object.entries(d.keys)) if (v !== undefined) out.push({ path: ["keys", k], expression: v });
  return out;
}

/** A value an expression gave for a field, checked: the message names the field and what it got. */
export type FieldResult<T> = { ok: true; value: T } | { ok: false; message: string };

const shown = (v: unknown) => {
  const s = JSON.stringify(v) ?? String(v);
  return s.length > 80 ? s.slice(0, 77) + "..." : s;
};

export function numberField(field: string, v: unknown): FieldResult<number | null> {
  if (v === undefined || v === null) return { ok: true, value: null };
  const n = typeof v === "string" && v.trim() !== "" ? Number(v) : v;
  if (typeof n === "number" && Number.isFinite(n)) return { ok: true, value: n };
  return { ok: false, message: `${field} gave ${shown(v)}, not a number` };
}

export function keyField(field: string, v: unknown): FieldResult<string | null> {
  if (v === undefined || v === null || v === "") return { ok: true, value: null };
  if (typeof v === "string")
    return v.length <= 200 ? { ok: true, value: v } : { ok: false, message: `${field} is longer than 200 characters` };
  if (typeof v === "number" && Number.isFinite(v)) return { ok: true, value: String(v) };
  return { ok: false, message: `${field} gave ${shown(v)}, not an id (a string or a number)` };
}

export function timeField(field: string, v: unknown, fallback: Date): FieldResult<string> {
  if (v === undefined || v === null) return { ok: true, value: fallback.toISOString() };
  const t = typeof v === "string" ? Date.parse(v) : NaN;
  if (Number.isNaN(t)) return { ok: false, message: `${field} gave ${shown(v)}, not an ISO 8601 timestamp` };
  return { ok: true, value: new Date(t).toISOString() };
}

/**
 * A calendar day: "YYYY-MM-DD", or an ISO 8601 timestamp whose date as written counts (the day where the work was
 * done, not the UTC day: 23:30 on the 4th at -05:00 was still the 4th for the person who worked it).
 */
export function dayField(field: string, v: unknown): FieldResult<string | null> {
  if (v === undefined || v === null || v === "") return { ok: true, value: null };
  const m = typeof v === "string" ? /^(\d{4})-(\d{2})-(\d{2})(T.*)?$/.exec(v) : null;
  const day = m && new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  const real =
    day &&
    day.getUTCFullYear() === Number(m[1]) &&
    day.getUTCMonth() === Number(m[2]) - 1 &&
    day.getUTCDate() === Number(m[3]);
  if (!m || !real || (m[4] !== undefined && Number.isNaN(Date.parse(v as string))))
    return { ok: false, message: `${field} gave ${shown(v)}, not a day (YYYY-MM-DD) or an ISO 8601 timestamp` };
  return { ok: true, value: `${m[1]}-${m[2]}-${m[3]}` };
}
