// Approval tasks for people: the Inbox's reads, deciding (one task, a bulk approval, a signed link), issuing
// links, and the timers' handlers (escalation, expiry). A decision and the re-enqueue of its run commit in one
// transaction with the audit row, and only an open, unexpired task can be decided — so a run resumes exactly
// once, and a second decision (or one after the expiry) is refused with 409 naming why.
import "server-only";
import { fromPrisma, type PgBoss } from "pg-boss";
import { Prisma, type Db } from "../db/client";
import { DomainError } from "../../core/domain-error";
import { hasRole, type Role } from "../../core/roles";
import { decisionProblem, type DecisionInput, type TaskDecidedVia } from "../../core/tasks/decision";
import { QUEUES, type RunJobData } from "../runtime/queues";
import { runJobOptions } from "../runtime/runs";
import { appendAudit, type AuditActor } from "../audit/audit";
import { postJson, type PostResult } from "../governance/webhook";
import { signTaskLink, verifyTaskLink } from "./link";
import { logger } from "../observability/log";
import { unpackSummary, type TaskTimerJob } from "./runtime";

type Tx = Prisma.TransactionClient;

/** Who acts on a task: a signed-in user, or the person a signed link was issued to (no account needed). */
export interface TaskActor {
  id: string | null;
  email: string;
  roles: readonly Role[];
  teamIds: readonly string[];
}

export interface TaskDeps {
  db: Db;
  boss: PgBoss;
  requestId?: string | null;
}

interface TaskRow {
  id: string;
  run_id: string;
  flow_id: string;
  flow_key: string;
  flow_name: string;
  path: string;
  step_id: string;
  title: string;
  summary: unknown;
  form: unknown;
  decisions: string[];
  assignee_team_id: string | null;
  team_key: string | null;
  team_name: string | null;
  assignee_role: string | null;
  assignee_email: string | null;
  requester: string | null;
  four_eyes: boolean;
  bulk: boolean;
  is_test: boolean;
  business_keys: Record<string, unknown> | null;
  due_at: Date | null;
  expires_at: Date | null;
  escalated_at: Date | null;
  status: string;
  decision: string | null;
  fields: Record<string, unknown> | null;
  comment: string | null;
  decided_by_email: string | null;
  decided_via: string | null;
  decided_at: Date | null;
  created_at: Date;
  run_status: string;
  run_concurrency_key: string | null;
}

const SELECT = `SELECT t.id::text AS id, t.run_id::text AS run_id, t.flow_id::text AS flow_id, f.key AS flow_key, f.name AS flow_name,
  t.path, t.step_id, t.title, t.summary, t.form, t.decisions, t.assignee_team_id::text AS assignee_team_id, tm.key AS team_key,
  tm.name AS team_name, t.assignee_role, t.assignee_email, t.requester, t.four_eyes, t.bulk, t.is_test, t.business_keys, t.due_at,
  t.expires_at, t.escalated_at, t.status, t.decision, t.fields, t.comment, t.decided_by_email, t.decided_via, t.decided_at, t.created_at,
  r.status::text AS run_status, r.concurrency_key AS run_concurrency_key
  FROM task t JOIN flow f ON f.id = t.flow_id JOIN run r ON r.id = t.run_id LEFT JOIN team tm ON tm.id = t.assignee_team_id`;

/**
 * Whether the actor is whom the task is for: the named person; a member of the team (with the role, if one is
 * named); anyone with the role when no team is named. Admins may act on every task.
 */
export function isAssignee(a: TaskActor, t: Pick<TaskRow, "assignee_team_id" | "assignee_role" | "assignee_email">) {
  if (a.roles.includes("admin")) return true;
  if (t.assignee_email) return t.assignee_email === a.email.toLowerCase();
  const roleOk = !t.assignee_role || hasRole(a.roles, t.assignee_role as Role);
  if (t.assignee_team_id) return a.teamIds.includes(t.assignee_team_id) && roleOk;
  return !!t.assignee_role && roleOk;
}

/** The SQL condition of isAssignee, for lists ($1 e-mail, $2 team ids, $3 roles). */
function visibleSql(a: TaskActor): { where: string; values: unknown[] } {
  if (a.roles.includes("admin")) return { where: "TRUE", values: [] };
  return {
    where: `(t.assignee_email = $1 OR (t.assignee_email IS NULL AND t.assignee_team_id = ANY($2::uuid[]) AND (t.assignee_role IS NULL OR t.assignee_role = ANY($3::text[])))
      OR (t.assignee_email IS NULL AND t.assignee_team_id IS NULL AND t.assignee_role = ANY($3::text[])))`,
    values: [a.email.toLowerCase(), [...a.teamIds], [...a.roles]],
  };
}

