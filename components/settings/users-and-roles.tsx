"use client";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { useTRPC } from "@/components/trpc/client";
import { ROLES, type Role } from "@/server/auth/roles";

export function UsersAndRoles({ selfId }: { selfId: string }) {
  const trpc = useTRPC();
  const qc = useQueryClient();
  const users = useQuery(trpc.admin.users.queryOptions());
  const [error, setError] = useState<string | null>(null);
  const setRoles = useMutation(
    trpc.admin.setRoles.mutationOptions({
      onSuccess: () => qc.invalidateQueries({ queryKey: trpc.admin.users.queryKey() }),
      onError: (e) => setError(e.message),
    }),
  );
  return (
    <div className="rounded-lg border border-slate-200 bg-white">
      <h2 className="border-b border-slate-200 px-5 py-3 font-medium">Users and roles</h2>
      {error && <p role="alert" className="mx-5 mt-3 rounded bg-red-50 px-3 py-2 text-sm text-red-700">{error}</p>}
      <table className="w-full text-left text-sm">
        <caption className="sr-only">Users, their teams and roles</caption>
        <thead className="bg-slate-50 text-xs uppercase tracking-wide text-slate-500">
          <tr>
            <th className="px-5 py-2">User</th>
            <th className="px-5 py-2">Teams</th>
            {ROLES.map((r) => (
              <th key={r} className="px-3 py-2 text-center">{r}</th>
            ))}
          </tr>
        </thead>
        <tbody className="divide-y divide-slate-100">
          {users.data?.map((u) => (
            <tr key={u.id}>
              <td className="px-5 py-2">
                <span className="font-medium">{u.name}</span>
                <span className="block text-xs text-slate-500">{u.email}</span>
              </td>
              <td className="px-5 py-2 text-slate-600">{u.memberships.map((m) => m.team.name).join(", ") || "—"}</td>
              {ROLES.map((r) => (
                <td key={r} className="px-3 py-2 text-center">
                  <input
                    type="checkbox"
                    aria-label={`${r} role for ${u.email}`}
                    checked={u.roles.includes(r)}
                    disabled={setRoles.isPending || (u.id === selfId && r === "admin")}
                    onChange={(e) => {
                      setError(null);
                      const next: Role[] = e.target.checked ? [...u.roles, r] : u.roles.filter((x) => x !== r);
                      if (next.length === 0) {
                        setError("A user needs at least one role.");
                        return;
                      }
                      setRoles.mutate({ userId: u.id, roles: next });
                    }}
                  />
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
