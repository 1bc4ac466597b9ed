"use client";
// The drill-down under a Business tile: what is behind the figure — the open exceptions (with the money and hours
// they hold up), the utilisation per firm team and per person-week, the records (business events or unbilled time
// entries) and the runs that recorded them. Rows arrive computed from server/kpis; only display here.
import Link from "next/link";
import { useQuery } from "@tanstack/react-query";
import { useTRPC } from "@/components/trpc/client";
import { formatMoney } from "@/core/exceptions/business";
import { AGEING_BUCKETS, KPIS, type KpiId } from "@/core/kpis/definitions";
import { formatTime } from "@/components/runs/format";
import { DrillTable, type DrillColumn } from "./drill-table";
import { hours, tileCurrency, type DrillData, type Tile } from "./format";

export interface DrillFilter {
  team?: string;
  customer?: string;
  personTeam?: string;
  weeks: number;
  environment: string;
}

const teamColumns: ReadonlyArray<DrillColumn<NonNullable<DrillData["teams"]>[number]>> = [
  { label: "Team", className: "text-xs", cell: (x) => x.name ?? "No HRIS team" },
  { label: "People", numeric: true, cell: (x) => x.people },
  { label: "Planned", numeric: true, cell: (x) => hours(x.planned) },
  { label: "Actual", numeric: true, cell: (x) => hours(x.actual) },
  {
    label: "Variance",
    numeric: true,
    cell: (x) => (x.variance === null ? "—" : `${Math.round(x.variance * 100)} %`),
  },
  { label: "Unplanned", numeric: true, cell: (x) => hours(x.unplannedHours) },
];

const personColumns: ReadonlyArray<DrillColumn<NonNullable<DrillData["people"]>[number]>> = [
  { label: "Person", className: "font-mono text-xs", cell: (p) => p.person },
  { label: "Team", className: "text-xs", cell: (p) => p.teamName ?? p.team ?? "—" },
  { label: "Week", className: "text-xs", cell: (p) => p.week.slice(0, 10) },
  { label: "Planned", numeric: true, cell: (p) => hours(p.planned) },
  { label: "Actual", numeric: true, cell: (p) => hours(p.actual) },
  { label: "Variance", numeric: true, cell: (p) => hours(p.actual - p.planned) },
];

function exceptionColumns(currency: string): ReadonlyArray<DrillColumn<DrillData["exceptions"][number]>> {
  return [
    {
      label: "Exception",
      className: "max-w-lg truncate",
      cell: (x) => (
        <>
          <Link href={`/exceptions/${x.id}`} className="text-brand-700 hover:underline">
            {x.message}
          </Link>
          {x.entries !== undefined && <span className="ml-2 text-xs text-slate-500">{x.entries} time entries</span>}
        </>
      ),
    },
    { label: "Flow", className: "font-mono text-xs", cell: (x) => x.flowKey },
    {
      label: "Money",
      numeric: true,
      cell: (x) => (x.amount === null ? "—" : formatMoney(Math.round(x.amount), currency)),
    },
    { label: "Hours", numeric: true, cell: (x) => (x.hours === null ? "—" : hours(x.hours)) },
    {
      label: "Opened",
      numeric: true,
      className: "text-xs text-slate-500",
      cell: (x) => formatTime(x.createdAt),
    },
  ];
}

export function Drill({ kpi, filter, tile }: { kpi: KpiId; filter: DrillFilter; tile?: Tile }) {
  const trpc = useTRPC();
  const q = useQuery(trpc.kpis.drill.queryOptions({ kpi, ...filter }));
  const d = q.data;
  return (
    <section
      aria-label={`Behind ${KPIS[kpi].name}`}
      className="space-y-4 rounded-lg border border-slate-200 bg-white p-5"
    >
      <div>
        <h2 className="text-base font-semibold text-slate-900">Behind {KPIS[kpi].name.toLowerCase()}</h2>
        <p className="mt-1 max-w-4xl text-xs text-slate-600">{KPIS[kpi].definition}</p>
      </div>
      {kpi === "unbilled-approved-time" && tile && <Ageing tile={tile} />}
      {!d && <div className="h-24 animate-pulse rounded bg-slate-50" aria-hidden />}
      {d && d.exceptions.length > 0 && (
        <DrillTable
          title={kpi === "unbilled-approved-time" ? "Open exceptions holding it up" : "Open exceptions"}
          label="Exceptions"
          rows={d.exceptions}
          rowKey={(x) => x.id}
          columns={exceptionColumns(tileCurrency(tile))}
        />
      )}
      {d?.teams && d.teams.length > 0 && (
        <DrillTable
          title="Firm teams (HRIS)"
          label="Utilisation by team"
          rows={d.teams}
          rowKey={(x) => x.team ?? ""}
          columns={teamColumns}
        />
      )}
      {d?.people && d.people.length > 0 && (
        <DrillTable
          title="People and weeks"
          label="Utilisation by person"
          rows={d.people.slice(0, 30)}
          rowKey={(p) => `${p.person}|${p.week}`}
          columns={personColumns}
        />
      )}
      {d && d.records.length > 0 && <Records kpi={kpi} records={d.records} />}
      {d && d.runs.length > 0 && <Runs runs={d.runs} />}
      {d && !d.records.length && !d.runs.length && !d.exceptions.length && (
        <p className="text-sm text-slate-500">Nothing behind this figure in the period.</p>
      )}
    </section>
  );
}

