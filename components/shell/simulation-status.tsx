"use client";
// Demo mode: the dev server's first start simulates the firm in the background (docs/simulator.md); while
// it runs, the shell shows how far it got, so the runs and exceptions arriving are explained.
import { useQuery } from "@tanstack/react-query";
import { useTRPC } from "@/components/trpc/client";

export function SimulationStatus() {
  const trpc = useTRPC();
  const q = useQuery({
    ...trpc.demo.simulation.queryOptions(),
    refetchInterval: (s) => (s.state.data?.state === "running" ? 3000 : false),
    retry: false,
  });
  const s = q.data;
  if (!s || s.state !== "running") return null;
  return (
    <div role="status" className="mx-3 mb-3 rounded-md bg-slate-800 px-3 py-2 text-xs text-slate-300">
      <p className="font-medium text-white">Simulating the firm</p>
      <p>
        Day {s.day} of {s.days}: deals, time and approvals flowing through the sandboxes
      </p>
      <div className="mt-1.5 h-1 rounded bg-slate-700" aria-hidden>
        <div className="h-1 rounded bg-brand-500" style={{ width: `${Math.round((s.day / s.days) * 100)}%` }} />
      </div>
    </div>
  );
}
