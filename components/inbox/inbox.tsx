"use client";
// The Inbox: the signed-in person's and their teams' open approval tasks — business summary, due time (overdue
// marked), the run and its business keys — decided in place with the step's form, bulk-approved by flow where
// the step allows it, or sent to someone outside Weft as a signed link. Four-eyes and every other rule are the
// server's (server/tasks/service.ts); this page shows its answer.
import Link from "next/link";
import { useState } from "react";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useTRPC } from "@/components/trpc/client";
import { useUrlParams } from "@/components/ui/use-url-params";
import { Badge } from "@/components/ui/badge";
import { BusinessKeys } from "@/components/runs/format";
import { DECISION_LABELS } from "@/core/tasks/decision";
import type { ApprovalDecision } from "@/core/dsl/schema";
import { DecisionForm, Due, Summary } from "./task-parts";
import { readableFields } from "./readable";
import type { TaskView } from "@/server/tasks/service";

type ErrorLike = { message: string; data?: { field?: string | null } | null };

export function Inbox() {
  const trpc = useTRPC();
  const qc = useQueryClient();
  const url = useUrlParams("/inbox");
  const status = (url.params.get("status") as "open" | "decided" | null) ?? "open";
  const flowKey = url.params.get("flow") ?? undefined;
  const selected = url.params.get("task");
  const list = useQuery(trpc.tasks.list.queryOptions({ status, flowKey }, { refetchInterval: 5000 }));
  const all = useQuery(trpc.tasks.list.queryOptions({ status }));
  const set = (k: string, v: string | null) => {
    const next = url.latest();
    if (v) next.set(k, v);
    else next.delete(k);
    if (k !== "task") next.delete("task");
    url.replace(next);
  };
  const refresh = () => void qc.invalidateQueries({ queryKey: trpc.tasks.list.queryKey() });
  const bulk = useMutation(trpc.tasks.bulkApprove.mutationOptions({ onSuccess: refresh }));
  // The task just decided leaves the open list; what was decided stays said here.
  const [decided, setDecided] = useState<{ title: string; decision: string; runId: string } | null>(null);
  const tasks = list.data ?? [];
  const flows = [...new Map((all.data ?? []).map((t) => [t.flow.key, t.flow.name])).entries()];
  const bulkable = tasks.filter((t) => t.bulk && t.status === "open");
  const current = tasks.find((t) => t.id === selected) ?? null;

  return (
    <div className="grid min-h-0 gap-6 p-8 lg:grid-cols-[minmax(0,1fr)_minmax(0,1fr)]">
      <section aria-label="Tasks" className="space-y-3">
        <div className="flex flex-wrap items-center gap-3">
          <div role="tablist" className="flex rounded-md border border-slate-300 text-sm">
            {(["open", "decided"] as const).map((s) => (
              <button
                key={s}
                role="tab"
                aria-selected={status === s}
                onClick={() => set("status", s === "open" ? null : s)}
                className={`px-3 py-1.5 ${status === s ? "bg-slate-900 text-white" : "text-slate-700"}`}
              >
                {s === "open" ? "Open" : "Decided"}
              </button>
            ))}
          </div>
          <label className="text-sm text-slate-600">
            Flow{" "}
            <select
              aria-label="Flow"
              value={flowKey ?? ""}
              onChange={(e) => set("flow", e.target.value || null)}
              className="max-w-xs rounded-md border border-slate-300 px-2 py-1 text-sm"
            >
              <option value="">All flows</option>
              {flows.map(([k, n]) => (
                <option key={k} value={k}>
                  {n}
                </option>
              ))}
            </select>
          </label>
          {status === "open" && bulkable.length > 1 && (
            <button
              type="button"
              disabled={bulk.isPending}
              onClick={() => {
                if (
                  window.confirm(`Approve ${bulkable.length} tasks${flowKey ? ` of ${flowKey}` : ""}? Each is audited.`)
                )
                  bulk.mutate({ flowKey, ids: bulkable.map((t) => t.id) });
              }}
              className="ml-auto rounded-md border border-brand-600 px-3 py-1.5 text-sm font-medium text-brand-700 hover:bg-brand-50"
            >
              Approve all {bulkable.length} shown
            </button>
          )}
        </div>
        {decided && (
          <p role="status" className="rounded-md border border-emerald-200 bg-emerald-50 p-2 text-sm text-emerald-800">
            Decided: {DECISION_LABELS[decided.decision as ApprovalDecision] ?? decided.decision} — {decided.title}. The
            run continues.{" "}
            {/* The decided task leaves the open list and its panel: the run behind it stays one click away. */}
            <Link href={`/runs/${decided.runId}`} className="font-medium underline">
              Open the run
            </Link>
          </p>
        )}
        {bulk.data && (
          <p role="status" className="rounded-md border border-emerald-200 bg-emerald-50 p-2 text-sm text-emerald-800">
            Approved {bulk.data.approved}.
            {bulk.data.refused.map((r) => (
              <span key={r.id} className="block text-red-700">
                Not {r.title}: {r.reason}
              </span>
            ))}
          </p>
        )}
        {bulk.error && (
          <p role="alert" className="text-sm text-red-700">
            {bulk.error.message}
          </p>
        )}
        {list.isLoading ? (
          <p className="text-sm text-slate-500">Loading tasks…</p>
        ) : list.error ? (
          <p role="alert" className="text-sm text-red-700">
            {list.error.message}
          </p>
        ) : tasks.length === 0 ? (
          <p className="rounded-lg border border-dashed border-slate-300 p-8 text-center text-sm text-slate-500">
            {status === "open" ? "Nothing waits for you or your teams." : "No decided tasks yet."}
          </p>
        ) : (
          <ul className="divide-y divide-slate-200 rounded-lg border border-slate-200 bg-white">
            {tasks.map((t) => (
              <li key={t.id}>
                <button
                  type="button"
                  onClick={() => set("task", t.id)}
                  aria-current={t.id === selected}
                  className={`block w-full px-4 py-3 text-left hover:bg-slate-50 ${t.id === selected ? "bg-brand-50" : ""}`}
                >
                  <span className="flex items-center gap-2">
                    <span className="font-medium text-slate-900">{t.title}</span>
                    {t.isTest && <Badge tone="amber">test run</Badge>}
                    {t.status !== "open" && (
                      <Badge tone={t.decision === "reject" ? "red" : t.status === "decided" ? "green" : "gray"}>
                        {t.decision ? (DECISION_LABELS[t.decision as ApprovalDecision] ?? t.decision) : t.status}
                      </Badge>
                    )}
                  </span>
                  <span className="mt-1 flex flex-wrap items-center gap-2 text-xs text-slate-500">
                    <span>{t.flow.name}</span>·<span>for {t.assignee}</span>·
                    <Due dueAt={t.dueAt} status={t.status} />
                  </span>
                  <span className="mt-1 block">
                    <BusinessKeys keys={t.businessKeys} />
                  </span>
                </button>
              </li>
            ))}
          </ul>
        )}
      </section>
      <section aria-label="Task" className="min-w-0">
        {current ? (
          <TaskDetail
            key={current.id}
            task={current}
            onDone={(v) => {
              setDecided({ title: v.title, decision: v.decision ?? "", runId: current.runId });
              refresh();
            }}
          />
        ) : (
          <p className="rounded-lg border border-dashed border-slate-300 p-8 text-center text-sm text-slate-500">
            Choose a task to read its summary and decide.
          </p>
        )}
      </section>
    </div>
  );
}

