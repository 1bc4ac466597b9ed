// The designer's keyboard shortcuts and the command menu's commands: one list of actions, bound to keys
// while focus is not in a field and no dialog is open (Ctrl K opens the menu even then).
import { useEffect, useMemo } from "react";
import type { DesignerCommand } from "./command-menu";

export interface EditorActions {
  undo(): void;
  redo(): void;
  copy(): void;
  paste(): void;
  selectAll(): void;
  clearSelection(): void;
  deleteSelection(): void;
  autoLayout(): void;
  fitAll(): void;
  importFile(): void;
  openMenu(): void;
  openShortcuts(): void;
  openTest(): void;
  /** Selects a node and brings it into view (only the cards near the view are drawn: no click or Tab reaches the rest). */
  goTo(id: string): void;
}

/** A node the command menu can go to. */
export interface GoToTarget {
  id: string;
  trigger: boolean;
  name?: string;
}

/** Binds the keys while mounted (not while `paused`: a dialog is open) and returns the command menu's commands. */
export function useShortcuts(a: EditorActions, paused: boolean, targets: readonly GoToTarget[]): DesignerCommand[] {
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      const mod = e.ctrlKey || e.metaKey;
      const k = e.key.toLowerCase();
      // Ctrl K before the field check: a keyboard user in the inspector's fields reaches the menu without leaving them.
      if (mod && k === "k") return (e.preventDefault(), a.openMenu());
      const t = e.target as HTMLElement | null;
      if (t && (t.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(t.tagName))) return;
      if (paused) return;
      if (mod && k === "z" && !e.shiftKey) return (e.preventDefault(), a.undo());
      if ((mod && k === "z" && e.shiftKey) || (mod && k === "y")) return (e.preventDefault(), a.redo());
      if (mod && k === "c") return (e.preventDefault(), a.copy());
      if (mod && k === "v") return (e.preventDefault(), a.paste());
      if (mod && k === "a") return (e.preventDefault(), a.selectAll());
      if (mod && e.key === "Enter") return (e.preventDefault(), a.openTest());
      if (e.key === "Delete" || e.key === "Backspace") return (e.preventDefault(), a.deleteSelection());
      if (e.shiftKey && k === "l") return (e.preventDefault(), a.autoLayout());
      if (e.shiftKey && (e.key === "!" || e.code === "Digit1")) return (e.preventDefault(), a.fitAll());
      if (e.key === "?") return (e.preventDefault(), a.openShortcuts());
      if (e.key === "Escape") a.clearSelection();
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, [a, paused]);

  return useMemo(
    () => [
      ...targets.map((t) => ({
        id: `goto:${t.id}`,
        label: t.trigger ? "Go to the trigger" : `Go to step ${t.id}${t.name ? ` (${t.name})` : ""}`,
        goTo: true,
        run: () => a.goTo(t.id),
      })),
      { id: "layout", label: "Auto-layout", shortcut: "Shift L", run: a.autoLayout },
      { id: "fit", label: "Zoom to fit", shortcut: "Shift 1", run: a.fitAll },
      { id: "test", label: "Test run…", shortcut: "Ctrl Enter", run: a.openTest },
      { id: "undo", label: "Undo", shortcut: "Ctrl Z", run: a.undo },
      { id: "redo", label: "Redo", shortcut: "Ctrl Shift Z", run: a.redo },
      { id: "copy", label: "Copy selection as DSL JSON", shortcut: "Ctrl C", run: a.copy },
      { id: "paste", label: "Paste steps", shortcut: "Ctrl V", run: a.paste },
      { id: "import", label: "Import steps from a file…", run: a.importFile },
      { id: "shortcuts", label: "Keyboard shortcuts", shortcut: "?", run: a.openShortcuts },
    ],
    [a, targets],
  );
}
