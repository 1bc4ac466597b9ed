"use client";
// The Business page: KPI tiles (figure + weekly trend) per team/customer, each tile's definition one click
// away, and a drill-down to the records (business events), runs and exceptions behind the figure. Figures and
// definitions come from server/kpis and core/kpis/definitions.ts; nothing is computed here but formatting.
import Link from "next/link";
import { clsx } from "clsx";
import { useQuery } from "@tanstack/react-query";
import { useTRPC } from "@/components/trpc/client";
import { useUrlParams } from "@/components/ui/use-url-params";
import { EnvironmentFilter } from "@/components/ui/environment-filter";
import { PRODUCTION } from "@/core/environment-scope";
import { formatMoney } from "@/core/exceptions/business";
import { AGEING_BUCKETS, HEADLINE_KPIS, KPI_IDS, KPIS, type KpiId } from "@/core/kpis/definitions";
import { formatTime } from "@/components/runs/format";
import type { inferRouterOutputs } from "@trpc/server";
import type { AppRouter } from "@/server/api/root";
import type { Role } from "@/core/roles";
import { BusinessSlos } from "./business-slos";

type Tile = inferRouterOutputs<AppRouter>["kpis"]["summary"]["tiles"][number];

const isKpi = (v: string | null): v is KpiId => !!v && (KPI_IDS as readonly string[]).includes(v);

function figure(t: Tile): string {
  if (t.value === null) return "—";
  switch (t.unit) {
    case "days":
      return `${t.value.toLocaleString("en-US", { maximumFractionDigits: 1 })} d`;
    case "hours":
      return `${t.value.toLocaleString("en-US", { maximumFractionDigits: 1 })} h`;
    case "percent":
      return `${(t.value * 100).toLocaleString("en-US", { maximumFractionDigits: 1 })} %`;
    case "money":
      return formatMoney(Math.round(t.value), (t.detail.currency as string | null) || "USD");
    default:
      return String(t.value);
  }
}

const hours = (h: unknown) => `${Number(h ?? 0).toLocaleString("en-US", { maximumFractionDigits: 1 })} h`;

function secondary(t: Tile): string {
  const d = t.detail;
  switch (t.id) {
    case "invoice-cycle-time":
    case "deal-to-invoice":
      return d.count
        ? `median · p90 ${figure({ ...t, value: d.p90 as number })} · ${d.count} measured`
        : "nothing invoiced";
    case "project-setup-time":
      return d.count
        ? `median · p90 ${figure({ ...t, value: d.p90 as number })} · ${d.count} projects`
        : "no project live";
    case "unbilled-approved-time":
      return `${hours(d.hours)} in ${d.entries} entries · ${formatMoney(Math.round(Number(d.heldAmount ?? 0)), (d.currency as string) || "USD")} held up by exceptions`;
    case "utilisation-variance":
      return d.people
        ? `${hours(d.actualHours)} actual vs ${hours(d.plannedHours)} planned · ${d.people} people in ${d.teams} ${d.teams === 1 ? "team" : "teams"}`
        : "no planned hours";
    case "touchless-rate":
      return `${d.touchless} of ${d.runs} runs without a person`;
    case "blocked-money":
      return `${d.exceptions} open exceptions · ${hours(d.hours)}`;
    case "reconciliation-match-rate":
      return d.keys
        ? `${d.matched} of ${d.keys} records matched · ${formatMoney(Math.round(Number(d.unreconciledAmount ?? 0)), (d.currency as string) || "USD")} and ${hours(d.unreconciledHours)} unreconciled`
        : "no reconciliation ran";
  }
}

/** A small weekly trend: bars, the last week darker; empty weeks are gaps. */
function Trend({ points, label }: { points: Tile["trend"]; label: string }) {
  const values = points.map((p) => p.value ?? 0);
  const max = Math.max(...values, 0) || 1;
  const w = 10;
  return (
    <svg
      role="img"
      aria-label={`${label}: weekly trend`}
      viewBox={`0 0 ${points.length * (w + 3)} 36`}
      className="h-9 w-full"
      preserveAspectRatio="none"
    >
      {points.map((p, i) => {
        const h = p.value === null ? 0 : Math.max(2, (Math.abs(p.value) / max) * 34);
        return (
          <rect
            key={p.week}
            x={i * (w + 3)}
            y={36 - h}
            width={w}
            height={h}
            rx={1.5}
            className={i === points.length - 1 ? "fill-brand-600" : "fill-slate-300"}
          >
            <title>{`Week of ${p.week.slice(0, 10)}: ${p.value === null ? "nothing measured" : p.value.toLocaleString("en-US", { maximumFractionDigits: 2 })}`}</title>
          </rect>
        );
      })}
    </svg>
  );
}

