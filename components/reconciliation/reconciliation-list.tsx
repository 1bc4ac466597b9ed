"use client";
// Every reconciliation (a reconcile step of a published flow): owner and domain, last run, match-rate trend,
// money and hours held up by open breaks, and open breaks by rule.
import Link from "next/link";
import { useQuery } from "@tanstack/react-query";
import { useTRPC } from "@/components/trpc/client";
import { Badge, RUN_STATUS_TONE } from "@/components/ui/badge";
import { formatTime, timeAgo } from "@/components/runs/format";
import type { ReconciliationListItem } from "@/server/reconciliations/read";
import { Sparkline, hours, money, pct, rateTone, ruleLabel } from "./format";
import { EnvironmentFilter } from "@/components/ui/environment-filter";
import { useUrlParams } from "@/components/ui/use-url-params";
import { PRODUCTION } from "@/core/environment-scope";

export const detailHref = (flowKey: string, key: string) =>
  `/reconciliation/${encodeURIComponent(flowKey)}/${encodeURIComponent(key)}`;

/** The page's environment (production unless the URL names another, or "all") and how to change it. */
export function useReconciliationEnvironment(path: string) {
  const url = useUrlParams(path);
  const environment = url.params.get("environment") || PRODUCTION;
  const setEnvironment = (v: string) => {
    const next = url.latest();
    if (v === PRODUCTION) next.delete("environment");
    else next.set("environment", v);
    url.replace(next);
  };
  /** A link that keeps the environment chosen. */
  const keep = (href: string) =>
    environment === PRODUCTION ? href : `${href}?environment=${encodeURIComponent(environment)}`;
  return { environment, setEnvironment, keep };
}

export function ReconciliationList() {
  const trpc = useTRPC();
  // Match rates are business figures: production unless asked otherwise (docs/environments.md).
  const { environment, setEnvironment, keep } = useReconciliationEnvironment("/reconciliation");
  const q = useQuery(trpc.reconciliations.list.queryOptions({ environment }, { refetchInterval: 15_000 }));
  const filter = (
    <div role="search" aria-label="Filter reconciliations" className="flex flex-wrap items-end gap-3">
      <EnvironmentFilter value={environment} onChange={setEnvironment} />
    </div>
  );
  if (q.isLoading) return <p className="p-8 text-sm text-slate-500">Loading reconciliations…</p>;
  if (q.error)
    return (
      <p role="alert" className="p-8 text-sm text-red-700">
        {q.error.message}
      </p>
    );
  const items = q.data ?? [];
  return (
    <section className="space-y-4 p-8">
      {filter}
      {items.length === 0 ? (
        <p className="rounded-lg border border-dashed border-slate-300 bg-white p-6 text-sm text-slate-600">
          No reconciliation is published yet. A reconciliation is a <span className="font-mono">reconcile</span> step of
          a flow (docs/reconciliation.md): add one in the designer and publish the flow.
        </p>
      ) : (
        <div className="overflow-x-auto rounded-lg border border-slate-200 bg-white">
          <table className="w-full text-left text-sm">
            <caption className="sr-only">Reconciliations</caption>
            <thead className="bg-slate-50 text-xs uppercase tracking-wide text-slate-500">
              <tr>
                <th className="px-3 py-2">Reconciliation</th>
                <th className="px-3 py-2">Owner · domain</th>
                <th className="px-3 py-2">Last run</th>
                <th className="px-3 py-2">Match rate</th>
                <th className="px-3 py-2">Trend</th>
                <th className="px-3 py-2 text-right">Unreconciled</th>
                <th className="px-3 py-2">Open breaks by rule</th>
              </tr>
            </thead>
            <tbody className="divide-y divide-slate-100">
              {items.map((r) => (
                <Row key={`${r.flow.key}/${r.key}`} r={r} href={keep(detailHref(r.flow.key, r.key))} />
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

function Row({ r, href }: { r: ReconciliationListItem; href: string }) {
  return (
    <tr className="align-top hover:bg-slate-50" data-testid={`recon-${r.key}`}>
      <td className="px-3 py-2">
        <Link href={href} className="font-medium text-brand-700 hover:underline">
          {r.name}
        </Link>
        <span className="block text-xs text-slate-500">
          {r.sides.join(" ↔ ")} · flow <span className="font-mono">{r.flow.key}</span> v{r.flow.version}
        </span>
      </td>
      <td className="px-3 py-2 text-slate-600">
        {r.flow.ownerTeam.name}
        <span className="block text-xs text-slate-400">{r.flow.domain}</span>
      </td>
      <td className="px-3 py-2">
        {r.lastFlowRun ? (
          <Link
            href={`/runs/${r.lastFlowRun.id}`}
            className="flex items-center gap-2"
            title={formatTime(r.lastFlowRun.createdAt)}
          >
            <Badge tone={RUN_STATUS_TONE[r.lastFlowRun.status] ?? "gray"}>{r.lastFlowRun.status}</Badge>
            <span className="text-xs text-slate-500">{timeAgo(r.lastFlowRun.createdAt)}</span>
          </Link>
        ) : (
          <span className="text-xs text-slate-400">never run</span>
        )}
      </td>
      <td className="px-3 py-2">
        {r.lastRun ? (
          <>
            <Badge tone={rateTone(r.lastRun.matchRate)}>{pct(r.lastRun.matchRate)}</Badge>
            <span className="block text-xs text-slate-400">
              {r.lastRun.matched} of {r.lastRun.keys} keys
            </span>
          </>
        ) : (
          <span className="text-xs text-slate-400">—</span>
        )}
      </td>
      <td className="px-3 py-2">
        <Sparkline points={r.trend.map((t) => t.matchRate)} label={`Match rate over the last ${r.trend.length} runs`} />
      </td>
      <td className="px-3 py-2 text-right tabular-nums">
        <span className="font-medium text-slate-800">{money(r.open.amount, r.currency)}</span>
        <span className="block text-xs text-slate-500">{hours(r.open.hours)}</span>
      </td>
      <td className="px-3 py-2">
        {r.open.breaks === 0 ? (
          <Badge tone="green">none open</Badge>
        ) : (
          <ul className="flex flex-wrap gap-1">
            {r.open.byRule.map((b) => (
              <li key={b.rule}>
                <Badge tone="red">
                  {ruleLabel(b.rule)} · {b.open}
                </Badge>
              </li>
            ))}
          </ul>
        )}
      </td>
    </tr>
  );
}
