// What failed, in business terms: "Invoice INV-1042 for Acme, 38.5 approved hours, €12,400, not posted to
// NetSuite: customer record missing". Built from the run's business keys (and well-known fields of its
// input and the failing step's input), the flow's domain, the failing step's connector and operation, and
// the vendor's message. Pure, so the browser and tests can use it.

import { isMeasure } from "./keys";

const DOMAIN_NOUN: Record<string, string> = {
  invoice: "Invoice",
  project: "Project",
  opportunity: "Opportunity",
  customer: "Customer",
  resource: "Worker",
  contract: "Contract",
  "time-expense": "Timesheet",
  reporting: "Report",
};

export interface SentenceInput {
  domain: string;
  businessKeys: Record<string, unknown> | null;
  /** The run's input and the failing step's input: searched (two levels deep) for customer, amount, hours. */
  context?: unknown[];
  /** e.g. "NetSuite" (the failing step's connector name). */
  system?: string | null;
  /** The failing step's operation key, e.g. "createInvoice". */
  operation?: string | null;
  /** The failing step's input: names the record the step works on when the run has no business keys. */
  stepInput?: unknown;
  message: string;
  currency?: string | null;
}

type Flat = Array<[string, unknown]>;
function flatten(v: unknown, depth = 0, out: Flat = []): Flat {
  if (!v || typeof v !== "object" || Array.isArray(v) || depth > 2) return out;
  for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
    if (x && typeof x === "object" && !Array.isArray(x)) flatten(x, depth + 1, out);
    else out.push([k, x]);
  }
  return out;
}

const scalar = (x: unknown): string | null =>
  typeof x === "string" && x.trim() ? x.trim() : typeof x === "number" && Number.isFinite(x) ? String(x) : null;
const num = (x: unknown): number | null =>
  typeof x === "number" ? x : typeof x === "string" && /^-?\d+(\.\d+)?$/.test(x.trim()) ? Number(x) : null;

function pick(pairs: Flat, re: RegExp, conv: (x: unknown) => unknown): unknown {
  for (const [k, x] of pairs)
    if (re.test(k)) {
      const v = conv(x);
      if (v !== null && v !== undefined) return v;
    }
  return null;
}

export function formatMoney(amount: number, currency?: string | null): string {
  try {
    return new Intl.NumberFormat("en-US", {
      style: "currency",
      currency: currency ?? "USD",
      maximumFractionDigits: amount % 1 === 0 ? 0 : 2,
    }).format(amount);
  } catch {
    return `${amount.toLocaleString("en-US")} ${currency ?? ""}`.trim();
  }
}

/** "not posted to NetSuite" / "not read from Salesforce" / "not updated in Kantata". */
export function failedVerb(operation: string | null | undefined, system: string | null | undefined): string {
  const op = (operation ?? "").toLowerCase();
  const where = system ?? "the target system";
  if (/^(get|list|find|search|read|query|fetch)/.test(op)) return `not read from ${where}`;
  if (/^(update|patch|set)/.test(op)) return `not updated in ${where}`;
  if (/^(delete|remove|archive)/.test(op)) return `not removed from ${where}`;
  if (/^(upsert|sync)/.test(op)) return `not synced to ${where}`;
  if (system) return `not posted to ${where}`;
  return "not processed";
}

/** The vendor's reason, short: the first clause of the message without an HTTP status prefix. */
export function shortReason(message: string): string {
  let m = message
    .replace(/^(GET|POST|PUT|PATCH|DELETE|HEAD)\s+\S+\s+(→|->)\s+\d{3}:\s*/i, "")
    .replace(/^(HTTP )?\d{3}( [A-Za-z]+)*:\s*/, "")
    .replace(/\s+/g, " ")
    .trim();
  // Vendors' "record not found" wording, as finance says it.
  const nf = /record (\S+) of type (\w+) was not found/i.exec(m) ?? /(\w+) record (\S+) (?:was )?not found/i.exec(m);
  if (nf) m = /of type/i.test(nf[0]) ? `${nf[2]} record ${nf[1]} missing` : `${nf[1]} record ${nf[2]} missing`;
  const first = m.split(/(?<=[.;])\s/)[0] ?? m;
  const r = first.replace(/[.;]$/, "");
  const cut = r.length > 140 ? `${r.slice(0, 137)}…` : r;
  // "Customer …" → "customer …", but "NetSuite …" and "HTTP …" keep their capitals.
  return /^[A-Z][a-z]+\b/.test(cut) && !/^[A-Z][a-z]+[A-Z]/.test(cut)
    ? cut.charAt(0).toLowerCase() + cut.slice(1)
    : cut;
}

