"use client";
// The searchable palette: triggers, connector operations by system, logic steps. Items are dragged onto
// the canvas (HTML5 drag and drop carrying the item id) or added with a click/Enter.
import { clsx } from "clsx";
import { useMemo, useState } from "react";
import { PALETTE_GROUPS, type PaletteItem } from "./catalog";
import { SystemIcon } from "./nodes";

export const DRAG_MIME = "application/x-weft-palette";

export function Palette({
  items,
  onAdd,
  readOnly,
}: {
  items: readonly PaletteItem[];
  onAdd(item: PaletteItem): void;
  readOnly: boolean;
}) {
  const [q, setQ] = useState("");
  const [closed, setClosed] = useState<Set<string>>(new Set());
  const groups = useMemo(() => {
    const words = q.toLowerCase().split(/\s+/).filter(Boolean);
    const match = (i: PaletteItem) => words.every((w) => `${i.label} ${i.detail} ${i.group}`.toLowerCase().includes(w));
    return PALETTE_GROUPS.map((g) => ({ group: g, items: items.filter((i) => i.group === g && match(i)) })).filter(
      (g) => g.items.length > 0,
    );
  }, [items, q]);
  return (
    <aside aria-label="Palette" className="flex w-64 shrink-0 flex-col border-r border-slate-200 bg-white">
      <div className="border-b border-slate-200 p-3">
        <input
          type="search"
          aria-label="Search the palette"
          placeholder="Search steps and triggers…"
          className="block w-full rounded-md border border-slate-300 px-2.5 py-1.5 text-sm"
          value={q}
          onChange={(e) => setQ(e.target.value)}
          onKeyDown={(e) => e.stopPropagation()}
        />
        <p className="mt-1.5 text-[11px] text-slate-400">Drag onto the canvas · or press Ctrl K</p>
      </div>
      <div className="min-h-0 flex-1 overflow-y-auto pb-4">
        {groups.map(({ group, items: list }) => {
          const open = q !== "" || !closed.has(group);
          return (
            <section key={group} aria-label={group}>
              <button
                type="button"
                className="flex w-full items-center justify-between px-3 pb-1 pt-3 text-[11px] font-semibold uppercase tracking-wide text-slate-500 hover:text-slate-800"
                onClick={() =>
                  setClosed((s) => (s.has(group) ? new Set([...s].filter((x) => x !== group)) : new Set([...s, group])))
                }
                aria-expanded={open}
              >
                {group}
                <span className="font-normal text-slate-400">{list.length}</span>
              </button>
              {open && (
                <ul>
                  {list.map((it) => (
                    <li key={it.id}>
                      <div
                        role="button"
                        tabIndex={0}
                        draggable={!readOnly}
                        data-testid="palette-item"
                        data-item={it.id}
                        title={it.detail}
                        onDragStart={(e) => {
                          e.dataTransfer.setData(DRAG_MIME, it.id);
                          e.dataTransfer.effectAllowed = "move";
                        }}
                        onDoubleClick={() => !readOnly && onAdd(it)}
                        onKeyDown={(e) => {
                          if (e.key === "Enter" && !readOnly) onAdd(it);
                        }}
                        className={clsx(
                          "mx-2 flex cursor-grab items-center gap-2 rounded-md px-2 py-1.5 hover:bg-slate-100 active:cursor-grabbing",
                          readOnly && "cursor-default opacity-60",
                        )}
                      >
                        <SystemIcon look={it.look} size={24} />
                        <span className="min-w-0">
                          <span className="block truncate text-xs font-medium text-slate-800">{it.label}</span>
                          <span className="block truncate text-[10px] text-slate-500">{it.detail}</span>
                        </span>
                      </div>
                    </li>
                  ))}
                </ul>
              )}
            </section>
          );
        })}
        {groups.length === 0 && <p className="p-4 text-center text-xs text-slate-500">Nothing matches “{q}”.</p>}
      </div>
    </aside>
  );
}
