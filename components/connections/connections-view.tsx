"use client";
// The Connections page: connections grouped by connector, with their non-secret settings, which secrets
// are set (never the values), the last test, and the flows that use them; admins create, edit and delete,
// designers can test; everyone else reads. OpenAPI imports are listed (and, for admins, uploaded) below.
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import Link from "next/link";
import { useState } from "react";
import { Badge } from "@/components/ui/badge";
import { useTRPC } from "@/components/trpc/client";
import { ConnectionForm } from "./connection-form";
import { OpenApiImports } from "./openapi-import";
import { SYSTEM_LABEL, SystemIcon } from "./system-icon";
import type { ConnectionRow, ConnectorEntry } from "./types";
import { ago } from "./format";

function settingText(v: unknown): string {
  if (v && typeof v === "object" && !Array.isArray(v)) {
    const o = v as Record<string, unknown>;
    if (typeof o.type === "string") return o.type;
    const n = Object.keys(o).length;
    return n
      ? Object.entries(o)
          .map(([k, x]) => `${k}=${typeof x === "object" ? "…" : String(x)}`)
          .join(", ")
      : "—";
  }
  return String(v);
}

export function ConnectionsView({ canEdit, canTest }: { canEdit: boolean; canTest: boolean }) {
  const trpc = useTRPC();
  const list = useQuery(trpc.connections.list.queryOptions());
  const connectors = useQuery(trpc.connections.connectors.queryOptions());
  const [editing, setEditing] = useState<ConnectionRow | "new" | null>(null);

  const byConnector = new Map<string, ConnectionRow[]>();
  for (const c of list.data ?? []) byConnector.set(c.connectorKey, [...(byConnector.get(c.connectorKey) ?? []), c]);
  const connectorOf = (k: string) => connectors.data?.find((c) => c.key === k);
  const failing = (list.data ?? []).filter((c) => c.lastTest && !c.lastTest.ok).length;

  return (
    <section className="space-y-6 p-8">
      <div className="flex flex-wrap items-center justify-between gap-3">
        <div className="flex items-center gap-2 text-sm text-slate-600">
          <span>
            <strong className="text-slate-900">{list.data?.length ?? "…"}</strong> connections across{" "}
            <strong className="text-slate-900">{byConnector.size}</strong> connectors
          </span>
          {failing > 0 && <Badge tone="red">{failing} failing last test</Badge>}
          {!canEdit && (
            <Badge tone="gray" title="Only administrators can add, change or delete connections.">
              Read-only{canTest ? " · you can run tests" : ""}
            </Badge>
          )}
        </div>
        {canEdit && (
          <button
            type="button"
            className="rounded-md bg-brand-600 px-3 py-2 text-sm font-medium text-white shadow-sm hover:bg-brand-700"
            onClick={() => setEditing("new")}
            disabled={!connectors.data}
          >
            New connection
          </button>
        )}
      </div>

      {list.error && (
        <p role="alert" className="rounded-md bg-red-50 px-3 py-2 text-sm text-red-700">
          {list.error.message}
        </p>
      )}
      {list.data && list.data.length === 0 && (
        <div className="rounded-lg border border-dashed border-slate-300 bg-white p-10 text-center text-sm text-slate-500">
          No connections yet.
          {canEdit ? " Create one for each system your flows call." : " An administrator creates them."}
        </div>
      )}

      {[...byConnector.entries()].map(([connectorKey, rows]) => {
        const c = connectorOf(connectorKey);
        return (
          <div
            key={connectorKey}
            className="overflow-hidden rounded-lg border border-slate-200 bg-white"
            aria-label={`${c?.name ?? connectorKey} connections`}
            role="region"
          >
            <div className="flex items-center gap-3 border-b border-slate-200 bg-slate-50/60 px-5 py-3">
              <SystemIcon icon={c?.icon ?? "api"} system={c?.system ?? "generic"} />
              <div className="min-w-0">
                <h2 className="font-medium text-slate-900">{c?.name ?? connectorKey}</h2>
                <p className="truncate text-xs text-slate-500">
                  {SYSTEM_LABEL[c?.system ?? "generic"]} · {c?.auth.type.replace(/_/g, " ")} · {c?.operationCount ?? 0}{" "}
                  operations
                </p>
              </div>
              {c?.source === "imported" && <Badge tone="blue">OpenAPI import</Badge>}
              {!c && (
                <Badge tone="red" title="The connector this connection names is not installed or was deleted.">
                  unknown connector
                </Badge>
              )}
              <span className="ml-auto text-xs text-slate-500">
                {rows.length} connection{rows.length === 1 ? "" : "s"}
              </span>
            </div>
            <ul className="divide-y divide-slate-100">
              {rows.map((r) => (
                <ConnectionItem
                  key={r.key}
                  row={r}
                  connector={c}
                  canEdit={canEdit}
                  canTest={canTest}
                  onEdit={() => setEditing(r)}
                />
              ))}
            </ul>
          </div>
        );
      })}

      <OpenApiImports canEdit={canEdit} />

      {editing && connectors.data && (
        <ConnectionForm
          connectors={connectors.data}
          existing={editing === "new" ? undefined : editing}
          onClose={() => setEditing(null)}
        />
      )}
    </section>
  );
}