const OP_VERB =
  /^(get|list|find|search|read|query|fetch|create|add|post|update|patch|set|delete|remove|archive|upsert|sync)/;
const humanize = (s: string) =>
  s
    .replace(/([a-z])([A-Z])/g, "$1 $2")
    .replace(/[_-]+/g, " ")
    .replace(/^./, (c) => c.toUpperCase());

/**
 * The record a step works on, as a noun: what its input names (Salesforce `sobject`, NetSuite `recordType`)
 * or else its operation ("getOpportunity" → "Opportunity"); null for generic operations ("getRecord" without a type).
 */
export function recordNoun(operation: string | null | undefined, stepInput: unknown): string | null {
  const named = pick(flatten(stepInput), /^(sobject|sobjectType|recordType|objectType)$/i, scalar) as string | null;
  if (named) return humanize(named);
  const rest = (operation ?? "").replace(OP_VERB, "");
  if (!rest || rest === operation || /^(records?|objects?|raw|request|query)$/i.test(rest)) return null;
  return humanize(rest);
}

export function businessSentence(i: SentenceInput): string {
  const keys = Object.entries(i.businessKeys ?? {}).filter(([, v]) => scalar(v) !== null);
  const ctx = flatten(Object.fromEntries(keys)).concat(...(i.context ?? []).map((c) => flatten(c)));
  const noun = DOMAIN_NOUN[i.domain] ?? i.domain.charAt(0).toUpperCase() + i.domain.slice(1);
  // The record itself: the key named after the domain, else the first key that is not a number.
  const byDomain = keys.find(([k]) => k.toLowerCase().includes(i.domain.split("-")[0]!));
  // A numeric id (a Kantata project 70166) still names the record; a measure (hours, amount) never does.
  const own =
    byDomain ??
    keys.find(([k, v]) => !/amount|total|hours|value|date|customer|client|account/i.test(k) && num(v) === null) ??
    keys.find(([k, v]) => !isMeasure(k, v) && !/date|customer|client|account/i.test(k)) ??
    keys[0];
  const parts: string[] = [];
  const ownNoun =
    own && !byDomain
      ? own[0]
          .replace(/([a-z])([A-Z])/g, "$1 $2")
          .replace(/Id$/, "")
          .replace(/^./, (c) => c.toUpperCase())
      : noun;
  // Without business keys, the record the failing step worked on ("Opportunity 006…") — not the flow's domain,
  // which names what the flow produces, not what failed.
  const stepNoun = own ? null : recordNoun(i.operation, i.stepInput);
  const stepId = stepNoun ? (pick(flatten(i.stepInput), /^(id|externalId)$/i, scalar) as string | null) : null;
  let head = own ? `${ownNoun} ${scalar(own[1])}` : stepNoun ? [stepNoun, stepId].filter(Boolean).join(" ") : noun;
  const customer = pick(ctx, /^(customer|customerName|client|clientName|account|accountName|companyName)$/i, scalar) as
    string | null;
  if (customer && (!own || scalar(own[1]) !== customer)) head += ` for ${customer}`;
  parts.push(head);
  const others = keys.filter(
    (k) => k !== own && !/^(customer|customerName|client|account|companyName|amount|total|hours|currency)$/i.test(k[0]),
  );
  for (const [k, v] of others.slice(0, 2)) parts.push(`${k} ${scalar(v)}`);
  const hours = pick(ctx, /hours/i, num) as number | null;
  if (hours !== null) parts.push(`${hours.toLocaleString("en-US")} approved hours`);
  const amount = pick(ctx, /^(amount|total|invoiceAmount|value)$/i, num) as number | null;
  const currency = (i.currency ?? pick(ctx, /^currency$/i, scalar)) as string | null;
  if (amount !== null) parts.push(formatMoney(amount, currency));
  return `${parts.join(", ")}, ${failedVerb(i.operation, i.system)}: ${shortReason(i.message)}`;
}