function KpiCard({
  t,
  selected,
  showDefinition,
  onSelect,
  onDefinition,
}: {
  t: Tile;
  selected: boolean;
  showDefinition: boolean;
  onSelect(): void;
  onDefinition(): void;
}) {
  return (
    <article
      aria-label={t.name}
      data-testid={`kpi-${t.id}`}
      className={clsx(
        "flex flex-col rounded-lg border bg-white p-4 shadow-sm",
        selected ? "border-brand-500 ring-1 ring-brand-500" : "border-slate-200",
      )}
    >
      <div className="flex items-start justify-between gap-2">
        <h2 className="text-sm font-medium text-slate-600">{t.name}</h2>
        <button
          type="button"
          className="shrink-0 rounded-full border border-slate-300 px-1.5 text-[11px] font-semibold text-slate-500 hover:bg-slate-50"
          aria-label={`Definition of ${t.name}`}
          aria-expanded={showDefinition}
          onClick={onDefinition}
        >
          ?
        </button>
      </div>
      <p className="mt-1 text-2xl font-semibold tracking-tight text-slate-900" data-testid="kpi-value">
        {figure(t)}
      </p>
      <p className="mt-0.5 min-h-8 text-xs text-slate-500">{secondary(t)}</p>
      {showDefinition && (
        <p role="note" className="mt-2 rounded-md bg-slate-50 p-2 text-xs leading-snug text-slate-700">
          {t.definition}
        </p>
      )}
      <div className="mt-3">
        <Trend points={t.trend} label={t.name} />
      </div>
      <button
        type="button"
        className="mt-3 self-start text-xs font-medium text-brand-700 hover:underline"
        onClick={onSelect}
        aria-pressed={selected}
      >
        {selected ? "Showing what is behind it ↓" : "What is behind it →"}
      </button>
    </article>
  );
}

