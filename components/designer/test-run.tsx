"use client";
// "Test run": runs the draft on the real runtime (runs.test) with a chosen or pinned trigger payload, then
// polls runs.timeline so every node shows its status and duration while the run progresses.
import { useMutation, useQuery } from "@tanstack/react-query";
import { useEffect, useMemo, useRef, useState } from "react";
import { useTRPC } from "@/components/trpc/client";
import type { Flow } from "@/server/dsl";
import type { StepRunView } from "./inspector/inspector";

const TERMINAL = new Set(["succeeded", "failed", "cancelled"]);

export interface RunState {
  runId: string;
  status: string;
  durationMs: number | null;
  error: unknown;
  steps: Map<string, StepRunView>;
  input: unknown;
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
        steps.set(s.stepId, { status: s.status, durationMs: s.durationMs, attempts: s.attempts, input: s.input, output: s.output, error: s.error });
    }
    const started = t.startedAt ? new Date(t.startedAt).getTime() : null;
    const finished = t.finishedAt ? new Date(t.finishedAt).getTime() : null;
    return { runId, status: t.status, durationMs: started && finished ? finished - started : null, error: t.error, steps, input: t.input };
  }, [runId, t]);
  return {
    run,
    pending: start.isPending || (runId !== null && (!run || !TERMINAL.has(run.status))),
    error: start.error?.message ?? timeline.error?.message ?? null,
    start: (flow: Flow, input: unknown) => {
      setRunId(null);
      start.mutate({ flowKey, input, dsl: flow });
    },
    clear: () => setRunId(null),
  };
}

export function TestRunDialog({ open, onClose, initial, onRun, pinnedSource }: { open: boolean; onClose(): void; initial: unknown; onRun(input: unknown, pin: boolean): void; pinnedSource: string | null }) {
  const [text, setText] = useState("");
  const [pin, setPin] = useState(false);
  const [err, setErr] = useState<string | null>(null);
  const area = useRef<HTMLTextAreaElement>(null);
  useEffect(() => {
    if (open) {
      setText(JSON.stringify(initial ?? {}, null, 2));
      setErr(null);
      setTimeout(() => area.current?.focus(), 0);
    }
  }, [open, initial]);
  if (!open) return null;
  return (
    <div className="fixed inset-0 z-50 grid place-items-center bg-slate-900/30" onMouseDown={onClose} role="dialog" aria-label="Test run">
      <div className="w-[560px] rounded-xl bg-white p-5 shadow-2xl" onMouseDown={(e) => e.stopPropagation()} onKeyDown={(e) => e.stopPropagation()}>
        <h2 className="text-sm font-semibold text-slate-900">Test run of the draft</h2>
        <p className="mt-1 text-xs text-slate-500">
          Runs this draft on the real runtime against the connections it names (the sandboxes in the demo). {pinnedSource ? `Payload: the pinned trigger sample (${pinnedSource}).` : "No trigger sample is pinned yet."}
        </p>
        <label className="mt-3 block text-xs font-medium text-slate-700">
          Trigger payload ($trigger)
          <textarea ref={area} aria-label="Trigger payload" rows={10} className="mt-1 block w-full rounded-md border border-slate-300 px-2 py-1.5 font-mono text-xs" value={text} onChange={(e) => setText(e.target.value)} />
        </label>
        {err && (
          <p role="alert" className="mt-1 text-xs text-red-700">
            {err}
          </p>
        )}
        <label className="mt-2 flex items-center gap-2 text-xs text-slate-700">
          <input type="checkbox" checked={pin} onChange={(e) => setPin(e.target.checked)} /> Pin this payload as the trigger sample
        </label>
        <div className="mt-4 flex justify-end gap-2">
          <button type="button" className="rounded-md border border-slate-300 px-3 py-1.5 text-sm hover:bg-slate-50" onClick={onClose}>
            Cancel
          </button>
          <button
            type="button"
            className="rounded-md bg-brand-600 px-3 py-1.5 text-sm font-medium text-white hover:bg-brand-700"
            onClick={() => {
              try {
                const input = JSON.parse(text || "{}");
                onRun(input, pin);
                onClose();
              } catch (e) {
                setErr(`The payload is not valid JSON: ${(e as Error).message}`);
              }
            }}
          >
            Run test
          </button>
        </div>
      </div>
    </div>
  );
}
