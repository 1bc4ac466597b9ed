"use client";
// One break: the record pair side by side (record ids, rows, the compared values), what it holds up, links
// to the run that found it and its exception, and "Re-sync" — a run of the flow the reconciliation names for
// this record. The page refreshes while the re-sync runs and shows when the next reconciliation resolved it.
import Link from "next/link";
import { useState } from "react";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useTRPC } from "@/components/trpc/client";
import { Badge, RUN_STATUS_TONE } from "@/components/ui/badge";
import { formatTime, timeAgo } from "@/components/runs/format";
import type { BreakView } from "@/server/reconciliations/read";
import { hours, money, ruleLabel } from "./format";

export function BreakDetail({ id }: { id: string }) {
  const trpc = useTRPC();
  const q = useQuery(
    trpc.reconciliations.break.queryOptions(
      { id },
      { refetchInterval: (s) => (s.state.data?.status === "open" ? 3_000 : false) },
    ),
  );
  if (q.isLoading) return <p className="p-8 text-sm text-slate-500">Loading break…</p>;
  if (q.error || !q.data)
    return (
      <p role="alert" className="p-8 text-sm text-red-700">
        {q.error?.message ?? "Break not found."}
      </p>
    );
  const b = q.data;
  return (
    <section className="grid gap-6 p-8 xl:grid-cols-[1fr_22rem]">
      <div className="min-w-0 space-y-6">
        <div className="rounded-lg border border-slate-200 bg-white p-5">
          <div className="flex flex-wrap items-center gap-2">
            <Badge tone={b.status === "open" ? "red" : b.status === "resolved" ? "green" : "blue"}>
              <span data-testid="break-status">{b.status}</span>
            </Badge>
            <Badge tone="gray">{ruleLabel(b.detail?.rule ?? b.businessKeys.rule ?? "")}</Badge>
            <span className="text-sm text-slate-500">
              found {timeAgo(b.createdAt)}
              {b.seenAt && ` · last seen ${timeAgo(b.seenAt)}`}
            </span>
          </div>
          <p className="mt-3 text-lg font-semibold text-slate-900">
            {b.reconciliationName}:{" "}
            <span className="font-mono">{b.detail?.recordKey || b.businessKeys.recordKey || "(no key)"}</span>
          </p>
          <p className="mt-1 text-sm text-slate-600">{b.message}</p>
          {(b.impactAmount || b.impactHours) && (
            <p className="mt-2 text-sm font-medium text-slate-800">
              Holds up{" "}
              {[b.impactAmount ? money(b.impactAmount, b.currency) : null, b.impactHours ? hours(b.impactHours) : null]
                .filter(Boolean)
                .join(" and ")}
            </p>
          )}
          {b.resolution && (
            <p className="mt-3 rounded-md bg-emerald-50 p-2 text-sm text-emerald-800" data-testid="resolution">
              {b.resolution}
            </p>
          )}
        </div>
        <RecordPair b={b} />
      </div>
      <aside className="space-y-6">
        <Resync b={b} />
        <div className="space-y-1 rounded-lg border border-slate-200 bg-white p-5 text-sm">
          <p>
            <Link href={`/runs/${b.runId}`} className="text-brand-700 hover:underline">
              The run that found it →
            </Link>
          </p>
          <p>
            <Link href={`/exceptions/${b.id}`} className="text-brand-700 hover:underline">
              The exception (history, assign, comment) →
            </Link>
          </p>
          {b.resolvedByRunId && (
            <p>
              <Link href={`/runs/${b.resolvedByRunId}`} className="text-brand-700 hover:underline">
                The run that resolved it →
              </Link>
            </p>
          )}
        </div>
      </aside>
    </section>
  );
}

