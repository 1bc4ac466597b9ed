"use client";
// The target side of the mapper: the target schema's fields (plus any mapped field it lacks), each a drop
// zone for a source field, showing what it is mapped from, its live preview value and its problems. A
// list mapped element-wise opens its element fields, mapped relative to the source list's elements.
import { clsx } from "clsx";
import { memo } from "react";
import { FN_BY_ID, parseRule, type FieldRule } from "./rules";
import { TypeTag, DRAG_MIME } from "./source-tree";
import type { FieldNode } from "./schema-tree";
import type { MapperProblem } from "./model";

/** Where a target row's mapping lives: a field of the mapping, or a field inside a list mapped element-wise. */
export interface TargetRef {
  path: string;
  inner?: string;
}

export const refKey = (r: TargetRef) => (r.inner ? `${r.path}[].${r.inner}` : r.path);
export const refLabel = (r: TargetRef) => (r.inner ? `${r.path}[].${r.inner}` : r.path);
export const problemPath = (r: TargetRef) => (r.inner ? `${r.path}.${r.inner}` : r.path);

export interface TargetRow {
  ref: TargetRef;
  node: FieldNode;
  depth: number;
  rule?: FieldRule;
  expr?: string;
  extra: boolean;
  /** Why it cannot be mapped yet. */
  disabled?: string;
  /** The source list of the enclosing element-wise mapping. */
  eachSource?: string;
}

const stripList = (p: string) =>
  p
    .split(".")
    .filter((s) => s !== "[]")
    .join(".");

/** The rows of the target tree for the current field mappings. */
export function targetRows(tree: FieldNode, fields: Record<string, string>, extra: ReadonlySet<string>): TargetRow[] {
  const rows: TargetRow[] = [];
  const visitTop = (node: FieldNode, depth: number) => {
    const path = stripList(node.path);
    const expr = fields[path];
    const rule = expr !== undefined ? parseRule(expr) : undefined;
    rows.push({ ref: { path }, node, depth, rule, expr, extra: extra.has(path) });
    if (expr !== undefined) {
      if (rule?.kind === "each") visitEach(node, path, rule, depth + 1);
      return;
    }
    if (node.type === "array") {
      for (const c of node.children)
        rows.push({
          ref: { path, inner: relative(c.path, node.path) },
          node: c,
          depth: depth + 1,
          extra: false,
          disabled: `Map a list onto ${path} first; its element fields are then mapped per element.`,
        });
      return;
    }
    for (const c of node.children) visitTop(c, depth + 1);
  };
  const visitEach = (list: FieldNode, top: string, rule: Extract<FieldRule, { kind: "each" }>, depth: number) => {
    const seen = new Set<string>();
    const visit = (node: FieldNode, d: number) => {
      const inner = relative(node.path, list.path);
      seen.add(inner);
      const expr = rule.fields[inner];
      const r = expr !== undefined ? parseRule(expr) : undefined;
      rows.push({ ref: { path: top, inner }, node, depth: d, rule: r, expr, extra: false, eachSource: rule.source });
      if (expr === undefined && node.type === "object") for (const c of node.children) visit(c, d + 1);
    };
    for (const c of list.children) visit(c, depth);
    // Element fields the schema does not describe (or all of them, without a schema).
    for (const [inner, expr] of Object.entries(rule.fields)) {
      if (seen.has(inner)) continue;
      const name = inner.split(".").pop()!;
      rows.push({
        ref: { path: top, inner },
        node: { name: inner, path: inner, type: "any", required: false, nullable: false, children: [] },
        depth,
        rule: parseRule(expr),
        expr,
        extra: list.children.length > 0 && !!name,
        eachSource: rule.source,
      });
    }
  };
  for (const c of tree.children) visitTop(c, 0);
  return rows;
}

function relative(path: string, base: string): string {
  const rest = path.startsWith(base) ? path.slice(base.length) : path;
  return stripList(rest.replace(/^\./, ""));
}

export function describeRule(rule: FieldRule | undefined): string {
  if (!rule) return "";
  switch (rule.kind) {
    case "source":
      return rule.source;
    case "literal":
      return JSON.stringify(rule.value);
    case "each":
      return `each of ${rule.source}`;
    case "custom":
      return rule.expr.replace(/\s+/g, " ");
    case "fn":
      return `${FN_BY_ID.get(rule.fn)?.label}(${rule.sources.join(", ")})`;
  }
}

export function previewText(v: unknown): string {
  if (v === undefined) return "—";
  const s = JSON.stringify(v);
  return s.length > 48 ? `${s.slice(0, 45)}…` : s;
}

