"use client";
// Settings → Environments (admins; docs/environments.md): the environments with their connection bindings
// (a flow's logical connection name → the concrete connection it means there), bind or unbind a name, add an
// environment. A name with no binding means the connection of that name.
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { useTRPC } from "@/components/trpc/client";

const inputCls = "block w-full rounded-md border border-slate-300 px-2 py-1.5 text-sm";
const btn =
  "rounded-md border border-slate-300 bg-white px-2.5 py-1 text-xs font-medium hover:bg-slate-50 disabled:opacity-50";

export function EnvironmentsAdmin() {
  const trpc = useTRPC();
  const qc = useQueryClient();
  const envs = useQuery(trpc.environments.list.queryOptions());
  const connections = useQuery(trpc.connections.list.queryOptions());
  const refresh = () => qc.invalidateQueries({ queryKey: trpc.environments.pathKey() });
  const bind = useMutation(trpc.environments.setBinding.mutationOptions({ onSuccess: refresh }));
  const create = useMutation(trpc.environments.create.mutationOptions({ onSuccess: refresh }));
  const [draft, setDraft] = useState<Record<string, { logical: string; concrete: string }>>({});
  const [newEnv, setNewEnv] = useState({ key: "", name: "" });
  const error = bind.error ?? create.error ?? envs.error;
  const keys = (connections.data ?? []).map((c) => c.key);

  return (
    <section aria-labelledby="envs-h" className="max-w-3xl rounded-lg border border-slate-200 bg-white">
      <div className="border-b border-slate-200 px-5 py-3">
        <h2 id="envs-h" className="font-medium">
          Environments and connection bindings
        </h2>
        <p className="text-xs text-slate-500">
          Flows name logical connections; each environment binds them to a concrete connection. A name without a binding
          means the connection of that name.
        </p>
      </div>
      <ul className="divide-y divide-slate-100">
        {(envs.data ?? []).map((e) => {
          const d = draft[e.key] ?? { logical: "", concrete: "" };
          const setD = (v: Partial<typeof d>) => setDraft({ ...draft, [e.key]: { ...d, ...v } });
          return (
            <li key={e.key} className="space-y-2 px-5 py-3 text-sm" aria-label={`Environment ${e.name}`}>
              <p>
                <span className="font-medium">{e.name}</span>{" "}
                <span className="font-mono text-xs text-slate-500">{e.key}</span>
                {e.description && <span className="block text-xs text-slate-500">{e.description}</span>}
              </p>
              {e.bindings.length ? (
                <table className="w-full text-left text-xs">
                  <thead className="text-slate-500">
                    <tr>
                      <th className="py-1">Logical name</th>
                      <th className="py-1">Connection</th>
                      <th className="py-1" />
                    </tr>
                  </thead>
                  <tbody>
                    {e.bindings.map((b) => (
                      <tr key={b.logicalKey}>
                        <td className="py-1 font-mono">{b.logicalKey}</td>
                        <td className="py-1 font-mono">{b.connectionKey}</td>
                        <td className="py-1 text-right">
                          <button
                            type="button"
                            className={btn}
                            onClick={() =>
                              bind.mutate({ environment: e.key, logicalKey: b.logicalKey, connectionKey: null })
                            }
                          >
                            Unbind {b.logicalKey}
                          </button>
                        </td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              ) : (
                <p className="text-xs text-slate-500">No bindings: every name means the connection of that name.</p>
              )}
              <form
                className="flex flex-wrap items-end gap-2"
                onSubmit={(ev) => {
                  ev.preventDefault();
                  bind.mutate(
                    { environment: e.key, logicalKey: d.logical, connectionKey: d.concrete },
                    { onSuccess: () => setD({ logical: "", concrete: "" }) },
                  );
                }}
              >
                <label className="text-xs text-slate-600">
                  Logical name
                  <input
                    className={inputCls}
                    list="env-connection-keys"
                    value={d.logical}
                    placeholder="netsuite-prod"
                    onChange={(ev) => setD({ logical: ev.target.value })}
                  />
                </label>
                <label className="text-xs text-slate-600">
                  Bound to
                  <select
                    className={inputCls}
                    value={d.concrete}
                    onChange={(ev) => setD({ concrete: ev.target.value })}
                  >
                    <option value="">Choose a connection…</option>
                    {keys.map((k) => (
                      <option key={k} value={k}>
                        {k}
                      </option>
                    ))}
                  </select>
                </label>
                <button type="submit" className={btn} disabled={!d.logical || !d.concrete || bind.isPending}>
                  Bind in {e.name}
                </button>
              </form>
            </li>
          );
        })}
      </ul>
      <datalist id="env-connection-keys">
        {keys.map((k) => (
          <option key={k} value={k} />
        ))}
      </datalist>
      <form
        className="flex flex-wrap items-end gap-2 border-t border-slate-200 px-5 py-3"
        onSubmit={(ev) => {
          ev.preventDefault();
          create.mutate(newEnv, { onSuccess: () => setNewEnv({ key: "", name: "" }) });
        }}
      >
        <label className="text-xs text-slate-600">
          New environment key
          <input
            className={inputCls}
            value={newEnv.key}
            placeholder="staging"
            onChange={(ev) => setNewEnv({ ...newEnv, key: ev.target.value })}
          />
        </label>
        <label className="text-xs text-slate-600">
          Name
          <input
            className={inputCls}
            value={newEnv.name}
            placeholder="Staging"
            onChange={(ev) => setNewEnv({ ...newEnv, name: ev.target.value })}
          />
        </label>
        <button type="submit" className={btn} disabled={!newEnv.key || !newEnv.name || create.isPending}>
          Add environment
        </button>
      </form>
      {error && (
        <p role="alert" className="px-5 pb-3 text-sm text-red-700">
          {error.message}
        </p>
      )}
    </section>
  );
}
