"use client";
// One run: its version, trigger, business keys, links to its exception and replays, and the step timeline
// — status, attempts, duration (with a bar on the run's time axis), the retries and why, each step's input
// and output (masked by the flow's data classification; operators reveal them, audited). Polls while the
// run is in flight.
import Link from "next/link";
import { useState } from "react";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useTRPC } from "@/components/trpc/client";
import { Badge } from "@/components/ui/badge";
import type { RunTimelineView } from "@/server/api/routers/runs";
import {
  BusinessKeys,
  ERROR_CLASS_TONE,
  JsonBlock,
  RunStatus,
  SIMULATED_LABEL,
  SimulatedBadge,
  TEST_MODE_LABEL,
  formatDuration,
  formatTime,
} from "./format";
import { RunTasks } from "./run-tasks";

const IN_FLIGHT = ["queued", "running", "waiting"];

export function RunView({ runId, roles }: { runId: string; roles: readonly string[] }) {
  const trpc = useTRPC();
  const qc = useQueryClient();
  const canOperate = roles.includes("operator") || roles.includes("admin");
  const [revealed, setRevealed] = useState<RunTimelineView | null>(null);
  const q = useQuery(
    trpc.runs.timeline.queryOptions(
      { runId },
      { refetchInterval: (s) => (s.state.data && IN_FLIGHT.includes(s.state.data.status) ? 1000 : false) },
    ),
  );
  const reveal = useMutation(trpc.runs.reveal.mutationOptions({ onSuccess: (v) => setRevealed(v) }));
  const cancel = useMutation(
    trpc.runs.cancel.mutationOptions({
      onSuccess: () => void qc.invalidateQueries({ queryKey: trpc.runs.timeline.queryKey({ runId }) }),
    }),
  );
  if (q.isLoading) return <p className="p-8 text-sm text-slate-500">Loading run…</p>;
  if (q.error || !q.data)
    return (
      <p role="alert" className="p-8 text-sm text-red-700">
        {q.error?.message ?? "Run not found."}
      </p>
    );
  // A revealed copy is shown until the run changes underneath it.
  const run =
    revealed && revealed.status === q.data.status && revealed.steps.length === q.data.steps.length ? revealed : q.data;
  const live = run.steps.filter((s) => !s.archived);
  const archived = run.steps.filter((s) => s.archived);
  const t0 = new Date(run.startedAt ?? run.createdAt).getTime();
  const tEnd = Math.max(
    t0 + 1,
    ...run.steps.map((s) => new Date(s.finishedAt ?? s.startedAt ?? Date.now()).getTime()),
    run.finishedAt ? new Date(run.finishedAt).getTime() : Date.now(),
  );

  return (
    <section className="space-y-6 p-8">
      <div className="grid gap-4 rounded-lg border border-slate-200 bg-white p-5 md:grid-cols-4">
        <Fact label="Status">
          <span className="flex items-center gap-2">
            <RunStatus status={run.status} />
            {IN_FLIGHT.includes(run.status) && (
              <span className="text-xs text-slate-500" aria-live="polite">
                live — refreshing every second
              </span>
            )}
          </span>
        </Fact>
        <Fact label="Flow">
          <Link className="text-brand-700 hover:underline" href={`/catalog/${encodeURIComponent(run.flow.key)}`}>
            {run.flow.name}
          </Link>
          <span className="block font-mono text-xs text-slate-500">
            {run.version ? `version ${run.version}` : "draft (test run)"}
          </span>
          {run.testMode && (
            <span className="block text-xs text-amber-700" data-testid="test-mode">
              {TEST_MODE_LABEL[run.testMode] ?? run.testMode}
            </span>
          )}
        </Fact>
        <Fact label="Trigger">
          {run.triggerType}
          {run.replayOfId && (
            <Link href={`/runs/${run.replayOfId}`} className="block text-xs text-brand-700 hover:underline">
              replay of {run.replayOfId.slice(0, 8)}
            </Link>
          )}
          {run.parentRunId && (
            <Link href={`/runs/${run.parentRunId}`} className="block text-xs text-brand-700 hover:underline">
              subflow of {run.parentRunId.slice(0, 8)}
            </Link>
          )}
        </Fact>
        <Fact label="Timing">
          <span className="text-sm">{formatTime(run.createdAt)}</span>
          <span className="block text-xs text-slate-500">
            {run.finishedAt
              ? `took ${formatDuration(new Date(run.finishedAt).getTime() - new Date(run.createdAt).getTime())}`
              : "not finished"}
          </span>
        </Fact>
        <div className="md:col-span-4">
          <p className="text-xs font-medium uppercase tracking-wide text-slate-500">Business keys</p>
          <div className="mt-1">
            <BusinessKeys keys={run.businessKeys} />
          </div>
        </div>
        {run.error && (
          <div
            role="alert"
            className="rounded-md border border-red-200 bg-red-50 p-3 text-sm text-red-800 md:col-span-4"
          >
            <Badge tone={ERROR_CLASS_TONE[run.error.errorClass ?? ""] ?? "red"}>
              {run.error.errorClass ?? "error"}
            </Badge>{" "}
            {run.error.step && <span className="font-mono text-xs">{run.error.step}: </span>}
            {run.error.message}
          </div>
        )}
        <RunTasks runId={runId} live={IN_FLIGHT.includes(run.status)} />
        {(run.exceptions.length > 0 || run.replays.length > 0 || run.children.length > 0) && (
          <div className="flex flex-wrap gap-4 text-sm md:col-span-4">
            {run.exceptions.map((e) => (
              <Link
                key={e.id}
                href={`/exceptions/${e.id}`}
                className="rounded-md border border-red-200 bg-red-50 px-3 py-1.5 text-red-800 hover:underline"
              >
                Exception ({e.status}): {e.errorClass} at {e.stepPath ?? "run"}
              </Link>
            ))}
            {run.replays.map((r) => (
              <Link
                key={r.id}
                href={`/runs/${r.id}`}
                className="rounded-md border border-slate-200 px-3 py-1.5 text-slate-700 hover:underline"
              >
                Replayed as {r.id.slice(0, 8)} ({r.status})
              </Link>
            ))}
            {run.children.map((c) => (
              <Link
                key={c.id}
                href={`/runs/${c.id}`}
                className="rounded-md border border-slate-200 px-3 py-1.5 text-slate-700 hover:underline"
              >
                Subflow {c.flow.key} ({c.status})
              </Link>
            ))}
          </div>
        )}
        <div className="flex flex-wrap items-center gap-3 md:col-span-4">
          {run.needsReveal && !run.revealed && (
            <>
              <span className="text-sm text-slate-600">
                <Badge tone={run.classification === "restricted" ? "red" : "amber"}>{run.classification}</Badge>{" "}
                payloads are masked.
              </span>
              {canOperate ? (
                <button
                  type="button"
                  className="rounded-md border border-slate-300 px-3 py-1.5 text-sm hover:bg-slate-50"
                  disabled={reveal.isPending}
                  onClick={() => reveal.mutate({ runId })}
                >
                  Reveal payloads (audited)
                </button>
              ) : (
                <span className="text-xs text-slate-500">Operators can reveal them; every view is audited.</span>
              )}
            </>
          )}
          {run.revealed && <Badge tone="amber">Payloads revealed — this view was recorded in the audit log</Badge>}
          {canOperate && IN_FLIGHT.includes(run.status) && (
            <button
              type="button"
              className="ml-auto rounded-md border border-red-300 px-3 py-1.5 text-sm text-red-700 hover:bg-red-50"
              onClick={() => cancel.mutate({ runId, reason: "Cancelled from the run page" })}
            >
              Cancel run
            </button>
          )}
          {reveal.error && (
            <p role="alert" className="text-sm text-red-700">
              {reveal.error.message}
            </p>
          )}
        </div>
      </div>

      <div className="grid gap-6 lg:grid-cols-2">
        <JsonBlock label="Input" value={run.input} />
        <JsonBlock
          label="Output"
          value={run.output}
          empty={IN_FLIGHT.includes(run.status) ? "Not finished yet." : "No output."}
        />
      </div>

      <div>
        <h2 className="mb-2 text-sm font-semibold text-slate-900">Steps</h2>
        <ol
          aria-label="Step timeline"
          className="divide-y divide-slate-100 overflow-hidden rounded-lg border border-slate-200 bg-white"
        >
          {live.map((s) => (
            <StepRow key={s.path} step={s} t0={t0} span={tEnd - t0} />
          ))}
          {live.length === 0 && <li className="p-4 text-sm text-slate-500">No steps have run yet.</li>}
        </ol>
        {archived.length > 0 && (
          <details className="mt-3">
            <summary className="cursor-pointer text-sm text-slate-600">
              Earlier attempts kept for the record ({archived.length})
            </summary>
            <ol className="mt-2 divide-y divide-slate-100 overflow-hidden rounded-lg border border-slate-200 bg-white opacity-80">
              {archived.map((s) => (
                <StepRow key={s.path} step={s} t0={t0} span={tEnd - t0} />
              ))}
            </ol>
          </details>
        )}
      </div>
    </section>
  );
}

