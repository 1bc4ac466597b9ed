"use client";
// A compact editor for a DSL Mapping (one JSONata expression, or target field → expression rows). The map
// step uses the full data mapper (./mapper); this one serves emit payloads, subflow inputs and fail details,
// and (`keys`) name → expression maps such as business keys, which have no one-expression form.
import type { Mapping } from "@/core/dsl";
import { ExpressionField, type ExprScope } from "../expression-field";

export function MappingEditor({
  value,
  onChange,
  scope,
  field,
  readOnly,
  keys,
}: {
  value: unknown;
  onChange(v: Mapping | undefined): void;
  scope: ExprScope;
  field: string;
  readOnly?: boolean;
  /** A name → expression map (business keys): rows only, named "key". */
  keys?: boolean;
}) {
  const isExpr = !keys && typeof value === "string";
  const noun = keys ? "key" : "target field";
  const rows: Array<[string, string]> =
    value && typeof value === "object" ? Object.entries(value as Record<string, string>) : [];
  const setRows = (next: Array<[string, string]>) => onChange(Object.fromEntries(next) as Mapping);
  return (
    <div className="space-y-2" data-field={field}>
      {!keys && (
        <div className="flex gap-1 text-[11px]">
          <button
            type="button"
            disabled={readOnly}
            onClick={() => onChange(isExpr ? {} : "{}")}
            className="rounded border border-slate-300 px-2 py-0.5 text-slate-600 hover:bg-slate-50"
          >
            {isExpr ? "Switch to fields" : "Switch to one expression"}
          </button>
        </div>
      )}
      {isExpr ? (
        <ExpressionField
          value={value as string}
          onChange={(v) => onChange(v)}
          scope={scope}
          ariaLabel={`${field} expression`}
          field={field}
          multiline
          readOnly={readOnly}
        />
      ) : (
        <>
          {rows.map(([k, v], i) => (
            <div key={i} className="grid grid-cols-[minmax(0,2fr)_minmax(0,3fr)_auto] items-start gap-1">
              <input
                aria-label={`${keys ? "Key" : "Target field"} ${i + 1} of ${field}`}
                disabled={readOnly}
                className="rounded-md border border-slate-300 px-2 py-1 font-mono text-xs"
                value={k}
                onChange={(e) => setRows(rows.map((r, j) => (j === i ? [e.target.value, r[1]] : r)))}
              />
              <ExpressionField
                value={v}
                onChange={(nv) => setRows(rows.map((r, j) => (j === i ? [r[0], nv] : r)))}
                scope={scope}
                ariaLabel={`Expression for ${k ? `${field}.${k}` : `${noun} ${i + 1} of ${field}`}`}
                field={`${field}.${k}`}
                readOnly={readOnly}
              />
              <button
                type="button"
                disabled={readOnly}
                aria-label={`Remove ${k ? `${field}.${k}` : `${noun} ${i + 1} of ${field}`}`}
                className="px-1 text-slate-400 hover:text-red-600"
                onClick={() => setRows(rows.filter((_, j) => j !== i))}
              >
                ✕
              </button>
            </div>
          ))}
          <button
            type="button"
            disabled={readOnly}
            className="text-xs font-medium text-brand-700 hover:underline"
            onClick={() => setRows([...rows, [`${keys ? "key" : "field"}${rows.length + 1}`, "''"]])}
          >
            + Add {keys ? "key" : "field"}
          </button>
        </>
      )}
    </div>
  );
}
