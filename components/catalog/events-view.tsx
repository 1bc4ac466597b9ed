"use client";
// The event registry: each domain event with its versions, JSON Schema, owner, producers and consumers;
// a designer proposes a new version and sees the BACKWARD compatibility verdict before publishing it.
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { useTRPC } from "@/components/trpc/client";
import { Badge } from "@/components/ui/badge";
import type { JsonSchema } from "@/server/governance/contract-compat";

export function EventsView({ canEdit }: { canEdit: boolean }) {
  const trpc = useTRPC();
  const contracts = useQuery(trpc.governance.contracts.list.queryOptions());
  return (
    <section className="space-y-4 p-8">
      {contracts.error && <p role="alert" className="text-sm text-red-700">{contracts.error.message}</p>}
      {contracts.data?.map((c) => (
        <article key={c.name} aria-label={`Event ${c.name}`} className="rounded-lg border border-slate-200 bg-white p-4">
          <header className="flex flex-wrap items-baseline gap-3">
            <h2 className="font-mono text-base font-semibold">{c.name}</h2>
            <Badge tone="blue">v{c.latest.version}</Badge>
            <span className="text-sm text-slate-600">owned by {c.latest.ownerTeam?.name ?? "?"} · {c.latest.domain}</span>
          </header>
          {c.latest.description && <p className="mt-1 text-sm text-slate-600">{c.latest.description}</p>}
          <dl className="mt-2 grid grid-cols-2 gap-2 text-sm">
            <div>
              <dt className="text-xs uppercase text-slate-500">Declared producers</dt>
              <dd>{c.latest.producers.join(", ") || "—"}</dd>
            </div>
            <div>
              <dt className="text-xs uppercase text-slate-500">Declared consumers</dt>
              <dd>{c.latest.consumers.join(", ") || "—"}</dd>
            </div>
          </dl>
          <details className="mt-2">
            <summary className="cursor-pointer text-sm text-brand-700">Schema and versions</summary>
            <pre className="mt-2 max-h-64 overflow-auto rounded bg-slate-50 p-2 text-xs">{JSON.stringify(c.latest.schema, null, 2)}</pre>
            <ul className="mt-2 text-xs text-slate-600">
              {c.versions.map((v) => (
                <li key={v.id}>
                  v{v.version} — {new Date(v.createdAt).toLocaleDateString()} — {v.changelog}
                </li>
              ))}
            </ul>
          </details>
          {canEdit && <ProposeVersion name={c.name} latest={c.latest.version} schema={c.latest.schema} />}
        </article>
      ))}
    </section>
  );
}

function ProposeVersion({ name, latest, schema }: { name: string; latest: string; schema: JsonSchema }) {
  const trpc = useTRPC();
  const qc = useQueryClient();
  const [open, setOpen] = useState(false);
  const [version, setVersion] = useState("");
  const [text, setText] = useState(() => JSON.stringify(schema, null, 2));
  const [changelog, setChangelog] = useState("");
  let parsed: JsonSchema | null = null;
  let parseError: string | null = null;
  try {
    parsed = JSON.parse(text) as JsonSchema;
  } catch (e) {
    parseError = (e as Error).message;
  }
  const check = useQuery({ ...trpc.governance.contracts.check.queryOptions({ name, version: version || latest, schema: parsed ?? {} }), enabled: open && !!parsed && !!version });
  const publish = useMutation(trpc.governance.contracts.publish.mutationOptions({ onSuccess: () => qc.invalidateQueries({ queryKey: trpc.governance.contracts.list.queryKey() }) }));
  if (!open) {
    return (
      <button type="button" className="mt-3 rounded-md border border-slate-300 px-3 py-1.5 text-sm" onClick={() => setOpen(true)}>
        Propose a new version of {name}
      </button>
    );
  }
  return (
    <form
      aria-label={`New version of ${name}`}
      className="mt-3 space-y-2 rounded-md border border-slate-200 p-3"
      onSubmit={(e) => {
        e.preventDefault();
        if (parsed) publish.mutate({ name, version, schema: parsed, changelog });
      }}
    >
      <label className="block text-xs font-medium text-slate-600">
        Version (latest {latest})
        <input className="mt-1 block rounded-md border border-slate-300 px-2 py-1 text-sm" value={version} onChange={(e) => setVersion(e.target.value)} />
      </label>
      <label className="block text-xs font-medium text-slate-600">
        JSON Schema
        <textarea className="mt-1 block h-48 w-full rounded-md border border-slate-300 p-2 font-mono text-xs" value={text} onChange={(e) => setText(e.target.value)} />
      </label>
      <label className="block text-xs font-medium text-slate-600">
        Changelog
        <input className="mt-1 block w-full rounded-md border border-slate-300 px-2 py-1 text-sm" value={changelog} onChange={(e) => setChangelog(e.target.value)} />
      </label>
      {parseError && <p role="alert" className="text-sm text-red-700">Not JSON: {parseError}</p>}
      {check.data && (
        <div role="status" className={check.data.ok ? "text-sm text-emerald-700" : "text-sm text-red-700"}>
          {check.data.ok ? `Compatible: needs at least a ${check.data.requiredBump} version.` : [...check.data.problems, ...check.data.issues.map((i) => `${i.path}: ${i.message}`)].join(" ")}
        </div>
      )}
      {publish.error && <p role="alert" className="text-sm text-red-700">{publish.error.message}</p>}
      {publish.isSuccess && <p role="status" className="text-sm text-emerald-700">Published.</p>}
      <div className="flex gap-2">
        <button type="submit" disabled={!check.data?.ok || publish.isPending} className="rounded-md bg-brand-600 px-3 py-1.5 text-sm text-white disabled:opacity-50">
          Publish version
        </button>
        <button type="button" className="rounded-md border border-slate-300 px-3 py-1.5 text-sm" onClick={() => setOpen(false)}>
          Cancel
        </button>
      </div>
    </form>
  );
}
