"use client";
// Pieces the Inbox and the signed-link page share: the business summary, the due time (overdue marked) and the
// decision form (decision, the form's fields from its JSON Schema, a comment). The server checks the same rules
// (core/tasks/decision.ts); the form shows its answer at the field it names.
import { useState } from "react";
import { SchemaFields, prune, type JsonSchema } from "@/components/connections/schema-form";
import { Badge } from "@/components/ui/badge";
import { DECISION_LABELS, decisionProblem, isOverdue } from "@/core/tasks/decision";
import type { ApprovalDecision } from "@/core/dsl/schema";
import { readableValue } from "./readable";

export function Summary({ summary }: { summary: unknown }) {
  if (summary === null || summary === undefined) return null;
  if (typeof summary === "object" && !Array.isArray(summary))
    return (
      <dl className="grid grid-cols-[max-content_1fr] gap-x-4 gap-y-1 text-sm" data-testid="task-summary">
        {Object.entries(summary as Record<string, unknown>).map(([k, v]) => (
          <div key={k} className="contents">
            <dt className="text-slate-500">{k}</dt>
            <dd className="font-medium text-slate-900">{readableValue(v)}</dd>
          </div>
        ))}
      </dl>
    );
  return (
    <p className="text-sm text-slate-800" data-testid="task-summary">
      {readableValue(summary)}
    </p>
  );
}

export function Due({ dueAt, status }: { dueAt: Date | string | null; status: string }) {
  if (!dueAt) return <span className="text-xs text-slate-500">no due time</span>;
  const when = new Date(dueAt).toLocaleString();
  return isOverdue({ dueAt, status }) ? (
    <Badge tone="red" title={`Due ${when}`}>
      overdue since {when}
    </Badge>
  ) : (
    <span className="text-xs text-slate-600">due {when}</span>
  );
}

export interface DecisionValue {
  decision: ApprovalDecision;
  fields?: Record<string, unknown>;
  comment?: string;
}

/** The decision form. `onDecide` returns the server's refusal (message and field) or null. */
export function DecisionForm({
  task,
  pending,
  onDecide,
  serverError,
}: {
  task: { decisions: string[]; form: Record<string, unknown> | null };
  pending: boolean;
  onDecide: (v: DecisionValue) => void;
  serverError: { message: string; field?: string | null } | null;
}) {
  const [decision, setDecision] = useState<ApprovalDecision>((task.decisions[0] as ApprovalDecision) ?? "approve");
  const [fields, setFields] = useState<Record<string, unknown>>({});
  const [comment, setComment] = useState("");
  const [local, setLocal] = useState<{ field: string; message: string } | null>(null);
  const problem = local ?? (serverError ? { field: serverError.field ?? "", message: serverError.message } : null);
  const submit = (e: React.FormEvent) => {
    e.preventDefault();
    const value: DecisionValue = {
      decision,
      ...(decision === "approve-with-changes" ? { fields: prune(fields) as Record<string, unknown> } : {}),
      ...(comment.trim() ? { comment: comment.trim() } : {}),
    };
    const p = decisionProblem(task, value);
    setLocal(p);
    if (!p) onDecide(value);
  };
  const fieldErrors: Record<string, string> = problem?.field?.startsWith("fields.")
    ? { [problem.field.slice(7)]: problem.message }
    : {};
  return (
    <form onSubmit={submit} className="space-y-4" aria-label="Decide">
      <fieldset>
        <legend className="text-sm font-medium text-slate-700">Decision</legend>
        <div className="mt-2 flex flex-wrap gap-2">
          {task.decisions.map((d) => (
            <label
              key={d}
              className={`cursor-pointer rounded-md border px-3 py-1.5 text-sm ${decision === d ? "border-brand-600 bg-brand-50 text-brand-800" : "border-slate-300 text-slate-700"}`}
            >
              <input
                type="radio"
                name="decision"
                value={d}
                className="sr-only"
                checked={decision === d}
                onChange={() => setDecision(d as ApprovalDecision)}
              />
              {DECISION_LABELS[d as ApprovalDecision] ?? d}
            </label>
          ))}
        </div>
      </fieldset>
      {decision === "approve-with-changes" && task.form && (
        <div className="rounded-md border border-slate-200 bg-slate-50 p-3">
          <p className="mb-2 text-xs font-medium uppercase tracking-wide text-slate-500">Changes</p>
          <SchemaFields
            schema={task.form as JsonSchema}
            value={fields}
            onChange={setFields}
            errors={fieldErrors}
            disabled={pending}
          />
        </div>
      )}
      <label className="block text-sm">
        <span className="font-medium text-slate-700">Comment{decision === "reject" ? " (required)" : ""}</span>
        <textarea
          name="comment"
          rows={2}
          value={comment}
          onChange={(e) => setComment(e.target.value)}
          className="mt-1 block w-full rounded-md border border-slate-300 px-2 py-1.5 text-sm"
        />
      </label>
      {problem && (
        <p role="alert" className="text-sm text-red-700">
          {problem.message}
        </p>
      )}
      <button
        type="submit"
        disabled={pending}
        className="rounded-md bg-brand-600 px-4 py-2 text-sm font-medium text-white hover:bg-brand-700 disabled:opacity-50"
      >
        {pending ? "Saving…" : `${DECISION_LABELS[decision] ?? decision}`}
      </button>
    </form>
  );
}
