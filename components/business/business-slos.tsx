"use client";
// Business SLOs on the Business page: each target's state, error budget and firing burn-rate alerts (the
// technical SLOs' math, server/kpis/slo.ts), and — for designers of the owner team and admins — a form to set
// one. The KPIs and thresholds offered are core/kpis/slo.ts's.
import { useState } from "react";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { clsx } from "clsx";
import { useTRPC } from "@/components/trpc/client";
import { BUSINESS_SLO_KINDS, BUSINESS_SLO_KPIS, type BusinessSloKpi } from "@/core/kpis/slo";
import { KPIS } from "@/core/kpis/definitions";
import type { Role } from "@/core/roles";

const STATE_TONE: Record<string, string> = {
  firing: "bg-red-100 text-red-800",
  breached: "bg-red-50 text-red-700",
  "at-risk": "bg-amber-100 text-amber-800",
  ok: "bg-emerald-100 text-emerald-800",
  "no-data": "bg-slate-100 text-slate-600",
};

const pct = (x: number | null) =>
  x === null ? "—" : `${(x * 100).toLocaleString("en-US", { maximumFractionDigits: 2 })} %`;

export function BusinessSlos({ roles }: { roles: readonly Role[] }) {
  const trpc = useTRPC();
  const list = useQuery(trpc.kpis.slo.list.queryOptions(undefined, { refetchInterval: 15_000 }));
  const canEdit = roles.includes("admin") || roles.includes("designer");
  const [open, setOpen] = useState(false);
  return (
    <section aria-label="Business SLOs" className="space-y-3 rounded-lg border border-slate-200 bg-white p-5">
      <div className="flex items-center justify-between">
        <div>
          <h2 className="text-base font-semibold text-slate-900">Business SLOs</h2>
          <p className="text-xs text-slate-500">
            A target on a KPI with the same error budget, burn-rate alerts and team alert channels as the flows&apos;
            SLOs.
          </p>
        </div>
        {canEdit && !open && (
          <button
            type="button"
            className="rounded-md bg-brand-600 px-3 py-1.5 text-sm font-medium text-white hover:bg-brand-700"
            onClick={() => setOpen(true)}
          >
            Add business SLO
          </button>
        )}
      </div>
      {open && <SloForm onDone={() => setOpen(false)} />}
      {list.data && list.data.length === 0 && <p className="text-sm text-slate-500">No business SLO yet.</p>}
      {list.data?.map((s) => (
        <article
          key={s.id}
          aria-label={`Business SLO ${s.name}`}
          className="flex flex-wrap items-center gap-x-6 gap-y-1 border-t border-slate-100 pt-3"
        >
          <div className="min-w-64 flex-1">
            <p className="text-sm font-medium text-slate-900">{s.name}</p>
            <p className="text-xs text-slate-500">
              {s.sentence} · {s.windowDays} days · {s.ownerTeam?.name ?? "—"}
            </p>
          </div>
          <span className={clsx("rounded-full px-2 py-0.5 text-xs font-medium", STATE_TONE[s.status.state])}>
            {s.status.state === "firing" ? "alert firing" : s.status.state}
          </span>
          <p className="text-xs text-slate-600">
            attainment <span className="font-medium text-slate-900">{pct(s.status.attainment)}</span> of{" "}
            {s.status.total} events
          </p>
          <p className="text-xs text-slate-600">
            budget left{" "}
            <span className="font-medium text-slate-900" aria-label="Error budget remaining">
              {Number.isFinite(s.status.budgetRemaining) ? pct(s.status.budgetRemaining) : "spent"}
            </span>
          </p>
          {s.firing.length > 0 && (
            <p role="alert" className="w-full text-xs text-red-700">
              Burning: {s.firing.map((a) => `${a.rule} (${a.severity})`).join(", ")}
            </p>
          )}
        </article>
      ))}
    </section>
  );
}

