"use client";
// Per-flow ageing thresholds: after how many hours an open exception counts as ageing (highlighted and
// counted in the queue). Operators change them; every change is audited.
import { useState } from "react";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useTRPC } from "@/components/trpc/client";

export function AgeingSettings({ canOperate }: { canOperate: boolean }) {
  const trpc = useTRPC();
  const qc = useQueryClient();
  const q = useQuery(trpc.exceptions.ageing.queryOptions());
  const [draft, setDraft] = useState<Record<string, string>>({});
  const save = useMutation(
    trpc.exceptions.setAgeing.mutationOptions({
      onSuccess: () => void qc.invalidateQueries({ queryKey: trpc.exceptions.pathKey() }),
    }),
  );
  return (
    <details className="rounded-lg border border-slate-200 bg-white p-3 text-sm">
      <summary className="cursor-pointer text-xs font-medium uppercase tracking-wide text-slate-500">
        Ageing thresholds
      </summary>
      <ul className="mt-2 space-y-1.5">
        {(q.data ?? []).map((f) => (
          <li key={f.flowKey} className="flex items-center justify-between gap-2">
            <span className="truncate text-slate-700" title={f.flowKey}>
              {f.flowName}
            </span>
            {canOperate ? (
              <span className="flex items-center gap-1">
                <input
                  aria-label={`Ageing threshold of ${f.flowName} in hours`}
                  type="number"
                  min={1}
                  className="w-16 rounded border border-slate-300 px-1.5 py-0.5 text-right text-sm"
                  value={draft[f.flowKey] ?? String(f.ageingHours)}
                  onChange={(e) => setDraft({ ...draft, [f.flowKey]: e.target.value })}
                  onBlur={() => {
                    const h = Number(draft[f.flowKey]);
                    if (draft[f.flowKey] !== undefined && Number.isInteger(h) && h >= 1 && h !== f.ageingHours)
                      save.mutate({ flowKey: f.flowKey, hours: h });
                  }}
                />
                <span className="text-xs text-slate-500">h</span>
              </span>
            ) : (
              <span className="tabular-nums text-slate-600">{f.ageingHours} h</span>
            )}
          </li>
        ))}
      </ul>
      {save.error && (
        <p role="alert" className="mt-2 text-xs text-red-700">
          {save.error.message}
        </p>
      )}
    </details>
  );
}
