"use client";
// The catalog list: every integration with ownership, classification, lifecycle, version, SLO status,
// exceptions, last run, systems and events; filters, search, "owned by my teams"; duplicate warnings.
import Link from "next/link";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { useTRPC } from "@/components/trpc/client";
import { Badge, LIFECYCLE_TONE, RUN_STATUS_TONE } from "@/components/ui/badge";
import { SelectField, TextField } from "@/components/ui/fields";
import { CLASSIFICATIONS, DOMAINS, LIFECYCLES } from "@/core/flow-constants";
import { SLO_STATE_LABEL, SloBadge, download, pct } from "./shared";

/** "a and b", "a, b, and c": duplicate groups can have more than two flows. */
const LIST = new Intl.ListFormat("en", { type: "conjunction" });

const SLO_STATES = ["firing", "breached", "at-risk", "ok", "no-data"] as const;

export function CatalogView() {
  const trpc = useTRPC();
  const qc = useQueryClient();
  const [search, setSearch] = useState("");
  const [domain, setDomain] = useState("");
  const [team, setTeam] = useState("");
  const [lifecycle, setLifecycle] = useState("");
  const [classification, setClassification] = useState("");
  const [sloState, setSloState] = useState("");
  const [mine, setMine] = useState(false);
  const teams = useQuery(trpc.admin.teams.queryOptions());
  const catalog = useQuery(
    trpc.governance.catalog.list.queryOptions({
      search: search || undefined,
      domain: (domain || undefined) as (typeof DOMAINS)[number] | undefined,
      ownerTeamKey: team || undefined,
      lifecycle: (lifecycle || undefined) as (typeof LIFECYCLES)[number] | undefined,
      classification: (classification || undefined) as (typeof CLASSIFICATIONS)[number] | undefined,
      sloState: (sloState || undefined) as (typeof SLO_STATES)[number] | undefined,
      mine: mine || undefined,
    }),
  );
  const exportYaml = async (kind: "backstage" | "openslo") => {
    const text = await qc.fetchQuery(
      kind === "backstage"
        ? trpc.governance.exports.backstage.queryOptions()
        : trpc.governance.exports.openslo.queryOptions(),
    );
    download(kind === "backstage" ? "catalog-info.yaml" : "openslo.yaml", text);
  };
  const data = catalog.data;

  return (
    <section className="space-y-4 p-8">
      {data && data.myFiringAlerts > 0 && (
        <div role="alert" className="rounded-lg border border-red-200 bg-red-50 p-4 text-sm text-red-800">
          {data.myFiringAlerts} SLO alert{data.myFiringAlerts === 1 ? " is" : "s are"} firing on flows your teams own.{" "}
          <button
            type="button"
            className="font-medium underline"
            onClick={() => {
              setSloState("firing");
              setMine(true);
            }}
          >
            Show them
          </button>
        </div>
      )}
      {data && data.duplicates.length > 0 && (
        <div
          role="status"
          aria-label="Duplicate interfaces"
          className="rounded-lg border border-amber-200 bg-amber-50 p-4 text-sm text-amber-900"
        >
          <p className="font-medium">Duplicate interfaces</p>
          <ul className="mt-1 list-disc pl-5">
            {data.duplicates.map((d) => (
              <li key={`${d.domain}-${d.system}-${d.operation}`}>
                {LIST.format(d.flows)} {d.flows.length === 2 ? "both" : "all"} write{" "}
                <span className="font-mono">
                  {d.system}.{d.operation}
                </span>{" "}
                for the {d.domain} domain.
              </li>
            ))}
          </ul>
        </div>
      )}
      <div
        role="search"
        aria-label="Filter the catalog"
        className="flex flex-wrap items-end gap-3 rounded-lg border border-slate-200 bg-white p-4"
      >
        <TextField label="Search" value={search} placeholder="name, system or event" onChange={setSearch} />
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
          label="Lifecycle"
          value={lifecycle}
          options={LIFECYCLES.map((l) => ({ value: l, label: l }))}
          onChange={setLifecycle}
        />
        <SelectField
          label="Classification"
          value={classification}
          options={CLASSIFICATIONS.map((c) => ({ value: c, label: c }))}
          onChange={setClassification}
        />
        <SelectField
          label="SLO status"
          value={sloState}
          options={SLO_STATES.map((s) => ({ value: s, label: SLO_STATE_LABEL[s]! }))}
          onChange={setSloState}
        />
        <label className="flex items-center gap-2 pb-2 text-sm text-slate-700">
          <input type="checkbox" checked={mine} onChange={(e) => setMine(e.target.checked)} />
          Owned by my teams
        </label>
        <div className="ml-auto flex gap-2">
          <button
            type="button"
            className="rounded-md border border-slate-300 px-3 py-2 text-sm"
            onClick={() => void exportYaml("backstage")}
          >
            Export Backstage YAML
          </button>
          <button
            type="button"
            className="rounded-md border border-slate-300 px-3 py-2 text-sm"
            onClick={() => void exportYaml("openslo")}
          >
            Export OpenSLO YAML
          </button>
        </div>
      </div>
      <div className="overflow-x-auto rounded-lg border border-slate-200 bg-white">
        <table className="w-full text-left text-sm">
          <caption className="sr-only">Integrations in the catalog</caption>
          <thead className="bg-slate-50 text-xs uppercase tracking-wide text-slate-500">
            <tr>
              <th className="px-3 py-2">Integration</th>
              <th className="px-3 py-2">Domain</th>
              <th className="px-3 py-2">Owner</th>
              <th className="px-3 py-2">Classification</th>
              <th className="px-3 py-2">Lifecycle</th>
              <th className="px-3 py-2">Version</th>
              <th className="px-3 py-2">SLO</th>
              <th className="px-3 py-2 text-right">Open exceptions</th>
              <th className="px-3 py-2">Last run</th>
              <th className="px-3 py-2">Systems</th>
              <th className="px-3 py-2">Events</th>
            </tr>
          </thead>
          <tbody className="divide-y divide-slate-100">
            {data?.entries.map((e) => (
              <tr key={e.key} className="align-top hover:bg-slate-50">
                <td className="px-3 py-2">
                  <Link
                    href={`/catalog/${encodeURIComponent(e.key)}`}
                    className="font-medium text-brand-700 hover:underline"
                  >
                    {e.name}
                  </Link>
                  <span className="block font-mono text-xs text-slate-400">{e.key}</span>
                  {e.duplicates.length > 0 && (
                    <Badge
                      tone="amber"
                      title={e.duplicates.map((d) => `${d.system}.${d.operation}: ${d.flows.join(", ")}`).join("; ")}
                    >
                      duplicate interface
                    </Badge>
                  )}
                </td>
                <td className="px-3 py-2 text-slate-600">{e.domain}</td>
                <td className="px-3 py-2 text-slate-600">
                  {e.ownerTeam.name}
                  {e.onCall && <span className="block text-xs text-slate-400">on call: {e.onCall}</span>}
                </td>
                <td className="px-3 py-2">
                  <Badge
                    tone={
                      e.classification === "restricted" ? "red" : e.classification === "confidential" ? "amber" : "gray"
                    }
                  >
                    {e.classification}
                  </Badge>
                </td>
                <td className="px-3 py-2">
                  <Badge tone={LIFECYCLE_TONE[e.lifecycle]}>{e.lifecycle}</Badge>
                </td>
                <td className="px-3 py-2 font-mono text-xs">
                  {/* What runs where, by environment name — not the newest approved version. */}
                  {e.live.length ? (
                    e.live.map((l) => (
                      <span key={l.environment} className="block" data-testid={`live-${l.environment}`}>
                        {l.environment}: v{l.version}
                        {l.status === "deprecated" ? " (deprecated)" : ""}
                      </span>
                    ))
                  ) : (
                    <span className="text-slate-400">unpublished</span>
                  )}
                  {e.live.length > 0 && !e.currentVersion && (
                    <span className="block text-slate-400">not in production</span>
                  )}
                  {e.pendingVersion && (
                    <span className="block text-amber-700">v{e.pendingVersion.version} awaiting approval</span>
                  )}
                </td>
                <td className="px-3 py-2">
                  <SloBadge state={e.sloState} />
                  {e.slos.map((s) => (
                    <span key={s.sloId} className="block text-xs text-slate-500" title={s.name}>
                      {s.name}: {pct(s.attainment)}
                    </span>
                  ))}
                </td>
                <td className="px-3 py-2 text-right">
                  {e.openExceptions > 0 ? (
                    <Badge tone="red">{e.openExceptions}</Badge>
                  ) : (
                    <span className="text-slate-400">0</span>
                  )}
                </td>
                <td className="px-3 py-2">
                  {e.lastRun ? (
                    <span className="flex flex-col gap-1">
                      <Badge tone={RUN_STATUS_TONE[e.lastRun.status]}>{e.lastRun.status}</Badge>
                      <span className="text-xs text-slate-500">{new Date(e.lastRun.at).toLocaleString()}</span>
                    </span>
                  ) : (
                    <span className="text-slate-400">never</span>
                  )}
                </td>
                <td className="px-3 py-2 text-xs text-slate-600">
                  {[...new Set(e.systems.map((s) => s.system))].join(", ") || "—"}
                </td>
                <td className="px-3 py-2 text-xs text-slate-600">
                  {e.consumes.map((c) => (
                    <span key={`c-${c}`} className="block">
                      ← {c}
                    </span>
                  ))}
                  {e.produces.map((p) => (
                    <span key={`p-${p}`} className="block">
                      → {p}
                    </span>
                  ))}
                </td>
              </tr>
            ))}
            {data?.entries.length === 0 && (
              <tr>
                <td colSpan={11} className="px-4 py-10 text-center text-slate-500">
                  No integrations match these filters.
                </td>
              </tr>
            )}
          </tbody>
        </table>
        {catalog.isLoading && <p className="p-4 text-sm text-slate-500">Loading…</p>}
        {catalog.error && (
          <p role="alert" className="p-4 text-sm text-red-700">
            {catalog.error.message}
          </p>
        )}
      </div>
    </section>
  );
}