function SloForm({ onDone }: { onDone(): void }) {
  const trpc = useTRPC();
  const qc = useQueryClient();
  const teams = useQuery(trpc.kpis.options.queryOptions());
  const [kpi, setKpi] = useState<BusinessSloKpi>("unbilled-approved-time");
  const [name, setName] = useState("");
  const [threshold, setThreshold] = useState("7");
  const [target, setTarget] = useState("98");
  const [team, setTeam] = useState("");
  const kind = BUSINESS_SLO_KINDS[kpi];
  const create = useMutation(
    trpc.kpis.slo.create.mutationOptions({
      onSuccess: async () => {
        await qc.invalidateQueries({ queryKey: trpc.kpis.slo.list.queryKey() });
        onDone();
      },
    }),
  );
  return (
    <form
      aria-label="New business SLO"
      className="grid gap-3 rounded-md border border-slate-200 bg-slate-50 p-3 sm:grid-cols-2 lg:grid-cols-3"
      onSubmit={(e) => {
        e.preventDefault();
        create.mutate({
          name: name.trim() || kind.describe(kind.thresholdUnit ? Number(threshold) : null, Number(target) / 100),
          kpi,
          threshold: kind.thresholdUnit ? Number(threshold) : null,
          target: Number(target) / 100,
          ownerTeamKey: team || teams.data?.teams[0]?.key || "",
        });
      }}
    >
      <label className="text-xs font-medium text-slate-700">
        KPI
        <select
          className="mt-1 block w-full rounded-md border border-slate-300 px-2 py-1.5 text-sm"
          value={kpi}
          onChange={(e) => setKpi(e.target.value as BusinessSloKpi)}
        >
          {BUSINESS_SLO_KPIS.map((k) => (
            <option key={k} value={k}>
              {KPIS[k].name}
            </option>
          ))}
        </select>
      </label>
      {kind.thresholdUnit && (
        <label className="text-xs font-medium text-slate-700">
          Threshold ({kind.thresholdUnit})
          <input
            type="number"
            min="0"
            step="any"
            className="mt-1 block w-full rounded-md border border-slate-300 px-2 py-1.5 text-sm"
            value={threshold}
            onChange={(e) => setThreshold(e.target.value)}
          />
        </label>
      )}
      <label className="text-xs font-medium text-slate-700">
        Target (% of events good)
        <input
          type="number"
          min="1"
          max="99.99"
          step="any"
          className="mt-1 block w-full rounded-md border border-slate-300 px-2 py-1.5 text-sm"
          value={target}
          onChange={(e) => setTarget(e.target.value)}
        />
      </label>
      <label className="text-xs font-medium text-slate-700">
        Owner team (gets the alerts)
        <select
          className="mt-1 block w-full rounded-md border border-slate-300 px-2 py-1.5 text-sm"
          value={team}
          onChange={(e) => setTeam(e.target.value)}
        >
          {teams.data?.teams.map((t) => (
            <option key={t.key} value={t.key}>
              {t.name}
            </option>
          ))}
        </select>
      </label>
      <label className="text-xs font-medium text-slate-700 sm:col-span-2">
        Name
        <input
          className="mt-1 block w-full rounded-md border border-slate-300 px-2 py-1.5 text-sm"
          placeholder={kind.describe(kind.thresholdUnit ? Number(threshold) : null, Number(target) / 100)}
          value={name}
          onChange={(e) => setName(e.target.value)}
        />
      </label>
      <p className="text-[11px] text-slate-500 sm:col-span-2 lg:col-span-3">Event: {kind.event}</p>
      {create.error && (
        <p role="alert" className="text-xs text-red-700 sm:col-span-2 lg:col-span-3">
          {create.error.message}
        </p>
      )}
      <div className="flex gap-2 sm:col-span-2 lg:col-span-3">
        <button
          type="submit"
          disabled={create.isPending}
          className="rounded-md bg-brand-600 px-3 py-1.5 text-sm font-medium text-white hover:bg-brand-700"
        >
          Save business SLO
        </button>
        <button type="button" className="rounded-md px-3 py-1.5 text-sm text-slate-600" onClick={onDone}>
          Cancel
        </button>
      </div>
    </form>
  );
}