export const TargetPanel = memo(function TargetPanel({
  rows,
  selectedKey,
  sourceSelected,
  problems,
  preview,
  onActivate,
  onDropSource,
  onClear,
  readOnly,
  label,
}: {
  rows: readonly TargetRow[];
  selectedKey: string | null;
  sourceSelected: boolean;
  problems: ReadonlyMap<string, MapperProblem[]>;
  preview: (row: TargetRow) => unknown;
  onActivate(row: TargetRow): void;
  onDropSource(row: TargetRow, expr: string): void;
  onClear(row: TargetRow): void;
  readOnly?: boolean;
  label: string;
}) {
  return (
    <section aria-label="Target fields" className="flex min-h-0 flex-col">
      <div className="flex items-center justify-between border-b border-slate-200 px-3 py-2 text-xs">
        <span className="font-semibold text-slate-700">{label}</span>
        <span className="text-slate-400">
          {sourceSelected ? "Click a target field to map the selected source" : "Drop source fields here"}
        </span>
      </div>
      <ul className="min-h-0 flex-1 overflow-auto py-1 text-xs" role="tree" aria-label="Targets">
        {rows.length === 0 && (
          <li className="p-3 text-slate-500">
            No target fields yet: add one below, or drop a source field on “New field”.
          </li>
        )}
        {rows.map((row) => {
          const key = refKey(row.ref);
          const probs = problems.get(problemPath(row.ref)) ?? [];
          const err = probs.some((p) => p.severity === "error");
          const warn = !err && probs.length > 0;
          const mapped = row.expr !== undefined;
          return (
            <li key={key} role="treeitem" aria-selected={selectedKey === key}>
              <div
                data-target={key}
                onDragOver={(e) => {
                  if (readOnly || row.disabled) return;
                  if (e.dataTransfer.types.includes(DRAG_MIME)) {
                    e.preventDefault();
                    e.dataTransfer.dropEffect = "copy";
                    e.currentTarget.dataset.over = "1";
                  }
                }}
                onDragLeave={(e) => delete e.currentTarget.dataset.over}
                onDrop={(e) => {
                  delete e.currentTarget.dataset.over;
                  const expr = e.dataTransfer.getData(DRAG_MIME);
                  if (!expr || readOnly || row.disabled) return;
                  e.preventDefault();
                  onDropSource(row, expr);
                }}
                className={clsx(
                  "group flex items-start gap-1 border-l-2 py-0.5 pr-2 data-[over=1]:bg-brand-50 data-[over=1]:ring-1 data-[over=1]:ring-inset data-[over=1]:ring-brand-500",
                  selectedKey === key ? "border-brand-600 bg-brand-50/60" : "border-transparent",
                  row.disabled && "opacity-50",
                )}
                style={{ paddingLeft: 6 + row.depth * 14 }}
              >
                <button
                  type="button"
                  disabled={!!row.disabled}
                  aria-label={`Target ${refLabel(row.ref)}`}
                  title={row.disabled ?? row.node.description ?? refLabel(row.ref)}
                  onClick={() => onActivate(row)}
                  className="flex min-w-0 flex-1 flex-col rounded px-1 py-0.5 text-left hover:bg-slate-100 disabled:hover:bg-transparent"
                >
                  <span className="flex w-full items-center gap-1.5">
                    <span className={clsx("truncate font-mono", row.extra ? "text-amber-700" : "text-slate-800")}>
                      {row.node.name}
                    </span>
                    {row.node.required && (
                      <span className="text-red-500" aria-label="required">
                        *
                      </span>
                    )}
                    {row.extra && <span className="text-[10px] text-amber-700">not in schema</span>}
                    {err && (
                      <span
                        className="h-2 w-2 shrink-0 rounded-full bg-red-500"
                        title={probs.map((p) => p.message).join("\n")}
                        aria-label="has errors"
                      />
                    )}
                    {warn && (
                      <span
                        className="h-2 w-2 shrink-0 rounded-full bg-amber-400"
                        title={probs.map((p) => p.message).join("\n")}
                        aria-label="has warnings"
                      />
                    )}
                    <span className="flex-1" />
                    <TypeTag node={row.node} />
                  </span>
                  {mapped ? (
                    <span className="mt-0.5 flex w-full items-center gap-1.5">
                      <span
                        data-testid="mapping-chip"
                        className={clsx(
                          "max-w-[70%] truncate rounded px-1.5 py-px font-mono text-[10.5px]",
                          row.rule?.kind === "custom"
                            ? "bg-violet-50 text-violet-800"
                            : row.rule?.kind === "fn"
                              ? "bg-sky-50 text-sky-800"
                              : row.rule?.kind === "each"
                                ? "bg-emerald-50 text-emerald-800"
                                : "bg-slate-100 text-slate-700",
                          err && "ring-1 ring-red-300",
                          warn && "ring-1 ring-amber-300",
                        )}
                        title={row.expr}
                      >
                        ← {row.rule?.kind === "custom" ? `custom: ${describeRule(row.rule)}` : describeRule(row.rule)}
                      </span>
                      <span className="truncate font-mono text-[10.5px] text-slate-400" data-testid="preview-value">
                        = {previewText(preview(row))}
                      </span>
                    </span>
                  ) : (
                    !row.disabled &&
                    row.node.children.length === 0 && (
                      <span className="mt-0.5 text-[10.5px] italic text-slate-400">
                        {row.node.required ? "required — not mapped" : "not mapped"}
                      </span>
                    )
                  )}
                </button>
                {mapped && !readOnly && (
                  <button
                    type="button"
                    aria-label={`Clear ${refLabel(row.ref)}`}
                    title="Clear this mapping"
                    onClick={() => onClear(row)}
                    className="mt-1 px-1 text-slate-300 hover:text-red-600 group-hover:text-slate-500"
                  >
                    ✕
                  </button>
                )}
              </div>
            </li>
          );
        })}
      </ul>
    </section>
  );
});
