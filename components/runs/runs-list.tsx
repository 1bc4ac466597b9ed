"use client";
// The runs list: filters (environment, flow, version, status, trigger, time range, business key) kept in the URL,
// newest first with keyset paging; refreshes itself while any listed run is in flight.
import Link from "next/link";
import { useInfiniteQuery, useQuery } from "@tanstack/react-query";
import { useTRPC } from "@/components/trpc/client";
import { Badge } from "@/components/ui/badge";
import { SelectField, TextField } from "@/components/ui/fields";
import { useUrlParams } from "@/components/ui/use-url-params";
import { BusinessKeys, RunStatus, formatDuration, formatTime } from "./format";
import { RUN_STATUSES, type RunStatus as Status } from "@/core/flow-constants";
import { ALL_ENVIRONMENTS, environmentParam, openingEnvironment } from "@/core/environment-scope";
import { EnvironmentFilter } from "@/components/ui/environment-filter";

const STATUSES = RUN_STATUSES;
type Field = "environment" | "flow" | "version" | "status" | "trigger" | "from" | "to" | "key";

export function RunsList({ roles }: { roles: readonly string[] }) {
  const trpc = useTRPC();
  const { params, latest, replace } = useUrlParams("/runs");
  const get = (k: Field) => params.get(k) ?? "";
  const set = (k: Field, v: string) => {
    const next = latest();
    if (v) next.set(k, v);
    else next.delete(k);
    if (k === "flow") next.delete("version");
    if (k === "environment") next.delete("env"); // the older name, still read
    replace(next);
  };
  // Production by default for operators, every environment for other roles (as the exception queue).
  const environment = openingEnvironment(environmentParam(params), roles);
  const everyByDefault = openingEnvironment("", roles) === ALL_ENVIRONMENTS;
  const filters = useQuery(trpc.runs.filters.queryOptions());
  const flow = filters.data?.flows.find((f) => f.key === get("flow"));
  const input = {
    flowKey: get("flow") || undefined,
    version: get("version") || undefined,
    status: (get("status") || undefined) as Status | undefined,
    triggerType: get("trigger") || undefined,
    // Said explicitly ("all" too): the server's default for a missing one is the operator's production.
    environment,
    businessKey: get("key") || undefined,
    from: get("from") ? new Date(get("from")) : undefined,
    to: get("to") ? new Date(get("to")) : undefined,
    limit: 50,
  };
  const runs = useInfiniteQuery(
    trpc.runs.list.infiniteQueryOptions(input, {
      getNextPageParam: (last) => last.nextCursor ?? undefined,
      refetchInterval: (q) =>
        q.state.data?.pages.some((p) => p.items.some((r) => ["queued", "running", "waiting"].includes(r.status)))
          ? 2000
          : 15_000,
    }),
  );
  const items = runs.data?.pages.flatMap((p) => p.items) ?? [];

  return (
    <section className="space-y-4 p-8">
      <div
        role="search"
        aria-label="Filter runs"
        className="flex flex-wrap items-end gap-3 rounded-lg border border-slate-200 bg-white p-4"
      >
        <EnvironmentFilter
          value={environment}
          // "All" must be said in the URL where the default is one environment.
          onChange={(v) => set("environment", v === ALL_ENVIRONMENTS && everyByDefault ? "" : v)}
        />
        <SelectField
          label="Flow"
          value={get("flow")}
          options={(filters.data?.flows ?? []).map((f) => ({ value: f.key, label: f.name }))}
          onChange={(v) => set("flow", v)}
        />
        <SelectField
          label="Version"
          value={get("version")}
          options={(flow?.versions ?? []).map((v) => ({
            value: v.version,
            label: `v${v.version}${v.status === "approved" ? "" : ` (${v.status.replace("_", " ")})`}`,
          }))}
          onChange={(v) => set("version", v)}
        />
        <SelectField
          label="Status"
          value={get("status")}
          options={STATUSES.map((s) => ({ value: s, label: s }))}
          onChange={(v) => set("status", v)}
        />
        <SelectField
          label="Trigger"
          value={get("trigger")}
          options={(filters.data?.triggers ?? []).map((s) => ({ value: s, label: s }))}
          onChange={(v) => set("trigger", v)}
        />
        <TextField label="From" type="datetime-local" value={get("from")} onChange={(v) => set("from", v)} />
        <TextField label="To" type="datetime-local" value={get("to")} onChange={(v) => set("to", v)} />
        <TextField
          label="Business key"
          value={get("key")}
          placeholder="INV-1042, a project code…"
          onChange={(v) => set("key", v)}
        />
        {params.size > 0 && (
          <button
            type="button"
            className="pb-2 text-sm text-brand-700 hover:underline"
            onClick={() => replace(new URLSearchParams())}
          >
            Clear filters
          </button>
        )}
      </div>

      <div className="overflow-hidden rounded-lg border border-slate-200 bg-white">
        <table className="w-full text-left text-sm">
          <thead className="bg-slate-50 text-xs uppercase tracking-wide text-slate-500">
            <tr>
              <th className="px-3 py-2">Started</th>
              <th className="px-3 py-2">Flow</th>
              <th className="px-3 py-2">Version</th>
              <th className="px-3 py-2">Status</th>
              <th className="px-3 py-2">Trigger</th>
              <th className="px-3 py-2">Business keys</th>
              <th className="px-3 py-2 text-right">Duration</th>
              <th className="px-3 py-2">Exception</th>
            </tr>
          </thead>
          <tbody className="divide-y divide-slate-100">
            {items.map((r) => (
              <tr key={r.id} className="align-top hover:bg-slate-50">
                <td className="whitespace-nowrap px-3 py-2">
                  <Link
                    href={`/runs/${r.id}`}
                    className="font-medium text-brand-700 hover:underline"
                    aria-label={`Run ${r.id}`}
                  >
                    {formatTime(r.createdAt)}
                  </Link>
                  <span className="block font-mono text-[11px] text-slate-400">{r.id.slice(0, 8)}</span>
                </td>
                <td className="px-3 py-2">
                  <span className="font-medium text-slate-800">{r.flow.name}</span>
                  <span className="block text-xs text-slate-400">{r.flow.domain}</span>
                </td>
                <td className="px-3 py-2 font-mono text-xs">
                  {r.flowVersion ? `v${r.flowVersion.version}` : r.isTest ? "draft" : "—"}
                </td>
                <td className="px-3 py-2">
                  <RunStatus status={r.status} />
                  {r.isTest && <Badge tone="blue">test</Badge>}
                  {!r.isTest && r.environment !== "production" && <Badge tone="amber">{r.environment}</Badge>}
                </td>
                <td className="px-3 py-2 text-slate-600">
                  {r.triggerType}
                  {r.replayOfId && <span className="block text-xs text-slate-400">replay</span>}
                </td>
                <td className="max-w-xs px-3 py-2">
                  <BusinessKeys keys={r.businessKeys as Record<string, unknown> | null} />
                </td>
                <td className="whitespace-nowrap px-3 py-2 text-right tabular-nums text-slate-600">
                  {formatDuration(r.durationMs)}
                </td>
                <td className="px-3 py-2">
                  {r.exceptions[0] ? (
                    <Link href={`/exceptions/${r.exceptions[0].id}`} className="text-sm text-red-700 hover:underline">
                      {r.exceptions[0].status}
                    </Link>
                  ) : (
                    <span className="text-slate-300">—</span>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
        {runs.isLoading && <p className="p-6 text-sm text-slate-500">Loading runs…</p>}
        {runs.error && (
          <p role="alert" className="p-6 text-sm text-red-700">
            {runs.error.message}
          </p>
        )}
        {!runs.isLoading && items.length === 0 && !runs.error && (
          <p className="p-6 text-sm text-slate-500">No runs match these filters.</p>
        )}
      </div>
      {runs.hasNextPage && (
        <button
          type="button"
          className="rounded-md border border-slate-300 bg-white px-3 py-2 text-sm"
          disabled={runs.isFetchingNextPage}
          onClick={() => void runs.fetchNextPage()}
        >
          {runs.isFetchingNextPage ? "Loading…" : "Load older runs"}
        </button>
      )}
    </section>
  );
}
