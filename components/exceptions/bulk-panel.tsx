"use client";
// A bulk action's progress while the server works through it in batches, its result summary, and cancel.
// A retry or replay is followed past "done" (every run started) until the runs it started have ended, and the
// queue is refreshed as they do — so the list shows the final state, not the "retrying" of a moment ago.
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useEffect } from "react";
import { useTRPC } from "@/components/trpc/client";
import { Badge } from "@/components/ui/badge";

const KIND_LABEL: Record<string, string> = {
  retry: "Retry",
  replay_latest: "Replay on latest version",
  resolve: "Resolve",
  assign: "Assign",
};
const RUNNING = ["queued", "running", "cancelling"];

export function BulkPanel({ id, canOperate, onClose }: { id: string; canOperate: boolean; onClose: () => void }) {
  const trpc = useTRPC();
  const qc = useQueryClient();
  const q = useQuery(
    trpc.exceptions.bulkGet.queryOptions(
      { id },
      {
        refetchInterval: (s) =>
          !s.state.data || RUNNING.includes(s.state.data.status) || (s.state.data.runs?.running ?? 0) > 0 ? 700 : false,
      },
    ),
  );
  const cancel = useMutation(
    trpc.exceptions.bulkCancel.mutationOptions({
      onSuccess: () => void qc.invalidateQueries({ queryKey: trpc.exceptions.bulkGet.queryKey({ id }) }),
    }),
  );
  const b = q.data;
  const finished = b && !RUNNING.includes(b.status) && !b.runs?.running;
  const runsKey = b?.runs ? `${b.runs.running}/${b.runs.succeeded}/${b.runs.failedAgain}` : "";
  useEffect(() => {
    // The queue and its counts change as the action goes and as its runs end: refresh them then, and at the end.
    if (finished || runsKey) void qc.invalidateQueries({ queryKey: trpc.exceptions.pathKey() });
  }, [finished, runsKey, qc, trpc]);
  if (!b) return null;
  const pct = b.total ? Math.round((b.processed / b.total) * 100) : 0;
  const errors = (b.errors as Array<{ id: string; message: string }>) ?? [];
  return (
    <section role="status" aria-label="Bulk action" className="rounded-lg border border-brand-100 bg-brand-50/40 p-4">
      <div className="flex flex-wrap items-center gap-3">
        <p className="font-medium text-slate-900">
          {KIND_LABEL[b.kind] ?? b.kind} — {b.total.toLocaleString("en-US")} exceptions
        </p>
        <Badge
          tone={
            b.status === "done" && finished
              ? "green"
              : b.status === "cancelled"
                ? "gray"
                : b.status === "failed"
                  ? "red"
                  : "blue"
          }
        >
          {b.status === "done" && !finished ? "runs in progress" : b.status}
        </Badge>
        <span className="ml-auto flex gap-2">
          {canOperate && ["queued", "running"].includes(b.status) && (
            <button
              type="button"
              className="rounded-md border border-slate-300 bg-white px-3 py-1.5 text-sm"
              disabled={cancel.isPending}
              onClick={() => cancel.mutate({ id })}
            >
              Cancel
            </button>
          )}
          {finished && (
            <button
              type="button"
              className="rounded-md border border-slate-300 bg-white px-3 py-1.5 text-sm"
              onClick={onClose}
            >
              Dismiss
            </button>
          )}
        </span>
      </div>
      <div
        className="mt-3 h-2 overflow-hidden rounded bg-white"
        role="progressbar"
        aria-valuenow={pct}
        aria-valuemin={0}
        aria-valuemax={100}
        aria-label="Progress"
      >
        <div className="h-2 bg-brand-600 transition-all" style={{ width: `${pct}%` }} />
      </div>
      <p className="mt-2 text-sm text-slate-700" aria-label="Bulk summary">
        {b.processed.toLocaleString("en-US")} of {b.total.toLocaleString("en-US")} processed:{" "}
        <span className="text-emerald-700">{b.succeeded} succeeded</span>,{" "}
        <span className="text-slate-600">{b.skipped} skipped</span>,{" "}
        <span className="text-red-700">{b.failed} failed</span>
        {b.status === "cancelled" && " — cancelled; the rest were left as they were"}
      </p>
      {b.runs && b.runs.running + b.runs.succeeded + b.runs.failedAgain > 0 && (
        <p className="mt-1 text-sm text-slate-700" aria-label="Runs started">
          Runs started: {b.runs.running > 0 ? `${b.runs.running} still running, ` : "all ended — "}
          <span className="text-emerald-700">{b.runs.succeeded} succeeded</span>,{" "}
          <span className="text-red-700">{b.runs.failedAgain} failed again</span>
        </p>
      )}
      {errors.length > 0 && (
        <details className="mt-2 text-xs text-slate-600">
          <summary className="cursor-pointer">
            Why some were skipped or failed ({errors.length}
            {errors.length >= 50 ? "+" : ""})
          </summary>
          <ul className="mt-1 list-disc pl-5">
            {errors.slice(0, 20).map((e) => (
              <li key={e.id}>
                <span className="font-mono">{e.id.slice(0, 8)}</span> {e.message}
              </li>
            ))}
          </ul>
        </details>
      )}
    </section>
  );
}
