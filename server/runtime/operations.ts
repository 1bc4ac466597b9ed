// Operations on runs and exceptions, shared by tRPC (server/api/routers/runs.ts, exceptions.ts) and the CLI
// (scripts/cli/runtime-commands.ts). Every write runs in one Prisma transaction together with its audit
// row and, where it starts work, the pg-boss job (sent through the same transaction).
import "server-only";
import { fromPrisma, type PgBoss } from "pg-boss";
import { DomainError, notFound } from "../../core/domain-error";
import { Prisma, type Db } from "../db/client";
import { prismaSql } from "./sql";
import { insertRunWithJob, runJobOptions, type TestMode } from "./runs";
import { triggerSampleProblems } from "../flows/drafts";
import { QUEUES, type RunJobData } from "./queues";
import { flowView, evaluateKey } from "./dsl-view";
import { planReplay, type ReplayPlan } from "./replay-plan";
import type { RunStatus } from "../../core/flow-constants";

type Tx = Prisma.TransactionClient;
import type { AuditFn } from "../audit/audit";

export interface OpsDeps {
  db: Db;
  boss: PgBoss;
  audit: AuditFn;
  userId: string | null;
}

const conflict = (message: string) => new DomainError("conflict", message);

/** A reconciliation break belongs to a run that succeeded: nothing to retry, skip or replay (docs/reconciliation.md). */
function refuseBreak(e: { breakIdentity: string | null }, action: string): void {
  if (e.breakIdentity)
    throw conflict(
      `This is a reconciliation break, not a failed run: it cannot be ${action}. Correct the record in its source system (or use Re-sync on the Reconciliation page); the next complete run of the reconciliation resolves it.`,
    );
}

/**
 * A failed item of a batch that went on: its run did not stop there, so there is nothing to continue — replaying
 * the run processes the item again (the items that succeeded are reused, not repeated).
 */
function refuseItem(e: { itemOf: string | null }, action: string): void {
  if (e.itemOf)
    throw conflict(
      `This item failed inside a batch that went on without it (${e.itemOf} tolerates failed items): it cannot be ${action}. Replay the run to process it again — the items that succeeded are reused, not repeated — or fix it at the source; a later run that processes the item resolves this exception.`,
    );
}

// ---------------------------------------------------------------- reads

export interface RunListFilter {
  flowKey?: string;
  /** A published version of the flow ("1.2.0"). */
  version?: string;
  status?: RunStatus;
  triggerType?: string;
  /** "name=value" matches exactly (indexed); anything else matches any business-key value containing it. */
  businessKey?: string;
  isTest?: boolean;
  /** The environment the runs ran in (docs/environments.md); absent: every environment. */
  environment?: string;
  from?: Date;
  to?: Date;
  /** Runs created before this one (keyset pagination, newest first). */
  cursor?: string;
  limit?: number;
}