function describeAssignee(t: TaskRow): string {
  if (t.assignee_email) return t.assignee_email;
  if (t.team_name) return t.assignee_role ? `${t.team_name} (${t.assignee_role}s)` : t.team_name;
  return `every ${t.assignee_role ?? "approver"}`;
}

function view(t: TaskRow) {
  return {
    id: t.id,
    runId: t.run_id,
    flow: { key: t.flow_key, name: t.flow_name },
    stepId: t.step_id,
    path: t.path,
    title: t.title,
    summary: unpackSummary(t.summary),
    form: t.form as Record<string, unknown> | null,
    decisions: t.decisions,
    assignee: describeAssignee(t),
    assigneeTeam: t.team_key ? { key: t.team_key, name: t.team_name ?? t.team_key } : null,
    fourEyes: t.four_eyes,
    requester: t.requester,
    bulk: t.bulk,
    isTest: t.is_test,
    businessKeys: t.business_keys ?? {},
    dueAt: t.due_at,
    expiresAt: t.expires_at,
    escalatedAt: t.escalated_at,
    status: t.status,
    decision: t.decision,
    fields: t.fields,
    comment: t.comment,
    decidedBy: t.decided_by_email,
    decidedVia: t.decided_via,
    decidedAt: t.decided_at,
    createdAt: t.created_at,
    runStatus: t.run_status,
  };
}
export type TaskView = ReturnType<typeof view>;

export interface TaskFilter {
  status?: "open" | "decided" | "all";
  flowKey?: string;
  /** Only tasks whose step allows bulk decisions. */
  bulkOnly?: boolean;
}

/** The actor's and their teams' tasks (open ones first by due time), at most `limit`. */
export async function listTasks(db: Db, a: TaskActor, f: TaskFilter = {}, limit = 200): Promise<TaskView[]> {
  const v = visibleSql(a);
  const values = [...v.values];
  const conds = [v.where];
  const status = f.status ?? "open";
  if (status === "open") conds.push(`t.status = 'open'`);
  else if (status === "decided") conds.push(`t.status <> 'open'`);
  if (f.flowKey) {
    values.push(f.flowKey);
    conds.push(`f.key = $${values.length}`);
  }
  if (f.bulkOnly) conds.push(`t.bulk`);
  values.push(limit);
  const rows = await db.$queryRawUnsafe<TaskRow[]>(
    `${SELECT} WHERE ${conds.join(" AND ")} ORDER BY (t.status = 'open') DESC, t.due_at ASC NULLS LAST, t.created_at DESC LIMIT $${values.length}`,
    ...values,
  );
  return rows.map(view);
}

async function loadTask(db: Db | Tx, id: string, lock = false): Promise<TaskRow | null> {
  if (!/^[0-9a-f-]{36}$/i.test(id)) return null;
  const rows = await db.$queryRawUnsafe<TaskRow[]>(
    `${SELECT} WHERE t.id = $1::uuid${lock ? " FOR UPDATE OF t" : ""}`,
    id,
  );
  return rows[0] ?? null;
}

/** One task for the actor; not_found when it is not theirs (a task's existence is not revealed to others). */
export async function getTask(db: Db, a: TaskActor, id: string): Promise<TaskView> {
  const t = await loadTask(db, id);
  if (!t || !isAssignee(a, t)) throw new DomainError("not_found", "No such task in your Inbox.");
  return view(t);
}

/** A run's tasks, newest first, with whether the caller may decide each (the run page links to the Inbox). */
export async function tasksOfRun(db: Db, a: TaskActor, runId: string) {
  const rows = await db.$queryRawUnsafe<TaskRow[]>(
    `${SELECT} WHERE t.run_id = $1::uuid ORDER BY t.created_at DESC`,
    runId,
  );
  return rows.map((t) => ({
    id: t.id,
    path: t.path,
    stepId: t.step_id,
    title: t.title,
    status: t.status,
    assignee: describeAssignee(t),
    dueAt: t.due_at,
    decision: t.decision,
    decidedBy: t.decided_by_email,
    mine: isAssignee(a, t),
  }));
}

