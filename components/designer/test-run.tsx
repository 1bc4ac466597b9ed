"use client";
// "Test run": runs the draft on the real runtime (runs.test) with a chosen or pinned trigger payload, then
// polls runs.timeline so every node shows its status and duration while the run progresses.
import { useMutation, useQuery } from "@tanstack/react-query";
import { clsx } from "clsx";
import { useEffect, useMemo, useRef, useState } from "react";
import { useTRPC } from "@/components/trpc/client";
import {
  asTriggerInput,
  checkTriggerInput,
  triggerSampleSkeleton,
  type Flow,
  type JsonSchemaObject,
  type Trigger,
} from "@/core/dsl";
import type { StepRunView } from "./inspector/inspector";

const TERMINAL = new Set(["succeeded", "failed", "cancelled"]);

export interface RunState {
  runId: string;
  status: string;
  durationMs: number | null;
  error: unknown;
  steps: Map<string, StepRunView>;
  input: unknown;
  testMode: string | null;
}

export function useTestRun(flowKey: string) {
  const trpc = useTRPC();
  const [runId, setRunId] = useState<string | null>(null);
  const start = useMutation(trpc.runs.test.mutationOptions({ onSuccess: (r) => setRunId(r.runId) }));
  const timeline = useQuery({
    ...trpc.runs.timeline.queryOptions({ runId: runId ?? "00000000-0000-0000-0000-000000000000" }),
    enabled: runId !== null,
    refetchInterval: (q) => (q.state.data && TERMINAL.has(q.state.data.status) ? false : 600),
  });
  const t = timeline.data;
  const run = useMemo((): RunState | null => {
    if (!runId || !t || t.id !== runId) return null;
    const steps = new Map<string, StepRunView>();
    // One view per step id: iterations of a foreach are folded (failed wins, then running, else the last).
    for (const s of t.steps) {
      if (s.archived) continue;
      const prev = steps.get(s.stepId);
      const rank = (st: string) => (st === "failed" ? 3 : st === "running" ? 2 : 1);
      if (!prev || rank(s.status) >= rank(prev.status))
        steps.set(s.stepId, {
          status: s.status,
          durationMs: s.durationMs,
          attempts: s.attempts,
          input: s.input,
          output: s.output,
          error: s.error,
          simulated: s.simulated,
          businessEvents: s.businessEvents,
        });
    }
    const started = t.startedAt ? new Date(t.startedAt).getTime() : null;
    const finished = t.finishedAt ? new Date(t.finishedAt).getTime() : null;
    return {
      runId,
      status: t.status,
      durationMs: started && finished ? finished - started : null,
      error: t.error,
      steps,
      input: t.input,
      testMode: t.testMode,
    };
  }, [runId, t]);
  return {
    run,
    pending: start.isPending || (runId !== null && (!run || !TERMINAL.has(run.status))),
    error: start.error?.message ?? timeline.error?.message ?? null,
    start: (flow: Flow, input: unknown, mode: TestMode) => {
      setRunId(null);
      start.mutate({ flowKey, input, dsl: flow, mode });
    },
    clear: () => setRunId(null),
  };
}

export type TestMode = "dry-run" | "live";

export interface LiveConnection {
  key: string;
  name: string;
  host: string | null;
}

/**
 * The test-run dialog: the trigger input (edited in the shape the trigger produces — a webhook's
 * `{ body, headers, query }` — and checked with the same function the server checks it with), and the mode:
 * a dry run (default; writes are simulated) or live against the connections, which names every connection
 * and host the run will really call before it starts.
 */
