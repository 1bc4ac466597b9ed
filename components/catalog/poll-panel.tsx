"use client";
// The poll trigger of a flow, on its catalog page, per environment (docs/environments.md: each environment that
// runs a polling version has its own cursor, schedule and failures): a tab per such environment with its state,
// and for the chosen one where it reads, the cursor, when it polls next, how many runs it started and — when it
// fails — the error and the backoff. A published poll waits for someone to choose where it starts in that
// environment: now, or a past date (a backfill; records already started never start again).
import { useMutation, useQueries, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { useTRPC } from "@/components/trpc/client";
import { Badge } from "@/components/ui/badge";
import { PRODUCTION } from "@/core/environment-scope";

const when = (iso: string | null) => (iso ? new Date(iso).toLocaleString() : "—");

type PollState = {
  status: string;
  consecutiveFailures: number;
} | null;

/** One word for a poll's state, as its badge says it. */
function StateBadge({ state }: { state: PollState }) {
  const failing = (state?.consecutiveFailures ?? 0) > 0;
  return !state || state.status === "awaiting_start" ? (
    <Badge tone="amber">Not started</Badge>
  ) : state.status === "inactive" ? (
    <Badge>Inactive</Badge>
  ) : failing ? (
    <Badge tone="red">Failing</Badge>
  ) : (
    <Badge tone="green">Polling</Badge>
  );
}

export function PollPanel({ flowKey, roles }: { flowKey: string; roles: ReadonlyArray<string> }) {
  const trpc = useTRPC();
  const qc = useQueryClient();
  const environments = useQuery(trpc.environments.list.queryOptions());
  const envs = environments.data ?? [{ key: PRODUCTION, name: "Production" }];
  const states = useQueries({
    queries: envs.map((e) => ({
      ...trpc.polls.state.queryOptions({ flowKey, environment: e.key }),
      refetchInterval: 5000,
    })),
  });
  const activate = useMutation(
    trpc.polls.activate.mutationOptions({ onSuccess: () => qc.invalidateQueries({ queryKey: trpc.polls.pathKey() }) }),
  );
  const [chosen, setChosen] = useState<string | null>(null);
  const [mode, setMode] = useState<"now" | "date">("now");
  const [date, setDate] = useState("");
  const canStart = roles.includes("admin") || roles.includes("designer");
  // Only environments whose live version polls; production first, then the others as the workspace lists them.
  const polling = envs
    .map((e, i) => ({ ...e, data: states[i]?.data }))
    .filter((e): e is typeof e & { data: NonNullable<typeof e.data> } => !!e.data?.polls)
    .sort((a, b) => Number(b.key === PRODUCTION) - Number(a.key === PRODUCTION));
  if (!polling.length) return null;
  const current = polling.find((e) => e.key === chosen) ?? polling.find((e) => e.key === PRODUCTION) ?? polling[0]!;
  const { source, state, version } = current.data;
  const failing = (state?.consecutiveFailures ?? 0) > 0;
  const start = () =>
    activate.mutate({
      flowKey,
      environment: current.key,
      from: mode === "now" ? { mode: "now" } : { mode: "date", date: date ? new Date(date).toISOString() : "" },
    });
  return (
    <section aria-labelledby="poll-h" className="space-y-2 px-8 pb-8">
      <div className="flex flex-wrap items-center gap-2">
        <h2 id="poll-h" className="text-base font-semibold">
          Poll trigger
        </h2>
        <div role="group" aria-label="Environment" className="flex flex-wrap gap-1">
          {polling.map((e) => (
            <button
              key={e.key}
              type="button"
              aria-pressed={e.key === current.key}
              onClick={() => setChosen(e.key)}
              className={`flex items-center gap-1 rounded-md border px-2 py-0.5 text-sm ${
                e.key === current.key ? "border-brand-600 bg-brand-50" : "border-slate-200 bg-white"
              }`}
            >
              {e.name} <StateBadge state={e.data.state} />
            </button>
          ))}
        </div>
      </div>
      <div className="rounded-lg border border-slate-200 bg-white p-4 text-sm">
        <p className="text-slate-600">
          <span className="font-medium text-slate-800">
            {current.name}
            {version ? ` · v${version}` : ""}:
          </span>{" "}
          reads{" "}
          <code>
            {source?.connector}.{source?.operation}
          </code>{" "}
          through <code>{source?.connection}</code> every {source?.interval ?? "minute"}; one run per new or changed
          record.
        </p>
        {state && state.status !== "awaiting_start" && (
          <dl className="mt-3 grid grid-cols-2 gap-2 sm:grid-cols-4">
            <Fact label="Cursor">{state.cursor ?? "—"}</Fact>
            <Fact label="Last success">{when(state.lastSuccessAt)}</Fact>
            <Fact label="Next poll">{when(state.nextPollAt)}</Fact>
            <Fact label="Runs started">{state.runsStarted.toLocaleString()}</Fact>
          </dl>
        )}
        {failing && state && (
          <p role="alert" className="mt-3 rounded-md bg-red-50 p-2 text-red-800">
            {state.consecutiveFailures} failed poll{state.consecutiveFailures === 1 ? "" : "s"} in a row (
            {state.lastErrorClass}): {state.lastError} — backing off; next try {when(state.nextPollAt)}.
          </p>
        )}
        {canStart ? (
          <fieldset className="mt-3 flex flex-wrap items-center gap-3">
            <legend className="sr-only">Start the poll in {current.name}</legend>
            <label className="flex items-center gap-1">
              <input type="radio" name="poll-from" checked={mode === "now"} onChange={() => setMode("now")} /> From now
            </label>
            <label className="flex items-center gap-1">
              <input type="radio" name="poll-from" checked={mode === "date"} onChange={() => setMode("date")} /> From a
              date (backfill)
            </label>
            {mode === "date" && (
              <input
                type="datetime-local"
                aria-label="Backfill from"
                value={date}
                onChange={(e) => setDate(e.target.value)}
                className="rounded-md border border-slate-300 px-2 py-1"
              />
            )}
            <button
              type="button"
              disabled={activate.isPending || (mode === "date" && !date)}
              onClick={start}
              className="rounded-md bg-brand-600 px-3 py-1.5 font-medium text-white disabled:opacity-50"
            >
              {state && state.status === "active" ? "Restart poll" : "Start poll"}
            </button>
            {activate.error && (
              <span role="alert" className="text-red-700">
                {activate.error.message}
              </span>
            )}
          </fieldset>
        ) : !state || state.status === "awaiting_start" ? (
          <p className="mt-3 text-slate-500">A designer of the owning team chooses where the poll starts.</p>
        ) : null}
      </div>
    </section>
  );
}

function Fact({ label, children }: { label: string; children: React.ReactNode }) {
  return (
    <div>
      <dt className="text-xs text-slate-500">{label}</dt>
      <dd className="break-all font-medium">{children}</dd>
    </div>
  );
}