/** A task by id with no assignee check: the signed-link page (the link is the permission). */
export async function getTaskForLink(db: Db, id: string): Promise<TaskView> {
  const t = await loadTask(db, id);
  if (!t) throw new DomainError("not_found", "This task no longer exists.");
  return view(t);
}

/** Why this actor cannot decide this task now, as a DomainError; null when they can. */
function refusal(a: TaskActor, t: TaskRow, via: TaskDecidedVia, now: Date): DomainError | null {
  if (via !== "link" && !isAssignee(a, t))
    return new DomainError("forbidden", `This task is for ${describeAssignee(t)}; you are not among them.`);
  if (t.status === "decided")
    return new DomainError(
      "conflict",
      `This task was already decided (${t.decision}) by ${t.decided_by_email ?? "someone"} at ${t.decided_at?.toISOString()}.`,
    );
  if (t.status === "expired" || (t.status === "open" && t.expires_at && t.expires_at <= now))
    return new DomainError(
      "conflict",
      `This task expired at ${t.expires_at?.toISOString()}; nobody can decide it any more and its run has moved on.`,
    );
  if (t.status !== "open") return new DomainError("conflict", `This task is ${t.status}: its run was cancelled.`);
  if (!["waiting", "running", "queued"].includes(t.run_status))
    return new DomainError(
      "conflict",
      `The run behind this task is ${t.run_status}; it no longer waits for a decision.`,
    );
  if (t.four_eyes && t.requester && (t.requester === a.email.toLowerCase() || t.requester === a.id?.toLowerCase()))
    return new DomainError("forbidden", "Four-eyes: you requested this change, so someone else has to decide it.");
  return null;
}

/** Decides one open task inside `tx`: the task, its run's wake-up and the audit row commit together. */
async function decideIn(
  tx: Tx,
  boss: PgBoss,
  a: TaskActor,
  t: TaskRow,
  d: DecisionInput,
  via: TaskDecidedVia,
  requestId: string | null,
): Promise<TaskView> {
  const refused = refusal(a, t, via, new Date());
  if (refused) throw refused;
  const problem = decisionProblem(t, d);
  if (problem) throw new DomainError("invalid", problem.message, { field: problem.field });
  const fields = d.decision === "approve-with-changes" ? (d.fields ?? null) : null;
  const comment = d.comment?.trim() || null;
  const updated = await tx.$executeRawUnsafe(
    `UPDATE task SET status = 'decided', decision = $2, fields = $3::jsonb, comment = $4, decided_by_id = $5, decided_by_email = $6,
       decided_via = $7, decided_at = now() WHERE id = $1::uuid AND status = 'open'`,
    t.id,
    d.decision,
    fields === null ? null : JSON.stringify(fields),
    comment,
    a.id,
    a.email.toLowerCase(),
    via,
  );
  if (updated !== 1) throw new DomainError("conflict", "This task was decided a moment ago by someone else.");
  // The run's job (one per run: stately, singletonKey = run id) is sent in the decision's transaction.
  await boss.send(QUEUES.run, { runId: t.run_id } satisfies RunJobData, {
    ...runJobOptions(t.run_id, t.run_concurrency_key),
    db: fromPrisma(tx),
  });
  await appendAudit(tx, {
    actor: { id: a.id, email: a.email } satisfies AuditActor,
    requestId,
    action: "task.decided",
    entityType: "task",
    entityId: t.id,
    before: { status: "open" },
    after: { decision: d.decision, fields, comment },
    meta: {
      runId: t.run_id,
      flow: t.flow_key,
      step: t.path,
      via,
      changedFields: fields ? Object.keys(fields) : [],
      businessKeys: t.business_keys,
    },
  });
  return view({ ...t, status: "decided", decision: d.decision, fields, comment, decided_by_email: a.email });
}

export async function decideTask(
  deps: TaskDeps,
  a: TaskActor,
  id: string,
  d: DecisionInput,
  via: Exclude<TaskDecidedVia, "bulk"> = "inbox",
): Promise<TaskView> {
  return deps.db.$transaction(async (tx) => {
    const t = await loadTask(tx, id, true);
    if (!t || (via !== "link" && !isAssignee(a, t))) throw new DomainError("not_found", "No such task in your Inbox.");
    return decideIn(tx, deps.boss, a, t, d, via, deps.requestId ?? null);
  });
}

