// Breaks in the exception queue's terms: what the runtime will store as exceptions. Pure.
// One break per key and broken rule (or missing/duplicated side), so the queue groups them by rule; its
// identity is stable across runs, so a rerun neither duplicates an open break nor misses that it is gone.
import { KEY_SEPARATOR } from "./keys";
import type { Difference, Outcome } from "./matcher";
import type { ReconDefinition } from "./schema";

export interface Break {
  /** rule id, `missing:<side>`, `duplicate:<side>` or `unkeyed:<side>`. */
  rule: string;
  /** Groups breaks in the queue: reconciliation + rule. */
  signature: string;
  /** One open exception per identity: reconciliation + key + rule. */
  identity: string;
  /** Display form of the key (composite parts joined with " / "). */
  key: string;
  message: string;
  /**
   * What the exception queue reads. Only `amountAtStake` and `hoursAtStake` are numeric-looking names the
   * queue's impact trigger sums (it adds any key named like amount/total/value/price/cost or hours), so the
   * compared values travel in `difference`, never here. A key's stake is on its first break only, so a key
   * with two broken rules is not counted twice.
   */
  businessKeys: Record<string, string>;
  difference: Difference | null;
}

export const displayKey = (key: string): string => key.split(KEY_SEPARATOR).join(" / ");

/**
 * "<reconciliation>|<rule>|<key>": neither the reconciliation's key nor a rule contains "|", so the record
 * key (which may) is everything after the second one. Text only — no NUL, which Postgres text refuses.
 */
export function breakIdentity(def: Pick<ReconDefinition, "key">, key: string, rule: string): string {
  return `${def.key}|${rule}|${key}`;
}

/**
 * The period a break belongs to ("from..to", null without one). A break is one open exception per identity,
 * environment and period: a run of the same definition for February neither finds January's breaks again nor
 * resolves them.
 */
export function breakPeriod(def: Pick<ReconDefinition, "period">): string | null {
  return def.period ? `${def.period.from}..${def.period.to}` : null;
}

function identityKey(def: Pick<ReconDefinition, "key">, identity: string): string | null {
  if (!identity.startsWith(`${def.key}|`)) return null;
  const rest = identity.slice(def.key.length + 1);
  const bar = rest.indexOf("|");
  return bar === -1 ? null : rest.slice(bar + 1);
}

/** The breaks of one outcome (none for a matched key). */
export function breaksOf(def: Pick<ReconDefinition, "key" | "name">, outcome: Outcome): Break[] {
  if (outcome.kind === "unkeyed") {
    const rule = `unkeyed:${outcome.side}`;
    const id = outcome.id ?? "(no id)";
    return [
      {
        rule,
        signature: `reconcile:${def.key}:${rule}`,
        identity: breakIdentity(def, `#${id}`, rule),
        key: "",
        message: `${def.name}: record ${id} on ${outcome.side} has no key`,
        businessKeys: { reconciliation: def.key, rule, recordId: id },
        difference: null,
      },
    ];
  }
  const key = displayKey(outcome.key);
  const found: Array<{ rule: string; message: string; difference: Difference | null }> = [];
  for (const side of outcome.duplicateOn)
    found.push({ rule: `duplicate:${side}`, message: `${outcome.rows[side]} records on ${side}`, difference: null });
  for (const side of outcome.missingOn)
    found.push({ rule: `missing:${side}`, message: `missing on ${side}`, difference: null });
  for (const d of outcome.differences)
    found.push({
      rule: d.rule,
      message: `${d.rule}: ${d.a.side} ${JSON.stringify(d.a.value)}, ${d.b.side} ${JSON.stringify(d.b.value)} (${d.detail})`,
      difference: d,
    });
  return found.map((f, i) => {
    const businessKeys: Record<string, string> = { reconciliation: def.key, recordKey: key, rule: f.rule };
    if (i === 0 && outcome.moneyAtStake !== "0") businessKeys.amountAtStake = outcome.moneyAtStake;
    if (i === 0 && outcome.hoursAtStake !== "0") businessKeys.hoursAtStake = outcome.hoursAtStake;
    return {
      rule: f.rule,
      signature: `reconcile:${def.key}:${f.rule}`,
      identity: breakIdentity(def, outcome.key, f.rule),
      key,
      message: `${def.name}: ${key} — ${f.message}`,
      businessKeys,
      difference: f.difference,
    };
  });
}

/**
 * Of the open breaks' identities for this outcome's key, those it no longer shows: the runtime resolves
 * them (auto-resolve when a later run finds the pair matching, or a different rule now breaking).
 */
export function resolvedBy(
  def: Pick<ReconDefinition, "key" | "name">,
  outcome: Outcome,
  open: Iterable<string>,
): string[] {
  if (outcome.kind !== "key") return [];
  const still = new Set(breaksOf(def, outcome).map((b) => b.identity));
  return [...open].filter((id) => identityKey(def, id) === outcome.key && !still.has(id));
}
