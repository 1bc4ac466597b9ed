"use client";
// Small labelled controls of the reconcile step editor: every control has an accessible name, carries the
// data-field of the DSL path a problem points at (the problems panel focuses it) and shows that problem.
import { clsx } from "clsx";
import { useEffect, useId, useState } from "react";
import type { FieldProblems } from "./schema-form";

export const inputCls = (bad?: boolean) =>
  clsx("block w-full min-w-0 rounded-md border px-2 py-1 text-sm", bad ? "border-red-400" : "border-slate-300");

export interface Ctl {
  problems: FieldProblems;
  readOnly: boolean;
}

/**
 * A collapsible group inside a section (one side, one rule): `open` is where it starts (new or broken); it
 * opens again when a problem appears in it, and otherwise stays as the user left it while they type.
 */
export function Group({
  title,
  children,
  open,
  testId,
  bad,
}: {
  title: React.ReactNode;
  children: React.ReactNode;
  open?: boolean;
  testId?: string;
  bad?: boolean;
}) {
  const [isOpen, setOpen] = useState(!!open);
  useEffect(() => {
    if (bad) setOpen(true);
  }, [bad]);
  return (
    <details
      open={isOpen}
      onToggle={(e) => setOpen(e.currentTarget.open)}
      data-testid={testId}
      className={clsx("group/g rounded-md border", bad ? "border-red-300" : "border-slate-200")}
    >
      <summary className="flex cursor-pointer select-none items-center justify-between gap-2 px-2 py-1.5 text-xs font-medium text-slate-800 hover:bg-slate-50">
        <span className="min-w-0 truncate">{title}</span>
        <span className="text-slate-400 transition-transform group-open/g:rotate-90">›</span>
      </summary>
      <div className="space-y-2 border-t border-slate-100 p-2">{children}</div>
    </details>
  );
}

export function Labelled({
  label,
  name,
  field,
  c,
  hint,
  children,
}: {
  label: string;
  /** The accessible name when `label` alone would repeat (per side, per rule). */
  name?: string;
  field: string;
  c: Ctl;
  hint?: React.ReactNode;
  children: (props: {
    id: string;
    "aria-label"?: string;
    "data-field": string;
    "aria-invalid"?: boolean;
    disabled: boolean;
    className: string;
  }) => React.ReactNode;
}) {
  const id = useId();
  const error = c.problems.get(field);
  return (
    <div className="min-w-0 space-y-0.5">
      <label htmlFor={id} className="block text-[11px] font-medium text-slate-700">
        {label}
      </label>
      {children({
        id,
        ...(name ? { "aria-label": name } : {}),
        "data-field": field,
        ...(error ? { "aria-invalid": true } : {}),
        disabled: c.readOnly,
        className: inputCls(!!error),
      })}
      {error ? (
        <p role="alert" className="text-[11px] text-red-700">
          {error}
        </p>
      ) : hint ? (
        <p className="text-[11px] leading-snug text-slate-500">{hint}</p>
      ) : null}
    </div>
  );
}

export function TextField({
  label,
  name,
  field,
  c,
  value,
  onChange,
  hint,
  placeholder,
  list,
  mono,
  type,
}: {
  label: string;
  name?: string;
  field: string;
  c: Ctl;
  value: string;
  onChange(v: string): void;
  hint?: React.ReactNode;
  placeholder?: string;
  list?: string;
  mono?: boolean;
  type?: "text" | "date" | "number";
}) {
  return (
    <Labelled label={label} name={name} field={field} c={c} hint={hint}>
      {(p) => (
        <input
          {...p}
          type={type ?? "text"}
          list={list}
          placeholder={placeholder}
          className={clsx(p.className, mono && "font-mono text-xs")}
          value={value}
          onChange={(e) => onChange(e.target.value)}
        />
      )}
    </Labelled>
  );
}

export function Check({
  label,
  name,
  checked,
  onChange,
  c,
  field,
}: {
  label: string;
  name?: string;
  checked: boolean;
  onChange(v: boolean): void;
  c: Ctl;
  field: string;
}) {
  return (
    <label className="flex items-center gap-1.5 text-xs text-slate-700">
      <input
        type="checkbox"
        aria-label={name}
        data-field={field}
        disabled={c.readOnly}
        checked={checked}
        onChange={(e) => onChange(e.target.checked)}
      />
      {label}
    </label>
  );
}

export function SmallButton({
  children,
  onClick,
  label,
  disabled,
  tone,
}: {
  children: React.ReactNode;
  onClick(): void;
  label?: string;
  disabled?: boolean;
  tone?: "danger";
}) {
  return (
    <button
      type="button"
      aria-label={label}
      disabled={disabled}
      onClick={onClick}
      className={clsx(
        "text-xs font-medium hover:underline disabled:opacity-40",
        tone === "danger" ? "text-slate-500 hover:text-red-700" : "text-brand-700",
      )}
    >
      {children}
    </button>
  );
}
