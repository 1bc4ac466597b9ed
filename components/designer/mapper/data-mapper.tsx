"use client";
// The data mapper of the map step: source fields (trigger, upstream outputs, the foreach item) on the
// left, target fields (canonical model or the downstream operation's input) in the middle, the selected
// field's rule and the live preview on the right; a code view shows the same mapping as JSONata. Both
// views edit one value (the DSL Mapping), so they never drift; what the field view cannot show is custom.
import { clsx } from "clsx";
import { useCallback, useDeferredValue, useEffect, useMemo, useRef, useState } from "react";
import { evaluateMapping, type Mapping } from "@/core/dsl";
import type { ExprScope } from "../expression-field";
import { CodeView } from "./code-view";
import {
  checkMapping,
  mappingCode,
  mappingView,
  previewScope,
  setEachField,
  setField,
  sourceIndex,
  sourceTrees,
  targetTree,
  valueAt,
  type MapperProblem,
} from "./model";
import { MappingLines, type MappingPair } from "./mapping-lines";
import { RuleEditor } from "./rule-editor";
import { parseRule, renderRule, sourcePath, type FieldRule } from "./rules";
import { SourcePanel, DRAG_MIME } from "./source-tree";
import { TargetPanel, problemPath, refKey, targetRows, type TargetRef, type TargetRow } from "./target-tree";
import type { FieldNode } from "./schema-tree";
import type { DataMapperProps } from "./types";
import { useSaveAlert } from "../save-alert";

type Preview =
  { state: "ok"; value: unknown } | { state: "error"; message: string } | { state: "none"; reason: string };

const NO_PAIRS: MappingPair[] = [];
const norm = (s: string) => s.toLowerCase().replace(/[^a-z0-9]/g, "");

/** Same-named element fields of a source list for a target list (auto-map on an element-wise drop). */
function autoMapElements(target: FieldNode, source: FieldNode | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (!source) return out;
  const byName = new Map(source.children.map((c) => [norm(c.name), c] as const));
  for (const t of target.children) {
    if (t.type === "object" || t.type === "array") continue;
    const s = byName.get(norm(t.name));
    if (s && s.type !== "object" && s.type !== "array") out[t.name] = sourcePath("", s.name);
  }
  return out;
}