/**
 * Approves every open task the filter matches whose step allows bulk decisions (at most 500): each in its own
 * transaction, so one refusal (four-eyes, expired meanwhile) does not hold back the rest; refusals are listed.
 */
export async function bulkApprove(
  deps: TaskDeps,
  a: TaskActor,
  filter: { flowKey?: string; ids?: string[] },
  comment?: string,
): Promise<{ approved: number; refused: Array<{ id: string; title: string; reason: string }> }> {
  let tasks = await listTasks(deps.db, a, { status: "open", flowKey: filter.flowKey, bulkOnly: true }, 500);
  if (filter.ids) {
    const wanted = new Set(filter.ids);
    tasks = tasks.filter((t) => wanted.has(t.id));
  }
  if (!tasks.length)
    throw new DomainError(
      "precondition",
      "No open task in your Inbox matches, among those whose step allows bulk approval.",
    );
  let approved = 0;
  const refused: Array<{ id: string; title: string; reason: string }> = [];
  for (const task of tasks) {
    try {
      await deps.db.$transaction(async (tx) => {
        const t = await loadTask(tx, task.id, true);
        if (!t) throw new DomainError("not_found", "The task is gone.");
        if (!t.bulk) throw new DomainError("forbidden", "Its step does not allow bulk decisions.");
        await decideIn(tx, deps.boss, a, t, { decision: "approve", comment }, "bulk", deps.requestId ?? null);
      });
      approved++;
    } catch (e) {
      if (!(e instanceof DomainError)) throw e;
      refused.push({ id: task.id, title: task.title, reason: e.message });
    }
  }
  return { approved, refused };
}

/** How long a signed link lasts unless asked otherwise; never beyond the task's expiry. */
export const TASK_LINK_DEFAULT_HOURS = 72;

/** Issues a signed link to one task for one person (audited); the issuer must be one of its assignees. */
export async function issueTaskLink(
  deps: Pick<TaskDeps, "db" | "requestId">,
  a: TaskActor & { id: string },
  id: string,
  forEmail: string,
  hours = TASK_LINK_DEFAULT_HOURS,
): Promise<{ path: string; expiresAt: Date }> {
  const t = await loadTask(deps.db, id);
  if (!t || !isAssignee(a, t)) throw new DomainError("not_found", "No such task in your Inbox.");
  if (t.status !== "open")
    throw new DomainError("conflict", `This task is ${t.status}; a link to it would be of no use.`);
  let expiresAt = new Date(Date.now() + hours * 3600_000);
  if (t.expires_at && t.expires_at < expiresAt) expiresAt = t.expires_at;
  const token = signTaskLink({ taskId: t.id, email: forEmail, expiresAt });
  await deps.db.$transaction((tx) =>
    appendAudit(tx, {
      actor: { id: a.id, email: a.email },
      requestId: deps.requestId ?? null,
      action: "task.link_issued",
      entityType: "task",
      entityId: t.id,
      after: { for: forEmail.toLowerCase(), expiresAt: expiresAt.toISOString() },
      meta: { runId: t.run_id, flow: t.flow_key },
    }),
  );
  return { path: `/t/${token}`, expiresAt };
}

/** The task a signed link opens (refused when forged, altered or expired). */
export async function taskByLink(db: Db, token: string): Promise<{ task: TaskView; email: string; expiresAt: Date }> {
  const link = verifyTaskLink(token);
  return { task: await getTaskForLink(db, link.taskId), email: link.email, expiresAt: link.expiresAt };
}

/** Decides the one task a signed link opens, as the person it was issued to. */
export async function decideByLink(deps: TaskDeps, token: string, d: DecisionInput): Promise<TaskView> {
  const link = verifyTaskLink(token);
  return decideTask(deps, linkActor(link.email), link.taskId, d, "link");
}

/** A link's holder acts as the person it was issued to, with no account: four-eyes still applies to them. */
export function linkActor(email: string): TaskActor {
  return { id: null, email, roles: [], teamIds: [] };
}

// ---------------------------------------------------------------------------------------------------
// Timers (pg-boss jobs on QUEUES.taskTimer, sent when the task opened)

export interface OverduePayload {
  type: "task.overdue";
  task: { id: string; title: string; dueAt: string | null; assignee: string };
  flow: { key: string; name: string };
  team: { key: string; name: string };
  businessKeys: Record<string, unknown>;
  link: string;
}

