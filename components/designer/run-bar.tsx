"use client";
// The bar under the top bar while a test run is shown: its mode, status, duration, id, error and a link to
// the run page.
import { clsx } from "clsx";
import Link from "next/link";
import { TEST_MODE_LABEL } from "@/components/runs/format";
import type { useTestRun } from "./test-run";

export function RunBar({
  run,
  error,
  onClear,
}: {
  run: ReturnType<typeof useTestRun>["run"];
  error: string | null;
  onClear(): void;
}) {
  return (
    <div
      role="status"
      aria-label="Test run result"
      data-testid="run-bar"
      data-status={run?.status ?? "error"}
      className={clsx(
        "flex items-center gap-3 border-b px-4 py-1.5 text-xs",
        run?.status === "failed" || error
          ? "border-red-200 bg-red-50 text-red-900"
          : run?.status === "succeeded"
            ? "border-emerald-200 bg-emerald-50 text-emerald-900"
            : "border-brand-100 bg-brand-50 text-brand-700",
      )}
    >
      <span className="font-semibold">Test run</span>
      {run ? (
        <>
          {run.testMode && (
            <span data-testid="run-mode" className="rounded bg-white/70 px-1.5 py-0.5 font-medium">
              {TEST_MODE_LABEL[run.testMode] ?? run.testMode}
            </span>
          )}
          <span>{run.status}</span>
          {run.durationMs !== null && <span>{run.durationMs} ms</span>}
          <span className="font-mono text-[11px] opacity-70">{run.runId.slice(0, 8)}</span>
          {run.error != null && (
            <span className="truncate">{String((run.error as { message?: string }).message ?? "")}</span>
          )}
          <Link href={`/runs/${run.runId}`} className="underline">
            Open run
          </Link>
        </>
      ) : (
        <span>{error}</span>
      )}
      <button
        type="button"
        className="ml-auto opacity-70 hover:opacity-100"
        onClick={onClear}
        aria-label="Clear test run"
      >
        ✕
      </button>
    </div>
  );
}