function ConnectionItem({
  row,
  connector,
  canEdit,
  canTest,
  onEdit,
}: {
  row: ConnectionRow;
  connector?: ConnectorEntry;
  canEdit: boolean;
  canTest: boolean;
  onEdit: () => void;
}) {
  const trpc = useTRPC();
  const qc = useQueryClient();
  const refresh = () => qc.invalidateQueries({ queryKey: trpc.connections.list.queryKey() });
  const [confirming, setConfirming] = useState(false);
  const [deleteError, setDeleteError] = useState<{ message: string; inUse: boolean } | null>(null);
  const test = useMutation(trpc.connections.test.mutationOptions({ onSettled: refresh }));
  const del = useMutation(
    trpc.connections.delete.mutationOptions({
      onSuccess: refresh,
      onError: (e) => setDeleteError({ message: e.message, inUse: e.data?.code === "PRECONDITION_FAILED" }),
    }),
  );
  const secretNames = Object.keys(
    ((connector?.auth.secrets as { properties?: object } | undefined)?.properties ?? {}) as object,
  );
  const settings = Object.entries(row.config);
  const t = row.lastTest;

  return (
    <li
      className="grid grid-cols-1 gap-4 px-5 py-4 lg:grid-cols-[minmax(12rem,1.1fr)_minmax(14rem,1.6fr)_minmax(12rem,1.3fr)_auto]"
      aria-label={`Connection ${row.name}`}
    >
      <div className="min-w-0">
        <p className="font-medium text-slate-900">{row.name}</p>
        <p className="font-mono text-xs text-slate-500">{row.key}</p>
        <UsedBy uses={row.usedBy} />
      </div>

      <div className="min-w-0 text-xs">
        <dl className="grid grid-cols-[auto_1fr] gap-x-3 gap-y-0.5">
          {settings.length === 0 && <dd className="col-span-2 text-slate-400">Default settings</dd>}
          {settings.map(([k, v]) => (
            <div key={k} className="contents">
              <dt className="text-slate-500">{k}</dt>
              <dd
                className="truncate font-mono text-slate-700"
                title={typeof v === "object" ? JSON.stringify(v) : String(v)}
              >
                {settingText(v)}
              </dd>
            </div>
          ))}
          {row.allowedHosts.length > 0 && (
            <div className="contents">
              <dt className="text-slate-500">allowed hosts</dt>
              <dd className="truncate font-mono text-slate-700" title="Other hosts the credentials may be sent to">
                {row.allowedHosts.join(", ")}
              </dd>
            </div>
          )}
        </dl>
        {secretNames.length > 0 && (
          <div className="mt-2 flex flex-wrap gap-1" aria-label="Secrets">
            {secretNames.map((s) =>
              row.secretFields.includes(s) ? (
                <Badge key={s} tone="green" title={`${s} is stored (encrypted); its value is never shown`}>
                  {s} ✓
                </Badge>
              ) : (
                <Badge key={s} tone="gray" title={`${s} is not set`}>
                  {s} —
                </Badge>
              ),
            )}
          </div>
        )}
      </div>

      <div className="min-w-0 text-xs" aria-live="polite">
        {test.isPending ? (
          <p className="text-slate-500">Testing…</p>
        ) : t ? (
          <div>
            <div className="flex flex-wrap items-center gap-1.5">
              {t.ok ? (
                <Badge tone="green">Test passed</Badge>
              ) : (
                <Badge tone="red">Test failed{t.errorClass ? ` · ${t.errorClass}` : ""}</Badge>
              )}
              <span className="text-slate-500">
                {t.latencyMs !== null ? `${t.latencyMs} ms · ` : ""}
                {ago(t.at)}
              </span>
            </div>
            {t.message && (
              <p className={`mt-1 line-clamp-3 ${t.ok ? "text-slate-600" : "text-red-700"}`} title={t.message}>
                {t.message}
              </p>
            )}
          </div>
        ) : (
          <p className="text-slate-400">Never tested</p>
        )}
        {test.error && (
          <p role="alert" className="mt-1 text-red-700">
            {test.error.message}
          </p>
        )}
      </div>

      <div className="flex flex-wrap items-start gap-2 lg:justify-end">
        {canTest && connector?.testable && (
          <button
            type="button"
            className="rounded-md border border-slate-300 bg-white px-2.5 py-1 text-xs font-medium hover:bg-slate-50 disabled:opacity-50"
            disabled={test.isPending}
            onClick={() => test.mutate({ key: row.key })}
            aria-label={`Test connection ${row.name}`}
          >
            Test connection
          </button>
        )}
        {canEdit && (
          <>
            <button
              type="button"
              className="rounded-md border border-slate-300 bg-white px-2.5 py-1 text-xs font-medium hover:bg-slate-50"
              onClick={onEdit}
              disabled={!connector}
              aria-label={`Edit ${row.name}`}
            >
              Edit
            </button>
            {!confirming ? (
              <button
                type="button"
                className="rounded-md border border-red-200 bg-white px-2.5 py-1 text-xs font-medium text-red-700 hover:bg-red-50"
                onClick={() => setConfirming(true)}
                aria-label={`Delete ${row.name}`}
              >
                Delete
              </button>
            ) : (
              <span className="flex items-center gap-1">
                <button
                  type="button"
                  className="rounded-md bg-red-600 px-2.5 py-1 text-xs font-medium text-white"
                  disabled={del.isPending}
                  onClick={() => del.mutate({ key: row.key })}
                >
                  Confirm delete
                </button>
                <button
                  type="button"
                  className="rounded-md border border-slate-300 px-2.5 py-1 text-xs"
                  onClick={() => {
                    setConfirming(false);
                    setDeleteError(null);
                  }}
                >
                  Cancel
                </button>
              </span>
            )}
          </>
        )}
        {deleteError && (
          <div
            role="alert"
            className="w-full max-w-sm rounded-md bg-red-50 px-3 py-2 text-xs text-red-700 lg:text-left"
          >
            {deleteError.message}
            {deleteError.inUse && (
              <button
                type="button"
                className="mt-1 block font-medium underline"
                onClick={() => del.mutate({ key: row.key, force: true })}
              >
                Delete anyway
              </button>
            )}
          </div>
        )}
      </div>
    </li>
  );
}

/** The flows that refer to a connection: the first few, the rest on demand. */
function UsedBy({ uses }: { uses: ConnectionRow["usedBy"] }) {
  const [all, setAll] = useState(false);
  if (uses.length === 0) return <p className="mt-2 text-xs text-slate-400">Used by no flows</p>;
  const shown = all ? uses : uses.slice(0, 3);
  return (
    <div className="mt-2 text-xs text-slate-500">
      <p>
        Used by {uses.length} flow{uses.length === 1 ? "" : "s"}
      </p>
      <ul className="mt-0.5 space-y-0.5" aria-label="Flows using this connection">
        {shown.map((u) => (
          <li key={u.flowKey} className="truncate">
            <Link href={`/catalog/${u.flowKey}`} className="text-brand-700 hover:underline">
              {u.flowName}
            </Link>{" "}
            <span className="text-slate-400">
              ({u.in.join(", ")}){u.webhookSecret ? " · webhook signing secret" : ""}
            </span>
          </li>
        ))}
      </ul>
      {uses.length > 3 && (
        <button type="button" className="mt-0.5 text-brand-700 hover:underline" onClick={() => setAll(!all)}>
          {all ? "Show fewer" : `and ${uses.length - 3} more`}
        </button>
      )}
    </div>
  );
}