export function TestRunDialog({
  open,
  onClose,
  trigger,
  eventSchema,
  initial,
  onRun,
  pinnedSource,
  connections,
}: {
  open: boolean;
  onClose(): void;
  trigger: Trigger | undefined;
  eventSchema?: JsonSchemaObject;
  initial: unknown;
  onRun(input: unknown, pin: boolean, mode: TestMode): void;
  pinnedSource: string | null;
  connections: LiveConnection[];
}) {
  const [text, setText] = useState("");
  const [pin, setPin] = useState(false);
  const [mode, setMode] = useState<TestMode>("dry-run");
  const [confirming, setConfirming] = useState(false);
  const area = useRef<HTMLTextAreaElement>(null);
  useEffect(() => {
    if (open) {
      setText(
        JSON.stringify(
          initial === undefined ? triggerSampleSkeleton(trigger) : asTriggerInput(trigger, initial),
          null,
          2,
        ),
      );
      setConfirming(false);
      setTimeout(() => area.current?.focus(), 0);
    }
  }, [open, initial, trigger]);
  const parsed = useMemo((): { ok: true; value: unknown } | { ok: false; message: string } => {
    try {
      return { ok: true, value: JSON.parse(text || "{}") as unknown };
    } catch (e) {
      return { ok: false, message: `The input is not valid JSON: ${(e as Error).message}` };
    }
  }, [text]);
  const problems = useMemo(
    () => (parsed.ok ? checkTriggerInput(trigger, parsed.value, eventSchema) : []),
    [parsed, trigger, eventSchema],
  );
  if (!open) return null;
  const blocked = !parsed.ok || problems.length > 0;
  const run = () => {
    if (!parsed.ok || problems.length) return;
    if (mode === "live" && !confirming) return setConfirming(true);
    onRun(parsed.value, pin, mode);
    onClose();
  };
  const shape =
    trigger?.type === "webhook"
      ? "the request a delivery makes: { body, headers, query }"
      : trigger?.type === "schedule"
        ? "the tick: { firedAt }"
        : trigger?.type === "event"
          ? "the event's payload"
          : "the run's input";
  return (
    <div
      className="fixed inset-0 z-50 grid place-items-center bg-slate-900/30"
      onMouseDown={onClose}
      role="dialog"
      aria-label="Test run"
    >
      <div
        className="w-[600px] rounded-xl bg-white p-5 shadow-2xl"
        onMouseDown={(e) => e.stopPropagation()}
        onKeyDown={(e) => e.stopPropagation()}
      >
        <h2 className="text-sm font-semibold text-slate-900">Test run of the draft</h2>
        <p className="mt-1 text-xs text-slate-500">
          {pinnedSource
            ? `Input: the pinned trigger sample (${pinnedSource}).`
            : "No trigger sample is pinned yet: this is the shape the trigger produces."}
        </p>
        <label className="mt-3 block text-xs font-medium text-slate-700">
          Trigger input ($trigger) — {shape}
          <textarea
            ref={area}
            aria-label="Trigger payload"
            rows={10}
            className="mt-1 block w-full rounded-md border border-slate-300 px-2 py-1.5 font-mono text-xs"
            value={text}
            onChange={(e) => (setText(e.target.value), setConfirming(false))}
          />
        </label>
        {(!parsed.ok || problems.length > 0) && (
          <ul role="alert" data-testid="input-problems" className="mt-1 space-y-0.5 text-xs text-red-700">
            {!parsed.ok ? <li>{parsed.message}</li> : problems.map((p, i) => <li key={i}>{p.message}</li>)}
          </ul>
        )}
        <label className="mt-2 flex items-center gap-2 text-xs text-slate-700">
          <input type="checkbox" checked={pin} onChange={(e) => setPin(e.target.checked)} /> Pin this input as the
          trigger sample
        </label>
        <fieldset
          className="mt-3 space-y-1.5 rounded-md border border-slate-200 p-2.5 text-xs"
          role="radiogroup"
          aria-label="Test mode"
        >
          <legend className="px-1 font-medium text-slate-700">Mode</legend>
          <label className="flex items-start gap-2">
            <input
              type="radio"
              name="test-mode"
              checked={mode === "dry-run"}
              onChange={() => (setMode("dry-run"), setConfirming(false))}
              className="mt-0.5"
            />
            <span>
              <span className="font-medium text-slate-800">Dry run</span> — reads are sent; writes and events are not. A
              write answers with the step&apos;s pinned sample, else a response built from the operation&apos;s output
              schema, marked “simulated” in the timeline.
            </span>
          </label>
          <label className="flex items-start gap-2">
            <input
              type="radio"
              name="test-mode"
              checked={mode === "live"}
              onChange={() => (setMode("live"), setConfirming(false))}
              className="mt-0.5"
            />
            <span>
              <span className="font-medium text-slate-800">Live against the connections</span> — every call is really
              sent; what it creates stays there.
            </span>
          </label>
        </fieldset>
        {confirming && (
          <div
            role="alert"
            data-testid="live-confirmation"
            className="mt-3 rounded-md border border-amber-300 bg-amber-50 p-2.5 text-xs text-amber-900"
          >
            <p className="font-semibold">This test run really calls:</p>
            {connections.length ? (
              <ul className="mt-1 list-disc pl-5">
                {connections.map((c) => (
                  <li key={c.key}>
                    <span className="font-mono">{c.key}</span> ({c.name})
                    {c.host ? (
                      <>
                        {" "}
                        at <span className="font-mono">{c.host}</span>
                      </>
                    ) : null}
                  </li>
                ))}
              </ul>
            ) : (
              <p className="mt-1">no connection (the flow has no call steps).</p>
            )}
            <p className="mt-1">Records it creates there stay. Run it?</p>
          </div>
        )}
        <div className="mt-4 flex justify-end gap-2">
          <button
            type="button"
            className="rounded-md border border-slate-300 px-3 py-1.5 text-sm hover:bg-slate-50"
            onClick={onClose}
          >
            Cancel
          </button>
          <button
            type="button"
            disabled={blocked}
            className={clsx(
              "rounded-md px-3 py-1.5 text-sm font-medium text-white disabled:opacity-50",
              mode === "live" ? "bg-amber-600 hover:bg-amber-700" : "bg-brand-600 hover:bg-brand-700",
            )}
            onClick={run}
          >
            {mode === "dry-run" ? "Run test (dry run)" : confirming ? "Yes, run test live" : "Run test live…"}
          </button>
        </div>
      </div>
    </div>
  );
}
