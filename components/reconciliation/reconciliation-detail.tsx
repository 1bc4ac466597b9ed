"use client";
// One reconciliation: what it compares, its schedule, "Run now", the match-rate trend, the last run's figures,
// recent runs, and the open breaks grouped by rule — each a link to its record pair.
import Link from "next/link";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useTRPC } from "@/components/trpc/client";
import { Badge, RUN_STATUS_TONE } from "@/components/ui/badge";
import { formatTime, timeAgo } from "@/components/runs/format";
import type { ReconciliationDetail as Detail } from "@/server/reconciliations/read";
import { hours, money, pct, rateTone, ruleLabel } from "./format";
import { TrendChart } from "./trend-chart";
import { detailHref, useReconciliationEnvironment } from "./reconciliation-list";
import { EnvironmentFilter } from "@/components/ui/environment-filter";

export function ReconciliationDetail({ flowKey, reconKey }: { flowKey: string; reconKey: string }) {
  const trpc = useTRPC();
  const { environment, setEnvironment } = useReconciliationEnvironment(detailHref(flowKey, reconKey));
  const q = useQuery(
    trpc.reconciliations.detail.queryOptions({ flowKey, key: reconKey, environment }, { refetchInterval: 5_000 }),
  );
  if (q.isLoading) return <p className="p-8 text-sm text-slate-500">Loading reconciliation…</p>;
  if (q.error || !q.data)
    return (
      <p role="alert" className="p-8 text-sm text-red-700">
        {q.error?.message ?? "Reconciliation not found."}
      </p>
    );
  const d = q.data;
  return (
    <section className="grid gap-6 p-8 xl:grid-cols-[1fr_22rem]">
      <div className="min-w-0 space-y-6">
        <div className="flex flex-wrap items-end justify-between gap-3">
          <div>
            <h2 className="text-lg font-semibold text-slate-900">{d.name}</h2>
            <p className="text-sm text-slate-500">
              {d.sides.join(" ↔ ")} · {d.flow.ownerTeam.name} · {d.flow.domain}
            </p>
          </div>
          <EnvironmentFilter value={environment} onChange={setEnvironment} />
        </div>
        <Panel title="Match rate">
          <TrendChart
            runs={[...d.runs].reverse().map((r) => ({ at: r.finishedAt, matchRate: r.matchRate, runId: r.runId }))}
          />
          {d.lastRun && <LastRunFigures d={d} />}
        </Panel>
        <Panel title={`Open breaks (${d.open.breaks})`}>
          <Breaks d={d} />
        </Panel>
        <Panel title="Recent runs">
          <RecentRuns d={d} />
        </Panel>
      </div>
      <aside className="space-y-6">
        <Actions d={d} />
        <Panel title="Definition">
          <dl className="grid grid-cols-[7rem_1fr] gap-y-1 text-sm">
            <dt className="text-slate-500">Flow</dt>
            <dd>
              <Link href={`/catalog/${encodeURIComponent(d.flow.key)}`} className="text-brand-700 hover:underline">
                {d.flow.name}
              </Link>{" "}
              v{d.flow.version}
            </dd>
            <dt className="text-slate-500">Owner</dt>
            <dd>{d.flow.ownerTeam.name}</dd>
            <dt className="text-slate-500">Domain</dt>
            <dd>{d.flow.domain}</dd>
            <dt className="text-slate-500">Sides</dt>
            <dd>{d.sides.join(" ↔ ")}</dd>
            <dt className="text-slate-500">Rules</dt>
            <dd>{d.rules.map((r) => `${r.id} (${r.type})`).join(", ") || "keys only"}</dd>
            <dt className="text-slate-500">Period</dt>
            <dd>{d.period ? `${d.period.from} – ${d.period.to}` : "all records"}</dd>
            <dt className="text-slate-500">Re-sync</dt>
            <dd>
              {d.resync ? (
                <span className="font-mono text-xs">{d.resync.flow}</span>
              ) : (
                <span className="text-slate-400">none</span>
              )}
            </dd>
          </dl>
        </Panel>
      </aside>
    </section>
  );
}

function Panel({ title, children }: { title: string; children: React.ReactNode }) {
  return (
    <div className="rounded-lg border border-slate-200 bg-white p-5">
      <h2 className="mb-3 text-sm font-semibold text-slate-900">{title}</h2>
      {children}
    </div>
  );
}

function LastRunFigures({ d }: { d: Detail }) {
  const r = d.runs[0]!;
  const missing = Object.entries(r.missingOn).filter(([, n]) => n > 0);
  const figures: Array<[string, string]> = [
    ["Keys", String(r.keys)],
    ["Matched", String(r.matched)],
    ["Mismatched", String(r.mismatched)],
    ["Missing", missing.length ? missing.map(([s, n]) => `${n} on ${s}`).join(", ") : "0"],
    ["Duplicate", String(r.duplicate)],
    ["No key", String(r.unkeyed)],
    ["Out of scope", String(r.outOfScope)],
    ["At stake", `${money(r.moneyAtStake, r.currency)} · ${hours(r.hoursAtStake)}`],
  ];
  return (
    <div className="mt-4">
      <p className="mb-2 text-sm text-slate-600">
        Last run {timeAgo(r.finishedAt)}: <Badge tone={rateTone(r.matchRate)}>{pct(r.matchRate)} matched</Badge>
        {r.periodFrom && (
          <span className="ml-2 text-xs text-slate-500">
            period {r.periodFrom} – {r.periodTo}
          </span>
        )}
      </p>
      <dl className="grid grid-cols-2 gap-2 sm:grid-cols-4" data-testid="last-run">
        {figures.map(([k, v]) => (
          <div key={k} className="rounded-md bg-slate-50 px-3 py-2">
            <dt className="text-xs text-slate-500">{k}</dt>
            <dd className="text-sm font-medium tabular-nums text-slate-900">{v}</dd>
          </div>
        ))}
      </dl>
    </div>
  );
}

