"use client";
// Personal access tokens for the `weft` CLI and scripts: create (shown once), list, revoke.
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { useTRPC } from "@/components/trpc/client";
import { TextField } from "@/components/ui/fields";

const EXPIRY = [
  { value: "30", label: "30 days" },
  { value: "90", label: "90 days" },
  { value: "366", label: "1 year" },
  { value: "", label: "Never" },
] as const;

const day = (d: Date | null) => (d ? new Date(d).toISOString().slice(0, 10) : "—");

export function ApiTokens() {
  const trpc = useTRPC();
  const qc = useQueryClient();
  const tokens = useQuery(trpc.apiTokens.list.queryOptions());
  const [name, setName] = useState("");
  const [expiry, setExpiry] = useState<string>("90");
  const [created, setCreated] = useState<{ name: string; token: string } | null>(null);
  const [error, setError] = useState<string | null>(null);
  const refresh = () => qc.invalidateQueries({ queryKey: trpc.apiTokens.list.queryKey() });
  const create = useMutation(
    trpc.apiTokens.create.mutationOptions({
      onSuccess: (r) => {
        setCreated({ name: r.view.name, token: r.token });
        setName("");
        void refresh();
      },
      onError: (e) => setError(e.data?.zodIssues?.[0]?.message ?? e.message),
    }),
  );
  const revoke = useMutation(
    trpc.apiTokens.revoke.mutationOptions({ onSuccess: () => void refresh(), onError: (e) => setError(e.message) }),
  );

  return (
    <div className="rounded-lg border border-slate-200 bg-white">
      <div className="border-b border-slate-200 px-5 py-3">
        <h2 className="font-medium">API tokens</h2>
        <p className="text-sm text-slate-500">
          For the <code className="rounded bg-slate-100 px-1">weft</code> command line and scripts:{" "}
          <code className="rounded bg-slate-100 px-1">WEFT_TOKEN=… npx weft export &lt;flow&gt;</code>. A token acts as
          you, with your roles.
        </p>
      </div>
      <form
        className="flex flex-wrap items-end gap-3 px-5 py-4"
        onSubmit={(e) => {
          e.preventDefault();
          setError(null);
          setCreated(null);
          create.mutate({ name, expiresInDays: expiry ? Number(expiry) : null });
        }}
      >
        <TextField label="Token name" value={name} onChange={setName} placeholder="CI of the finance-flows repo" />
        <label className="text-xs font-medium text-slate-600">
          Expires after
          <select
            className="mt-1 block rounded-md border border-slate-300 bg-white px-2 py-2 text-sm"
            value={expiry}
            onChange={(e) => setExpiry(e.target.value)}
          >
            {EXPIRY.map((o) => (
              <option key={o.label} value={o.value}>
                {o.label}
              </option>
            ))}
          </select>
        </label>
        <button
          type="submit"
          disabled={create.isPending}
          className="rounded-md bg-indigo-600 px-3 py-2 text-sm font-medium text-white hover:bg-indigo-700 disabled:opacity-50"
        >
          Create token
        </button>
      </form>
      {error && (
        <p role="alert" className="mx-5 mb-3 rounded bg-red-50 px-3 py-2 text-sm text-red-700">
          {error}
        </p>
      )}
      {created && (
        <div role="status" className="mx-5 mb-4 rounded-md border border-emerald-200 bg-emerald-50 px-4 py-3 text-sm">
          <p className="font-medium text-emerald-900">
            Token “{created.name}” created. Copy it now: it is not shown again.
          </p>
          <div className="mt-2 flex items-center gap-2">
            <code
              data-testid="new-token"
              className="select-all break-all rounded bg-white px-2 py-1 font-mono text-xs ring-1 ring-emerald-200"
            >
              {created.token}
            </code>
            <button
              type="button"
              className="rounded border border-emerald-300 bg-white px-2 py-1 text-xs"
              onClick={() => void navigator.clipboard?.writeText(created.token)}
            >
              Copy
            </button>
          </div>
        </div>
      )}
      <table className="w-full text-left text-sm">
        <caption className="sr-only">Your API tokens</caption>
        <thead className="bg-slate-50 text-xs uppercase tracking-wide text-slate-500">
          <tr>
            <th className="px-5 py-2">Name</th>
            <th className="px-3 py-2">Token</th>
            <th className="px-3 py-2">Created</th>
            <th className="px-3 py-2">Last used</th>
            <th className="px-3 py-2">Expires</th>
            <th className="px-5 py-2 text-right">
              <span className="sr-only">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody className="divide-y divide-slate-100">
          {tokens.data?.length === 0 && (
            <tr>
              <td colSpan={6} className="px-5 py-4 text-slate-500">
                No tokens yet.
              </td>
            </tr>
          )}
          {tokens.data?.map((t) => {
            const expired = t.expiresAt !== null && new Date(t.expiresAt) <= new Date();
            return (
              <tr key={t.id} className={t.revokedAt || expired ? "text-slate-400" : undefined}>
                <td className="px-5 py-2 font-medium">{t.name}</td>
                <td className="px-3 py-2 font-mono text-xs">{t.prefix}…</td>
                <td className="px-3 py-2">{day(t.createdAt)}</td>
                <td className="px-3 py-2">{t.lastUsedAt ? day(t.lastUsedAt) : "never"}</td>
                <td className="px-3 py-2">
                  {t.revokedAt
                    ? `revoked ${day(t.revokedAt)}`
                    : expired
                      ? "expired"
                      : t.expiresAt
                        ? day(t.expiresAt)
                        : "never"}
                </td>
                <td className="px-5 py-2 text-right">
                  {!t.revokedAt && !expired && (
                    <button
                      type="button"
                      aria-label={`Revoke ${t.name}`}
                      disabled={revoke.isPending}
                      className="rounded border border-slate-300 px-2 py-1 text-xs text-red-700 hover:bg-red-50"
                      onClick={() => revoke.mutate({ id: t.id })}
                    >
                      Revoke
                    </button>
                  )}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}
