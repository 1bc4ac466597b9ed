"use client";
// The designer's top bar: back link, the flow's name and draft revision, lifecycle, save state, and the
// tools (undo/redo, layout, fit, import, command menu, shortcuts, test run).
import { clsx } from "clsx";
import Link from "next/link";
import type { RefObject } from "react";
import { Badge, LIFECYCLE_TONE } from "@/components/ui/badge";
import type { SaveState } from "./use-autosave";
import type { EditorActions } from "./use-shortcuts";

export interface EditorHeader {
  name: string;
  lifecycle: string;
  ownerTeam: string;
  latestVersion: string | null;
  lastSaved: { by: string; at: Date } | null;
}

export function EditorToolbar(p: {
  flowKey: string;
  header: EditorHeader;
  /** The document's name as edited (the stored name until one is typed). */
  name: string;
  revision: number;
  saveState: SaveState;
  readOnly: boolean;
  readOnlyReason: string | null;
  canUndo: boolean;
  canRedo: boolean;
  testPending: boolean;
  actions: EditorActions;
  fileInput: RefObject<HTMLInputElement | null>;
  onImportText(text: string): void;
}) {
  const { header, saveState, readOnly, actions: a } = p;
  return (
    <header className="flex items-center gap-3 border-b border-slate-200 bg-white px-4 py-2">
      <Link href="/flows" className="text-sm text-slate-500 hover:text-slate-800" aria-label="Back to flows">
        ←
      </Link>
      <div className="min-w-0">
        <h1 className="truncate text-sm font-semibold text-slate-900">{p.name || header.name}</h1>
        <p className="truncate font-mono text-[11px] text-slate-400">
          {p.flowKey} · draft rev {p.revision} · {header.ownerTeam}
        </p>
      </div>
      <Badge tone={LIFECYCLE_TONE[header.lifecycle]}>{header.lifecycle}</Badge>
      {header.latestVersion && <span className="font-mono text-xs text-slate-500">v{header.latestVersion}</span>}
      <span
        role="status"
        aria-label="Save state"
        data-testid="save-state"
        data-state={saveState.kind}
        className={clsx(
          "text-xs",
          saveState.kind === "conflict" || saveState.kind === "error" ? "font-medium text-red-700" : "text-slate-500",
        )}
      >
        {readOnly ? <span title={p.readOnlyReason ?? undefined}>Read only</span> : saveLabel(saveState)}
      </span>
      <div className="ml-auto flex items-center gap-1">
        <ToolButton label="Undo (Ctrl Z)" onClick={a.undo} disabled={!p.canUndo || readOnly}>
          ↶
        </ToolButton>
        <ToolButton label="Redo (Ctrl Shift Z)" onClick={a.redo} disabled={!p.canRedo || readOnly}>
          ↷
        </ToolButton>
        <span className="mx-1 h-5 w-px bg-slate-200" />
        <ToolButton label="Auto-layout (Shift L)" onClick={a.autoLayout} disabled={readOnly}>
          ⊞ Layout
        </ToolButton>
        <ToolButton label="Zoom to fit (Shift 1)" onClick={a.fitAll}>
          ⤢ Fit
        </ToolButton>
        <ToolButton label="Import steps from a file" onClick={a.importFile} disabled={readOnly}>
          ⇪ Import
        </ToolButton>
        <ToolButton label="Command menu (Ctrl K)" onClick={a.openMenu}>
          ⌘K
        </ToolButton>
        <ToolButton label="Keyboard shortcuts (?)" onClick={a.openShortcuts}>
          ?
        </ToolButton>
        <span className="mx-1 h-5 w-px bg-slate-200" />
        <button
          type="button"
          onClick={a.openTest}
          disabled={readOnly || p.testPending}
          className="rounded-md bg-brand-600 px-3 py-1.5 text-sm font-medium text-white shadow-sm hover:bg-brand-700 disabled:opacity-50"
        >
          {p.testPending ? "Running…" : "▶ Test run"}
        </button>
      </div>
      <input
        ref={p.fileInput}
        type="file"
        accept=".json,application/json"
        className="hidden"
        aria-label="Import steps file"
        data-testid="import-file"
        onChange={(e) => {
          const file = e.target.files?.[0];
          if (file) void file.text().then(p.onImportText);
          e.target.value = "";
        }}
      />
    </header>
  );
}

function saveLabel(s: SaveState): string {
  if (s.kind === "saved")
    return s.at ? `Saved ${s.at.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" })}` : "Saved";
  if (s.kind === "dirty") return "Unsaved changes";
  if (s.kind === "saving") return "Saving…";
  if (s.kind === "conflict") return "Not saved: conflict";
  return "Not saved";
}

function ToolButton({
  label,
  onClick,
  disabled,
  children,
}: {
  label: string;
  onClick(): void;
  disabled?: boolean;
  children: React.ReactNode;
}) {
  return (
    <button
      type="button"
      title={label}
      aria-label={label}
      onClick={onClick}
      disabled={disabled}
      className="rounded-md px-2 py-1.5 text-sm text-slate-600 hover:bg-slate-100 hover:text-slate-900 disabled:opacity-40 disabled:hover:bg-transparent"
    >
      {children}
    </button>
  );
}