export function BusinessPage({ roles }: { roles: readonly Role[] }) {
  const trpc = useTRPC();
  const url = useUrlParams("/business");
  const team = url.params.get("team") ?? undefined;
  const customer = url.params.get("customer") ?? undefined;
  // A firm team (the person's HRIS organisation) filters utilisation; a Weft team owns flows (docs/kpis.md).
  const personTeam = url.params.get("personTeam") ?? undefined;
  const weeks = Number(url.params.get("weeks") ?? 8) || 8;
  const kpiParam = url.params.get("kpi");
  const kpi = isKpi(kpiParam) ? kpiParam : null;
  const def = url.params.get("def");
  // Production unless asked otherwise: a test-environment run's facts are trials (docs/environments.md).
  const environment = url.params.get("environment") || PRODUCTION;
  const filter = { team, customer, personTeam, weeks, environment };
  const set = (k: string, v: string | null) => {
    const next = url.latest();
    if (v) next.set(k, v);
    else next.delete(k);
    url.replace(next);
  };

  const options = useQuery(trpc.kpis.options.queryOptions());
  const summary = useQuery(trpc.kpis.summary.queryOptions(filter, { refetchInterval: 30_000 }));
  const tiles = summary.data?.tiles ?? [];
  const headline = HEADLINE_KPIS.map((id) => tiles.find((t) => t.id === id)).filter((t): t is Tile => !!t);
  const more = tiles.filter((t) => !HEADLINE_KPIS.includes(t.id));

  const card = (t: Tile) => (
    <KpiCard
      key={t.id}
      t={t}
      selected={kpi === t.id}
      showDefinition={def === t.id}
      onSelect={() => set("kpi", kpi === t.id ? null : t.id)}
      onDefinition={() => set("def", def === t.id ? null : t.id)}
    />
  );

  return (
    <div className="space-y-6 p-8">
      <section aria-label="Filter" className="flex flex-wrap items-end gap-3">
        <EnvironmentFilter value={environment} onChange={(v) => set("environment", v === PRODUCTION ? null : v)} />
        <label className="text-xs font-medium text-slate-600">
          Team
          <select
            className="mt-1 block rounded-md border border-slate-300 px-2 py-1.5 text-sm"
            value={team ?? ""}
            onChange={(e) => set("team", e.target.value || null)}
          >
            <option value="">All teams</option>
            {options.data?.teams.map((t) => (
              <option key={t.key} value={t.key}>
                {t.name}
              </option>
            ))}
          </select>
        </label>
        <label className="text-xs font-medium text-slate-600">
          Firm team (HRIS, utilisation)
          <select
            className="mt-1 block max-w-64 rounded-md border border-slate-300 px-2 py-1.5 text-sm"
            value={personTeam ?? ""}
            onChange={(e) => set("personTeam", e.target.value || null)}
          >
            <option value="">All firm teams</option>
            {options.data?.personTeams.map((t) => (
              <option key={t.id} value={t.id}>
                {t.name}
              </option>
            ))}
          </select>
        </label>
        <label className="text-xs font-medium text-slate-600">
          Customer
          <select
            className="mt-1 block max-w-64 rounded-md border border-slate-300 px-2 py-1.5 text-sm"
            value={customer ?? ""}
            onChange={(e) => set("customer", e.target.value || null)}
          >
            <option value="">All customers</option>
            {options.data?.customers.map((c) => (
              <option key={c} value={c}>
                {c}
              </option>
            ))}
          </select>
        </label>
        <label className="text-xs font-medium text-slate-600">
          Period
          <select
            className="mt-1 block rounded-md border border-slate-300 px-2 py-1.5 text-sm"
            value={String(weeks)}
            onChange={(e) => set("weeks", e.target.value === "8" ? null : e.target.value)}
          >
            {[4, 8, 13, 26].map((n) => (
              <option key={n} value={n}>
                Last {n} weeks
              </option>
            ))}
          </select>
        </label>
        {summary.data && (
          <p className="ml-auto text-xs text-slate-500">
            {formatTime(summary.data.from)} – {formatTime(summary.data.to)} · weeks start Monday (UTC)
          </p>
        )}
      </section>
      {summary.error && (
        <p role="alert" className="rounded-md bg-red-50 p-3 text-sm text-red-800">
          {summary.error.message}
        </p>
      )}
      {!summary.data && !summary.error && (
        <div className="grid gap-4 sm:grid-cols-2 xl:grid-cols-4" aria-hidden>
          {HEADLINE_KPIS.map((id) => (
            <div key={id} className="h-48 animate-pulse rounded-lg border border-slate-200 bg-white" />
          ))}
        </div>
      )}
      {summary.data && (
        <>
          <section aria-label="Headline KPIs" className="grid gap-4 sm:grid-cols-2 xl:grid-cols-4">
            {headline.map(card)}
          </section>
          <section aria-label="More KPIs" className="grid gap-4 sm:grid-cols-2 xl:grid-cols-3">
            {more.map(card)}
          </section>
        </>
      )}
      {kpi && <Drill kpi={kpi} filter={filter} tile={tiles.find((t) => t.id === kpi)} />}
      <BusinessSlos roles={roles} />
    </div>
  );
}

