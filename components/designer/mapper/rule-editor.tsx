"use client";
// The selected target field's mapping: its source field(s), a function with its parameter, a fixed value,
// or the JSONata itself. Every control writes the field's expression; the expression box shows exactly
// what is saved, and text it cannot read as a rule stays custom.
import { useState } from "react";
import { checkExpression } from "@/core/dsl";
import { ExpressionField, type ExprScope } from "../expression-field";
import { FN_BY_ID, FUNCTIONS, literalFrom, renderRule, type FieldRule, type FnId } from "./rules";
import { TypeTag } from "./source-tree";
import { previewText, refLabel, type TargetRow } from "./target-tree";
import type { MapperProblem } from "./model";

type Choice = "none" | FnId | "literal" | "custom" | "each";

function choiceOf(rule: FieldRule | undefined): Choice {
  if (!rule) return "none";
  if (rule.kind === "fn") return rule.fn;
  if (rule.kind === "literal") return "literal";
  if (rule.kind === "custom") return "custom";
  if (rule.kind === "each") return "each";
  return "none";
}

function sourcesOf(rule: FieldRule | undefined): string[] {
  if (!rule) return [];
  if (rule.kind === "source") return [rule.source];
  if (rule.kind === "fn") return rule.sources;
  if (rule.kind === "each") return [rule.source];
  return [];
}

const parseTable = (text: string): Record<string, string> =>
  Object.fromEntries(
    text
      .split("\n")
      .map((l) => l.split("="))
      .filter((p) => p.length >= 2 && p[0]!.trim() !== "")
      .map((p) => [p[0]!.trim(), p.slice(1).join("=").trim()]),
  );

const formatTable = (t: Record<string, string>) =>
  Object.entries(t)
    .map(([k, v]) => `${k} = ${v}`)
    .join("\n");

