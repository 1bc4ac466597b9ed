"use client";
// What the designer tells the user about saving when it needs them: a conflict with someone else's save
// (merge, or save mine as a copy — never a silent discard), edits a previous visit left unsaved (restore),
// and the merge dialog. The alert is also shown inside the full-screen data mapper (SaveAlertContext), which
// otherwise covers the designer's banner.
import { clsx } from "clsx";
import { useRouter } from "next/navigation";
import { createContext, useCallback, useContext, useMemo, useState } from "react";
import { useTRPCClient } from "@/components/trpc/client";
import type { Flow } from "@/core/dsl";
import { mergeDocs, type DocState, type MergeChoice } from "./model";
import type { Autosave, PendingMerge } from "./use-autosave";

/** The alert to repeat inside overlays that cover the designer's own banner (the full-screen mapper). */
export const SaveAlertContext = createContext<React.ReactNode>(null);
export const useSaveAlert = () => useContext(SaveAlertContext);

/** "Save mine as a copy" after a conflict: the user's draft becomes a new flow, which then opens. */
export function useSaveAsCopy({
  flowKey,
  draft,
  autosave,
  showToast,
}: {
  flowKey: string;
  draft(): Flow;
  autosave: Autosave;
  showToast(message: string): void;
}) {
  const trpcClient = useTRPCClient();
  const router = useRouter();
  const [busy, setBusy] = useState(false);
  const save = useCallback(async () => {
    setBusy(true);
    try {
      const r = await trpcClient.flows.saveDraftAsCopy.mutate({
        flowKey,
        draft: draft() as unknown as Record<string, unknown>,
      });
      autosave.forget();
      router.push(`/flows/${r.key}`);
    } catch (e) {
      showToast(`Your version could not be saved as a copy: ${(e as Error).message}`);
    } finally {
      setBusy(false);
    }
  }, [trpcClient, flowKey, draft, autosave, router, showToast]);
  return { busy, save };
}

/** The editor's save alert, if one is due: a conflict, a failed save (retry), or edits to restore. */
export function SaveAlert({
  autosave,
  readOnly,
  copying,
  onOpenMerge,
  onCopy,
  onDownload,
  onRestore,
}: {
  autosave: Autosave;
  readOnly: boolean;
  copying: boolean;
  onOpenMerge(): void;
  onCopy(): void;
  onDownload(): void;
  onRestore(): void;
}) {
  const s = autosave.state;
  if (s.kind === "conflict")
    return (
      <ConflictBanner
        message={s.message}
        canMerge={!!autosave.merge}
        busy={copying}
        onMerge={() => (autosave.merge ? onOpenMerge() : void autosave.prepareMerge().then(onOpenMerge))}
        onCopy={onCopy}
        onDownload={onDownload}
      />
    );
  if (s.kind === "error")
    return (
      <div
        role="alert"
        data-testid="save-error"
        className="flex items-center gap-3 border-b border-amber-200 bg-amber-50 px-4 py-2 text-sm text-amber-900"
      >
        <span className="flex-1">The draft could not be saved: {s.message} Your edits are kept in this browser.</span>
        <button
          type="button"
          className="rounded-md border border-amber-300 bg-white px-2.5 py-1 text-xs font-medium"
          onClick={autosave.retry}
        >
          Retry
        </button>
      </div>
    );
  if (autosave.restorable && !readOnly)
    return (
      <RestoreBanner
        at={autosave.restorable.at}
        baseRevision={autosave.restorable.baseRevision}
        onRestore={onRestore}
        onDiscard={autosave.discardRestorable}
      />
    );
  return null;
}

export function ConflictBanner({
  message,
  canMerge,
  busy,
  onMerge,
  onCopy,
  onDownload,
}: {
  message: string;
  canMerge: boolean;
  busy: boolean;
  onMerge(): void;
  onCopy(): void;
  onDownload(): void;
}) {
  return (
    <div
      role="alert"
      data-testid="conflict-banner"
      className="flex flex-wrap items-center gap-3 border-b border-red-200 bg-red-50 px-4 py-2 text-sm text-red-900"
    >
      <span className="min-w-0 flex-1">
        {message} <strong className="font-medium">Your edits are kept here</strong> — merge them with theirs, or save
        yours as a copy.
      </span>
      <button
        type="button"
        disabled={busy}
        className="rounded-md bg-red-700 px-2.5 py-1 text-xs font-medium text-white hover:bg-red-800 disabled:opacity-50"
        onClick={onMerge}
      >
        {canMerge ? "Merge with theirs…" : "Load theirs to merge"}
      </button>
      <button
        type="button"
        disabled={busy}
        className="rounded-md border border-red-300 bg-white px-2.5 py-1 text-xs font-medium hover:bg-red-100 disabled:opacity-50"
        onClick={onCopy}
      >
        Save mine as a copy
      </button>
      <button
        type="button"
        className="rounded-md border border-red-300 bg-white px-2.5 py-1 text-xs font-medium hover:bg-red-100"
        onClick={onDownload}
      >
        Download my version
      </button>
    </div>
  );
}

