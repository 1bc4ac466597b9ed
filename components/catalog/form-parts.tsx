"use client";
// Building blocks of the governance forms: a side sheet (the same pattern as the connection form), a
// labelled field with its hint and error, buttons, and the note shown instead of controls when the
// signed-in user lacks the role (so a read-only user knows why, and who can).
import { clsx } from "clsx";
import { useEffect, useId } from "react";

export const inputCls =
  "mt-1 block w-full rounded-md border border-slate-300 bg-white px-2.5 py-1.5 text-sm font-normal text-slate-900 shadow-sm focus:border-brand-500 focus:outline-none focus:ring-1 focus:ring-brand-500 disabled:bg-slate-50 disabled:text-slate-500";
export const primaryBtn =
  "rounded-md bg-brand-600 px-3 py-1.5 text-sm font-medium text-white hover:bg-brand-700 disabled:opacity-50";
export const secondaryBtn =
  "rounded-md border border-slate-300 bg-white px-3 py-1.5 text-sm text-slate-700 hover:bg-slate-50 disabled:opacity-50";
export const dangerBtn =
  "rounded-md border border-red-300 bg-white px-3 py-1.5 text-sm text-red-700 hover:bg-red-50 disabled:opacity-50";

/** A labelled control: `children` receives the id (and describedby) to put on the input. */
export function Field({
  label,
  hint,
  error,
  children,
  className,
}: {
  label: string;
  hint?: React.ReactNode;
  error?: string;
  children: (a: { id: string; "aria-describedby"?: string; "aria-invalid"?: boolean }) => React.ReactNode;
  className?: string;
}) {
  const id = useId();
  const hintId = `${id}-hint`;
  const errId = `${id}-err`;
  const describedBy = [hint ? hintId : null, error ? errId : null].filter(Boolean).join(" ") || undefined;
  return (
    <div className={className}>
      <label htmlFor={id} className="block text-xs font-medium text-slate-700">
        {label}
      </label>
      {children({ id, "aria-describedby": describedBy, "aria-invalid": error ? true : undefined })}
      {hint && !error && (
        <p id={hintId} className="mt-1 text-xs text-slate-500">
          {hint}
        </p>
      )}
      {error && (
        <p id={errId} className="mt-1 text-xs text-red-700">
          {error}
        </p>
      )}
    </div>
  );
}

export function FormError({ message }: { message?: string | null }) {
  if (!message) return null;
  return (
    <p role="alert" className="rounded-md bg-red-50 px-3 py-2 text-sm text-red-700">
      {message}
    </p>
  );
}

/** Why the controls are missing: shown to users without the role instead of the edit buttons. */
export function ReadOnlyNote({ children }: { children: React.ReactNode }) {
  return <p className="text-xs text-slate-500">{children}</p>;
}

/** The usual footer: Cancel, and the submit button that says what it does while it is doing it. */
export interface SheetSubmit {
  label: string;
  pendingLabel: string;
  pending: boolean;
}

/**
 * A right-hand sheet over the page, closed by Escape, the backdrop or Cancel. `submit` gives the usual
 * Cancel + submit footer; `footer` replaces it when a form needs more (e.g. a delete action).
 */
export function Sheet({
  title,
  subtitle,
  onClose,
  onSubmit,
  footer,
  submit,
  children,
  wide,
}: {
  title: string;
  subtitle?: React.ReactNode;
  onClose: () => void;
  onSubmit: (e: React.FormEvent) => void;
  footer?: React.ReactNode;
  submit?: SheetSubmit;
  children: React.ReactNode;
  wide?: boolean;
}) {
  const titleId = useId();
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => e.key === "Escape" && onClose();
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, [onClose]);
  return (
    <div className="fixed inset-0 z-40 flex justify-end bg-slate-900/30" role="presentation" onClick={onClose}>
      <form
        role="dialog"
        aria-modal="true"
        aria-labelledby={titleId}
        noValidate
        className={clsx("flex h-full w-full flex-col bg-white shadow-xl", wide ? "max-w-3xl" : "max-w-xl")}
        onClick={(e) => e.stopPropagation()}
        onSubmit={onSubmit}
      >
        <header className="border-b border-slate-200 px-6 py-4">
          <h2 id={titleId} className="text-lg font-semibold text-slate-900">
            {title}
          </h2>
          {subtitle && <p className="text-sm text-slate-500">{subtitle}</p>}
        </header>
        <div className="flex-1 space-y-5 overflow-y-auto px-6 py-5">{children}</div>
        <footer className="flex items-center justify-end gap-2 border-t border-slate-200 px-6 py-3">
          {footer ?? (
            <>
              <button type="button" className={secondaryBtn} onClick={onClose}>
                Cancel
              </button>
              {submit && (
                <button type="submit" className={primaryBtn} disabled={submit.pending}>
                  {submit.pending ? submit.pendingLabel : submit.label}
                </button>
              )}
            </>
          )}
        </footer>
      </form>
    </div>
  );
}

/** Splits a comma- or newline-separated list typed by a person into trimmed, distinct entries. */
export function splitList(text: string): string[] {
  return [
    ...new Set(
      text
        .split(/[,\n]/)
        .map((s) => s.trim())
        .filter(Boolean),
    ),
  ];
}