export function RuleEditor({
  row,
  selectedSource,
  problems,
  preview,
  scope,
  onSet,
  onClear,
  readOnly,
}: {
  row: TargetRow;
  selectedSource: string | null;
  problems: readonly MapperProblem[];
  preview: unknown;
  scope: ExprScope;
  onSet(expr: string): void;
  onClear(): void;
  readOnly?: boolean;
}) {
  const rule = row.rule;
  const choice = choiceOf(rule);
  const sources = sourcesOf(rule);
  const [tableText, setTableText] = useState<string | null>(null);
  const [syntax, setSyntax] = useState<string | null>(null);
  const set = (r: FieldRule) => onSet(renderRule(r));
  const primary = sources[0] ?? selectedSource ?? (row.eachSource ? "$" : "$trigger");

  const choose = (c: Choice) => {
    if (c === "none") set({ kind: "source", source: primary });
    else if (c === "literal") set({ kind: "literal", value: "" });
    else if (c === "custom") onSet(row.expr ?? primary);
    else if (c === "each") set({ kind: "each", source: primary, fields: {} });
    else {
      const def = FN_BY_ID.get(c)!;
      const srcs = def.arity === "many" ? (sources.length ? sources : [primary]) : [primary];
      set({ kind: "fn", fn: c, sources: srcs, ...(def.param ? { param: def.param.default } : {}) });
    }
    setTableText(null);
  };

  const fnDef = rule?.kind === "fn" ? FN_BY_ID.get(rule.fn) : undefined;
  const isList = row.node.type === "array";

  // Every control names the target field it edits: a screen reader hears "Function for body.companyName".
  const target = refLabel(row.ref);
  return (
    <section aria-label={`Mapping of ${target}`} className="space-y-3 p-3 text-xs">
      <header className="flex items-center gap-2">
        <h3 className="truncate font-mono text-sm font-semibold text-slate-900">{refLabel(row.ref)}</h3>
        <TypeTag node={row.node} />
        {row.node.required && <span className="text-[10px] font-medium text-red-600">required</span>}
        <span className="flex-1" />
        {row.expr !== undefined && !readOnly && (
          <button
            type="button"
            onClick={onClear}
            className="rounded border border-slate-300 px-2 py-0.5 text-slate-600 hover:border-red-300 hover:text-red-700"
          >
            Clear
          </button>
        )}
      </header>
      {row.node.description && <p className="text-slate-500">{row.node.description}</p>}
      {row.eachSource && (
        <p className="rounded bg-emerald-50 px-2 py-1 text-emerald-800">
          Mapped per element of {row.eachSource}: paths without “$” are read from the element.
        </p>
      )}

      {row.expr === undefined ? (
        <div className="rounded-md border border-dashed border-slate-300 p-3 text-slate-500">
          Not mapped. Drag a source field here{selectedSource ? "" : ", or select one on the left"}
          {selectedSource && !readOnly && (
            <>
              {" "}
              or{" "}
              <button
                type="button"
                className="font-medium text-brand-700 hover:underline"
                onClick={() => set({ kind: "source", source: selectedSource })}
              >
                map {selectedSource}
              </button>
            </>
          )}
          {!readOnly && (
            <>
              {" "}
              ·{" "}
              <button
                type="button"
                className="font-medium text-brand-700 hover:underline"
                onClick={() => set({ kind: "literal", value: "" })}
              >
                fixed value
              </button>
            </>
          )}
        </div>
      ) : (
        <>
          <label className="block font-medium text-slate-600">
            Function
            <select
              aria-label={`Function for ${target}`}
              disabled={readOnly}
              value={choice}
              onChange={(e) => choose(e.target.value as Choice)}
              className="mt-1 block w-full rounded-md border border-slate-300 bg-white px-2 py-1.5 text-xs"
            >
              <option value="none">As is (no function)</option>
              <optgroup label="Functions">
                {FUNCTIONS.map((f) => (
                  <option key={f.id} value={f.id}>
                    {f.label}
                  </option>
                ))}
              </optgroup>
              <option value="literal">Fixed value</option>
              {(isList || choice === "each") && <option value="each">Each element (list)</option>}
              <option value="custom">Custom expression</option>
            </select>
          </label>
          {fnDef && <p className="text-slate-500">{fnDef.hint}</p>}

          {(rule?.kind === "source" || rule?.kind === "fn" || rule?.kind === "each") && (
            <div>
              <p className="font-medium text-slate-600">
                {rule.kind === "fn" && fnDef?.arity === "many" ? "Fields (in order)" : "From"}
              </p>
              <ul className="mt-1 flex flex-wrap gap-1">
                {sources.map((s, i) => (
                  <li
                    key={`${s}-${i}`}
                    className="flex items-center gap-1 rounded bg-slate-100 px-1.5 py-0.5 font-mono"
                  >
                    {s}
                    {rule.kind === "fn" && fnDef?.arity === "many" && sources.length > 1 && !readOnly && (
                      <button
                        type="button"
                        aria-label={`Remove ${s}`}
                        className="text-slate-400 hover:text-red-600"
                        onClick={() => set({ ...rule, sources: sources.filter((_, j) => j !== i) })}
                      >
                        ✕
                      </button>
                    )}
                  </li>
                ))}
              </ul>
              {selectedSource && !readOnly && !sources.includes(selectedSource) && (
                <div className="mt-1 flex gap-2">
                  <button
                    type="button"
                    className="font-medium text-brand-700 hover:underline"
                    onClick={() =>
                      rule.kind === "fn"
                        ? set({
                            ...rule,
                            sources:
                              fnDef?.arity === "many"
                                ? sources.map((s, i) => (i === 0 ? selectedSource : s))
                                : [selectedSource],
                          })
                        : rule.kind === "each"
                          ? set({ ...rule, source: selectedSource })
                          : set({ kind: "source", source: selectedSource })
                    }
                  >
                    Use {selectedSource}
                  </button>
                  {rule.kind === "fn" && fnDef?.arity === "many" && (
                    <button
                      type="button"
                      className="font-medium text-brand-700 hover:underline"
                      onClick={() => set({ ...rule, sources: [...sources, selectedSource] })}
                    >
                      Add {selectedSource}
                    </button>
                  )}
                </div>
              )}
              {rule.kind === "fn" && fnDef?.arity === "many" && (
                <p className="mt-1 text-slate-400">Drop more source fields on the target to add them.</p>
              )}
            </div>
          )}

          {rule?.kind === "fn" && fnDef?.param && (
            <label className="block font-medium text-slate-600">
              {fnDef.param.label}
              {fnDef.param.kind === "table" ? (
                <textarea
                  aria-label={`${fnDef.param.label} for ${target}`}
                  disabled={readOnly}
                  rows={4}
                  placeholder={"code = label\nwon = Closed Won"}
                  value={tableText ?? formatTable((rule.param as Record<string, string>) ?? {})}
                  onChange={(e) => {
                    setTableText(e.target.value);
                    set({ ...rule, param: parseTable(e.target.value) });
                  }}
                  className="mt-1 block w-full rounded-md border border-slate-300 px-2 py-1 font-mono text-xs"
                />
              ) : (
                <span className="mt-1 flex gap-1">
                  <input
                    aria-label={`${fnDef.param.label} for ${target}`}
                    disabled={readOnly}
                    type={fnDef.param.kind === "number" ? "number" : "text"}
                    value={rule.param === undefined || rule.param === null ? "" : String(rule.param)}
                    onChange={(e) =>
                      set({
                        ...rule,
                        param:
                          fnDef.param!.kind === "number"
                            ? Number(e.target.value)
                            : fnDef.param!.kind === "value"
                              ? literalFrom(e.target.value)
                              : e.target.value,
                      })
                    }
                    className="block min-w-0 flex-1 rounded-md border border-slate-300 px-2 py-1 font-mono text-xs"
                  />
                  {fnDef.param.presets && (
                    <select
                      aria-label={`${fnDef.param.label} presets for ${target}`}
                      disabled={readOnly}
                      value=""
                      onChange={(e) => e.target.value && set({ ...rule, param: e.target.value })}
                      className="rounded-md border border-slate-300 bg-white px-1 text-xs"
                    >
                      <option value="">Presets…</option>
                      {fnDef.param.presets.map((p) => (
                        <option key={p.value} value={p.value}>
                          {p.label}
                        </option>
                      ))}
                    </select>
                  )}
                </span>
              )}
            </label>
          )}

          {rule?.kind === "literal" && (
            <label className="block font-medium text-slate-600">
              Fixed value
              <input
                aria-label={`Fixed value for ${target}`}
                disabled={readOnly}
                value={rule.value === null ? "null" : String(rule.value)}
                onChange={(e) => set({ kind: "literal", value: literalFrom(e.target.value, row.node.type) })}
                className="mt-1 block w-full rounded-md border border-slate-300 px-2 py-1 font-mono text-xs"
              />
              <span className="mt-0.5 block font-normal text-slate-400">
                {row.node.type === "string"
                  ? "This field takes text: what is typed is sent as text."
                  : "Numbers, true, false and null are typed; anything else is text."}
              </span>
            </label>
          )}

          {rule?.kind === "each" && (
            <p className="text-slate-500">
              {Object.keys(rule.fields).length} element field(s) mapped. Map the element fields below {row.ref.path} in
              the target tree.
            </p>
          )}

          <div>
            <p className="font-medium text-slate-600">JSONata</p>
            <div className="mt-1">
              <ExpressionField
                key={refLabel(row.ref)}
                value={row.expr}
                onChange={(v) => {
                  // Only text that parses is written: a half-typed expression would turn a list mapping custom.
                  const c = checkExpression(v);
                  setSyntax(c.ok ? null : c.message);
                  if (c.ok) onSet(v);
                }}
                scope={scope}
                ariaLabel={`Expression for ${refLabel(row.ref)}`}
                readOnly={readOnly}
                multiline={rule?.kind === "each" || rule?.kind === "custom"}
              />
            </div>
            {syntax && (
              <p role="alert" className="mt-1 text-red-700">
                Not saved yet — the expression does not parse: {syntax}
              </p>
            )}
            {rule?.kind === "custom" && (
              <p className="mt-1 text-violet-700">Custom expression: kept exactly as written.</p>
            )}
          </div>
          <div>
            <p className="font-medium text-slate-600">Preview</p>
            <pre
              className="mt-1 max-h-32 overflow-auto rounded-md bg-slate-900 px-2 py-1.5 font-mono text-[11px] text-emerald-200"
              data-testid="field-preview"
            >
              {preview === undefined ? "— (no value on the sample)" : JSON.stringify(preview, null, 2)}
            </pre>
          </div>
        </>
      )}
      {problems.length > 0 && (
        <ul className="space-y-1">
          {problems.map((p, i) => (
            <li
              key={i}
              className={
                p.severity === "error"
                  ? "rounded bg-red-50 px-2 py-1 text-red-800"
                  : "rounded bg-amber-50 px-2 py-1 text-amber-900"
              }
            >
              {p.message}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

export { previewText };
