"use client";
// The event registry: each domain event with its versions, JSON Schema, owner, producers and consumers;
// a designer proposes a new version and sees the BACKWARD compatibility verdict before publishing it.
import { useQuery } from "@tanstack/react-query";
import { useTRPC } from "@/components/trpc/client";
import { Badge } from "@/components/ui/badge";
import { ProposeVersionButton, RegisterContractButton } from "./contract-forms";
import { ReadOnlyNote } from "./form-parts";
import Link from "next/link";

/** Flows (derived from their emit steps and triggers) and the systems the contract's owner declared. */
function Parties({
  flows,
  systems,
}: {
  flows: ReadonlyArray<{ key: string; name: string }>;
  systems: readonly string[];
}) {
  if (!flows.length && !systems.length) return <span className="text-slate-400">none yet</span>;
  return (
    <ul className="flex flex-wrap gap-x-3 gap-y-0.5">
      {flows.map((f) => (
        <li key={f.key}>
          <Link href={`/catalog/${f.key}`} className="text-brand-700 hover:underline">
            {f.name}
          </Link>
        </li>
      ))}
      {systems.map((s) => (
        <li key={s} className="text-slate-700" title="Declared by the event's owner">
          {s} <span className="text-xs text-slate-400">(system)</span>
        </li>
      ))}
    </ul>
  );
}

export function EventsView({ canEdit }: { canEdit: boolean }) {
  const trpc = useTRPC();
  const contracts = useQuery(trpc.governance.contracts.list.queryOptions());
  return (
    <section className="space-y-4 p-8">
      <div className="flex items-center justify-between gap-4">
        <p className="text-sm text-slate-500">{contracts.data ? `${contracts.data.length} events registered.` : ""}</p>
        {canEdit ? (
          <RegisterContractButton />
        ) : (
          <ReadOnlyNote>Designers register events and propose new versions.</ReadOnlyNote>
        )}
      </div>
      {contracts.error && (
        <p role="alert" className="text-sm text-red-700">
          {contracts.error.message}
        </p>
      )}
      {contracts.data?.map((c) => (
        <article
          key={c.name}
          aria-label={`Event ${c.name}`}
          className="rounded-lg border border-slate-200 bg-white p-4"
        >
          <header className="flex flex-wrap items-baseline gap-3">
            <h2 className="font-mono text-base font-semibold">{c.name}</h2>
            <Badge tone="blue">v{c.latest.version}</Badge>
            <span className="text-sm text-slate-600">
              owned by {c.latest.ownerTeam?.name ?? "?"} · {c.latest.domain}
            </span>
          </header>
          {c.latest.description && <p className="mt-1 text-sm text-slate-600">{c.latest.description}</p>}
          <dl className="mt-2 grid grid-cols-2 gap-2 text-sm">
            <div>
              <dt className="text-xs uppercase text-slate-500">Producers</dt>
              <dd>
                <Parties flows={c.flows.producedBy} systems={c.latest.producers} />
              </dd>
            </div>
            <div>
              <dt className="text-xs uppercase text-slate-500">Consumers</dt>
              <dd>
                <Parties flows={c.flows.consumedBy} systems={c.latest.consumers} />
              </dd>
            </div>
          </dl>
          <details className="mt-2">
            <summary className="cursor-pointer text-sm text-brand-700">Schema and versions</summary>
            <pre className="mt-2 max-h-64 overflow-auto rounded bg-slate-50 p-2 text-xs">
              {JSON.stringify(c.latest.schema, null, 2)}
            </pre>
            <ul className="mt-2 text-xs text-slate-600">
              {c.versions.map((v) => (
                <li key={v.id}>
                  v{v.version} — {new Date(v.createdAt).toLocaleDateString()} — {v.changelog}
                </li>
              ))}
            </ul>
          </details>
          {canEdit && (
            <div className="mt-3">
              <ProposeVersionButton name={c.name} latest={c.latest.version} schema={c.latest.schema} />
            </div>
          )}
        </article>
      ))}
    </section>
  );
}
