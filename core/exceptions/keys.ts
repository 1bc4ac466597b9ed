// Business keys: the records a run or an exception is about ({ project: "P-7", invoice: "INV-1042" }) and the
// money/hours it holds up ({ amount: 12400, hours: 38.5 }). Identities are matched (search, related exceptions,
// auto-resolve, held-up time); measures are summed as impact and never matched — a later run for the same
// project with more hours must still resolve the project's exception. Pure: used by the runtime and the seed.

/** Key names that measure rather than identify; the exception_derive trigger (migration 20261130090000) uses the same rule. */
const MEASURE_NAME = /(hours|hrs|amount|total|value|price|cost)/i;
const NUMERIC = /^-?\d+(\.\d+)?$/;

export type BusinessKeys = Record<string, unknown>;

/** Whether `value` under `name` is a measure (a number, or a numeric string, under a money/hours-like name). */
export function isMeasure(name: string, value: unknown): boolean {
  return MEASURE_NAME.test(name) && (typeof value === "number" || (typeof value === "string" && NUMERIC.test(value)));
}

/** Cap on the flattened values: a batch run carries one identity per item it processed. */
export const KEY_VALUES_MAX = 1000;

/** Flattens the identities into "name=value" strings for the indexed array column (search by invoice id). */
export function businessKeyValues(keys: BusinessKeys | null | undefined): string[] {
  if (!keys) return [];
  const out: string[] = [];
  for (const [k, v] of Object.entries(keys)) {
    const vals = Array.isArray(v) ? v : [v];
    for (const x of vals) {
      if (x === null || x === undefined || x === "" || isMeasure(k, x)) continue;
      out.push(`${k}=${typeof x === "string" ? x : JSON.stringify(x)}`);
    }
  }
  return [...new Set(out)].slice(0, KEY_VALUES_MAX);
}

/**
 * `base` with `more` added: identities become the distinct union (a scalar while there is one value), measures
 * are summed when `sumMeasures` (the impact of several failed items) and otherwise left as in `base` (a run's
 * keys are not a total of what its items measured).
 */
export function mergeKeys(
  base: BusinessKeys | null,
  more: BusinessKeys | null,
  opts: { sumMeasures: boolean },
): BusinessKeys | null {
  if (!more || !Object.keys(more).length) return base;
  const out: BusinessKeys = Object.assign(Object.create(null) as BusinessKeys, base ?? {});
  for (const [k, v] of Object.entries(more)) {
    if (v === null || v === undefined) continue;
    if (isMeasure(k, v)) {
      if (!opts.sumMeasures) continue;
      const prev = out[k];
      out[k] = Math.round(((isMeasure(k, prev) ? Number(prev) : 0) + Number(v)) * 1e6) / 1e6;
      continue;
    }
    const values = [...(Array.isArray(out[k]) ? (out[k] as unknown[]) : out[k] === undefined ? [] : [out[k]])];
    const seen = new Set(values.map((x) => JSON.stringify(x)));
    for (const x of Array.isArray(v) ? v : [v]) {
      const id = JSON.stringify(x);
      if (x === null || x === undefined || seen.has(id)) continue;
      seen.add(id);
      values.push(x);
    }
    if (values.length) out[k] = values.length === 1 ? values[0] : values;
  }
  return out;
}
