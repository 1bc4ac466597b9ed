// For small sets and tests: normalise and sort in-memory arrays, then match them. Large sets are paged and
// sorted by the feeding layer (SQL `ORDER BY … COLLATE "C"`) and go to matchStreams directly.
import { DomainError } from "../domain-error";
import { compareKeys, recordKey } from "./keys";
import {
  matchStreams,
  parseDefinition,
  type Checkpoint,
  type MatchOptions,
  type Outcome,
  type Summary,
  type Totals,
} from "./matcher";
import type { ReconDefinition, ReconDefinitionInput } from "./schema";

/**
 * The side's records in match order (stable: rows with equal keys keep their order). Unkeyed records go
 * first, where the matcher reports them before any key.
 */
export function sortForMatch<T>(
  definition: ReconDefinition | ReconDefinitionInput,
  side: string,
  records: readonly T[],
): T[] {
  const def = parseDefinition(definition);
  const s = def.sides.find((x) => x.name === side);
  if (!s) throw new DomainError("invalid", `No side named "${side}".`, { field: "side" });
  const keyed = records.map((record, i) => ({ record, i, key: recordKey(s, record, def.maps) }));
  keyed.sort((a, b) => {
    if (a.key === null || b.key === null) return a.key === b.key ? a.i - b.i : a.key === null ? -1 : 1;
    return compareKeys(a.key, b.key) || a.i - b.i;
  });
  return keyed.map((k) => k.record);
}

export interface MatchResult {
  outcomes: Outcome[];
  totals: Totals;
  summary: Summary;
  checkpoints: Checkpoint[];
}

/** Sorts each side's array and matches them, collecting everything (small sets only). */
export async function matchArrays(
  definition: ReconDefinition | ReconDefinitionInput,
  records: Record<string, readonly unknown[]>,
  options: MatchOptions = {},
): Promise<MatchResult> {
  const def = parseDefinition(definition);
  const sources = Object.fromEntries(def.sides.map((s) => [s.name, sortForMatch(def, s.name, records[s.name] ?? [])]));
  const outcomes: Outcome[] = [];
  const checkpoints: Checkpoint[] = [];
  for await (const ev of matchStreams(def, sources, options)) {
    if (ev.type === "outcome") outcomes.push(ev.outcome);
    else if (ev.type === "checkpoint") checkpoints.push(ev.checkpoint);
    else return { outcomes, totals: ev.totals, summary: ev.summary, checkpoints };
  }
  throw new Error("matchStreams ended without a result");
}
