// The runtime side of approval tasks (the DSL's approval step). A run reaching the step opens its task and
// parks: the task row, its timer jobs (escalation at the due time, expiry) and the step's "waiting" row commit
// in one transaction, and the run's segment ends without a job — no worker is held for the days or weeks a
// decision takes. Deciding the task (server/tasks/service.ts) re-enqueues the run in the decision's own
// transaction; the resumed segment reads the decision and records the step as succeeded, so it happens once.
import "server-only";
import { randomUUID } from "node:crypto";
import type { PgBoss } from "pg-boss";
import { bossDb, type Sql } from "../runtime/sql";
import { QUEUES } from "../runtime/queues";
import { StepError } from "../runtime/errors";
import type { TaskStatus } from "../../core/tasks/decision";

/** What the interpreter asks for: the step's evaluated settings. */
export interface TaskSpec {
  path: string;
  stepId: string;
  title: string;
  summary: unknown;
  form: unknown;
  decisions: string[];
  assignee: { team?: string; role?: string; user?: string };
  requester: string | null;
  fourEyes: boolean;
  bulk: boolean;
  dueMs: number | null;
  expiresMs: number | null;
  escalation: { reassignTo?: { team?: string; user?: string }; notify?: boolean } | null;
}

export interface TaskTimerJob {
  taskId: string;
  kind: "escalate" | "expire";
}

export interface TaskOutcome {
  /** null when the step's `when` said no approval was needed. */
  taskId: string | null;
  status: TaskStatus | "not-required";
  decision: string | null;
  fields: Record<string, unknown> | null;
  comment: string | null;
  decidedBy: string | null;
  decidedAt: string | null;
  decidedVia: string | null;
}

async function teamId(sql: Sql, key: string, field: string): Promise<string> {
  const { rows } = await sql.query<{ id: string }>(`SELECT id::text AS id FROM team WHERE key = $1`, [key]);
  if (!rows[0])
    throw new StepError({
      errorClass: "validation",
      code: "unknown_team",
      message: `${field} names team "${key}", which does not exist in this workspace.`,
    });
  return rows[0].id;
}

/**
 * Opens the step's task once (unique per run and path) with its timers, inside the caller's transaction.
 * Returns the task id (the existing one when a crashed segment had already opened it).
 */
export async function openTask(
  tx: Sql,
  boss: PgBoss,
  run: { id: string; flowId: string; isTest: boolean; businessKeys: Record<string, unknown> | null },
  spec: TaskSpec,
): Promise<string> {
  const existing = await tx.query<{ id: string }>(`SELECT id::text AS id FROM task WHERE run_id = $1 AND path = $2`, [
    run.id,
    spec.path,
  ]);
  if (existing.rows[0]) return existing.rows[0].id;
  const team = spec.assignee.team ? await teamId(tx, spec.assignee.team, "assignee.team") : null;
  if (spec.escalation?.reassignTo?.team)
    await teamId(tx, spec.escalation.reassignTo.team, "escalation.reassignTo.team");
  const id = randomUUID();
  const now = Date.now();
  const dueAt = spec.dueMs !== null ? new Date(now + spec.dueMs) : null;
  const expiresAt = spec.expiresMs !== null ? new Date(now + spec.expiresMs) : null;
  await tx.query(
    `INSERT INTO task (id, run_id, path, flow_id, step_id, title, summary, form, decisions, assignee_team_id, assignee_role, assignee_email,
       requester, four_eyes, bulk, is_test, business_keys, due_at, expires_at, escalation)
     VALUES ($1::uuid, $2::uuid, $3, $4::uuid, $5, $6, $7::jsonb, $8::jsonb, $9::text[], $10::uuid, $11, $12, $13, $14, $15, $16, $17::jsonb, $18, $19, $20::jsonb)`,
    [
      id,
      run.id,
      spec.path,
      run.flowId,
      spec.stepId,
      spec.title.slice(0, 500),
      JSON.stringify(packSummary(spec.summary)),
      spec.form === undefined ? null : JSON.stringify(spec.form),
      spec.decisions,
      team,
      spec.assignee.role ?? null,
      spec.assignee.user?.toLowerCase() ?? null,
      spec.requester,
      spec.fourEyes,
      spec.bulk,
      run.isTest,
      run.businessKeys ? JSON.stringify(run.businessKeys) : null,
      dueAt,
      expiresAt,
      spec.escalation ? JSON.stringify(spec.escalation) : null,
    ],
  );
  // Timers are pg-boss jobs keyed by task: they fire on time whichever worker is up, and survive restarts.
  const db = bossDb(tx);
  if (dueAt && spec.escalation)
    await boss.send(QUEUES.taskTimer, { taskId: id, kind: "escalate" } satisfies TaskTimerJob, {
      startAfter: dueAt,
      singletonKey: `${id}:escalate`,
      db,
    });
  if (expiresAt)
    await boss.send(QUEUES.taskTimer, { taskId: id, kind: "expire" } satisfies TaskTimerJob, {
      startAfter: expiresAt,
      singletonKey: `${id}:expire`,
      db,
    });
  return id;
}

/**
 * A summary object as stored: jsonb orders an object's keys by length, so the labels' order (the order the
 * flow's author wrote them in, which the Inbox shows) travels beside the values.
 */
export function packSummary(summary: unknown): unknown {
  if (summary === null || typeof summary !== "object" || Array.isArray(summary)) return summary ?? null;
  return { $labels: Object.keys(summary), $values: summary };
}

export function unpackSummary(stored: unknown): unknown {
  if (stored === null || typeof stored !== "object" || Array.isArray(stored)) return stored;
  const { $labels, $values } = stored as { $labels?: unknown; $values?: Record<string, unknown> };
  if (!Array.isArray($labels) || !$values || typeof $values !== "object") return stored;
  return Object.fromEntries($labels.map((k) => [String(k), $values[String(k)]]));
}

/** The task's state as the resumed run sees it. */
export async function readTaskOutcome(sql: Sql, taskId: string): Promise<TaskOutcome | null> {
  const { rows } = await sql.query<{
    id: string;
    status: TaskStatus;
    decision: string | null;
    fields: Record<string, unknown> | null;
    comment: string | null;
    decided_by_email: string | null;
    decided_at: Date | null;
    decided_via: string | null;
  }>(
    `SELECT id::text AS id, status, decision, fields, comment, decided_by_email, decided_at, decided_via FROM task WHERE id = $1::uuid`,
    [taskId],
  );
  const r = rows[0];
  if (!r) return null;
  return {
    taskId: r.id,
    status: r.status,
    decision: r.decision,
    fields: r.fields,
    comment: r.comment,
    decidedBy: r.decided_by_email,
    decidedAt: r.decided_at ? new Date(r.decided_at).toISOString() : null,
    decidedVia: r.decided_via,
  };
}