export type TaskPoster = (url: string, body: OverduePayload) => Promise<PostResult>;

/** Escalation at the due time (reassign, notify the team's alert channel) or expiry; a no-op once decided. */
export async function handleTaskTimer(
  db: Db,
  boss: PgBoss,
  job: TaskTimerJob,
  opts: { post?: TaskPoster; baseUrl?: string } = {},
): Promise<"escalated" | "expired" | "skipped"> {
  if (job.kind === "expire") {
    return db.$transaction(async (tx) => {
      const t = await loadTask(tx, job.taskId, true);
      if (!t || t.status !== "open" || !t.expires_at || t.expires_at > new Date()) return "skipped" as const;
      await tx.$executeRawUnsafe(`UPDATE task SET status = 'expired' WHERE id = $1::uuid`, t.id);
      if (["waiting", "running", "queued"].includes(t.run_status))
        await boss.send(QUEUES.run, { runId: t.run_id } satisfies RunJobData, {
          ...runJobOptions(t.run_id, t.run_concurrency_key),
          db: fromPrisma(tx),
        });
      await appendAudit(tx, {
        actor: null,
        action: "task.expired",
        entityType: "task",
        entityId: t.id,
        before: { status: "open" },
        after: { status: "expired" },
        meta: { runId: t.run_id, flow: t.flow_key, expiresAt: t.expires_at.toISOString() },
      });
      return "expired" as const;
    });
  }
  const esc = await db.$transaction(async (tx) => {
    const t = await loadTask(tx, job.taskId, true);
    if (!t || t.status !== "open" || t.escalated_at) return null;
    const rules = (
      await tx.$queryRawUnsafe<Array<{ escalation: TaskEscalation | null }>>(
        `SELECT escalation FROM task WHERE id = $1::uuid`,
        t.id,
      )
    )[0]?.escalation;
    const to = rules?.reassignTo;
    let teamId = t.assignee_team_id;
    let email = t.assignee_email;
    let role = t.assignee_role;
    if (to?.team) {
      const team = await tx.team.findUnique({ where: { key: to.team }, select: { id: true } });
      if (team) [teamId, email, role] = [team.id, null, null];
    } else if (to?.user) [teamId, email, role] = [null, to.user.toLowerCase(), null];
    await tx.$executeRawUnsafe(
      `UPDATE task SET escalated_at = now(), assignee_team_id = $2::uuid, assignee_email = $3, assignee_role = $4 WHERE id = $1::uuid`,
      t.id,
      teamId,
      email,
      role,
    );
    await appendAudit(tx, {
      actor: null,
      action: "task.escalated",
      entityType: "task",
      entityId: t.id,
      before: { assignee: describeAssignee(t) },
      after: { reassignedTo: to ?? null, notify: !!rules?.notify },
      meta: { runId: t.run_id, flow: t.flow_key, dueAt: t.due_at?.toISOString() ?? null },
    });
    return { t, notify: !!rules?.notify };
  });
  if (!esc) return "skipped";
  // The team the task was with when it went overdue hears of it on its alert channel (the SLO alerts' webhook).
  if (esc.notify && esc.t.assignee_team_id) {
    const channel = await db.teamAlertChannel.findUnique({ where: { teamId: esc.t.assignee_team_id } });
    if (channel?.enabled && channel.webhookUrl) {
      const post = opts.post ?? ((url, body) => postJson(url, body));
      const r = await post(channel.webhookUrl, {
        type: "task.overdue",
        task: {
          id: esc.t.id,
          title: esc.t.title,
          dueAt: esc.t.due_at?.toISOString() ?? null,
          assignee: describeAssignee(esc.t),
        },
        flow: { key: esc.t.flow_key, name: esc.t.flow_name },
        team: { key: esc.t.team_key ?? "", name: esc.t.team_name ?? "" },
        businessKeys: esc.t.business_keys ?? {},
        link: `${opts.baseUrl ?? ""}/inbox?task=${esc.t.id}`,
      });
      // The escalation is recorded (and audited) either way; an unreachable channel is logged, not retried.
      if (!r.ok) logger.warn({ taskId: esc.t.id, error: r.error }, "overdue task notification failed");
    }
  }
  return "escalated";
}

interface TaskEscalation {
  reassignTo?: { team?: string; user?: string };
  notify?: boolean;
}
