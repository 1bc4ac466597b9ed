"use client";
// The Environment filter of the Runs, Exceptions, Business and Reconciliation pages (docs/environments.md): one
// control, the workspace's environments from the server plus "All environments". Its value is an environment key
// or ALL_ENVIRONMENTS, as the pages keep it in their URL (`?environment=`) and send it to the server.
import { useQuery } from "@tanstack/react-query";
import { useId } from "react";
import { useTRPC } from "@/components/trpc/client";
import { ALL_ENVIRONMENTS } from "@/core/environment-scope";

export function EnvironmentFilter({ value, onChange }: { value: string; onChange: (environment: string) => void }) {
  const trpc = useTRPC();
  const environments = useQuery(trpc.environments.list.queryOptions());
  // The label sits beside the select (as SelectField), so the select's name is "Environment" alone.
  const id = useId();
  return (
    <div className="text-xs font-medium text-slate-600">
      <label htmlFor={id}>Environment</label>
      <select
        id={id}
        className="mt-1 block rounded-md border border-slate-300 bg-white px-2 py-2 text-sm"
        value={value}
        onChange={(e) => onChange(e.target.value)}
      >
        <option value={ALL_ENVIRONMENTS}>All environments</option>
        {(environments.data ?? []).map((env) => (
          <option key={env.key} value={env.key}>
            {env.name}
          </option>
        ))}
        {/* A chosen environment not listed (yet: still loading) stays shown rather than falling back to the first. */}
        {value !== ALL_ENVIRONMENTS && !(environments.data ?? []).some((e) => e.key === value) && (
          <option value={value}>{value}</option>
        )}
      </select>
    </div>
  );
}
