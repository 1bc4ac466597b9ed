// Copy and paste of steps as DSL JSON (model.ts selectionToDsl / dslToPaste): through the system clipboard,
// with a copy in localStorage so a paste works without clipboard permission (and into any flow in this
// browser). Imported files paste the same way.
import { useCallback, useMemo, type RefObject } from "react";
import { layoutGraph } from "@/core/dsl";
import { pasteSteps } from "./edits";
import { dslToPaste, selectionToDsl, toCanvasGraph, type DocState } from "./model";
import type { History } from "./use-history";

const CLIPBOARD_KEY = "weft.designer.clipboard";

export function useClipboard({
  docRef,
  edit,
  readOnly,
  showToast,
}: {
  docRef: RefObject<DocState>;
  edit: History<DocState>["set"];
  readOnly: boolean;
  showToast(message: string): void;
}) {
  const copy = useCallback(async () => {
    const text = selectionToDsl(
      docRef.current,
      new Set(docRef.current.nodes.filter((n) => n.selected).map((n) => n.id)),
    );
    if (!text) return showToast("Select steps to copy.");
    localStorage.setItem(CLIPBOARD_KEY, text);
    try {
      await navigator.clipboard.writeText(text);
    } catch {
      // No clipboard permission: the local copy still pastes into any flow in this browser.
    }
    const n = (JSON.parse(text) as { steps: unknown[] }).steps.length;
    showToast(`Copied ${n} step${n === 1 ? "" : "s"} as DSL JSON.`);
  }, [docRef, showToast]);

  const pasteText = useCallback(
    async (text: string) => {
      if (readOnly) return;
      let pasted;
      try {
        pasted = dslToPaste(text, docRef.current.meta, new Set(docRef.current.nodes.map((n) => n.id)));
      } catch (e) {
        return showToast((e as Error).message);
      }
      let nodes = pasted.nodes;
      if (pasted.unplaced.length) {
        const laid = await layoutGraph(toCanvasGraph({ meta: docRef.current.meta, nodes, edges: pasted.edges }), {
          only: new Set(pasted.unplaced),
        });
        const pos = new Map(laid.nodes.map((n) => [n.id, n.position]));
        nodes = nodes.map((n) => ({ ...n, position: pos.get(n.id) ?? n.position }));
      }
      edit((s) => pasteSteps(s, { nodes, edges: pasted.edges }));
      showToast(`Pasted ${nodes.length} step${nodes.length === 1 ? "" : "s"}.`);
    },
    [docRef, edit, readOnly, showToast],
  );

  const paste = useCallback(async () => {
    let text: string | null;
    try {
      text = await navigator.clipboard.readText();
    } catch {
      text = null;
    }
    if (!text || !text.trim().startsWith("{")) text = localStorage.getItem(CLIPBOARD_KEY);
    if (!text) return showToast("The clipboard is empty.");
    await pasteText(text);
  }, [pasteText, showToast]);

  return useMemo(() => ({ copy, paste, pasteText }), [copy, paste, pasteText]);
}
