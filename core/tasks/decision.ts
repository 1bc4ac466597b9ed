// Approval tasks, the shared part (browser, server, CLI): statuses, and the check of a decision against what the
// step offers and its form's JSON Schema — the Inbox form and the server refuse the same things.
import { validatePayload, type JsonSchema } from "../governance/contract-compat";
import { APPROVAL_DECISIONS, type ApprovalDecision } from "../dsl/schema";
import { isObj } from "../is-obj";

export const TASK_STATUSES = ["open", "decided", "expired", "cancelled"] as const;
export type TaskStatus = (typeof TASK_STATUSES)[number];

/** Where a decision was made: the Inbox (one task), a bulk approval, or a signed link. */
export const TASK_DECIDED_VIA = ["inbox", "bulk", "link"] as const;
export type TaskDecidedVia = (typeof TASK_DECIDED_VIA)[number];

export const DECISION_LABELS: Record<ApprovalDecision, string> = {
  approve: "Approve",
  reject: "Reject",
  "approve-with-changes": "Approve with changes",
};

export interface DecisionInput {
  decision: string;
  fields?: Record<string, unknown> | null;
  comment?: string | null;
}

/** Why a decision is not acceptable for a task offering `decisions` with `form` (field + message), or null. */
export function decisionProblem(
  task: { decisions: readonly string[]; form: unknown },
  d: DecisionInput,
): { field: string; message: string } | null {
  if (!(APPROVAL_DECISIONS as readonly string[]).includes(d.decision) || !task.decisions.includes(d.decision))
    return { field: "decision", message: `"${d.decision}" is not offered here; choose ${task.decisions.join(", ")}.` };
  if (d.decision === "reject" && !d.comment?.trim())
    return { field: "comment", message: "Say why you reject it: the requester sees your comment." };
  if (d.decision === "approve-with-changes") {
    if (!d.fields || !Object.keys(d.fields).length)
      return { field: "fields", message: "Approve with changes needs the changed fields." };
    if (isObj(task.form)) {
      const issue = validatePayload(task.form as JsonSchema, d.fields)[0];
      if (issue) return { field: `fields${issue.path.replace(/^\$/, "")}`, message: `${issue.path}: ${issue.message}` };
    }
  }
  return null;
}

/** Whether a task's due time has passed (the Inbox marks it overdue). */
export function isOverdue(t: { dueAt: Date | string | null; status: string }, now = Date.now()): boolean {
  return t.status === "open" && t.dueAt !== null && new Date(t.dueAt).getTime() < now;
}
