"use client";
// Live validation results (the server's own validator, run in the browser). Clicking a problem selects its
// node and focuses the field it is about.
import { clsx } from "clsx";
import { formatPath, type Problem } from "@/core/dsl";
import { nodeOfProblem } from "./model";

export function ProblemsPanel({
  problems,
  onPick,
  open,
  onToggle,
}: {
  problems: readonly Problem[];
  onPick(p: Problem): void;
  open: boolean;
  onToggle(): void;
}) {
  const errors = problems.filter((p) => p.severity === "error").length;
  const warnings = problems.length - errors;
  return (
    <section aria-label="Problems" className="border-t border-slate-200 bg-white">
      <button
        type="button"
        onClick={onToggle}
        className="flex w-full items-center gap-3 px-4 py-1.5 text-xs font-medium text-slate-600 hover:bg-slate-50"
        aria-expanded={open}
      >
        <span className="uppercase tracking-wide">Problems</span>
        <span
          data-testid="problem-count"
          data-errors={errors}
          className={clsx(
            "rounded-full px-2 py-0.5",
            errors ? "bg-red-100 text-red-800" : "bg-emerald-50 text-emerald-700",
          )}
        >
          {errors} error{errors === 1 ? "" : "s"}
        </span>
        {warnings > 0 && (
          <span className="rounded-full bg-amber-100 px-2 py-0.5 text-amber-800">
            {warnings} warning{warnings === 1 ? "" : "s"}
          </span>
        )}
        <span className="ml-auto text-slate-400">{open ? "▾" : "▴"}</span>
      </button>
      {open && (
        <ul className="max-h-40 overflow-y-auto border-t border-slate-100">
          {problems.length === 0 && (
            <li className="px-4 py-2 text-xs text-slate-500">No problems: the flow is valid.</li>
          )}
          {problems.map((p, i) => (
            <li key={i}>
              <button
                type="button"
                data-testid="problem"
                onClick={() => onPick(p)}
                className="flex w-full items-start gap-2 px-4 py-1.5 text-left text-xs hover:bg-slate-50"
              >
                <span
                  className={clsx(
                    "mt-0.5 h-2 w-2 shrink-0 rounded-full",
                    p.severity === "error" ? "bg-red-500" : "bg-amber-400",
                  )}
                />
                <span className="w-32 shrink-0 truncate font-mono text-slate-500">{nodeOfProblem(p) ?? "flow"}</span>
                <span className="flex-1 text-slate-800">{p.message}</span>
                <span className="shrink-0 font-mono text-[10px] text-slate-400">{formatPath(p.path)}</span>
              </button>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
