"use client";
// The source side of the mapper: one tree per source (trigger, upstream step outputs, the foreach item).
// Every field is draggable onto a target field, and selectable (click / Enter) for click-to-map.
import { clsx } from "clsx";
import { memo, useMemo, useState } from "react";
import { sourcePath } from "./rules";
import { TYPE_LABEL, type FieldNode } from "./schema-tree";
import type { SourceTree } from "./model";

export const DRAG_MIME = "application/x-weft-field";

export function TypeTag({ node }: { node: Pick<FieldNode, "type" | "format" | "itemType"> }) {
  const label =
    node.type === "array" && node.itemType && node.itemType !== "object"
      ? `list of ${TYPE_LABEL[node.itemType]}`
      : node.format && node.type === "string"
        ? node.format
        : TYPE_LABEL[node.type];
  return <span className="shrink-0 rounded bg-slate-100 px-1 font-mono text-[10px] text-slate-500">{label}</span>;
}

function matches(node: FieldNode, q: string): boolean {
  return node.name.toLowerCase().includes(q) || node.children.some((c) => matches(c, q));
}

export const SourcePanel = memo(function SourcePanel({
  trees,
  selected,
  onSelect,
  mappedSources,
  readOnly,
}: {
  trees: readonly SourceTree[];
  selected: string | null;
  onSelect(expr: string | null): void;
  /** Source paths already used by some target (shown with a dot). */
  mappedSources: ReadonlySet<string>;
  readOnly?: boolean;
}) {
  const [filter, setFilter] = useState("");
  const [collapsed, setCollapsed] = useState<ReadonlySet<string>>(new Set());
  const q = filter.trim().toLowerCase();
  const toggle = (key: string) =>
    setCollapsed((c) => (c.has(key) ? new Set([...c].filter((x) => x !== key)) : new Set([...c, key])));

  const rows = useMemo(() => {
    const out: Array<{
      node: FieldNode;
      expr: string;
      depth: number;
      key: string;
      root: boolean;
      hasChildren: boolean;
      label: string;
    }> = [];
    for (const { source, tree } of trees) {
      const visit = (node: FieldNode, depth: number) => {
        const expr = sourcePath(source.ref, node.path);
        const key = `${source.ref}|${node.path}`;
        if (q && depth > 0 && !matches(node, q)) return;
        out.push({
          node,
          expr,
          depth,
          key,
          root: depth === 0,
          hasChildren: node.children.length > 0,
          label: depth === 0 ? source.label : node.name,
        });
        if (collapsed.has(key) && !q) return;
        for (const c of node.children) visit(c, depth + 1);
      };
      visit(tree, 0);
    }
    return out;
  }, [trees, q, collapsed]);

  return (
    <section aria-label="Source fields" className="flex min-h-0 flex-col">
      <div className="border-b border-slate-200 p-2">
        <input
          type="search"
          aria-label="Filter source fields"
          placeholder="Filter source fields…"
          value={filter}
          onChange={(e) => setFilter(e.target.value)}
          className="w-full rounded-md border border-slate-300 px-2 py-1 text-xs"
        />
      </div>
      <ul className="min-h-0 flex-1 overflow-auto py-1 text-xs" role="tree" aria-label="Sources">
        {trees.length === 0 && (
          <li className="p-3 text-slate-500">No upstream data: connect this step after a trigger or another step.</li>
        )}
        {rows.map((r) => {
          const isSel = selected === r.expr;
          const empty = r.root && !r.hasChildren;
          return (
            <li
              key={r.key}
              role="treeitem"
              aria-selected={isSel}
              aria-expanded={r.hasChildren ? !collapsed.has(r.key) : undefined}
            >
              <div
                className={clsx(
                  "group flex items-center gap-1 pr-2",
                  r.root ? "mt-1 bg-slate-50 font-semibold text-slate-700" : "text-slate-800",
                  isSel && "bg-brand-50 ring-1 ring-inset ring-brand-500",
                )}
                style={{ paddingLeft: 4 + r.depth * 14 }}
              >
                {r.hasChildren ? (
                  <button
                    type="button"
                    tabIndex={-1}
                    aria-label={`${collapsed.has(r.key) ? "Expand" : "Collapse"} ${r.label}`}
                    className="w-4 text-slate-400"
                    onClick={() => toggle(r.key)}
                  >
                    {collapsed.has(r.key) ? "▸" : "▾"}
                  </button>
                ) : (
                  <span className="w-4" />
                )}
                <button
                  type="button"
                  draggable={!readOnly}
                  disabled={readOnly}
                  data-source={r.expr}
                  aria-pressed={isSel}
                  aria-label={`Source ${r.expr}`}
                  title={`${r.expr}${r.node.description ? ` — ${r.node.description}` : ""}\nDrag onto a target field, or select and then click the target.`}
                  onDragStart={(e) => {
                    e.dataTransfer.setData(DRAG_MIME, r.expr);
                    e.dataTransfer.setData("text/plain", r.expr);
                    e.dataTransfer.effectAllowed = "copy";
                  }}
                  onClick={() => onSelect(isSel ? null : r.expr)}
                  className="flex min-w-0 flex-1 cursor-grab items-center gap-1.5 rounded px-1 py-1 text-left hover:bg-slate-100 active:cursor-grabbing disabled:cursor-default"
                >
                  <span className={clsx("truncate", r.root ? "" : "font-mono")}>{r.label}</span>
                  {r.node.required && !r.root && (
                    <span className="text-red-500" aria-label="required">
                      *
                    </span>
                  )}
                  {mappedSources.has(r.expr) && (
                    <span className="h-1.5 w-1.5 shrink-0 rounded-full bg-brand-500" title="Mapped" />
                  )}
                  <span className="flex-1" />
                  {!r.root && <TypeTag node={r.node} />}
                  {r.root && <span className="font-mono text-[10px] font-normal text-slate-400">{r.expr}</span>}
                </button>
              </div>
              {empty && (
                <p className="px-6 py-1 text-[11px] font-normal text-slate-400">
                  No schema or pinned sample: type paths in the expression.
                </p>
              )}
            </li>
          );
        })}
      </ul>
    </section>
  );
});