function Breaks({ d }: { d: Detail }) {
  if (d.breaksByRule.length === 0) return <p className="text-sm text-emerald-700">No open break: the systems agree.</p>;
  return (
    <div className="space-y-4">
      {d.breaksByRule.map((g) => (
        <div key={g.rule}>
          <h3 className="mb-1 text-xs font-semibold uppercase tracking-wide text-slate-500">
            {ruleLabel(g.rule)} · {g.items.length}
          </h3>
          <ul className="divide-y divide-slate-100 rounded-md border border-slate-100">
            {g.items.map((b) => (
              <li key={b.id} className="flex items-center justify-between gap-3 px-3 py-2 text-sm">
                <Link
                  href={`${detailHref(d.flow.key, d.key)}/breaks/${b.id}`}
                  className="min-w-0 truncate text-brand-700 hover:underline"
                  title={b.message}
                >
                  <span className="font-mono">{b.recordKey || "(no key)"}</span>{" "}
                  <span className="text-slate-600">{b.message.split(" — ").slice(1).join(" — ")}</span>
                </Link>
                <span className="flex shrink-0 items-center gap-2 text-xs text-slate-500">
                  {b.resyncRunId && <Badge tone="blue">re-sync started</Badge>}
                  {b.amount ? money(b.amount, d.currency) : null}
                  {b.hours ? ` ${hours(b.hours)}` : null}
                  <span title={formatTime(b.createdAt)}>open {timeAgo(b.createdAt)}</span>
                </span>
              </li>
            ))}
          </ul>
        </div>
      ))}
      {d.truncated && (
        <p className="text-xs text-slate-500">The first 500 open breaks are shown; the exception queue has all.</p>
      )}
    </div>
  );
}

function RecentRuns({ d }: { d: Detail }) {
  if (d.runs.length === 0) return <p className="text-sm text-slate-500">No completed run yet.</p>;
  return (
    <table className="w-full text-left text-sm">
      <thead className="text-xs uppercase tracking-wide text-slate-500">
        <tr>
          <th className="py-1">Finished</th>
          <th className="py-1">Match rate</th>
          <th className="py-1 text-right">Keys</th>
          <th className="py-1 text-right">Breaks</th>
          <th className="py-1 text-right">At stake</th>
        </tr>
      </thead>
      <tbody className="divide-y divide-slate-100">
        {d.runs.slice(0, 10).map((r) => (
          <tr key={r.runId}>
            <td className="py-1">
              <Link href={`/runs/${r.runId}`} className="text-brand-700 hover:underline">
                {formatTime(r.finishedAt)}
              </Link>
            </td>
            <td className="py-1">{pct(r.matchRate)}</td>
            <td className="py-1 text-right tabular-nums">{r.keys}</td>
            <td className="py-1 text-right tabular-nums">{r.breaks}</td>
            <td className="py-1 text-right tabular-nums">
              {money(r.moneyAtStake, r.currency)} · {hours(r.hoursAtStake)}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function Actions({ d }: { d: Detail }) {
  const trpc = useTRPC();
  const qc = useQueryClient();
  const run = useMutation(
    trpc.reconciliations.runNow.mutationOptions({
      onSuccess: () => qc.invalidateQueries({ queryKey: trpc.reconciliations.pathKey() }),
    }),
  );
  return (
    <div className="space-y-4 rounded-lg border border-slate-200 bg-white p-5">
      <div>
        <button
          type="button"
          className="w-full rounded-md bg-brand-600 px-3 py-2 text-sm font-medium text-white disabled:opacity-50"
          disabled={!d.canRun.allowed || run.isPending}
          title={d.canRun.reason ?? undefined}
          onClick={() => run.mutate({ flowKey: d.flow.key, key: d.key })}
        >
          {run.isPending ? "Starting…" : "Run now"}
        </button>
        {!d.canRun.allowed && <p className="mt-1 text-xs text-slate-500">{d.canRun.reason}</p>}
        {run.data && (
          <p role="status" className="mt-1 text-xs text-emerald-700">
            Started{" "}
            <Link href={`/runs/${run.data.runId}`} className="underline">
              run {run.data.runId.slice(0, 8)}
            </Link>
            .
          </p>
        )}
        {run.error && (
          <p role="alert" className="mt-1 text-xs text-red-700">
            {run.error.message}
          </p>
        )}
      </div>
      <div className="text-sm">
        <p className="font-medium text-slate-900">Schedule</p>
        {d.schedule ? (
          <p className="text-slate-600">
            <span className="font-mono">{d.schedule.cron}</span>
            {d.schedule.timezone && <span className="text-slate-500"> ({d.schedule.timezone})</span>}
          </p>
        ) : (
          <p className="text-slate-500">Not scheduled: the flow runs on its own trigger or by hand.</p>
        )}
        <Link href={`/flows/${encodeURIComponent(d.flow.key)}`} className="text-xs text-brand-700 hover:underline">
          Edit the trigger in the designer →
        </Link>
      </div>
      {d.lastFlowRun && (
        <p className="text-sm text-slate-600">
          Last run{" "}
          <Link href={`/runs/${d.lastFlowRun.id}`}>
            <Badge tone={RUN_STATUS_TONE[d.lastFlowRun.status] ?? "gray"}>{d.lastFlowRun.status}</Badge>
          </Link>{" "}
          {timeAgo(d.lastFlowRun.createdAt)}
        </p>
      )}
    </div>
  );
}