function Drill({
  kpi,
  filter,
  tile,
}: {
  kpi: KpiId;
  filter: { team?: string; customer?: string; personTeam?: string; weeks: number; environment: string };
  tile?: Tile;
}) {
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
        <div>
          <h3 className="text-xs font-semibold uppercase tracking-wide text-slate-500">
            {kpi === "unbilled-approved-time" ? "Open exceptions holding it up" : "Open exceptions"}
          </h3>
          <table className="mt-1 w-full text-sm" aria-label="Exceptions">
            <thead className="text-left text-xs text-slate-500">
              <tr>
                <th className="py-1 font-medium">Exception</th>
                <th className="py-1 font-medium">Flow</th>
                <th className="py-1 text-right font-medium">Money</th>
                <th className="py-1 text-right font-medium">Hours</th>
                <th className="py-1 text-right font-medium">Opened</th>
              </tr>
            </thead>
            <tbody className="divide-y divide-slate-100">
              {d.exceptions.map((x) => (
                <tr key={x.id}>
                  <td className="max-w-lg truncate py-1.5 pr-3">
                    <Link href={`/exceptions/${x.id}`} className="text-brand-700 hover:underline">
                      {x.message}
                    </Link>
                    {x.entries !== undefined && (
                      <span className="ml-2 text-xs text-slate-500">{x.entries} time entries</span>
                    )}
                  </td>
                  <td className="py-1.5 pr-3 font-mono text-xs">{x.flowKey}</td>
                  <td className="py-1.5 text-right tabular-nums">
                    {x.amount === null
                      ? "—"
                      : formatMoney(Math.round(x.amount), (tile?.detail.currency as string) || "USD")}
                  </td>
                  <td className="py-1.5 text-right tabular-nums">{x.hours === null ? "—" : hours(x.hours)}</td>
                  <td className="py-1.5 text-right text-xs text-slate-500">{formatTime(x.createdAt)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {d?.teams && d.teams.length > 0 && (
        <div>
          <h3 className="text-xs font-semibold uppercase tracking-wide text-slate-500">Firm teams (HRIS)</h3>
          <table className="mt-1 w-full text-sm" aria-label="Utilisation by team">
            <thead className="text-left text-xs text-slate-500">
              <tr>
                <th className="py-1 font-medium">Team</th>
                <th className="py-1 text-right font-medium">People</th>
                <th className="py-1 text-right font-medium">Planned</th>
                <th className="py-1 text-right font-medium">Actual</th>
                <th className="py-1 text-right font-medium">Variance</th>
                <th className="py-1 text-right font-medium">Unplanned</th>
              </tr>
            </thead>
            <tbody className="divide-y divide-slate-100">
              {d.teams.map((x) => (
                <tr key={x.team ?? ""}>
                  <td className="py-1 text-xs">{x.name ?? "No HRIS team"}</td>
                  <td className="py-1 text-right tabular-nums">{x.people}</td>
                  <td className="py-1 text-right tabular-nums">{hours(x.planned)}</td>
                  <td className="py-1 text-right tabular-nums">{hours(x.actual)}</td>
                  <td className="py-1 text-right tabular-nums">
                    {x.variance === null ? "—" : `${Math.round(x.variance * 100)} %`}
                  </td>
                  <td className="py-1 text-right tabular-nums">{hours(x.unplannedHours)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {d?.people && d.people.length > 0 && (
        <div>
          <h3 className="text-xs font-semibold uppercase tracking-wide text-slate-500">People and weeks</h3>
          <table className="mt-1 w-full text-sm" aria-label="Utilisation by person">
            <thead className="text-left text-xs text-slate-500">
              <tr>
                <th className="py-1 font-medium">Person</th>
                <th className="py-1 font-medium">Team</th>
                <th className="py-1 font-medium">Week</th>
                <th className="py-1 text-right font-medium">Planned</th>
                <th className="py-1 text-right font-medium">Actual</th>
                <th className="py-1 text-right font-medium">Variance</th>
              </tr>
            </thead>
            <tbody className="divide-y divide-slate-100">
              {d.people.slice(0, 30).map((p) => (
                <tr key={`${p.person}|${p.week}`}>
                  <td className="py-1 font-mono text-xs">{p.person}</td>
                  <td className="py-1 text-xs">{p.teamName ?? p.team ?? "—"}</td>
                  <td className="py-1 text-xs">{p.week.slice(0, 10)}</td>
                  <td className="py-1 text-right tabular-nums">{hours(p.planned)}</td>
                  <td className="py-1 text-right tabular-nums">{hours(p.actual)}</td>
                  <td className="py-1 text-right tabular-nums">{hours(p.actual - p.planned)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {d && d.records.length > 0 && <Records kpi={kpi} records={d.records} />}
      {d && d.runs.length > 0 && (
        <div>
          <h3 className="text-xs font-semibold uppercase tracking-wide text-slate-500">Runs</h3>
          <ul className="mt-1 flex flex-wrap gap-2 text-xs">
            {d.runs.slice(0, 40).map((r) => (
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
      )}
      {d && !d.records.length && !d.runs.length && !d.exceptions.length && (
        <p className="text-sm text-slate-500">Nothing behind this figure in the period.</p>
      )}
    </section>
  );
}

function Ageing({ tile }: { tile: Tile }) {
  const currency = (tile.detail.currency as string) || "USD";
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