async function runIdsWithKeyLike(db: Db, term: string, f: RunListFilter): Promise<string[]> {
  // Substring search over business-key values: bounded (newest 2,000 matches) and narrowed by flow/time.
  const like = `%${term.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
  const rows = await db.$queryRaw<Array<{ id: string }>>`
    SELECT r.id::text AS id FROM run r ${f.flowKey ? Prisma.sql`JOIN flow f ON f.id = r.flow_id AND f.key = ${f.flowKey}` : Prisma.empty}
     WHERE EXISTS (SELECT 1 FROM unnest(r.business_key_values) v WHERE v ILIKE ${like})
       ${f.from ? Prisma.sql`AND r.created_at >= ${f.from}` : Prisma.empty} ${f.to ? Prisma.sql`AND r.created_at <= ${f.to}` : Prisma.empty}
     ORDER BY r.created_at DESC LIMIT 2000`;
  return rows.map((r) => r.id);
}

export async function listRuns(db: Db, f: RunListFilter) {
  const limit = Math.min(f.limit ?? 50, 200);
  const cursorRow = f.cursor
    ? await db.run.findUnique({ where: { id: f.cursor }, select: { createdAt: true, id: true } })
    : null;
  const exactKey = f.businessKey?.includes("=");
  const likeIds = f.businessKey && !exactKey ? await runIdsWithKeyLike(db, f.businessKey.trim(), f) : undefined;
  const rows = await db.run.findMany({
    where: {
      id: likeIds ? { in: likeIds } : undefined,
      flow: f.flowKey ? { key: f.flowKey } : undefined,
      flowVersion: f.version ? { version: f.version } : undefined,
      status: f.status,
      triggerType: f.triggerType,
      isTest: f.isTest,
      environment: f.environment,
      businessKeyValues: f.businessKey && exactKey ? { has: f.businessKey.trim() } : undefined,
      createdAt: f.from || f.to ? { gte: f.from, lte: f.to } : undefined,
      OR: cursorRow
        ? [{ createdAt: { lt: cursorRow.createdAt } }, { createdAt: cursorRow.createdAt, id: { lt: cursorRow.id } }]
        : undefined,
    },
    orderBy: [{ createdAt: "desc" }, { id: "desc" }],
    take: limit + 1,
    select: {
      id: true,
      status: true,
      triggerType: true,
      isTest: true,
      environment: true,
      businessKeys: true,
      createdAt: true,
      startedAt: true,
      finishedAt: true,
      error: true,
      parentRunId: true,
      replayOfId: true,
      flow: { select: { key: true, name: true, domain: true } },
      flowVersion: { select: { version: true } },
      exceptions: { select: { id: true, status: true }, take: 1, orderBy: { createdAt: "desc" } },
    },
  });
  const items = rows.slice(0, limit).map((r) => ({
    ...r,
    durationMs: r.finishedAt && r.startedAt ? r.finishedAt.getTime() - r.createdAt.getTime() : null,
  }));
  return { items, nextCursor: rows.length > limit ? items.at(-1)!.id : null };
}

/** The run with its step timeline: every step's input, output, attempts, error and timings. */
export async function runTimeline(db: Db, runId: string) {
  const run = await db.run.findUnique({
    where: { id: runId },
    include: {
      flow: { select: { key: true, name: true, domain: true, classification: true } },
      flowVersion: { select: { version: true, dsl: true } },
      steps: { orderBy: [{ startedAt: "asc" }, { path: "asc" }] },
      exceptions: {
        select: { id: true, status: true, errorClass: true, message: true, stepPath: true, createdAt: true },
      },
    },
  });
  if (!run) throw notFound("Run");
  const children = await db.run.findMany({
    where: { parentRunId: runId },
    select: { id: true, status: true, flow: { select: { key: true } } },
  });
  const replays = await db.run.findMany({
    where: { replayOfId: runId },
    select: { id: true, status: true, createdAt: true },
  });
  return {
    ...run,
    dslSnapshot: undefined,
    // Archived rows ("~…/path") are earlier attempts kept for the record (before a retry or a compensation).
    steps: run.steps.map((s) => ({
      ...s,
      archived: s.path.startsWith("~"),
      durationMs: s.startedAt && s.finishedAt ? s.finishedAt.getTime() - s.startedAt.getTime() : null,
    })),
    children,
    replays,
  };
}

// ---------------------------------------------------------------- writes

async function lockException(tx: Tx, id: string) {
  // Row lock: two operators retrying the same exception at once must not both succeed.
  const rows = await tx.$queryRaw<
    Array<{ id: string }>
  >`SELECT id::text AS id FROM exception WHERE id = ${id}::uuid FOR UPDATE`;
  if (!rows.length) throw notFound("Exception");
  return tx.exception.findUniqueOrThrow({
    where: { id },
    include: { run: { include: { flow: { select: { key: true } } } } },
  });
}

/**
 * Before a failed run runs again: its completed steps stay (memoised), the rest is archived for the record —
 * compensated forward steps as "~c<n>/path" (n counts compensations, part of their next key), failed,
 * interrupted and compensation rows as "~r<stamp>/path" — so they execute afresh.
 */
async function archiveForRerun(sql: ReturnType<typeof prismaSql>, runId: string): Promise<void> {
  await sql.query(
    `UPDATE step_run s SET path = '~c' || (1 + (SELECT count(*) FROM step_run a WHERE a.run_id = s.run_id AND a.path LIKE '~c%/' || s.path)) || '/' || s.path
      WHERE s.run_id = $1::uuid AND s.status = 'compensated' AND s.path NOT LIKE '~%'`,
    [runId],
  );
  await sql.query(
    `UPDATE step_run SET path = '~r' || $2 || '/' || path
      WHERE run_id = $1::uuid AND path NOT LIKE '~%' AND (status IN ('failed', 'running', 'retrying', 'waiting') OR path LIKE '%~compensate%')`,
    [runId, Date.now().toString(36)],
  );
}

/**
 * Retry with the same input: the *same* run continues from where it failed. Completed steps are not
 * executed again; the failed step gets fresh attempts with its original idempotency key (a vendor that
 * did receive an earlier attempt de-duplicates it); compensated steps run again with new keys.
 */
export async function retryException(d: OpsDeps, id: string): Promise<{ runId: string }> {
  return d.db.$transaction(async (tx) => {
    const e = await lockException(tx, id);
    refuseBreak(e, "retried");
    refuseItem(e, "retried");
    if (e.status !== "open") throw conflict(`This exception is ${e.status}; only open exceptions can be retried.`);
    if (e.run.status !== "failed") throw conflict(`Run ${e.runId} is ${e.run.status}, not failed.`);
    const sql = prismaSql(tx);
    await archiveForRerun(sql, e.runId);
    await tx.run.update({
      where: { id: e.runId },
      data: { status: "queued", error: Prisma.DbNull, output: Prisma.DbNull, finishedAt: null },
    });
    await tx.exception.update({ where: { id }, data: { status: "retrying" } });
    const data: RunJobData = { runId: e.runId };
    await d.boss.send(QUEUES.run, data, { ...runJobOptions(e.runId, e.run.concurrencyKey), db: fromPrisma(tx) });
    await d.audit(tx, {
      action: "exception.retry",
      entityType: "exception",
      entityId: id,
      before: { status: e.status },
      after: { status: "retrying" },
      meta: { runId: e.runId },
    });
    return { runId: e.runId };
  });
}

/** The version a replay runs: the run's own, or the latest published one (also when the run was a draft's). */
export async function replayVersion(
  tx: Tx,
  run: { flowId: string; flowVersionId: string | null; environment?: string },
  latest?: boolean,
): Promise<{ id: string; version: string; dsl: unknown }> {
  let versionId = run.flowVersionId;
  if (latest || !versionId) {
    // "Latest" is what runs in the run's environment now: its deployment, else (production) the newest approved.
    const environment = run.environment ?? "production";
    const dep = await tx.deployment.findFirst({
      where: { flowId: run.flowId, environmentKey: environment },
      orderBy: { createdAt: "desc" },
      select: { flowVersionId: true },
    });
    const v = dep
      ? { id: dep.flowVersionId }
      : environment === "production" &&
          !(await tx.deployment.findFirst({ where: { flowId: run.flowId }, select: { id: true } }))
        ? await tx.flowVersion.findFirst({
            where: { flowId: run.flowId, status: "approved" },
            orderBy: [{ approvedAt: { sort: "desc", nulls: "last" } }, { createdAt: "desc" }],
            select: { id: true },
          })
        : null;
    if (!v) throw conflict("This flow has no published version to replay on.");
    versionId = v.id;
  }
  const v = await tx.flowVersion.findUniqueOrThrow({
    where: { id: versionId },
    select: { id: true, version: true, dsl: true },
  });
  return { id: v.id, version: v.version, dsl: v.dsl };
}

/**
 * What replaying the exception would do (server/runtime/replay-plan.ts): which effectful steps reuse the
 * original run's results and which run again, with this input on this version.
 */
export async function replayExceptionPlan(
  db: Db,
  id: string,
  opts: { input?: unknown; latest?: boolean },
): Promise<ReplayPlan & { version: string }> {
  const e = await db.exception.findUnique({
    where: { id },
    select: { runId: true, run: { select: { flowId: true, flowVersionId: true, input: true, isTest: true } } },
  });
  if (!e) throw notFound("Exception");
  const v = await replayVersion(db, e.run, opts.latest);
  const plan = await planReplay(prismaSql(db), {
    originRunId: e.runId,
    dsl: v.dsl,
    input: opts.input === undefined ? e.run.input : opts.input,
    isTest: e.run.isTest,
  });
  return { ...plan, version: v.version };
}

/**
 * Replay: a new run of the same version (or the latest published one) with the same or an edited input,
 * linked to the original run — whose succeeded effects it reuses where the step's input is unchanged
 * (Kernel.reuseDecision), so only what changed executes again.
 */
export async function replayException(
  d: OpsDeps,
  id: string,
  opts: { input?: unknown; latest?: boolean },
): Promise<{ runId: string; version: string; plan: { reused: string[]; runs: string[] } }> {
  const preview = await replayExceptionPlan(d.db, id, opts).catch(() => null);
  const plan = {
    reused: preview?.steps.filter((s) => s.plan === "reused").map((s) => s.path) ?? [],
    runs: preview?.steps.filter((s) => s.plan !== "reused").map((s) => s.path) ?? [],
  };
  return d.db.$transaction(async (tx) => {
    const e = await lockException(tx, id);
    refuseBreak(e, "replayed");
    if (e.status !== "open") throw conflict(`This exception is ${e.status}; only open exceptions can be replayed.`);
    const version = await replayVersion(tx, e.run, opts.latest);
    const versionId = version.id;
    const input = opts.input === undefined ? e.run.input : opts.input;
    const view = flowView(version.dsl);
    const ck = view.concurrencyKey ? await evaluateKey(view.concurrencyKey, input).catch(() => null) : null;
    const created = await insertRunWithJob(
      prismaSql(tx),
      d.boss,
      {
        flowId: e.run.flowId,
        flowVersionId: versionId,
        triggerType: "replay",
        input,
        replayOfId: e.runId,
        concurrencyKey: ck ? `${e.run.flow.key}:${ck}` : null,
        createdById: d.userId,
        // A replay stays in the failed run's environment (and so with its connection bindings).
        environment: e.run.environment,
      },
      fromPrisma(tx),
    );
    await tx.exception.update({ where: { id }, data: { status: "retrying" } });
    await d.audit(tx, {
      action: opts.latest ? "exception.replay_latest" : "exception.replay",
      entityType: "exception",
      entityId: id,
      before: { status: e.status },
      after: { status: "retrying", runId: created.runId, version: version.version },
      // What the operator was shown before confirming: the steps reused from the original run and those run again.
      meta: {
        originalRunId: e.runId,
        inputEdited: opts.input !== undefined,
        reusedSteps: plan.reused,
        stepsRunAgain: plan.runs,
      },
    });
    return { runId: created.runId, version: version.version, plan };
  });
}

export async function resolveExceptions(d: OpsDeps, ids: string[], reason: string): Promise<{ resolved: number }> {
  return d.db.$transaction(async (tx) => {
    let resolved = 0;
    for (const id of ids) {
      const e = await lockException(tx, id);
      if (e.status === "resolved") continue;
      await tx.exception.update({
        where: { id },
        data: { status: "resolved", resolution: reason, resolvedById: d.userId, resolvedAt: new Date() },
      });
      await d.audit(tx, {
        action: "exception.resolve",
        entityType: "exception",
        entityId: id,
        before: { status: e.status },
        after: { status: "resolved", resolution: reason },
      });
      resolved++;
    }
    return { resolved };
  });
}

export async function assignExceptions(
  d: OpsDeps,
  ids: string[],
  to: { userId?: string | null; teamId?: string | null },
): Promise<{ assigned: number }> {
  return d.db.$transaction(async (tx) => {
    if (to.userId && !(await tx.user.findUnique({ where: { id: to.userId }, select: { id: true } })))
      throw notFound("User");
    if (to.teamId && !(await tx.team.findUnique({ where: { id: to.teamId }, select: { id: true } })))
      throw notFound("Team");
    for (const id of ids) {
      const e = await lockException(tx, id);
      const data = {
        assigneeId: to.userId === undefined ? e.assigneeId : to.userId,
        assigneeTeamId: to.teamId === undefined ? e.assigneeTeamId : to.teamId,
      };
      await tx.exception.update({ where: { id }, data });
      await d.audit(tx, {
        action: "exception.assign",
        entityType: "exception",
        entityId: id,
        before: { assigneeId: e.assigneeId, assigneeTeamId: e.assigneeTeamId },
        after: data,
      });
    }
    return { assigned: ids.length };
  });
}

/** A manual run of the flow's current published version (designer), through the same engine as webhooks. */
export async function startManualRun(
  d: OpsDeps,
  flowKey: string,
  input: unknown,
  environment?: string,
): Promise<{ runId: string; version: string }> {
  return d.db.$transaction(async (tx) => {
    const r = await startPublishedRun(tx, d, flowKey, input, { environment });
    return { runId: r.runId, version: r.version };
  });
}

/**
 * A manual run of the flow's published version inside the caller's transaction, audited (`run.start`). With an
 * idempotency key a repeated request finds its run (`created: false`) instead of starting another.
 */
export async function startPublishedRun(
  tx: Tx,
  d: Pick<OpsDeps, "boss" | "audit" | "userId">,
  flowKey: string,
  input: unknown,
  opts: { idempotencyKey?: string; reason?: Record<string, unknown>; environment?: string } = {},
): Promise<{ runId: string; version: string; created: boolean }> {
  const flow = await tx.flow.findUnique({ where: { key: flowKey }, select: { id: true, key: true } });
  if (!flow) throw notFound("Flow");
  const environment = opts.environment ?? "production";
  // The version deployed in the environment; production without deployments keeps the newest approved one.
  const deployed = await tx.deployment.findFirst({
    where: { flowId: flow.id, environmentKey: environment },
    orderBy: { createdAt: "desc" },
    select: { flowVersion: { select: { id: true, version: true, dsl: true } } },
  });
  const v =
    deployed?.flowVersion ??
    (environment === "production" &&
    !(await tx.deployment.findFirst({ where: { flowId: flow.id }, select: { id: true } }))
      ? await tx.flowVersion.findFirst({
          where: { flowId: flow.id, status: "approved" },
          orderBy: [{ approvedAt: { sort: "desc", nulls: "last" } }, { createdAt: "desc" }],
          select: { id: true, version: true, dsl: true },
        })
      : null);
  if (!v)
    throw conflict(
      environment === "production"
        ? `${flowKey} has no version in production; a published version gets there by a promotion from test (use a test run for the draft).`
        : `No version of ${flowKey} is deployed to the ${environment} environment; deploy one first.`,
    );
  const view = flowView(v.dsl);
  const ck = view.concurrencyKey ? await evaluateKey(view.concurrencyKey, input).catch(() => null) : null;
  const r = await insertRunWithJob(
    prismaSql(tx),
    d.boss,
    {
      flowId: flow.id,
      flowVersionId: v.id,
      triggerType: "manual",
      input,
      idempotencyKey: opts.idempotencyKey ?? null,
      concurrencyKey: ck ? `${flow.key}:${ck}` : null,
      createdById: d.userId,
      environment,
    },
    fromPrisma(tx),
  );
  if (r.created)
    await d.audit(tx, {
      action: "run.start",
      entityType: "run",
      entityId: r.runId,
      after: { flowKey, version: v.version, triggerType: "manual", environment, ...opts.reason },
    });
  return { runId: r.runId, version: v.version, created: r.created };
}

/**
 * A test run of the draft (or of a DSL the designer passes): executed like any run, flagged is_test, no
 * exceptions opened. `mode` "dry-run" (the default) sends reads only and answers writes with their pinned
 * sample or a synthesised response; "live" really calls the connections. The input must be what the
 * trigger produces (core/dsl trigger-input.ts): a webhook test gets `{ body, headers, query }` like a delivery.
 */
export async function startTestRun(
  d: OpsDeps,
  flowKey: string,
  input: unknown,
  dsl?: unknown,
  mode: TestMode = "dry-run",
): Promise<{ runId: string; mode: TestMode }> {
  return d.db.$transaction(async (tx) => {
    const flow = await tx.flow.findUnique({
      where: { key: flowKey },
      select: { id: true, draft: true, draftRevision: true },
    });
    if (!flow) throw notFound("Flow");
    const snapshot = dsl ?? flow.draft;
    const problems = await triggerSampleProblems(tx, snapshot, input);
    if (problems.length) {
      const type = String((snapshot as { trigger?: { type?: unknown } } | null)?.trigger?.type ?? "");
      throw new DomainError(
        "invalid",
        `The test input is not what the ${type} trigger produces: ${problems.map((p) => p.message).join(" ")}`,
      );
    }
    const view = flowView(snapshot);
    const ck = view.concurrencyKey ? await evaluateKey(view.concurrencyKey, input).catch(() => null) : null;
    const r = await insertRunWithJob(
      prismaSql(tx),
      d.boss,
      {
        flowId: flow.id,
        flowVersionId: null,
        dslSnapshot: snapshot,
        triggerType: "test",
        input,
        isTest: true,
        testMode: mode,
        concurrencyKey: ck ? `${flowKey}:${ck}` : null,
        createdById: d.userId,
      },
      fromPrisma(tx),
    );
    await d.audit(tx, {
      action: "run.test",
      entityType: "run",
      entityId: r.runId,
      after: {
        flowKey,
        draftRevision: dsl ? null : flow.draftRevision,
        triggerType: "test",
        mode,
        ...(mode === "live" ? { connections: connectionsOf(snapshot) } : {}),
      },
    });
    return { runId: r.runId, mode };
  });
}

/** The connections a document's call steps name (a live test run's audit entry and confirmation list them). */
export function connectionsOf(dsl: unknown): string[] {
  const out = new Set<string>();
  const walk = (v: unknown) => {
    if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === "object") {
      const o = v as Record<string, unknown>;
      if (o.type === "call" && typeof o.connection === "string") out.add(o.connection);
      for (const x of Object.values(o)) if (x && typeof x === "object") walk(x);
    }
  };
  walk((dsl as { steps?: unknown } | null)?.steps);
  return [...out].sort();
}

/** Cancels a run that has not finished; its queued job finds it cancelled and does nothing. */
export async function cancelRun(d: OpsDeps, runId: string, reason: string): Promise<{ cancelled: boolean }> {
  return d.db.$transaction(async (tx) => {
    const run = await tx.run.findUnique({ where: { id: runId }, select: { status: true } });
    if (!run) throw notFound("Run");
    if (!["queued", "running", "waiting"].includes(run.status)) throw conflict(`Run is ${run.status}.`);
    await tx.run.update({
      where: { id: runId },
      data: {
        status: "cancelled",
        finishedAt: new Date(),
        error: { errorClass: "business", code: "cancelled", message: reason },
      },
    });
    // Its open approval tasks leave the Inbox: nobody can decide for a run that no longer waits.
    await tx.task.updateMany({ where: { runId, status: "open" }, data: { status: "cancelled" } });
    await d.audit(tx, {
      action: "run.cancel",
      entityType: "run",
      entityId: runId,
      before: { status: run.status },
      after: { status: "cancelled" },
      meta: { reason },
    });
    return { cancelled: true };
  });
}

/**
 * Skip the failed step with an output the operator provides: the step is recorded as skipped with that
 * output (the interpreter returns it like a completed step's) and the same run continues after it.
 */
export async function skipExceptionStep(d: OpsDeps, id: string, output: unknown): Promise<{ runId: string }> {
  return d.db.$transaction(async (tx) => {
    const e = await lockException(tx, id);
    refuseBreak(e, "skipped");
    refuseItem(e, "skipped");
    if (e.status !== "open") throw conflict(`This exception is ${e.status}; only open exceptions can be skipped.`);
    if (e.run.status !== "failed") throw conflict(`Run ${e.runId} is ${e.run.status}, not failed.`);
    if (!e.stepPath)
      throw conflict(
        "This failure is not at a step (the run failed before or between steps); retry or replay it instead.",
      );
    const sql = prismaSql(tx);
    const { rows } = await sql.query<{ input: unknown; step_id: string }>(
      `SELECT input, step_id FROM step_run WHERE run_id = $1::uuid AND path = $2`,
      [e.runId, e.stepPath],
    );
    await archiveForRerun(sql, e.runId);
    const stepId = rows[0]?.step_id ?? (e.stepPath.split(".").pop() ?? e.stepPath).replace(/\[\d+\]/g, "");
    await sql.query(
      `INSERT INTO step_run (run_id, path, step_id, status, input, output, attempts, attempt_log, started_at, finished_at)
       VALUES ($1::uuid, $2, $3, 'skipped', $4, $5, 0, $6, now(), now())`,
      [
        e.runId,
        e.stepPath,
        stepId,
        rows[0]?.input === undefined ? null : JSON.stringify(rows[0].input),
        JSON.stringify(output ?? null),
        JSON.stringify([{ skippedBy: d.userId, exceptionId: id }]),
      ],
    );
    await tx.run.update({
      where: { id: e.runId },
      data: { status: "queued", error: Prisma.DbNull, output: Prisma.DbNull, finishedAt: null },
    });
    await tx.exception.update({ where: { id }, data: { status: "retrying" } });
    await d.boss.send(QUEUES.run, { runId: e.runId } satisfies RunJobData, {
      ...runJobOptions(e.runId, e.run.concurrencyKey),
      db: fromPrisma(tx),
    });
    await d.audit(tx, {
      action: "exception.skip_step",
      entityType: "exception",
      entityId: id,
      before: { status: e.status, stepPath: e.stepPath },
      after: { status: "retrying", output },
      meta: { runId: e.runId },
    });
    return { runId: e.runId };
  });
}

/** A comment on an exception: an audit entry (append-only, shown in the action history). */
export async function commentException(d: OpsDeps, id: string, text: string): Promise<{ ok: true }> {
  return d.db.$transaction(async (tx) => {
    const e = await tx.exception.findUnique({ where: { id }, select: { id: true, status: true } });
    if (!e) throw notFound("Exception");
    await d.audit(tx, {
      action: "exception.comment",
      entityType: "exception",
      entityId: id,
      after: { comment: text },
      meta: { status: e.status },
    });
    return { ok: true as const };
  });
}
