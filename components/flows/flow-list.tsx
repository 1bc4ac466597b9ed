"use client";
import Link from "next/link";
import { useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { useTRPC } from "@/components/trpc/client";
import { Badge, LIFECYCLE_TONE, RUN_STATUS_TONE } from "@/components/ui/badge";
import { SelectField, TextField } from "@/components/ui/fields";
import { DOMAINS, LIFECYCLES } from "@/core/flow-constants";

const LAST_RUN_FILTERS = [
  { value: "succeeded", label: "succeeded" },
  { value: "failed", label: "failed" },
  { value: "running", label: "running" },
  { value: "waiting", label: "waiting" },
  { value: "never", label: "never run" },
];

export function FlowList() {
  const trpc = useTRPC();
  const [search, setSearch] = useState("");
  const [domain, setDomain] = useState("");
  const [lifecycle, setLifecycle] = useState("");
  const [team, setTeam] = useState("");
  const [mine, setMine] = useState(false);
  const [lastRun, setLastRun] = useState("");
  const teams = useQuery(trpc.admin.teams.queryOptions());
  const flows = useQuery(
    trpc.flows.list.queryOptions({
      search: search || undefined,
      domain: (domain || undefined) as (typeof DOMAINS)[number] | undefined,
      lifecycle: (lifecycle || undefined) as (typeof LIFECYCLES)[number] | undefined,
      ownerTeamKey: team || undefined,
      mine: mine || undefined,
    }),
  );

  // Last-run status is per flow and already in the list, so it filters here rather than in SQL.
  const rows = flows.data?.filter(
    (f) => !lastRun || (lastRun === "never" ? f.lastRun === null : f.lastRun?.status === lastRun),
  );

  return (
    <section className="space-y-4 p-8">
      <div
        role="search"
        aria-label="Filter flows"
        className="flex flex-wrap items-end gap-3 rounded-lg border border-slate-200 bg-white p-4"
      >
        <TextField label="Search" value={search} placeholder="name, key or description" onChange={setSearch} />
        <SelectField
          label="Domain"
          value={domain}
          options={DOMAINS.map((d) => ({ value: d, label: d }))}
          onChange={setDomain}
        />
        <SelectField
          label="Owner"
          value={team}
          options={(teams.data ?? []).map((t) => ({ value: t.key, label: t.name }))}
          onChange={setTeam}
        />
        <SelectField
          label="Status"
          value={lifecycle}
          options={LIFECYCLES.map((l) => ({ value: l, label: l }))}
          onChange={setLifecycle}
        />
        <SelectField label="Last run" value={lastRun} options={LAST_RUN_FILTERS} onChange={setLastRun} />
        <label className="flex items-center gap-2 pb-2 text-sm text-slate-700">
          <input type="checkbox" checked={mine} onChange={(e) => setMine(e.target.checked)} />
          Owned by my teams
        </label>
      </div>
      <div className="overflow-hidden rounded-lg border border-slate-200 bg-white">
        <table className="w-full text-left text-sm">
          <caption className="sr-only">Integration flows</caption>
          <thead className="bg-slate-50 text-xs uppercase tracking-wide text-slate-500">
            <tr>
              <th className="px-4 py-2">Flow</th>
              <th className="px-4 py-2">Domain</th>
              <th className="px-4 py-2">Owner</th>
              <th className="px-4 py-2">Status</th>
              <th className="px-4 py-2">Version</th>
              <th className="px-4 py-2">Last run</th>
              <th className="px-4 py-2 text-right">Open exceptions</th>
            </tr>
          </thead>
          <tbody className="divide-y divide-slate-100">
            {rows?.map((f) => (
              <tr key={f.key} className="hover:bg-slate-50">
                <td className="px-4 py-2">
                  <Link href={`/flows/${f.key}`} className="font-medium text-brand-700 hover:underline">
                    {f.name}
                  </Link>
                  <span className="block font-mono text-xs text-slate-400">{f.key}</span>
                </td>
                <td className="px-4 py-2 text-slate-600">{f.domain}</td>
                <td className="px-4 py-2 text-slate-600">{f.ownerTeam.name}</td>
                <td className="px-4 py-2">
                  <Badge tone={LIFECYCLE_TONE[f.lifecycle]}>{f.lifecycle}</Badge>
                </td>
                <td className="px-4 py-2 font-mono text-xs">
                  {f.currentVersion ? (
                    `v${f.currentVersion.version}`
                  ) : (
                    <span className="text-slate-400">unpublished</span>
                  )}
                </td>
                <td className="px-4 py-2">
                  {f.lastRun ? (
                    <span className="flex items-center gap-2">
                      <Badge tone={RUN_STATUS_TONE[f.lastRun.status]}>{f.lastRun.status}</Badge>
                      <span className="text-xs text-slate-500">{new Date(f.lastRun.at).toLocaleString()}</span>
                    </span>
                  ) : (
                    <span className="text-slate-400">never</span>
                  )}
                </td>
                <td className="px-4 py-2 text-right">
                  {f.openExceptions > 0 ? (
                    <Badge tone="red">{f.openExceptions}</Badge>
                  ) : (
                    <span className="text-slate-400">0</span>
                  )}
                </td>
              </tr>
            ))}
            {rows?.length === 0 && (
              <tr>
                <td colSpan={7} className="px-4 py-10 text-center text-slate-500">
                  No flows match these filters.
                </td>
              </tr>
            )}
          </tbody>
        </table>
        {flows.isLoading && <p className="p-4 text-sm text-slate-500">Loading…</p>}
        {flows.error && (
          <p role="alert" className="p-4 text-sm text-red-700">
            {flows.error.message}
          </p>
        )}
      </div>
    </section>
  );
}
