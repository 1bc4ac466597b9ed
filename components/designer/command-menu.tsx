"use client";
// Keyboard-only building (cmdk): Ctrl+K opens a palette of every step/trigger and the designer's commands.
import { Command } from "cmdk";
import { useEffect, useMemo, useRef, useState } from "react";
import type { PaletteItem } from "./catalog";
import { SystemIcon } from "./nodes";

export interface DesignerCommand {
  id: string;
  label: string;
  shortcut?: string;
  /** "Go to step …": one per node, so listed only when the search names them (a 5,000-step flow mounts 50, not 5,000). */
  goTo?: boolean;
  run(): void;
}

const GO_TO_SHOWN = 50;

export function CommandMenu({
  open,
  onClose,
  items,
  commands,
  onAdd,
}: {
  open: boolean;
  onClose(): void;
  items: readonly PaletteItem[];
  commands: readonly DesignerCommand[];
  onAdd(item: PaletteItem): void;
}) {
  const input = useRef<HTMLInputElement>(null);
  const [search, setSearch] = useState("");
  useEffect(() => {
    if (open) setTimeout(() => input.current?.focus(), 0);
    else setSearch("");
  }, [open]);
  const shown = useMemo(() => {
    const q = search.trim().toLowerCase();
    const goTo = q ? commands.filter((c) => c.goTo && c.label.toLowerCase().includes(q)).slice(0, GO_TO_SHOWN) : [];
    return [...goTo, ...commands.filter((c) => !c.goTo)];
  }, [commands, search]);
  if (!open) return null;
  return (
    <div className="fixed inset-0 z-50 flex items-start justify-center bg-slate-900/30 pt-[12vh]" onMouseDown={onClose}>
      <Command
        label="Command menu"
        className="w-[560px] overflow-hidden rounded-xl border border-slate-200 bg-white shadow-2xl"
        onMouseDown={(e) => e.stopPropagation()}
        onKeyDown={(e) => {
          e.stopPropagation();
          if (e.key === "Escape") onClose();
        }}
      >
        <Command.Input
          ref={input}
          value={search}
          onValueChange={setSearch}
          placeholder="Add a step or run a command…"
          className="w-full border-b border-slate-200 px-4 py-3 text-sm outline-none"
        />
        <Command.List className="max-h-[380px] overflow-y-auto p-2">
          <Command.Empty className="p-4 text-center text-sm text-slate-500">No match.</Command.Empty>
          <Command.Group
            heading="Commands"
            className="text-xs text-slate-500 [&_[cmdk-group-heading]]:px-2 [&_[cmdk-group-heading]]:py-1"
          >
            {shown.map((c) => (
              <Command.Item
                key={c.id}
                value={`command ${c.label}`}
                onSelect={() => {
                  onClose();
                  c.run();
                }}
                className="flex cursor-pointer items-center justify-between rounded-md px-2 py-1.5 text-sm text-slate-800 data-[selected=true]:bg-brand-50"
              >
                {c.label}
                {c.shortcut && (
                  <kbd className="rounded border border-slate-200 bg-slate-50 px-1.5 text-[10px] text-slate-500">
                    {c.shortcut}
                  </kbd>
                )}
              </Command.Item>
            ))}
          </Command.Group>
          <Command.Group
            heading="Add"
            className="text-xs text-slate-500 [&_[cmdk-group-heading]]:px-2 [&_[cmdk-group-heading]]:py-1"
          >
            {items.map((it) => (
              <Command.Item
                key={it.id}
                value={`${it.group} ${it.label} ${it.id}`}
                onSelect={() => {
                  onClose();
                  onAdd(it);
                }}
                className="flex cursor-pointer items-center gap-2 rounded-md px-2 py-1.5 text-sm text-slate-800 data-[selected=true]:bg-brand-50"
              >
                <SystemIcon look={it.look} size={22} />
                <span className="min-w-0 flex-1 truncate">{it.label}</span>
                <span className="text-[10px] uppercase text-slate-400">{it.group}</span>
              </Command.Item>
            ))}
          </Command.Group>
        </Command.List>
      </Command>
    </div>
  );
}

export const SHORTCUTS: ReadonlyArray<[string, string]> = [
  ["Ctrl K", "Command menu: add a step, run a command"],
  ["Ctrl Z", "Undo"],
  ["Ctrl Shift Z / Ctrl Y", "Redo"],
  ["Ctrl C / Ctrl V", "Copy / paste the selection as DSL JSON (works between flows)"],
  ["Ctrl A", "Select everything"],
  ["Delete / Backspace", "Delete the selection"],
  ["Shift drag · Ctrl click", "Select several nodes"],
  ["Shift L", "Auto-layout (elkjs)"],
  ["Shift 1", "Zoom to fit"],
  ["Ctrl Enter", "Test run"],
  ["?", "This sheet"],
  ["Esc", "Close dialogs, clear the selection"],
];

export function ShortcutSheet({ open, onClose }: { open: boolean; onClose(): void }) {
  // Esc closes the sheet (it says so); the canvas's own key handler ignores keys while a dialog is open.
  useEffect(() => {
    if (!open) return;
    const onKey = (e: KeyboardEvent) => {
      if (e.key === "Escape") {
        e.preventDefault();
        onClose();
      }
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, [open, onClose]);
  if (!open) return null;
  return (
    <div
      className="fixed inset-0 z-50 grid place-items-center bg-slate-900/30"
      onMouseDown={onClose}
      role="dialog"
      aria-label="Keyboard shortcuts"
    >
      <div className="w-[480px] rounded-xl bg-white p-5 shadow-2xl" onMouseDown={(e) => e.stopPropagation()}>
        <div className="mb-3 flex items-center justify-between">
          <h2 className="text-sm font-semibold text-slate-900">Keyboard shortcuts</h2>
          <button type="button" className="text-slate-400 hover:text-slate-700" onClick={onClose} aria-label="Close">
            ✕
          </button>
        </div>
        <table className="w-full text-sm">
          <tbody>
            {SHORTCUTS.map(([k, v]) => (
              <tr key={k} className="border-t border-slate-100">
                <td className="py-1.5 pr-4">
                  <kbd className="rounded border border-slate-200 bg-slate-50 px-1.5 py-0.5 font-mono text-xs">{k}</kbd>
                </td>
                <td className="py-1.5 text-slate-600">{v}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </div>
  );
}