function Fact({ label, children }: { label: string; children: React.ReactNode }) {
  return (
    <div role="group" aria-label={label}>
      <p className="text-xs font-medium uppercase tracking-wide text-slate-500">{label}</p>
      <div className="mt-1 text-sm text-slate-800">{children}</div>
    </div>
  );
}

type Step = RunTimelineView["steps"][number];
const STEP_TONE: Record<string, string> = {
  succeeded: "bg-emerald-500",
  failed: "bg-red-500",
  running: "bg-brand-500",
  retrying: "bg-amber-500",
  waiting: "bg-amber-400",
  compensated: "bg-slate-400",
  skipped: "bg-slate-300",
};

function StepRow({ step, t0, span }: { step: Step; t0: number; span: number }) {
  const start = step.startedAt ? new Date(step.startedAt).getTime() : t0;
  const end = step.finishedAt ? new Date(step.finishedAt).getTime() : Date.now();
  const left = Math.max(0, Math.min(100, ((start - t0) / span) * 100));
  const width = Math.max(0.8, Math.min(100 - left, ((end - start) / span) * 100));
  const retries = step.attemptLog.filter((a) => a.outcome !== "succeeded" && (a.errorClass || a.message));
  // A replay's step that already happened in the original run: its result was reused, nothing was sent again.
  const reusedFrom = step.attemptLog.find((a) => a.outcome === "reused")?.reusedFrom;
  return (
    <li className="text-sm" aria-label={`Step ${step.path}`}>
      <details>
        <summary className="grid cursor-pointer grid-cols-12 items-center gap-3 px-4 py-2.5 hover:bg-slate-50">
          <span className="col-span-4 min-w-0">
            <span className="block truncate font-medium text-slate-800">{step.name ?? step.stepId}</span>
            <span className="block truncate font-mono text-xs text-slate-400">
              {step.path}
              {step.connector && ` · ${step.connector}.${step.operation}`}
            </span>
          </span>
          <span className="col-span-2 flex flex-wrap gap-1">
            <Badge
              tone={
                step.status === "succeeded"
                  ? "green"
                  : step.status === "failed"
                    ? "red"
                    : step.status === "skipped" || step.status === "compensated"
                      ? "gray"
                      : "amber"
              }
            >
              {step.status}
            </Badge>
            {step.attempts > 1 && (
              <Badge tone="amber" title={`${step.attempts} attempts`}>
                {step.attempts} attempts
              </Badge>
            )}
            <SimulatedBadge simulated={step.simulated} />
            {reusedFrom && (
              <Badge
                tone="gray"
                title={`Not executed again: the result of run ${reusedFrom}, where this step succeeded with the same input`}
              >
                reused from {reusedFrom.slice(0, 8)}
              </Badge>
            )}
          </span>
          <span className="col-span-1 text-right tabular-nums text-slate-600">{formatDuration(step.durationMs)}</span>
          <span className="col-span-5 h-2 rounded bg-slate-100" aria-hidden>
            <span
              className={`relative block h-2 rounded ${STEP_TONE[step.status] ?? "bg-slate-400"}`}
              style={{ marginLeft: `${left}%`, width: `${width}%` }}
            />
          </span>
        </summary>
        <div className="space-y-3 border-t border-slate-100 bg-slate-50/50 px-4 py-3">
          {step.simulated && (
            <p className="text-xs text-amber-800">{SIMULATED_LABEL[step.simulated] ?? step.simulated}</p>
          )}
          {step.error && (
            <p className="rounded-md border border-red-200 bg-red-50 p-2 text-sm text-red-800">
              <Badge tone={ERROR_CLASS_TONE[step.error.errorClass ?? ""] ?? "red"}>
                {step.error.errorClass ?? "error"}
              </Badge>{" "}
              {step.error.message}
            </p>
          )}
          {retries.length > 0 && (
            <div>
              <p className="mb-1 text-xs font-medium uppercase tracking-wide text-slate-500">Retries and why</p>
              <ol className="space-y-1 text-xs text-slate-700">
                {step.attemptLog.map((a, i) => (
                  <li key={i} className="flex flex-wrap gap-2">
                    <span className="font-mono">#{a.attempt ?? i + 1}</span>
                    <span>{a.outcome ?? "failed"}</span>
                    {a.errorClass && <Badge tone={ERROR_CLASS_TONE[a.errorClass] ?? "gray"}>{a.errorClass}</Badge>}
                    {a.message && <span className="text-slate-600">{a.message}</span>}
                    {a.delayMs !== undefined && a.delayMs > 0 && (
                      <span className="text-slate-500">→ retried after {formatDuration(a.delayMs)}</span>
                    )}
                  </li>
                ))}
              </ol>
            </div>
          )}
          <div className="grid gap-3 lg:grid-cols-2">
            <JsonBlock label="Step input" value={step.input} />
            <JsonBlock label="Step output" value={step.output} />
          </div>
        </div>
      </details>
    </li>
  );
}
