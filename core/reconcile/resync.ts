// A break's record pair as the exception stores it (the Reconciliation page's drill-down) and what a
// re-sync's input mapping sees. Pure.
import { KEY_SEPARATOR } from "./keys";
import type { Break } from "./breaks";
import type { Outcome, Scalar } from "./matcher";

/** Record ids kept per side: enough to find the records, bounded so a many side stays small. */
export const DETAIL_IDS = 10;

/** Stored on the exception (`break_detail`): the pair, side by side. */
export interface BreakDetail {
  reconciliation: string;
  rule: string;
  /** Display form (composite parts joined with " / "); "" for an unkeyed record. */
  recordKey: string;
  keyParts: string[];
  /** Record ids per side present (at most DETAIL_IDS each). */
  ids: Record<string, string[]>;
  rows: Record<string, number>;
  missingOn: string[];
  duplicateOn: string[];
  /** A broken field rule: both values and why they differ. */
  difference: {
    type: string;
    a: { side: string; value: Scalar };
    b: { side: string; value: Scalar };
    detail: string;
  } | null;
}

export function breakDetail(reconciliation: string, outcome: Outcome, brk: Break): BreakDetail {
  if (outcome.kind === "unkeyed")
    return {
      reconciliation,
      rule: brk.rule,
      recordKey: "",
      keyParts: [],
      ids: outcome.id === null ? {} : { [outcome.side]: [outcome.id] },
      rows: { [outcome.side]: 1 },
      missingOn: [],
      duplicateOn: [],
      difference: null,
    };
  const d = brk.difference;
  return {
    reconciliation,
    rule: brk.rule,
    recordKey: brk.key,
    keyParts: outcome.key.split(KEY_SEPARATOR),
    ids: Object.fromEntries(Object.entries(outcome.ids).map(([s, ids]) => [s, ids.slice(0, DETAIL_IDS)])),
    rows: outcome.rows,
    missingOn: outcome.missingOn,
    duplicateOn: outcome.duplicateOn,
    difference: d ? { type: d.type, a: d.a, b: d.b, detail: d.detail } : null,
  };
}

/** What a re-sync's `input` mapping is evaluated over (docs/dsl.md, reconcile `resync`). */
export interface ResyncContext {
  reconciliation: string;
  rule: string;
  recordKey: string;
  keyParts: string[];
  ids: Record<string, string[]>;
  values: Record<string, Scalar>;
}

export function resyncContext(d: BreakDetail): ResyncContext {
  const values: Record<string, Scalar> = {};
  if (d.difference) {
    values[d.difference.a.side] = d.difference.a.value;
    values[d.difference.b.side] = d.difference.b.value;
  }
  return {
    reconciliation: d.reconciliation,
    rule: d.rule,
    recordKey: d.recordKey,
    keyParts: d.keyParts,
    ids: d.ids,
    values,
  };
}
