"use client";
// The visual diff between two sides of a flow (a version or the draft): both canvases side by side with
// added / removed / changed nodes highlighted, and the list of changes — breaking ones first, then the
// header, trigger and settings, then each step with its field-level value changes. Clicking a change
// centres its node on both canvases.
import { useQuery } from "@tanstack/react-query";
import { clsx } from "clsx";
import Link from "next/link";
import { useRouter } from "next/navigation";
import { useMemo, useState } from "react";
import type { Path, ValueChange } from "@/core/dsl";
import { useTRPC } from "@/components/trpc/client";
import { Badge } from "@/components/ui/badge";
import { DiffCanvas, type NodeChange } from "./diff-canvas";

const show = (v: unknown): string => {
  if (v === undefined) return "∅";
  const s = typeof v === "string" ? v : JSON.stringify(v);
  return s.length > 140 ? `${s.slice(0, 137)}…` : s;
};
const pathText = (p: Path) =>
  p
    .map((x) => (typeof x === "number" ? `[${x}]` : x))
    .join(".")
    .replace(/\.\[/g, "[") || "(whole)";

/** A long text (an expression) changed: only the part that differs, with a little context either side. */
function TextChange({ before, after }: { before: string; after: string }) {
  let p = 0;
  while (p < before.length && p < after.length && before[p] === after[p]) p++;
  let q = 0;
  while (q < before.length - p && q < after.length - p && before[before.length - 1 - q] === after[after.length - 1 - q])
    q++;
  const ctx = 40;
  const head = before.slice(Math.max(0, p - ctx), p);
  const tail = before.slice(before.length - q, before.length - q + ctx);
  return (
    <span className="block whitespace-pre-wrap break-all pl-3" data-testid="text-change">
      <span className="text-slate-500">
        {p > ctx ? "…" : ""}
        {head}
      </span>
      <del className="bg-red-100 text-red-800 decoration-red-400">{before.slice(p, before.length - q)}</del>
      <ins className="bg-emerald-100 text-emerald-800 no-underline">{after.slice(p, after.length - q)}</ins>
      <span className="text-slate-500">
        {tail}
        {before.length - q + ctx < before.length ? "…" : ""}
      </span>
    </span>
  );
}

function ValueLines({ changes }: { changes: readonly ValueChange[] }) {
  return (
    <ul className="mt-1 space-y-1">
      {changes.map((c, i) => (
        <li
          key={i}
          className="rounded bg-white px-2 py-1 font-mono text-[11px] ring-1 ring-slate-200"
          data-testid="value-change"
        >
          <span
            className={clsx(
              "mr-1 font-semibold",
              c.kind === "added" ? "text-emerald-700" : c.kind === "removed" ? "text-red-700" : "text-amber-700",
            )}
          >
            {c.kind === "added" ? "+" : c.kind === "removed" ? "−" : "~"}
          </span>
          <span className="text-slate-700">{pathText(c.path)}</span>
          {c.kind === "changed" &&
          typeof c.before === "string" &&
          typeof c.after === "string" &&
          (c.before.length > 60 || c.after.length > 60) ? (
            <TextChange before={c.before} after={c.after} />
          ) : c.kind === "changed" ? (
            <span className="block pl-3">
              <del className="text-red-700 decoration-red-300">{show(c.before)}</del>
              <span className="px-1 text-slate-400">→</span>
              <ins className="text-emerald-700 no-underline">{show(c.after)}</ins>
            </span>
          ) : (
            <span className={clsx("block pl-3", c.kind === "added" ? "text-emerald-700" : "text-red-700")}>
              {show(c.kind === "added" ? c.after : c.before)}
            </span>
          )}
        </li>
      ))}
    </ul>
  );
}

/** An added step arrives as one change of the whole step: list its settings instead (id and type are in the heading). */
function addedFields(changes: readonly ValueChange[]): ValueChange[] {
  const whole = changes.length === 1 && changes[0]!.path.length === 0 ? changes[0]!.after : undefined;
  if (!whole || typeof whole !== "object" || Array.isArray(whole)) return [...changes];
  return Object.entries(whole as Record<string, unknown>)
    .filter(([k, v]) => k !== "id" && k !== "type" && v !== undefined)
    .map(([k, v]) => ({ path: [k], kind: "added" as const, after: v }));
}

const BUMP_TONE = { major: "red", minor: "amber", patch: "blue", none: "gray" } as const;

export function DiffView({ flowKey, from, to }: { flowKey: string; from: string; to: string }) {
  const trpc = useTRPC();
  const router = useRouter();
  const history = useQuery(trpc.flowVersions.history.queryOptions({ flowKey }));
  const diff = useQuery(trpc.flowVersions.diff.queryOptions({ flowKey, from, to }));
  const [focus, setFocus] = useState<string | null>(null);

  const sides = useMemo(
    () => [
      { value: "draft", label: "Draft" },
      ...(history.data?.versions ?? []).map((v) => ({
        value: v.version,
        label: `v${v.version} (${v.status.replace("_", " ")})`,
      })),
    ],
    [history.data],
  );
  const go = (f: string, t: string) =>
    router.replace(
      `/flows/${encodeURIComponent(flowKey)}/diff?from=${encodeURIComponent(f)}&to=${encodeURIComponent(t)}`,
    );

  const maps = useMemo(() => {
    const fromMap = new Map<string, NodeChange>();
    const toMap = new Map<string, NodeChange>();
    const d = diff.data?.diff;
    if (d) {
      for (const s of d.steps) {
        if (s.change === "removed") fromMap.set(s.id, "removed");
        else if (s.change === "added") toMap.set(s.id, "added");
        else {
          fromMap.set(s.id, "changed");
          toMap.set(s.id, "changed");
        }
      }
      if (d.trigger.length) {
        fromMap.set("trigger", "changed");
        toMap.set("trigger", "changed");
      }
    }
    return { fromMap, toMap };
  }, [diff.data]);

  if (diff.error)
    return (
      <p role="alert" className="p-8 text-sm text-red-700">
        {diff.error.message}
      </p>
    );
  const data = diff.data;
  const d = data?.diff;
  const counts = d
    ? {
        added: d.steps.filter((s) => s.change === "added").length,
        removed: d.steps.filter((s) => s.change === "removed").length,
        changed: d.steps.filter((s) => s.change === "changed").length,
      }
    : null;
  const breaking = data?.report?.breaking ?? [];

  return (
    <div className="flex h-[calc(100vh-9rem)] min-h-[560px] flex-col">
      <div className="flex flex-wrap items-end gap-3 border-b border-slate-200 bg-white px-8 py-3">
        <label className="text-xs font-medium text-slate-600">
          From
          <select
            aria-label="From"
            value={from}
            onChange={(e) => go(e.target.value, to)}
            className="mt-1 block rounded-md border border-slate-300 bg-white px-2 py-1.5 text-sm"
          >
            {sides.map((s) => (
              <option key={s.value} value={s.value}>
                {s.label}
              </option>
            ))}
            {!sides.some((s) => s.value === from) && <option value={from}>{from}</option>}
          </select>
        </label>
        <button
          type="button"
          aria-label="Swap sides"
          onClick={() => go(to, from)}
          className="mb-0.5 rounded-md border border-slate-300 px-2 py-1.5 text-sm text-slate-600 hover:bg-slate-50"
        >
          ⇄
        </button>
        <label className="text-xs font-medium text-slate-600">
          To
          <select
            aria-label="To"
            value={to}
            onChange={(e) => go(from, e.target.value)}
            className="mt-1 block rounded-md border border-slate-300 bg-white px-2 py-1.5 text-sm"
          >
            {sides.map((s) => (
              <option key={s.value} value={s.value}>
                {s.label}
              </option>
            ))}
            {!sides.some((s) => s.value === to) && <option value={to}>{to}</option>}
          </select>
        </label>
        {counts && (
          <div className="mb-1 flex flex-wrap items-center gap-2 text-xs" role="status" aria-label="Diff summary">
            <Badge tone="green">{counts.added} added</Badge>
            <Badge tone="red">{counts.removed} removed</Badge>
            <Badge tone="amber">{counts.changed} changed</Badge>
            {data?.report && (
              <Badge tone={BUMP_TONE[data.report.bump]} title="The semver bump these changes call for">
                {data.report.bump === "none" ? "no version bump needed" : `${data.report.bump} bump`}
              </Badge>
            )}
            {d?.layoutChanged && <span className="text-slate-400">layout moved</span>}
          </div>
        )}
        <span className="flex-1" />
        {/* A full load: the designer must start from the saved draft, not a cached copy. */}
        <a
          href={`/flows/${encodeURIComponent(flowKey)}`}
          className="mb-1 text-sm font-medium text-brand-700 hover:underline"
        >
          Open in designer
        </a>
        <Link
          href={`/catalog/${encodeURIComponent(flowKey)}`}
          className="mb-1 text-sm font-medium text-brand-700 hover:underline"
        >
          Version timeline
        </Link>
      </div>

      {!data ? (
        <p className="p-8 text-sm text-slate-500">Comparing…</p>
      ) : (
        <div className="grid min-h-0 flex-1 grid-cols-1 lg:grid-cols-[minmax(0,1fr)_400px]">
          {/* Flows run left to right, so the two sides are stacked: each gets the full width. */}
          <div className="grid min-h-0 grid-rows-2 border-r border-slate-200">
            {[data.from, data.to].map((side, i) => (
              <section
                key={i}
                aria-label={`${i === 0 ? "Before" : "After"}: ${side.label}`}
                className={clsx("flex min-h-[260px] flex-col", i === 0 && "border-b border-slate-200")}
              >
                <header className="flex items-center gap-2 border-b border-slate-200 bg-slate-50 px-4 py-2 text-sm">
                  <span className="text-xs uppercase tracking-wide text-slate-400">{i === 0 ? "Before" : "After"}</span>
                  <span className="font-semibold text-slate-800">{side.label}</span>
                  {side.status !== "draft" && (
                    <Badge
                      tone={
                        side.status === "approved" ? "green" : side.status === "pending_approval" ? "amber" : "gray"
                      }
                    >
                      {side.status.replace("_", " ")}
                    </Badge>
                  )}
                  {!side.valid && (
                    <span
                      className="rounded bg-amber-100 px-1.5 py-0.5 text-[11px] text-amber-800"
                      title={`Not a valid weft/1 document (${side.problem ?? ""}); read leniently to compare it.`}
                    >
                      not a valid weft/1 document
                    </span>
                  )}
                </header>
                <div className="min-h-0 flex-1">
                  <DiffCanvas
                    graph={side.graph}
                    changes={i === 0 ? maps.fromMap : maps.toMap}
                    focus={focus}
                    label={`Flow ${side.label}`}
                  />
                </div>
              </section>
            ))}
          </div>

          <aside aria-label="Changes" className="min-h-0 overflow-auto bg-slate-50 p-4 text-sm">
            {breaking.length > 0 && (
              <section
                role="alert"
                aria-label="Breaking changes"
                className="mb-4 rounded-lg border border-red-200 bg-red-50 p-3"
              >
                <h2 className="font-semibold text-red-800">
                  {breaking.length} breaking change{breaking.length === 1 ? "" : "s"} — consumers or callers break
                </h2>
                <ul className="mt-1 list-disc space-y-1 pl-5 text-xs text-red-800">
                  {breaking.map((c, i) => (
                    <li key={i}>
                      {c.stepId ? (
                        <button type="button" className="text-left hover:underline" onClick={() => setFocus(c.stepId!)}>
                          {c.message}
                        </button>
                      ) : (
                        c.message
                      )}
                    </li>
                  ))}
                </ul>
              </section>
            )}
            {d?.same && (
              <p className="rounded-lg bg-white p-3 text-slate-600 ring-1 ring-slate-200">
                No differences{d.layoutChanged ? " besides the layout" : ""}.
              </p>
            )}
            {d && (
              <div className="space-y-3">
                {(
                  [
                    ["Header", d.header.filter((c) => c.path[0] !== "version")],
                    ["Trigger", d.trigger],
                    ["Flow settings", d.settings],
                  ] as const
                ).map(([title, list]) =>
                  list.length ? (
                    <section
                      key={title}
                      aria-label={title}
                      className={clsx(
                        "rounded-lg border border-amber-200 bg-amber-50/50 p-3",
                        title === "Trigger" && "cursor-pointer",
                      )}
                      onClick={title === "Trigger" ? () => setFocus("trigger") : undefined}
                    >
                      <h3 className="text-xs font-semibold uppercase tracking-wide text-amber-800">{title}</h3>
                      <ValueLines changes={list} />
                    </section>
                  ) : null,
                )}
                {d.steps.map((s) => (
                  <section
                    key={s.id}
                    aria-label={`Step ${s.id} ${s.change}`}
                    data-testid="step-change"
                    className={clsx(
                      "rounded-lg border p-3",
                      s.change === "added"
                        ? "border-emerald-200 bg-emerald-50/60"
                        : s.change === "removed"
                          ? "border-red-200 bg-red-50/60"
                          : "border-amber-200 bg-amber-50/60",
                    )}
                  >
                    <button
                      type="button"
                      onClick={() => setFocus(s.id)}
                      className="flex w-full items-center gap-2 text-left"
                    >
                      <Badge tone={s.change === "added" ? "green" : s.change === "removed" ? "red" : "amber"}>
                        {s.change}
                      </Badge>
                      <span className="font-mono text-xs font-semibold text-slate-800">{s.id}</span>
                      <span className="text-xs text-slate-500">{s.type}</span>
                    </button>
                    {s.movedFrom && (
                      <p className="mt-1 text-xs text-slate-600">
                        moved from {s.movedFrom} to {s.movedTo}
                      </p>
                    )}
                    {s.change === "changed" && <ValueLines changes={s.changes} />}
                    {s.change === "added" && <ValueLines changes={addedFields(s.changes)} />}
                  </section>
                ))}
                {data.report && data.report.changes.length > 0 && (
                  <details className="rounded-lg bg-white p-3 text-xs ring-1 ring-slate-200">
                    <summary className="cursor-pointer font-medium text-slate-700">
                      Why a {data.report.bump} bump: {data.report.changes.length} change(s) classified
                    </summary>
                    <ul className="mt-2 space-y-1">
                      {data.report.changes.map((c, i) => (
                        <li key={i} className="flex gap-2">
                          <Badge tone={c.level === "breaking" ? "red" : c.level === "feature" ? "amber" : "gray"}>
                            {c.level}
                          </Badge>
                          <span className="text-slate-700">{c.message}</span>
                        </li>
                      ))}
                    </ul>
                  </details>
                )}
              </div>
            )}
          </aside>
        </div>
      )}
    </div>
  );
}
