"use client";
// The signed-link page's task: its summary and the decision form, posting to /api/task-links/<token>.
import { useState } from "react";
import { BusinessKeys } from "@/components/runs/format";
import { DECISION_LABELS } from "@/core/tasks/decision";
import type { ApprovalDecision } from "@/core/dsl/schema";
import { DecisionForm, Due, Summary, type DecisionValue } from "./task-parts";

export interface LinkedTaskView {
  title: string;
  flow: string;
  summary: unknown;
  businessKeys: Record<string, unknown>;
  decisions: string[];
  form: Record<string, unknown> | null;
  dueAt: string | null;
  status: string;
  decision: string | null;
  decidedBy: string | null;
  expired: boolean;
}

export function LinkedTask({
  token,
  email,
  expiresAt,
  task,
}: {
  token: string;
  email: string;
  expiresAt: string;
  task: LinkedTaskView;
}) {
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<{ message: string; field?: string | null } | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const decide = async (v: DecisionValue) => {
    setPending(true);
    setError(null);
    try {
      const res = await fetch(`/api/task-links/${token}`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(v),
      });
      const body = (await res.json()) as { message?: string; field?: string | null; decision?: string };
      if (!res.ok) setError({ message: body.message ?? `HTTP ${res.status}`, field: body.field });
      else setDone(body.decision ?? v.decision);
    } finally {
      setPending(false);
    }
  };
  return (
    <article className="mt-6 space-y-5 rounded-lg border border-slate-200 bg-white p-6">
      <header className="space-y-1">
        <h1 className="text-xl font-semibold text-slate-900">{task.title}</h1>
        <p className="flex flex-wrap items-center gap-2 text-xs text-slate-500">
          <span>{task.flow}</span>
          <Due dueAt={task.dueAt} status={task.status} />
        </p>
        <BusinessKeys keys={task.businessKeys} />
      </header>
      <Summary summary={task.summary} />
      {done ? (
        <p role="status" className="rounded-md bg-emerald-50 p-3 text-sm text-emerald-800">
          Thank you — recorded: {DECISION_LABELS[done as ApprovalDecision] ?? done}. You can close this page.
        </p>
      ) : task.status !== "open" ? (
        <p role="alert" className="rounded-md bg-slate-50 p-3 text-sm text-slate-700">
          {task.status === "decided"
            ? `This task was already decided (${task.decision}) by ${task.decidedBy}; this link is spent.`
            : `This task is ${task.status}; nobody can decide it any more.`}
        </p>
      ) : task.expired ? (
        <p role="alert" className="rounded-md bg-slate-50 p-3 text-sm text-slate-700">
          This task expired; nobody can decide it any more.
        </p>
      ) : (
        <>
          <p className="text-xs text-slate-500">
            You decide as <strong>{email}</strong>; this link opens only this task and is valid until{" "}
            {new Date(expiresAt).toLocaleString()}.
          </p>
          <DecisionForm task={task} pending={pending} onDecide={(v) => void decide(v)} serverError={error} />
        </>
      )}
    </article>
  );
}