export function RestoreBanner({
  at,
  baseRevision,
  onRestore,
  onDiscard,
}: {
  at: Date;
  baseRevision: number;
  onRestore(): void;
  onDiscard(): void;
}) {
  return (
    <div
      role="alert"
      data-testid="restore-banner"
      className="flex items-center gap-3 border-b border-amber-200 bg-amber-50 px-4 py-2 text-sm text-amber-900"
    >
      <span className="flex-1">
        This browser kept edits to this flow that were not saved (
        {at.toLocaleString([], { dateStyle: "medium", timeStyle: "short" })}, made on revision {baseRevision}).
      </span>
      <button
        type="button"
        className="rounded-md bg-amber-600 px-2.5 py-1 text-xs font-medium text-white hover:bg-amber-700"
        onClick={onRestore}
      >
        Restore my edits
      </button>
      <button
        type="button"
        className="rounded-md border border-amber-300 bg-white px-2.5 py-1 text-xs font-medium hover:bg-amber-100"
        onClick={onDiscard}
      >
        Discard them
      </button>
    </div>
  );
}

function show(v: unknown): string {
  if (v === undefined) return "(not there)";
  const s = typeof v === "string" ? v : JSON.stringify(v);
  return s.length > 160 ? `${s.slice(0, 157)}…` : s;
}

/** Three-way merge: what merges cleanly is counted, each overlap is listed with both values and a choice. */
export function MergeDialog({
  merge,
  mine,
  onApply,
  onCancel,
}: {
  merge: PendingMerge;
  mine: DocState;
  onApply(merged: DocState): void;
  onCancel(): void;
}) {
  const [choices, setChoices] = useState<Record<string, MergeChoice>>({});
  const mineDoc = merge.mine ?? mine;
  const result = useMemo(() => mergeDocs(merge.base, merge.theirs, mineDoc, choices), [merge, mineDoc, choices]);
  return (
    <div
      className="fixed inset-0 z-[70] grid place-items-center bg-slate-900/40"
      role="dialog"
      aria-modal="true"
      aria-label="Merge your edits with theirs"
    >
      <div className="flex max-h-[85vh] w-[720px] flex-col rounded-xl bg-white shadow-2xl">
        <header className="border-b border-slate-200 px-5 py-3">
          <h2 className="text-sm font-semibold text-slate-900">
            {merge.reason === "conflict"
              ? `Merge your edits with revision ${merge.theirRevision}`
              : "Restore your edits onto the current draft"}
          </h2>
          <p className="mt-1 text-xs text-slate-600" data-testid="merge-summary">
            {result.fromTheirs} of their change{result.fromTheirs === 1 ? "" : "s"} and all of yours merge without
            overlapping.{" "}
            {result.conflicts.length === 0
              ? "Nothing overlaps."
              : `${result.conflicts.length} place${result.conflicts.length === 1 ? "" : "s"} changed on both sides: choose which to keep.`}
          </p>
        </header>
        {result.conflicts.length > 0 && (
          <ul
            className="min-h-0 flex-1 divide-y divide-slate-100 overflow-y-auto px-5"
            aria-label="Overlapping changes"
          >
            {result.conflicts.map((c) => {
              const pick = choices[c.id] ?? "mine";
              return (
                <li key={c.id} className="py-2.5" data-testid="merge-conflict" data-conflict={c.id}>
                  <p className="text-xs font-medium text-slate-800">{c.label}</p>
                  <div className="mt-1.5 grid grid-cols-2 gap-2">
                    {(["mine", "theirs"] as const).map((side) => (
                      <label
                        key={side}
                        className={clsx(
                          "flex cursor-pointer flex-col gap-1 rounded-md border p-2 text-xs",
                          pick === side ? "border-brand-500 bg-brand-50" : "border-slate-200 hover:bg-slate-50",
                        )}
                      >
                        <span className="flex items-center gap-1.5 font-medium text-slate-700">
                          <input
                            type="radio"
                            name={c.id}
                            checked={pick === side}
                            onChange={() => setChoices((x) => ({ ...x, [c.id]: side }))}
                            aria-label={`${side === "mine" ? "Keep mine" : "Take theirs"}: ${c.label}`}
                          />
                          {side === "mine" ? "Keep mine" : "Take theirs"}
                        </span>
                        <code className="break-all font-mono text-[11px] text-slate-600">
                          {show(side === "mine" ? c.mine : c.theirs)}
                        </code>
                      </label>
                    ))}
                  </div>
                </li>
              );
            })}
          </ul>
        )}
        <footer className="flex justify-end gap-2 border-t border-slate-200 px-5 py-3">
          <button
            type="button"
            className="rounded-md border border-slate-300 px-3 py-1.5 text-sm text-slate-700 hover:bg-slate-50"
            onClick={onCancel}
          >
            Not now
          </button>
          <button
            type="button"
            className="rounded-md bg-brand-600 px-3 py-1.5 text-sm font-medium text-white hover:bg-brand-700"
            onClick={() => onApply(result.merged)}
          >
            Apply merge and save
          </button>
        </footer>
      </div>
    </div>
  );
}
