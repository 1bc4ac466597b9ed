"use client";
import { useInfiniteQuery, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import type { AuditAnchor } from "@/server/audit/anchor";
import { useTRPC } from "@/components/trpc/client";
import { SelectField, TextField } from "@/components/ui/fields";

interface Filters {
  action: string;
  entityType: string;
  actor: string;
  from: string;
  to: string;
}
const EMPTY: Filters = { action: "", entityType: "", actor: "", from: "", to: "" };

export function AuditLogView() {
  const trpc = useTRPC();
  const [draft, setDraft] = useState<Filters>(EMPTY);
  const [filters, setFilters] = useState<Filters>(EMPTY);
  const facets = useQuery(trpc.audit.facets.queryOptions());
  const input = {
    action: filters.action || undefined,
    entityType: filters.entityType || undefined,
    actor: filters.actor || undefined,
    from: filters.from ? new Date(filters.from) : undefined,
    to: filters.to ? new Date(`${filters.to}T23:59:59.999`) : undefined,
    limit: 50,
  };
  const list = useInfiniteQuery(
    trpc.audit.list.infiniteQueryOptions(input, { getNextPageParam: (last) => last.nextCursor ?? undefined }),
  );
  const verify = useMutation(trpc.audit.verify.mutationOptions());
  const qc = useQueryClient();
  // The anchor is downloaded as a file: it is only worth something kept outside Weft's database.
  const anchor = useMutation(
    trpc.audit.anchor.mutationOptions({
      onSuccess: (a) => {
        const url = URL.createObjectURL(new Blob([`${JSON.stringify(a, null, 2)}\n`], { type: "application/json" }));
        const link = Object.assign(document.createElement("a"), {
          href: url,
          download: `weft-audit-anchor-${a.seq}.json`,
        });
        link.click();
        URL.revokeObjectURL(url);
        void qc.invalidateQueries({ queryKey: trpc.audit.list.pathKey() });
      },
    }),
  );
  const [anchorError, setAnchorError] = useState<string | null>(null);
  const verifyWithAnchor = async (file: File | undefined) => {
    setAnchorError(null);
    if (!file) return;
    try {
      verify.mutate({ anchor: JSON.parse(await file.text()) as AuditAnchor });
    } catch {
      setAnchorError(`${file.name} is not an anchor file (JSON).`);
    }
  };
  const rows = list.data?.pages.flatMap((p) => p.items) ?? [];

  return (
    <section className="space-y-4 p-8">
      <form
        aria-label="Audit filters"
        className="flex flex-wrap items-end gap-3 rounded-lg border border-slate-200 bg-white p-4"
        onSubmit={(e) => {
          e.preventDefault();
          setFilters(draft);
        }}
      >
        <SelectField
          label="Action"
          value={draft.action}
          options={(facets.data?.actions ?? []).map((v) => ({ value: v, label: v }))}
          onChange={(v) => setDraft({ ...draft, action: v })}
        />
        <SelectField
          label="Entity"
          value={draft.entityType}
          options={(facets.data?.entityTypes ?? []).map((v) => ({ value: v, label: v }))}
          onChange={(v) => setDraft({ ...draft, entityType: v })}
        />
        <TextField
          label="Actor"
          value={draft.actor}
          placeholder="email contains…"
          onChange={(v) => setDraft({ ...draft, actor: v })}
        />
        <TextField label="From" type="date" value={draft.from} onChange={(v) => setDraft({ ...draft, from: v })} />
        <TextField label="To" type="date" value={draft.to} onChange={(v) => setDraft({ ...draft, to: v })} />
        <button
          type="submit"
          className="rounded-md bg-brand-600 px-4 py-2 text-sm font-medium text-white hover:bg-brand-700"
        >
          Apply filters
        </button>
        <button
          type="button"
          className="rounded-md border border-slate-300 px-4 py-2 text-sm"
          onClick={() => {
            setDraft(EMPTY);
            setFilters(EMPTY);
          }}
        >
          Clear
        </button>
        <div className="ml-auto flex items-center gap-3">
          {verify.data && (
            <span
              role="status"
              className={verify.data.ok ? "text-sm text-emerald-700" : "text-sm font-medium text-red-700"}
              title={verify.data.problems.map((p) => `row ${p.seq}: ${p.problem}`).join("\n")}
            >
              {verify.data.ok
                ? `Chain intact (${verify.data.rows} rows)`
                : `Tampering detected in ${verify.data.problems.length} row(s): ${verify.data.problems.map((p) => p.seq).join(", ")} — ${verify.data.problems[0]!.problem}`}
            </span>
          )}
          {(verify.error || anchor.error || anchorError) && (
            <span role="alert" className="text-sm text-red-700">
              {anchorError ?? verify.error?.message ?? anchor.error?.message}
            </span>
          )}
          {anchor.data && !anchor.isPending && (
            <span role="status" className="text-sm text-slate-600">
              Anchor saved: {anchor.data.rows} rows up to #{anchor.data.seq}
            </span>
          )}
          <button
            type="button"
            className="rounded-md border border-slate-300 px-4 py-2 text-sm"
            onClick={() => verify.mutate({})}
            disabled={verify.isPending}
          >
            {verify.isPending ? "Verifying…" : "Verify chain"}
          </button>
          <label
            className="cursor-pointer rounded-md border border-slate-300 px-4 py-2 text-sm"
            title="Check the log against an anchor exported earlier"
          >
            Verify with anchor…
            <input
              type="file"
              accept="application/json,.json"
              className="sr-only"
              onChange={(e) => void verifyWithAnchor(e.target.files?.[0])}
            />
          </label>
          <button
            type="button"
            className="rounded-md border border-slate-300 px-4 py-2 text-sm"
            onClick={() => anchor.mutate()}
            disabled={anchor.isPending}
            title="Download a signed anchor (head hash, row count, time) to keep outside Weft"
          >
            {anchor.isPending ? "Signing…" : "Export signed anchor"}
          </button>
        </div>
      </form>

      <div className="overflow-hidden rounded-lg border border-slate-200 bg-white">
        <table className="w-full text-left text-sm">
          <caption className="sr-only">Audit log entries, newest first</caption>
          <thead className="bg-slate-50 text-xs uppercase tracking-wide text-slate-500">
            <tr>
              <th className="px-4 py-2">#</th>
              <th className="px-4 py-2">When</th>
              <th className="px-4 py-2">Who</th>
              <th className="px-4 py-2">Action</th>
              <th className="px-4 py-2">Entity</th>
              <th className="px-4 py-2">Change</th>
            </tr>
          </thead>
          <tbody className="divide-y divide-slate-100">
            {rows.map((r) => (
              <tr key={r.seq} className="align-top">
                <td className="px-4 py-2 font-mono text-xs text-slate-400">{r.seq}</td>
                <td className="whitespace-nowrap px-4 py-2 text-slate-600">{new Date(r.at).toLocaleString()}</td>
                <td className="px-4 py-2">{r.actorEmail ?? <span className="text-slate-400">system</span>}</td>
                <td className="px-4 py-2 font-medium">{r.action}</td>
                <td className="px-4 py-2 text-slate-600">
                  {r.entityType}
                  {r.entityId && <span className="block font-mono text-xs text-slate-400">{r.entityId}</span>}
                </td>
                <td className="px-4 py-2">
                  <ChangeSummary before={r.before} after={r.after} meta={r.meta} />
                </td>
              </tr>
            ))}
            {!list.isLoading && rows.length === 0 && (
              <tr>
                <td colSpan={6} className="px-4 py-8 text-center text-slate-500">
                  No audit entries match these filters.
                </td>
              </tr>
            )}
          </tbody>
        </table>
        {list.isLoading && <p className="p-4 text-sm text-slate-500">Loading…</p>}
        {list.error && (
          <p role="alert" className="p-4 text-sm text-red-700">
            {list.error.message}
          </p>
        )}
      </div>
      {list.hasNextPage && (
        <button
          type="button"
          className="rounded-md border border-slate-300 bg-white px-4 py-2 text-sm"
          onClick={() => void list.fetchNextPage()}
          disabled={list.isFetchingNextPage}
        >
          {list.isFetchingNextPage ? "Loading…" : "Load older entries"}
        </button>
      )}
    </section>
  );
}

function ChangeSummary({ before, after, meta }: { before: unknown; after: unknown; meta: unknown }) {
  if (before == null && after == null && meta == null) return <span className="text-slate-400">—</span>;
  return (
    <details>
      <summary className="cursor-pointer text-brand-700">Details</summary>
      <pre className="mt-1 max-w-xl overflow-auto rounded bg-slate-50 p-2 text-xs">
        {JSON.stringify({ before, after, meta }, null, 2)}
      </pre>
    </details>
  );
}