/** Each side of the pair in its own column: present or missing, record ids and rows, the compared value. */
function RecordPair({ b }: { b: BreakView }) {
  const d = b.detail;
  if (!d) return <p className="text-sm text-slate-500">This break was stored before record pairs were kept.</p>;
  const sides = b.sides.length ? b.sides : Object.keys(d.ids);
  const valueOf = (side: string) =>
    d.difference?.a.side === side ? d.difference.a : d.difference?.b.side === side ? d.difference.b : null;
  return (
    <div className="rounded-lg border border-slate-200 bg-white p-5">
      <h2 className="mb-3 text-sm font-semibold text-slate-900">
        The records {d.keyParts.length > 0 && <span className="font-normal text-slate-500">for key {d.recordKey}</span>}
      </h2>
      <div
        className="grid gap-4"
        style={{ gridTemplateColumns: `repeat(${Math.max(sides.length, 1)}, minmax(0, 1fr))` }}
      >
        {sides.map((side) => {
          const missing = d.missingOn.includes(side) || !(side in d.ids);
          const v = valueOf(side);
          return (
            <div
              key={side}
              data-testid={`side-${side}`}
              className={
                missing
                  ? "rounded-md border border-dashed border-red-300 bg-red-50 p-3"
                  : "rounded-md border border-slate-200 p-3"
              }
            >
              <p className="text-xs font-semibold uppercase tracking-wide text-slate-500">{side}</p>
              {missing ? (
                <p className="mt-2 text-sm font-medium text-red-700">No record with this key</p>
              ) : (
                <>
                  <p className="mt-2 text-xs text-slate-500">
                    {d.rows[side] ?? 0} record{d.rows[side] === 1 ? "" : "s"}
                    {d.duplicateOn.includes(side) && <span className="text-red-700"> (duplicate)</span>}
                  </p>
                  <p className="font-mono text-xs text-slate-700">{(d.ids[side] ?? []).join(", ") || "—"}</p>
                </>
              )}
              {v && (
                <p className="mt-2 text-sm">
                  <span className="text-slate-500">
                    {d.difference!.type === "equal" ? d.rule : `${d.rule} (${d.difference!.type})`}:{" "}
                  </span>
                  <span className="font-mono font-medium text-slate-900" data-testid={`value-${side}`}>
                    {v.value === null ? "(empty)" : String(v.value)}
                  </span>
                </p>
              )}
            </div>
          );
        })}
      </div>
      {d.difference && <p className="mt-3 text-sm text-slate-600">{d.difference.detail}</p>}
    </div>
  );
}

function Resync({ b }: { b: BreakView }) {
  const trpc = useTRPC();
  const qc = useQueryClient();
  const [error, setError] = useState<string | null>(null);
  const resync = useMutation(
    trpc.reconciliations.resync.mutationOptions({
      onSuccess: () => qc.invalidateQueries({ queryKey: trpc.reconciliations.pathKey() }),
      onError: (e) => setError(e.message),
    }),
  );
  return (
    <div className="space-y-2 rounded-lg border border-slate-200 bg-white p-5 text-sm">
      <p className="font-medium text-slate-900">Re-sync</p>
      <p className="text-slate-600">
        {b.resync ? (
          <>
            Runs <span className="font-mono">{b.resync.flow}</span> for this record. The break resolves itself when the
            next reconciliation run finds the pair matching.
          </>
        ) : (
          "This reconciliation names no flow that synchronises its records."
        )}
      </p>
      <button
        type="button"
        className="w-full rounded-md bg-brand-600 px-3 py-2 font-medium text-white disabled:opacity-50"
        disabled={!b.canResync.allowed || resync.isPending}
        title={b.canResync.reason ?? undefined}
        onClick={() => {
          setError(null);
          // One request id per click: a retried request finds its run instead of starting a second one.
          resync.mutate({ id: b.id, requestId: crypto.randomUUID() });
        }}
      >
        {resync.isPending ? "Starting…" : "Re-sync"}
      </button>
      {!b.canResync.allowed && b.resync && <p className="text-xs text-slate-500">{b.canResync.reason}</p>}
      {error && (
        <p role="alert" className="text-xs text-red-700">
          {error}
        </p>
      )}
      {b.resyncRun && (
        <p role="status" className="text-xs text-slate-600" data-testid="resync-run">
          Re-sync run{" "}
          <Link href={`/runs/${b.resyncRun.id}`} className="text-brand-700 underline">
            {b.resyncRun.id.slice(0, 8)}
          </Link>{" "}
          <Badge tone={RUN_STATUS_TONE[b.resyncRun.status] ?? "gray"}>{b.resyncRun.status}</Badge>{" "}
          <span title={formatTime(b.resyncRun.createdAt)}>{timeAgo(b.resyncRun.createdAt)}</span>
        </p>
      )}
    </div>
  );
}