function Runs({ runs }: { runs: DrillData["runs"] }) {
  return (
    <div>
      <h3 className="text-xs font-semibold uppercase tracking-wide text-slate-500">Runs</h3>
      <ul className="mt-1 flex flex-wrap gap-2 text-xs">
        {runs.slice(0, 40).map((r) => (
          <li key={r.id}>
            <Link
              href={`/runs/${r.id}`}
              className="rounded bg-slate-100 px-2 py-0.5 font-mono text-brand-700 hover:underline"
            >
              {r.flowKey} · {r.id.slice(0, 8)}
              {r.status ? ` · ${r.status}` : ""}
            </Link>
            {r.exceptionId && (
              <Link href={`/exceptions/${r.exceptionId}`} className="ml-1 text-red-700 hover:underline">
                exception
              </Link>
            )}
          </li>
        ))}
      </ul>
    </div>
  );
}

function Ageing({ tile }: { tile: Tile }) {
  const currency = tileCurrency(tile);
  const total = tile.value ?? 0;
  return (
    <div aria-label="Ageing" className="grid grid-cols-2 gap-2 sm:grid-cols-4">
      {AGEING_BUCKETS.map((b) => {
        const amount = Number(tile.detail[`amount_${b.id}`] ?? 0);
        return (
          <div key={b.id} className="rounded-md border border-slate-200 p-2">
            <p className="text-[11px] uppercase tracking-wide text-slate-500">{b.label}</p>
            <p className="text-lg font-semibold text-slate-900">{formatMoney(Math.round(amount), currency)}</p>
            <p className="text-[11px] text-slate-500">
              {hours(tile.detail[`hours_${b.id}`])} · {total > 0 ? Math.round((amount / total) * 100) : 0} %
            </p>
          </div>
        );
      })}
    </div>
  );
}

const RECORD_COLUMNS = [
  ["type", "Fact"],
  ["occurred_at", "When"],
  ["performed_on", "Performed"],
  ["at", "Approved"],
  ["time_entry", "Time entry"],
  ["project", "Project"],
  ["customer", "Customer"],
  ["opportunity", "Deal"],
  ["invoice", "Invoice"],
  ["person", "Person"],
  ["person_team_name", "Firm team"],
  ["system", "System"],
  ["hours", "Hours"],
  ["amount", "Amount"],
  ["bucket", "Age"],
  ["held", "Held up"],
] as const;

function Records({ kpi, records }: { kpi: KpiId; records: Array<Record<string, unknown>> }) {
  const cols = RECORD_COLUMNS.filter(([k]) => records.some((r) => r[k] !== null && r[k] !== undefined));
  const cell = (k: string, v: unknown) => {
    if (v === null || v === undefined) return "—";
    if (k === "occurred_at" || k === "at") return formatTime(v as string);
    if (k === "held") return v ? "yes" : "";
    if (k === "hours") return hours(v);
    if (k === "amount") return Number(v).toLocaleString("en-US", { maximumFractionDigits: 2 });
    return String(v);
  };
  return (
    <div>
      <h3 className="text-xs font-semibold uppercase tracking-wide text-slate-500">
        {kpi === "unbilled-approved-time" ? "Unbilled time entries" : "Business events"} ({records.length}
        {records.length >= 100 ? "+" : ""})
      </h3>
      <div className="mt-1 max-h-96 overflow-auto">
        <table className="w-full text-xs" aria-label="Records">
          <thead className="sticky top-0 bg-white text-left text-slate-500">
            <tr>
              {cols.map(([k, label]) => (
                <th key={k} className="py-1 pr-3 font-medium">
                  {label}
                </th>
              ))}
              <th className="py-1 font-medium">Run</th>
            </tr>
          </thead>
          <tbody className="divide-y divide-slate-100">
            {records.map((r, i) => (
              <tr key={String(r.id ?? r.time_entry ?? i)} className={r.held ? "bg-amber-50" : undefined}>
                {cols.map(([k]) => (
                  <td key={k} className="py-1 pr-3 font-mono">
                    {cell(k, r[k])}
                  </td>
                ))}
                <td className="py-1">
                  {typeof r.run_id === "string" && (
                    <Link href={`/runs/${r.run_id}`} className="text-brand-700 hover:underline">
                      {r.run_id.slice(0, 8)}
                    </Link>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </div>
  );
}
