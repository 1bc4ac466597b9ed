"use client";
// The exception queue: business impact on top; counts by error class, flow, domain, owner team and age
// (each a filter); search over business keys; saved views; identical failures grouped by signature (one
// row with count, first and last seen) or every exception newest first; bulk actions over the whole
// filter, a group or the rows ticked by hand, run on the server with progress. Filters live in the URL so
// views can be shared.
import Link from "next/link";
import { useEffect, useMemo, useState } from "react";
import { useInfiniteQuery, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { clsx } from "clsx";
import { useTRPC } from "@/components/trpc/client";
import { Badge } from "@/components/ui/badge";
import { useUrlParams } from "@/components/ui/use-url-params";
import {
  AGE_LABELS,
  cleanFilter,
  exceptionFilterSchema,
  FILTER_KEYS,
  type BulkKind,
  type BulkScope,
  type ExceptionFilter,
  withDefaultEnvironment,
} from "@/core/exceptions/filter";
import { formatMoney } from "@/core/exceptions/business";
import { BusinessKeys, ERROR_CLASS_TONE, formatTime, timeAgo } from "@/components/runs/format";
import { EnvironmentFilter } from "@/components/ui/environment-filter";
import { ALL_ENVIRONMENTS } from "@/core/environment-scope";
import { ImpactHeader } from "./impact-header";
import { BulkPanel } from "./bulk-panel";
import { AgeingSettings } from "./ageing-settings";
import type { GroupRow } from "@/server/exceptions/queue";

function filterFromParams(p: URLSearchParams): ExceptionFilter {
  const raw: Record<string, string> = {};
  for (const k of FILTER_KEYS) {
    const v = p.get(k);
    if (v) raw[k] = v;
  }
  const parsed = exceptionFilterSchema.safeParse(raw);
  return parsed.success ? parsed.data : {};
}

function layoutOf(p: URLSearchParams, f: ExceptionFilter): "list" | "grouped" {
  return p.get("view") === "list" || f.signature ? "list" : "grouped";
}

export function ExceptionQueue({ roles }: { roles: readonly string[] }) {
  const trpc = useTRPC();
  const qc = useQueryClient();
  const { params, latest, replace } = useUrlParams("/exceptions");
  const canOperate = roles.includes("operator") || roles.includes("admin");
  // The URL holds what the user chose; an operator's queue opens on production (`env` "all" widens it).
  const filter = useMemo(() => withDefaultEnvironment(filterFromParams(params), roles), [params, roles]);
  const view = layoutOf(params, filter);
  const [search, setSearch] = useState(filter.q ?? "");
  const [bulkId, setBulkId] = useState<string | null>(null);
  // Rows ticked by hand (list view): bulk actions then cover those instead of the whole filter. A new
  // filter or layout starts a new selection.
  const [ticked, setTicked] = useState<ReadonlySet<string>>(() => new Set());
  const filterKey = `${JSON.stringify(cleanFilter(filter))}|${view}`;
  useEffect(() => setTicked(new Set()), [filterKey]);
  const tick = (ids: readonly string[], on: boolean) =>
    setTicked((prev) => {
      const next = new Set(prev);
      for (const id of ids)
        if (on) next.add(id);
        else next.delete(id);
      return next;
    });
  const started = (id: string) => {
    setBulkId(id);
    setTicked(new Set());
  };

  /** Changes the filter (merging `patch` into the latest one, or replacing it) and the layout, in the URL. */
  const go = (patch: ExceptionFilter, v?: "list" | "grouped", opts: { replace?: boolean } = {}) => {
    const base = latest();
    const current = filterFromParams(base);
    const f = opts.replace ? patch : { ...current, ...patch };
    const next = new URLSearchParams();
    for (const [k, val] of Object.entries(cleanFilter(f))) next.set(k, String(val));
    if ((v ?? layoutOf(base, current)) === "list") next.set("view", "list");
    replace(next);
  };
  const toggle = (k: keyof ExceptionFilter, v: string) =>
    go({ [k]: filterFromParams(latest())[k] === v ? undefined : v });

  // Search as you type, a moment after the last key.
  useEffect(() => {
    const h = setTimeout(() => {
      if ((filter.q ?? "") !== search.trim()) go({ q: search });
    }, 300);
    return () => clearTimeout(h);
    // eslint-disable-next-line react-hooks/exhaustive-deps -- only typing schedules a search: `filter` and `go` change with every navigation, and listing them would search again after each one
  }, [search]);

  const facets = useQuery(trpc.exceptions.facets.queryOptions({ filter }, { refetchInterval: 10_000 }));
  const groups = useQuery(
    trpc.exceptions.signatureGroups.queryOptions({ filter }, { enabled: view === "grouped", refetchInterval: 10_000 }),
  );
  const list = useInfiniteQuery(
    trpc.exceptions.queue.infiniteQueryOptions(
      { filter, limit: 50 },
      { enabled: view === "list", getNextPageParam: (last) => last.nextCursor ?? undefined, refetchInterval: 10_000 },
    ),
  );
  const views = useQuery(trpc.exceptions.views.queryOptions());
  const people = useQuery(trpc.exceptions.people.queryOptions());
  const saveView = useMutation(
    trpc.exceptions.saveView.mutationOptions({
      onSuccess: () => void qc.invalidateQueries({ queryKey: trpc.exceptions.views.queryKey() }),
    }),
  );
  const deleteView = useMutation(
    trpc.exceptions.deleteView.mutationOptions({
      onSuccess: () => void qc.invalidateQueries({ queryKey: trpc.exceptions.views.queryKey() }),
    }),
  );
  const total = facets.data?.total ?? 0;
  const rows = list.data?.pages.flatMap((p) => p.items) ?? [];
  const activeView = views.data?.find(
    // A view saved without an environment opens with the same default as the page.
    (v) => JSON.stringify(cleanFilter(withDefaultEnvironment(v.filter, roles))) === JSON.stringify(cleanFilter(filter)),
  );
  const flowName = facets.data?.flow.find((f) => f.value === filter.flowKey)?.label;

  return (
    <section className="space-y-4 p-8">
      <ImpactHeader
        environment={filter.environment}
        onDomain={(d) => go({ domain: d })}
        onTeam={(t) => go({ teamId: t })}
      />

      <div
        role="search"
        aria-label="Filter exceptions"
        className="flex flex-wrap items-end gap-3 rounded-lg border border-slate-200 bg-white p-4"
      >
        <label className="min-w-72 flex-1 text-xs font-medium text-slate-600">
          Search business keys
          <input
            type="search"
            className="mt-1 block w-full rounded-md border border-slate-300 px-3 py-2 text-sm"
            placeholder="INV-1042, a project code, a customer name"
            value={search}
            onChange={(e) => setSearch(e.target.value)}
          />
        </label>
        <label className="text-xs font-medium text-slate-600">
          Status
          <select
            className="mt-1 block rounded-md border border-slate-300 bg-white px-2 py-2 text-sm"
            value={filter.status ?? "open"}
            onChange={(e) =>
              go({ status: e.target.value === "open" ? undefined : (e.target.value as ExceptionFilter["status"]) })
            }
          >
            <option value="open">Open</option>
            <option value="retrying">Retrying</option>
            <option value="resolved">Resolved</option>
            <option value="all">All</option>
          </select>
        </label>
        <EnvironmentFilter
          value={filter.environment ?? ALL_ENVIRONMENTS}
          onChange={(environment) => go({ environment })}
        />
        <label className="text-xs font-medium text-slate-600">
          Assignee
          <select
            className="mt-1 block rounded-md border border-slate-300 bg-white px-2 py-2 text-sm"
            value={filter.assignee ?? ""}
            onChange={(e) => go({ assignee: e.target.value || undefined })}
          >
            <option value="">Anyone</option>
            <option value="me">Assigned to me</option>
            <option value="unassigned">Unassigned</option>
            {(people.data?.users ?? []).map((u) => (
              <option key={u.id} value={u.id}>
                {u.name}
              </option>
            ))}
          </select>
        </label>
        <label className="text-xs font-medium text-slate-600">
          Saved view
          <select
            className="mt-1 block rounded-md border border-slate-300 bg-white px-2 py-2 text-sm"
            value={activeView?.id ?? ""}
            onChange={(e) => {
              const v = views.data?.find((x) => x.id === e.target.value);
              if (v) {
                setSearch(v.filter.q ?? "");
                go(v.filter, undefined, { replace: true });
              }
            }}
          >
            <option value="">{views.data?.length ? "Choose a view" : "No saved views"}</option>
            {(views.data ?? []).map((v) => (
              <option key={v.id} value={v.id}>
                {v.name}
              </option>
            ))}
          </select>
        </label>
        <button
          type="button"
          className="rounded-md border border-slate-300 px-3 py-2 text-sm hover:bg-slate-50"
          onClick={() => {
            const name = window.prompt("Name this view", activeView?.name ?? "");
            if (name?.trim()) saveView.mutate({ name: name.trim(), filter });
          }}
        >
          Save view
        </button>
        {activeView && (
          <button
            type="button"
            className="pb-2 text-sm text-slate-500 hover:text-red-700"
            onClick={() => deleteView.mutate({ id: activeView.id })}
          >
            Delete view
          </button>
        )}
        <div className="ml-auto flex rounded-md border border-slate-300 p-0.5 text-sm" role="group" aria-label="Layout">
          <button
            type="button"
            aria-pressed={view === "grouped"}
            className={clsx("rounded px-3 py-1.5", view === "grouped" ? "bg-slate-900 text-white" : "text-slate-700")}
            onClick={() => go({ signature: undefined }, "grouped")}
          >
            Grouped
          </button>
          <button
            type="button"
            aria-pressed={view === "list"}
            className={clsx("rounded px-3 py-1.5", view === "list" ? "bg-slate-900 text-white" : "text-slate-700")}
            onClick={() => go({}, "list")}
          >
            All exceptions
          </button>
        </div>
      </div>

      {bulkId && <BulkPanel id={bulkId} canOperate={canOperate} onClose={() => setBulkId(null)} />}

      <div className="grid gap-4 lg:grid-cols-[15rem_1fr]">
        <aside aria-label="Counts" className="space-y-4">
          <FacetBox
            title="Error class"
            items={facets.data?.errorClass}
            active={filter.errorClass}
            onPick={(v) => toggle("errorClass", v)}
          />
          <FacetBox
            title="Age"
            items={facets.data?.age}
            active={filter.age}
            onPick={(v) => toggle("age", v)}
            highlight="ageing"
          />
          <FacetBox
            title="Flow"
            items={facets.data?.flow}
            active={filter.flowKey}
            onPick={(v) => toggle("flowKey", v)}
          />
          <FacetBox
            title="Domain"
            items={facets.data?.domain}
            active={filter.domain}
            onPick={(v) => toggle("domain", v)}
          />
          <FacetBox
            title="Owner team"
            items={facets.data?.team}
            active={filter.teamId}
            onPick={(v) => toggle("teamId", v)}
          />
          <AgeingSettings canOperate={canOperate} />
        </aside>

        <div className="min-w-0 space-y-3">
          <div className="flex flex-wrap items-center gap-2 text-sm">
            <span className="font-medium text-slate-900" aria-label="Matching exceptions">
              {facets.isLoading
                ? "…"
                : `${total.toLocaleString("en-US")} ${filter.status === "all" ? "" : `${filter.status ?? "open"} `}exception${total === 1 ? "" : "s"}`}
            </span>
            {facets.data && facets.data.ageing > 0 && (
              <Badge tone="amber">{facets.data.ageing} past their flow&apos;s threshold</Badge>
            )}
            {Object.entries(cleanFilter(filter))
              .filter(([k]) => k !== "status" && k !== "environment")
              .map(([k, v]) => (
                <button
                  key={k}
                  type="button"
                  className="rounded-full border border-slate-300 bg-white px-2 py-0.5 text-xs text-slate-700 hover:border-red-300"
                  onClick={() => {
                    if (k === "q") setSearch("");
                    go({ [k]: undefined });
                  }}
                  title="Remove this filter"
                >
                  {k === "flowKey"
                    ? `flow: ${flowName ?? v}`
                    : k === "teamId"
                      ? `team: ${facets.data?.team.find((t) => t.value === v)?.label ?? v}`
                      : k === "age"
                        ? AGE_LABELS[v as keyof typeof AGE_LABELS]
                        : k === "signature"
                          ? "this group"
                          : `${k}: ${v}`}{" "}
                  ×
                </button>
              ))}
            {canOperate && ticked.size > 0 ? (
              <BulkBar
                key="ticked"
                filter={{ ...filter, ids: [...ticked] }}
                total={ticked.size}
                ticked
                people={people.data}
                onStarted={started}
                onClear={() => setTicked(new Set())}
              />
            ) : (
              canOperate &&
              total > 0 && <BulkBar key="all" filter={filter} total={total} people={people.data} onStarted={started} />
            )}
          </div>

          {view === "grouped" ? (
            <GroupTable
              groups={groups.data}
              loading={groups.isLoading}
              canOperate={canOperate}
              onShow={(sig) => go({ signature: sig }, "list")}
              filter={filter}
              onStarted={setBulkId}
            />
          ) : (
            <>
              <ListTable rows={rows} loading={list.isLoading} {...(canOperate ? { ticked, onTick: tick } : {})} />
              {list.hasNextPage && (
                <button
                  type="button"
                  className="rounded-md border border-slate-300 bg-white px-3 py-2 text-sm"
                  disabled={list.isFetchingNextPage}
                  onClick={() => void list.fetchNextPage()}
                >
                  {list.isFetchingNextPage ? "Loading…" : "Load older exceptions"}
                </button>
              )}
            </>
          )}
        </div>
      </div>
    </section>
  );
}

function FacetBox({
  title,
  items,
  active,
  onPick,
  highlight,
}: {
  title: string;
  items?: Array<{ value: string; label: string; count: number }>;
  active?: string;
  onPick: (v: string) => void;
  highlight?: string;
}) {
  return (
    <div className="rounded-lg border border-slate-200 bg-white p-3">
      <p className="mb-1.5 text-xs font-medium uppercase tracking-wide text-slate-500">{title}</p>
      <ul className="space-y-0.5" aria-label={`Counts by ${title.toLowerCase()}`}>
        {(items ?? []).map((i) => (
          <li key={i.value}>
            <button
              type="button"
              aria-pressed={active === i.value}
              onClick={() => onPick(i.value)}
              className={clsx(
                "flex w-full items-center justify-between gap-2 rounded px-2 py-1 text-left text-sm",
                active === i.value ? "bg-brand-50 font-medium text-brand-700" : "text-slate-700 hover:bg-slate-50",
                i.value === highlight && i.count > 0 && active !== i.value && "text-amber-800",
              )}
            >
              <span className="truncate">{i.label}</span>
              <span className="tabular-nums text-xs text-slate-500">{i.count.toLocaleString("en-US")}</span>
            </button>
          </li>
        ))}
        {items && items.length === 0 && <li className="px-2 text-sm text-slate-400">None</li>}
      </ul>
    </div>
  );
}

type People = { users: Array<{ id: string; name: string }>; teams: Array<{ id: string; name: string }> } | undefined;

function BulkBar({
  filter,
  total,
  people,
  onStarted,
  label,
  ticked,
  onClear,
}: {
  filter: BulkScope;
  total: number;
  people: People;
  onStarted: (id: string) => void;
  label?: string;
  ticked?: boolean;
  onClear?: () => void;
}) {
  const trpc = useTRPC();
  const [kind, setKind] = useState<BulkKind | "">("");
  const [reason, setReason] = useState("");
  const [assignee, setAssignee] = useState("");
  const start = useMutation(
    trpc.exceptions.bulkStart.mutationOptions({
      onSuccess: (b) => {
        setKind("");
        setReason("");
        onStarted(b.id);
      },
    }),
  );
  const submit = () => {
    if (!kind) return;
    const [type, id] = assignee.split(":");
    start.mutate({
      kind,
      filter,
      ...(kind === "resolve" ? { reason } : {}),
      ...(kind === "assign" ? (type === "team" ? { teamId: id } : { userId: id }) : {}),
    });
  };
  return (
    <span className="ml-auto flex flex-wrap items-center gap-2">
      <label className="sr-only" htmlFor={`bulk-${label ?? "all"}`}>
        Bulk action
      </label>
      <select
        id={`bulk-${label ?? "all"}`}
        className="rounded-md border border-slate-300 bg-white px-2 py-1.5 text-sm"
        value={kind}
        onChange={(e) => setKind(e.target.value as BulkKind | "")}
      >
        <option value="">
          {ticked
            ? `Act on the ${total.toLocaleString("en-US")} ticked…`
            : `Act on all ${total.toLocaleString("en-US")} matching…`}
        </option>
        <option value="retry">{ticked ? "Retry" : "Retry all"}</option>
        <option value="replay_latest">
          {ticked ? "Replay on the latest version" : "Replay all on the latest version"}
        </option>
        <option value="resolve">{ticked ? "Resolve…" : "Resolve all…"}</option>
        <option value="assign">{ticked ? "Assign…" : "Assign all…"}</option>
      </select>
      {onClear && (
        <button type="button" className="text-sm text-slate-500 hover:text-slate-800" onClick={onClear}>
          Clear ticks
        </button>
      )}
      {kind === "resolve" && (
        <input
          aria-label="Reason"
          className="rounded-md border border-slate-300 px-2 py-1.5 text-sm"
          placeholder="Reason"
          value={reason}
          onChange={(e) => setReason(e.target.value)}
        />
      )}
      {kind === "assign" && (
        <select
          aria-label="Assign to"
          className="rounded-md border border-slate-300 bg-white px-2 py-1.5 text-sm"
          value={assignee}
          onChange={(e) => setAssignee(e.target.value)}
        >
          <option value="">Choose…</option>
          <optgroup label="Teams">
            {(people?.teams ?? []).map((t) => (
              <option key={t.id} value={`team:${t.id}`}>
                {t.name}
              </option>
            ))}
          </optgroup>
          <optgroup label="People">
            {(people?.users ?? []).map((u) => (
              <option key={u.id} value={`user:${u.id}`}>
                {u.name}
              </option>
            ))}
          </optgroup>
        </select>
      )}
      {kind && (
        <button
          type="button"
          className="rounded-md bg-brand-600 px-3 py-1.5 text-sm font-medium text-white hover:bg-brand-700 disabled:opacity-50"
          disabled={
            start.isPending || (kind === "resolve" && reason.trim().length < 3) || (kind === "assign" && !assignee)
          }
          onClick={submit}
        >
          Apply to {total.toLocaleString("en-US")}
        </button>
      )}
      {start.error && (
        <span role="alert" className="text-sm text-red-700">
          {start.error.message}
        </span>
      )}
    </span>
  );
}

// The queue's own row type (a type-only import: nothing of the server reaches the browser bundle).
type Groups = GroupRow[];

function GroupTable({
  groups,
  loading,
  canOperate,
  onShow,
  filter,
  onStarted,
}: {
  groups?: Groups;
  loading: boolean;
  canOperate: boolean;
  onShow: (sig: string) => void;
  filter: ExceptionFilter;
  onStarted: (id: string) => void;
}) {
  const trpc = useTRPC();
  const start = useMutation(trpc.exceptions.bulkStart.mutationOptions({ onSuccess: (b) => onStarted(b.id) }));
  return (
    <div className="overflow-x-auto rounded-lg border border-slate-200 bg-white">
      <table className="w-full text-left text-sm" aria-label="Exception groups">
        <thead className="bg-slate-50 text-xs uppercase tracking-wide text-slate-500">
          <tr>
            <th className="px-3 py-2">Failure</th>
            <th className="px-3 py-2 text-right">Count</th>
            <th className="px-3 py-2">First seen</th>
            <th className="px-3 py-2">Last seen</th>
            <th className="px-3 py-2 text-right">Held up</th>
            <th className="px-3 py-2" />
          </tr>
        </thead>
        <tbody className="divide-y divide-slate-100">
          {(groups ?? []).map((g) => (
            <tr
              key={g.signature}
              className={clsx("align-top", g.ageing > 0 ? "bg-amber-50/60" : "hover:bg-slate-50")}
              data-testid="exception-group"
            >
              <td className="min-w-72 max-w-md break-words px-3 py-2.5">
                <span className="flex flex-wrap items-center gap-1.5">
                  <Badge tone={ERROR_CLASS_TONE[g.errorClass] ?? "gray"}>{g.errorClass}</Badge>
                  <span className="font-medium text-slate-900">{g.flowName}</span>
                  <span className="font-mono text-xs text-slate-500">{g.stepPath ?? "run"}</span>
                  {g.ageing > 0 && <Badge tone="amber">{g.ageing} ageing</Badge>}
                </span>
                <Link
                  href={`/exceptions/${g.exampleId}`}
                  className="mt-1 block text-slate-700 [overflow-wrap:anywhere] hover:underline"
                >
                  {g.message}
                </Link>
              </td>
              <td
                className="px-3 py-2.5 text-right text-base font-semibold tabular-nums text-slate-900"
                aria-label="Count"
              >
                {g.count.toLocaleString("en-US")}
              </td>
              <td className="whitespace-nowrap px-3 py-2.5 text-slate-600" title={formatTime(g.firstAt)}>
                {timeAgo(g.firstAt)}
              </td>
              <td className="whitespace-nowrap px-3 py-2.5 text-slate-600" title={formatTime(g.lastAt)}>
                {timeAgo(g.lastAt)}
              </td>
              <td className="whitespace-nowrap px-3 py-2.5 text-right tabular-nums text-slate-700">
                {g.impactAmount ? formatMoney(g.impactAmount, "USD") : "—"}
                {g.impactHours ? (
                  <span className="block text-xs text-slate-500">
                    {g.impactHours.toLocaleString("en-US", { maximumFractionDigits: 1 })} h
                  </span>
                ) : null}
              </td>
              <td className="whitespace-nowrap px-3 py-2.5 text-right">
                <button
                  type="button"
                  className="rounded-md border border-slate-300 px-2.5 py-1 text-sm hover:bg-slate-50"
                  onClick={() => onShow(g.signature)}
                >
                  Show {g.count > 1 ? "all" : ""}
                </button>
                {canOperate && (
                  <button
                    type="button"
                    className="ml-2 rounded-md border border-brand-600 px-2.5 py-1 text-sm text-brand-700 hover:bg-brand-50"
                    disabled={start.isPending}
                    onClick={() => start.mutate({ kind: "retry", filter: { ...filter, signature: g.signature } })}
                  >
                    Retry group
                  </button>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {loading && <p className="p-6 text-sm text-slate-500">Loading…</p>}
      {groups && groups.length === 0 && (
        <p className="p-6 text-sm text-slate-500">No exceptions match. Nothing is held up here.</p>
      )}
      {start.error && (
        <p role="alert" className="p-3 text-sm text-red-700">
          {start.error.message}
        </p>
      )}
    </div>
  );
}

type Row = {
  id: string;
  createdAt: Date;
  status: string;
  errorClass: string;
  message: string;
  stepPath: string | null;
  businessKeys: Record<string, unknown> | null;
  impactAmount: number | null;
  impactHours: number | null;
  flowName: string;
  domain: string;
  teamName: string | null;
  assigneeName: string | null;
  ageing: boolean;
  ageingHours: number;
};

function ListTable({
  rows,
  loading,
  ticked,
  onTick,
}: {
  rows: Row[];
  loading: boolean;
  ticked?: ReadonlySet<string>;
  onTick?: (ids: readonly string[], on: boolean) => void;
}) {
  const allTicked = rows.length > 0 && !!ticked && rows.every((r) => ticked.has(r.id));
  return (
    <div className="overflow-x-auto rounded-lg border border-slate-200 bg-white">
      <table className="w-full text-left text-sm" aria-label="Exceptions">
        <thead className="bg-slate-50 text-xs uppercase tracking-wide text-slate-500">
          <tr>
            {onTick && (
              <th className="w-8 px-3 py-2">
                <input
                  type="checkbox"
                  aria-label="Tick every exception listed"
                  checked={allTicked}
                  onChange={(e) =>
                    onTick(
                      rows.map((r) => r.id),
                      e.target.checked,
                    )
                  }
                />
              </th>
            )}
            <th className="px-3 py-2">Opened</th>
            <th className="px-3 py-2">Business keys</th>
            <th className="px-3 py-2">Failure</th>
            <th className="px-3 py-2">Owner</th>
            <th className="px-3 py-2 text-right">Held up</th>
          </tr>
        </thead>
        <tbody className="divide-y divide-slate-100">
          {rows.map((r) => (
            <tr
              key={r.id}
              className={clsx(
                "align-top",
                ticked?.has(r.id) ? "bg-brand-50/60" : r.ageing ? "bg-amber-50/70" : "hover:bg-slate-50",
              )}
              data-testid="exception-row"
            >
              {onTick && (
                <td className="px-3 py-2.5">
                  <input
                    type="checkbox"
                    aria-label={`Tick the exception of ${r.flowName} opened ${formatTime(r.createdAt)}`}
                    checked={!!ticked?.has(r.id)}
                    onChange={(e) => onTick([r.id], e.target.checked)}
                  />
                </td>
              )}
              <td className="whitespace-nowrap px-3 py-2.5">
                <Link
                  href={`/exceptions/${r.id}`}
                  className="font-medium text-brand-700 hover:underline"
                  title={formatTime(r.createdAt)}
                >
                  {timeAgo(r.createdAt)}
                </Link>
                {r.ageing && (
                  <span className="mt-1 block">
                    <Badge tone="amber" title={`Open longer than this flow's ${r.ageingHours} h threshold`}>
                      ageing &gt; {r.ageingHours} h
                    </Badge>
                  </span>
                )}
                {r.status !== "open" && (
                  <span className="mt-1 block">
                    <Badge tone={r.status === "resolved" ? "green" : "blue"}>{r.status}</Badge>
                  </span>
                )}
              </td>
              <td className="max-w-xs px-3 py-2.5">
                <BusinessKeys keys={r.businessKeys} />
              </td>
              <td className="min-w-72 max-w-md break-words px-3 py-2.5">
                <span className="flex flex-wrap items-center gap-1.5">
                  <Badge tone={ERROR_CLASS_TONE[r.errorClass] ?? "gray"}>{r.errorClass}</Badge>
                  <span className="text-slate-800">{r.flowName}</span>
                  <span className="font-mono text-xs text-slate-500">{r.stepPath ?? "run"}</span>
                </span>
                <span className="mt-1 block text-slate-600 [overflow-wrap:anywhere]">{r.message}</span>
              </td>
              <td className="px-3 py-2.5 text-slate-600">
                {r.teamName ?? "—"}
                {r.assigneeName && <span className="block text-xs text-slate-500">{r.assigneeName}</span>}
              </td>
              <td className="whitespace-nowrap px-3 py-2.5 text-right tabular-nums text-slate-700">
                {r.impactAmount ? formatMoney(r.impactAmount, "USD") : "—"}
                {r.impactHours ? <span className="block text-xs text-slate-500">{r.impactHours} h</span> : null}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {loading && <p className="p-6 text-sm text-slate-500">Loading…</p>}
      {!loading && rows.length === 0 && <p className="p-6 text-sm text-slate-500">No exceptions match.</p>}
    </div>
  );
}