export function DataMapper({ value, onChange, sources, target, readOnly }: DataMapperProps) {
  const [tab, setTab] = useState<"fields" | "code">("fields");
  const [selectedSource, setSelectedSource] = useState<string | null>(null);
  const [selectedKey, setSelectedKey] = useState<string | null>(null);
  const [expanded, setExpanded] = useState(false);
  const [newField, setNewField] = useState("");
  // Full screen covers the designer's save banner (a conflict, unsaved edits): it is repeated here.
  const saveAlert = useSaveAlert();

  const view = useMemo(() => mappingView(value), [value]);
  const fields = useMemo(() => (view.mode === "fields" ? view.fields : {}), [view]);
  const trees = useMemo(() => sourceTrees(sources), [sources]);
  const index = useMemo(() => sourceIndex(trees), [trees]);
  const { tree, extra } = useMemo(
    () => targetTree(target?.schema, fields, target?.label ?? "Output"),
    [target, fields],
  );
  const rows = useMemo(() => targetRows(tree, fields, extra), [tree, fields, extra]);
  const problems = useMemo(() => checkMapping(value, sources, target), [value, sources, target]);
  const problemsByPath = useMemo(() => {
    const m = new Map<string, MapperProblem[]>();
    for (const p of problems) m.set(p.path, [...(m.get(p.path) ?? []), p]);
    return m;
  }, [problems]);
  const errors = problems.filter((p) => p.severity === "error").length;
  const warnings = problems.length - errors;

  // Live preview on the pinned samples (pure JSONata, in the browser), a beat behind typing.
  const deferred = useDeferredValue(value);
  const [preview, setPreview] = useState<Preview>({ state: "none", reason: "" });
  useEffect(() => {
    const { scope, missing } = previewScope(sources);
    if (missing.length === sources.length) {
      setPreview({
        state: "none",
        reason: sources.length
          ? "Pin sample data on an upstream step (or the trigger) to preview the result."
          : "No sources.",
      });
      return;
    }
    let live = true;
    const t = setTimeout(() => {
      evaluateMapping(deferred, scope, { timeoutMs: 500 })
        .then((v) => live && setPreview({ state: "ok", value: v }))
        .catch(
          (e: unknown) => live && setPreview({ state: "error", message: e instanceof Error ? e.message : String(e) }),
        );
    }, 120);
    return () => {
      live = false;
      clearTimeout(t);
    };
  }, [deferred, sources]);

  const rowPreview = useCallback(
    (row: TargetRow): unknown => {
      if (preview.state !== "ok") return undefined;
      const top = valueAt(preview.value, row.ref.path);
      if (!row.ref.inner) return top;
      return Array.isArray(top) ? top.map((el) => valueAt(el, row.ref.inner!)) : undefined;
    },
    [preview],
  );

  // Each mapped source field and the target row it feeds: the source tree marks them, the lines join them.
  const pairs = useMemo<MappingPair[]>(() => {
    const out: MappingPair[] = [];
    for (const r of rows) {
      const rule = r.rule;
      const from =
        rule?.kind === "source" || rule?.kind === "each" ? [rule.source] : rule?.kind === "fn" ? rule.sources : [];
      for (const f of from)
        out.push({ from: r.eachSource && !f.startsWith("$") ? `${r.eachSource}.${f}` : f, to: refKey(r.ref) });
    }
    return out;
  }, [rows]);
  const mappedSources = useMemo(() => new Set(pairs.map((p) => p.from)), [pairs]);

  const scope: ExprScope = useMemo(
    () => ({
      paths: [...index.values()]
        .filter((f) => f.expr.startsWith("$"))
        .map((f) => ({
          path: f.expr,
          type: f.node.type,
          ...(f.node.description ? { detail: f.node.description } : {}),
        })),
    }),
    [index],
  );

  // ------------------------------------------------------------------------------------------------
  // Edits: every one writes the Mapping (field mappings), nothing else.

  const assign = useCallback(
    (ref: TargetRef, expr: string | null) => {
      if (readOnly) return;
      if (!ref.inner) {
        onChange(setField(value, ref.path, expr));
        return;
      }
      const current = fields[ref.path];
      const rule = current !== undefined ? parseRule(current) : undefined;
      if (rule?.kind !== "each") return;
      onChange(setField(value, ref.path, renderRule(setEachField(rule, ref.inner, expr))));
    },
    [fields, onChange, readOnly, value],
  );

  const mapSource = useCallback(
    (row: TargetRow, expr: string) => {
      const src = index.get(expr);
      // Inside a list mapped element-wise, fields of the element are read relative to it.
      const rel =
        row.eachSource && expr.startsWith(`${row.eachSource}.`) ? expr.slice(row.eachSource.length + 1) : expr;
      const existing = row.rule;
      let next: FieldRule;
      if (row.node.type === "array" && src && (src.node.type === "array" || src.throughList)) {
        next = { kind: "each", source: rel, fields: autoMapElements(row.node, src.node) };
      } else if (existing?.kind === "fn" && existing.fn === "concat")
        next = { ...existing, sources: [...existing.sources, rel] };
      else if (existing?.kind === "fn") next = { ...existing, sources: [rel] };
      else next = { kind: "source", source: rel };
      assign(row.ref, renderRule(next));
      setSelectedKey(refKey(row.ref));
      setSelectedSource(null);
    },
    [assign, index],
  );

  const activate = useCallback(
    (row: TargetRow) => {
      if (selectedSource && !readOnly) mapSource(row, selectedSource);
      else setSelectedKey(refKey(row.ref));
    },
    [mapSource, readOnly, selectedSource],
  );

  const addField = (name: string, expr: string) => {
    const path = name.trim().replace(/\s+/g, "_");
    if (!path || path.split(".").some((s) => !s)) return;
    assign({ path }, expr);
    setSelectedKey(path);
    setNewField("");
  };

  const autoMap = () => {
    let next: Mapping = value;
    let n = 0;
    const candidates = [...index.values()].filter(
      (f) => f.node.type !== "object" && !f.throughList && f.node.path !== "",
    );
    for (const row of rows) {
      if (row.ref.inner || row.expr !== undefined || row.disabled || row.node.children.length > 0) continue;
      const match = candidates
        .filter((c) => norm(c.node.name) === norm(row.node.name))
        .sort((a, b) => a.expr.length - b.expr.length)[0];
      if (!match) continue;
      next = setField(next, row.ref.path, match.expr);
      n++;
    }
    if (n) onChange(next);
  };

  const selectedRow = rows.find((r) => refKey(r.ref) === selectedKey) ?? null;
  const grid = useRef<HTMLDivElement>(null);
  const sampleSummary = sources.filter((s) => s.sample !== undefined).map((s) => s.label);

  return (
    <div
      className={clsx(
        "@container flex flex-col overflow-hidden rounded-lg border border-slate-200 bg-white",
        expanded ? "fixed inset-3 z-50 shadow-2xl" : "h-[640px]",
      )}
      role="region"
      aria-label="Data mapper"
      onKeyDown={(e) => {
        if (e.key === "Escape" && expanded) setExpanded(false);
        // Keystrokes here must not reach the canvas shortcuts (Delete, Ctrl+Z…) behind the mapper.
        e.stopPropagation();
      }}
    >
      <header className="flex flex-wrap items-center gap-2 border-b border-slate-200 bg-slate-50 px-3 py-2">
        <h2 className="text-sm font-semibold text-slate-900">Data mapper</h2>
        {target && <span className="text-xs text-slate-500">→ {target.label}</span>}
        <div
          role="tablist"
          aria-label="Mapper view"
          className="ml-2 inline-flex rounded-md border border-slate-300 bg-white p-0.5 text-xs"
        >
          {(["fields", "code"] as const).map((t) => (
            <button
              key={t}
              role="tab"
              type="button"
              aria-selected={tab === t}
              onClick={() => setTab(t)}
              className={clsx(
                "rounded px-2.5 py-1",
                tab === t ? "bg-brand-600 text-white" : "text-slate-600 hover:bg-slate-100",
              )}
            >
              {t === "fields" ? "Fields" : "JSONata"}
            </button>
          ))}
        </div>
        <span className="flex-1" />
        <span role="status" aria-label="Mapping problems" className="flex items-center gap-1.5 text-xs">
          {errors > 0 && (
            <span className="rounded-full bg-red-50 px-2 py-0.5 font-medium text-red-700 ring-1 ring-red-200">
              {errors} error{errors === 1 ? "" : "s"}
            </span>
          )}
          {warnings > 0 && (
            <span className="rounded-full bg-amber-50 px-2 py-0.5 font-medium text-amber-800 ring-1 ring-amber-200">
              {warnings} warning{warnings === 1 ? "" : "s"}
            </span>
          )}
          {problems.length === 0 && (
            <span className="rounded-full bg-emerald-50 px-2 py-0.5 font-medium text-emerald-700 ring-1 ring-emerald-200">
              No problems
            </span>
          )}
        </span>
        {!readOnly && view.mode === "fields" && (
          <button
            type="button"
            onClick={autoMap}
            className="rounded-md border border-slate-300 bg-white px-2 py-1 text-xs text-slate-700 hover:bg-slate-100"
            title="Map unmapped target fields from source fields of the same name"
          >
            Auto-map
          </button>
        )}
        <button
          type="button"
          onClick={() => setExpanded((x) => !x)}
          className="rounded-md border border-slate-300 bg-white px-2 py-1 text-xs text-slate-700 hover:bg-slate-100"
          aria-pressed={expanded}
        >
          {expanded ? "Close full screen" : "Full screen"}
        </button>
      </header>
      {expanded && saveAlert}

      <div
        ref={grid}
        className="grid min-h-0 flex-1 grid-cols-1 divide-y divide-slate-200 @3xl:grid-cols-[minmax(200px,1fr)_48px_minmax(260px,1.35fr)_minmax(260px,1.2fr)] @3xl:divide-x @3xl:divide-y-0"
      >
        <SourcePanel
          trees={trees}
          selected={selectedSource}
          onSelect={setSelectedSource}
          mappedSources={mappedSources}
          readOnly={readOnly}
        />
        <MappingLines
          scope={grid}
          pairs={tab === "fields" && view.mode === "fields" ? pairs : NO_PAIRS}
          selectedKey={selectedKey}
        />

        {tab === "code" ? (
          <CodeView value={value} onChange={onChange} scope={scope} readOnly={readOnly} />
        ) : view.mode === "expression" ? (
          <section aria-label="Target fields" className="space-y-2 p-3 text-xs">
            <p className="rounded-md bg-violet-50 p-2 text-violet-900">
              This mapping is one custom JSONata expression that the field view cannot show as fields. It is kept
              exactly as written; edit it in the JSONata view.
            </p>
            <pre
              className="max-h-80 overflow-auto rounded-md bg-slate-50 p-2 font-mono text-[11px] text-slate-800"
              data-testid="mapping-chip"
            >
              {view.expr}
            </pre>
            <button type="button" onClick={() => setTab("code")} className="font-medium text-brand-700 hover:underline">
              Open the JSONata view
            </button>
          </section>
        ) : (
          <div className="flex min-h-0 flex-col">
            <TargetPanel
              rows={rows}
              selectedKey={selectedKey}
              sourceSelected={!!selectedSource}
              problems={problemsByPath}
              preview={rowPreview}
              onActivate={activate}
              onDropSource={mapSource}
              onClear={(row) => assign(row.ref, null)}
              readOnly={readOnly}
              label={target?.label ?? "Output fields"}
            />
            {!readOnly && (
              <form
                className="flex items-center gap-1 border-t border-slate-200 p-2"
                onSubmit={(e) => {
                  e.preventDefault();
                  addField(newField, selectedSource ?? "null");
                }}
                onDragOver={(e) => e.dataTransfer.types.includes(DRAG_MIME) && e.preventDefault()}
                onDrop={(e) => {
                  const expr = e.dataTransfer.getData(DRAG_MIME);
                  if (!expr) return;
                  e.preventDefault();
                  addField(
                    newField || (index.get(expr)?.node.name ?? expr.split(".").pop() ?? "field").replace(/`/g, ""),
                    expr,
                  );
                }}
              >
                <input
                  value={newField}
                  onChange={(e) => setNewField(e.target.value)}
                  aria-label="New target field"
                  placeholder="New field (e.g. billing.city) — or drop a source here"
                  className="min-w-0 flex-1 rounded-md border border-dashed border-slate-300 px-2 py-1 font-mono text-xs"
                />
                <button
                  type="submit"
                  disabled={!newField.trim()}
                  className="rounded-md bg-slate-800 px-2 py-1 text-xs text-white disabled:opacity-40"
                >
                  Add
                </button>
              </form>
            )}
          </div>
        )}

        <div className="flex min-h-0 flex-col overflow-auto">
          {tab === "fields" &&
            view.mode === "fields" &&
            (selectedRow ? (
              <RuleEditor
                row={selectedRow}
                selectedSource={selectedSource}
                problems={problemsByPath.get(problemPath(selectedRow.ref)) ?? []}
                preview={rowPreview(selectedRow)}
                scope={scope}
                onSet={(expr) => assign(selectedRow.ref, expr)}
                onClear={() => assign(selectedRow.ref, null)}
                readOnly={readOnly}
              />
            ) : (
              <div className="p-3 text-xs text-slate-500">
                <p className="font-medium text-slate-700">How to map</p>
                <ul className="mt-1 list-disc space-y-0.5 pl-4">
                  <li>Drag a source field onto a target field (one source per target; dropping again replaces it).</li>
                  <li>Or with the keyboard: select a source field (Enter), then a target field (Enter).</li>
                  <li>Select a target field to apply a function: format date, money, concatenate, lookup, default…</li>
                  <li>Drop a list onto a list to map it element by element; same-named fields are mapped for you.</li>
                </ul>
              </div>
            ))}

          <section aria-label="Preview" className="mt-auto border-t border-slate-200 p-3">
            <div className="flex items-center justify-between">
              <h3 className="text-xs font-semibold text-slate-700">Result on the pinned sample</h3>
              {sampleSummary.length > 0 && (
                <span className="truncate pl-2 text-[10px] text-slate-400">{sampleSummary.join(", ")}</span>
              )}
            </div>
            {preview.state === "ok" && (
              <pre
                data-testid="mapper-preview"
                className="mt-1 max-h-56 overflow-auto rounded-md bg-slate-900 p-2 font-mono text-[11px] leading-snug text-emerald-200"
              >
                {JSON.stringify(preview.value, null, 2) ?? "undefined"}
              </pre>
            )}
            {preview.state === "error" && (
              <p
                role="alert"
                data-testid="mapper-preview"
                className="mt-1 rounded-md bg-red-50 p-2 text-xs text-red-800"
              >
                {preview.message}
              </p>
            )}
            {preview.state === "none" && <p className="mt-1 text-xs text-slate-500">{preview.reason}</p>}
          </section>

          {problems.length > 0 && (
            <section
              aria-label="Mapping problems list"
              className="max-h-40 overflow-auto border-t border-slate-200 p-3"
            >
              <ul className="space-y-1 text-xs">
                {problems.map((p, i) => (
                  <li key={i}>
                    <button
                      type="button"
                      className={clsx(
                        "w-full rounded px-2 py-1 text-left",
                        p.severity === "error"
                          ? "bg-red-50 text-red-800 hover:bg-red-100"
                          : "bg-amber-50 text-amber-900 hover:bg-amber-100",
                      )}
                      onClick={() => {
                        setTab("fields");
                        const row = rows.find((r) => problemPath(r.ref) === p.path);
                        if (row) setSelectedKey(refKey(row.ref));
                      }}
                    >
                      {p.message}
                    </button>
                  </li>
                ))}
              </ul>
            </section>
          )}
          {tab === "code" && (
            <div className="order-first p-3 text-xs text-slate-500">
              <p className="font-medium text-slate-700">JSONata view</p>
              <ul className="mt-1 list-disc space-y-0.5 pl-4">
                <li>Type $ for what is in scope: the trigger, upstream step outputs, the loop item.</li>
                <li>
                  An object such as {"{"} "customer": {"{"} "id": $trigger.id {"}"} {"}"} is shown as fields in the
                  field view.
                </li>
                <li>Anything else stays one custom expression, kept exactly as written.</li>
                <li>{mappingCode(value).split("\n").length} line(s); changes apply as soon as they parse.</li>
              </ul>
            </div>
          )}
        </div>
      </div>
    </div>
  );
}
