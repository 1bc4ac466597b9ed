"use client";
// Business impact of the open exceptions of the queue's environment: money and hours held up, by domain and by owner team.
import { useQuery } from "@tanstack/react-query";
import { useTRPC } from "@/components/trpc/client";
import { formatMoney } from "@/core/exceptions/business";

export function ImpactHeader({
  environment,
  onDomain,
  onTeam,
}: {
  /** The queue's environment filter (an environment key or "all"). */
  environment: string | undefined;
  onDomain: (d: string) => void;
  onTeam: (teamId: string) => void;
}) {
  const trpc = useTRPC();
  const q = useQuery(trpc.exceptions.impact.queryOptions({ environment }, { refetchInterval: 10_000 }));
  const d = q.data;
  if (!d) return <div className="h-28 animate-pulse rounded-lg border border-slate-200 bg-white" aria-hidden />;
  const hours = (h: number) => `${h.toLocaleString("en-US", { maximumFractionDigits: 1 })} h`;
  return (
    <section
      aria-label="Business impact"
      className="grid gap-4 rounded-lg border border-slate-200 bg-white p-5 lg:grid-cols-[1.1fr_1fr_1fr]"
    >
      <div>
        <p className="text-xs font-medium uppercase tracking-wide text-slate-500">Held up by open exceptions</p>
        <p className="mt-1 text-3xl font-semibold tracking-tight text-slate-900" aria-label="Money blocked">
          {formatMoney(d.total.amount, "USD")}
        </p>
        <p className="mt-1 text-sm text-slate-600">
          <span aria-label="Hours blocked" className="font-medium text-slate-900">
            {hours(d.total.hours)}
          </span>{" "}
          of approved time · <span className="font-medium text-slate-900">{d.total.open.toLocaleString("en-US")}</span>{" "}
          open
          {d.total.ageing > 0 && (
            <>
              {" · "}
              <span className="font-medium text-amber-700">{d.total.ageing.toLocaleString("en-US")} ageing</span>
            </>
          )}
        </p>
      </div>
      <ImpactTable
        title="By domain"
        rows={d.byDomain.map((r) => ({ key: r.domain ?? "", label: r.domain ?? "—", ...r }))}
        onPick={onDomain}
        hours={hours}
      />
      <ImpactTable
        title="By owner team"
        rows={d.byTeam.map((r) => ({ key: r.teamId ?? "", label: r.teamName ?? "Unowned", ...r }))}
        onPick={onTeam}
        hours={hours}
      />
    </section>
  );
}

function ImpactTable({
  title,
  rows,
  onPick,
  hours,
}: {
  title: string;
  rows: Array<{ key: string; label: string; amount: number; hours: number; open: number; ageing: number }>;
  onPick: (k: string) => void;
  hours: (h: number) => string;
}) {
  return (
    <div>
      <p className="text-xs font-medium uppercase tracking-wide text-slate-500">{title}</p>
      <table className="mt-1 w-full text-sm">
        <tbody>
          {rows.slice(0, 4).map((r) => (
            <tr key={r.key}>
              <td className="py-0.5">
                <button type="button" className="text-brand-700 hover:underline" onClick={() => r.key && onPick(r.key)}>
                  {r.label}
                </button>
              </td>
              <td className="py-0.5 text-right tabular-nums text-slate-900">{formatMoney(r.amount, "USD")}</td>
              <td className="py-0.5 text-right tabular-nums text-slate-600">{hours(r.hours)}</td>
              <td className="py-0.5 text-right tabular-nums text-slate-500">{r.open} open</td>
            </tr>
          ))}
          {rows.length === 0 && (
            <tr>
              <td className="py-1 text-slate-400">Nothing open.</td>
            </tr>
          )}
        </tbody>
      </table>
    </div>
  );
}
