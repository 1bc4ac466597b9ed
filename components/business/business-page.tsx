"use client";
// The Business page: KPI tiles (figure + weekly trend) per team/customer, each tile's definition one click
// away, and a drill-down to the records (business events), runs and exceptions behind the figure. Figures and
// definitions come from server/kpis and core/kpis/definitions.ts; nothing is computed here but formatting.
import { clsx } from "clsx";
import { useQuery } from "@tanstack/react-query";
import { useTRPC } from "@/components/trpc/client";
import { useUrlParams } from "@/components/ui/use-url-params";
import { EnvironmentFilter } from "@/components/ui/environment-filter";
import { PRODUCTION } from "@/core/environment-scope";
import { formatMoney } from "@/core/exceptions/business";
import { HEADLINE_KPIS, KPI_IDS, type KpiId } from "@/core/kpis/definitions";
import { formatTime } from "@/components/runs/format";
import type { Role } from "@/core/roles";
import { BusinessSlos } from "./business-slos";
import { Drill } from "./drill";
import { hours, tileCurrency, type Tile } from "./format";

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
      return formatMoney(Math.round(t.value), tileCurrency(t));
    default:
      return String(t.value);
  }
}

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
      return `${hours(d.hours)} in ${d.entries} entries · ${formatMoney(Math.round(Number(d.heldAmount ?? 0)), tileCurrency(t))} held up by exceptions`;
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
        ? `${d.matched} of ${d.keys} records matched · ${formatMoney(Math.round(Number(d.unreconciledAmount ?? 0)), tileCurrency(t))} and ${hours(d.unreconciledHours)} unreconciled`
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