type Task = TaskView;

function TaskDetail({ task, onDone }: { task: Task; onDone: (v: TaskView) => void }) {
  const trpc = useTRPC();
  const decide = useMutation(trpc.tasks.decide.mutationOptions({ onSuccess: (v) => onDone(v) }));
  const link = useMutation(trpc.tasks.link.mutationOptions());
  const [email, setEmail] = useState("");
  const err = decide.error as ErrorLike | null;
  return (
    <article className="space-y-5 rounded-lg border border-slate-200 bg-white p-5" data-testid="task-detail">
      <header className="space-y-1">
        <h2 className="text-lg font-semibold text-slate-900">{task.title}</h2>
        <p className="flex flex-wrap items-center gap-2 text-xs text-slate-500">
          <span>
            {task.flow.name} · step <span className="font-mono">{task.stepId}</span> · for {task.assignee}
          </span>
          <Due dueAt={task.dueAt} status={task.status} />
          {task.escalatedAt && <Badge tone="amber">escalated</Badge>}
          {task.fourEyes && <Badge title="The requester cannot decide">four-eyes</Badge>}
        </p>
        <p className="text-xs">
          <Link href={`/runs/${task.runId}`} className="text-brand-700 hover:underline">
            Run {task.runId.slice(0, 8)}
          </Link>{" "}
          <BusinessKeys keys={task.businessKeys} />
        </p>
      </header>
      <Summary summary={task.summary} />
      {task.status === "open" ? (
        decide.isSuccess ? (
          <p role="status" className="rounded-md bg-emerald-50 p-3 text-sm text-emerald-800">
            Decided: {DECISION_LABELS[decide.data.decision as ApprovalDecision]}. The run continues.
          </p>
        ) : (
          <DecisionForm
            task={task}
            pending={decide.isPending}
            serverError={err ? { message: err.message, field: err.data?.field ?? null } : null}
            onDecide={(v) => decide.mutate({ id: task.id, ...v })}
          />
        )
      ) : (
        <p className="text-sm text-slate-700">
          {task.status === "decided"
            ? `${DECISION_LABELS[task.decision as ApprovalDecision] ?? task.decision} by ${task.decidedBy} (${task.decidedVia}) on ${new Date(task.decidedAt!).toLocaleString()}.`
            : `This task is ${task.status}.`}
          {task.comment && <span className="block text-slate-500">“{task.comment}”</span>}
          {task.fields && Object.keys(task.fields).length > 0 && (
            <span className="mt-1 block text-slate-600" data-testid="decided-fields">
              With changes —{" "}
              {readableFields(task.fields as Record<string, unknown>, task.form)
                .map((f) => `${f.label}: ${f.value}`)
                .join(", ")}
            </span>
          )}
        </p>
      )}
      {task.status === "open" && (
        <details className="text-sm">
          <summary className="cursor-pointer text-slate-600">Send a signed link to someone outside Weft</summary>
          <form
            className="mt-2 flex flex-wrap items-center gap-2"
            onSubmit={(e) => {
              e.preventDefault();
              link.mutate({ id: task.id, email });
            }}
          >
            <input
              type="email"
              required
              aria-label="Their e-mail"
              placeholder="cfo@example.com"
              value={email}
              onChange={(e) => setEmail(e.target.value)}
              className="rounded-md border border-slate-300 px-2 py-1 text-sm"
            />
            <button type="submit" className="rounded-md border border-slate-300 px-3 py-1 text-sm hover:bg-slate-50">
              Create link
            </button>
          </form>
          {link.data && (
            <p className="mt-2 break-all text-xs text-slate-700" data-testid="task-link">
              {typeof window !== "undefined" ? window.location.origin : ""}
              {link.data.path} — valid until {new Date(link.data.expiresAt).toLocaleString()}; it opens only this task.
            </p>
          )}
          {link.error && <p className="mt-2 text-xs text-red-700">{link.error.message}</p>}
        </details>
      )}
    </article>
  );
}
