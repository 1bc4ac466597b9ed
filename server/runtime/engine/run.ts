// One run segment = one pg-boss job: claim the run, load its checkpoints, interpret the DSL from the top
// (completed steps return their recorded output), then end the segment in one transaction — succeeded,
// failed (with its exception record), or suspended (re-enqueued with startAfter, or woken by a child).
import "server-only";
import type { PgBoss } from "pg-boss";
import semver from "semver";
import type pino from "pino";
import {
  effectHash,
  Kernel,
  StepFailed,
  Suspend,
  STEP_ROWS_JSON,
  upsertSql,
  type LoadedRow,
  type StepRow,
  type StepSpec,
} from "./kernel";
import { openTask, readTaskOutcome, type TaskOutcome, type TaskSpec } from "../../tasks/runtime";
import { APPROVAL_EXPIRED_CODE } from "../../../core/dsl/defaults";
import { isObjectLike as isRecord } from "../../../core/is-obj";
import { prepared, withTx, type Pool, type Sql } from "../sql";
import { enqueueRun, insertRunWithJob } from "../runs";
import { loadPublishedFlow, loadVersionDsl } from "../flow-source";
import { openException } from "../exceptions";
import { businessKeyValues } from "../../../core/exceptions/keys";
import { deserializeError, serializeError, StepError, type SerializedError } from "../errors";
import { metrics } from "../../observability/metrics";
import { autoResolveNeededSql, queueAutoResolve } from "../../exceptions/auto-resolve";
import { loadOriginRows } from "../replay-plan";

export interface RunRecord {
  id: string;
  flowId: string;
  flowKey: string;
  flowVersionId: string | null;
  input: unknown;
  concurrencyKey: string | null;
  isTest: boolean;
  /** A dry test run: writes are simulated and events are not published (server/runtime/dry-run.ts). */
  dryRun: boolean;
  parentRunId: string | null;
  replayOfId: string | null;
  /** Who started the run (a person's manual or test run); null for triggers. The default requester of four-eyes. */
  createdById: string | null;
  /** The environment the run belongs to: its calls resolve connections through that environment's bindings. */
  environment: string;
  /** From the program: where a failed run goes. */
  failureRoute?: Program["failureRoute"];
  /** From the program: whether the flow has a reconcile step. */
  reconciles?: boolean;
  /** Set per segment: whether settling exceptions needs a statement. */
  mayHaveRetryingException?: boolean;
  businessKeys: Record<string, unknown> | null;
  /** Set by the program when the run fails: its exception's keys (the run's, and those of the items that failed it). */
  failureKeys?: Record<string, unknown> | null;
  createdAt: Date;
}

/** What the interpreter gets besides the kernel. */
export interface RunEnv {
  run: RunRecord;
  pool: Pool;
  boss: PgBoss;
  logger: pino.Logger;
  /** Starts (once) a child run of a published flow and waits for it; resolves with its output. */
  subflow(
    spec: { path: string; stepId: string; input?: unknown },
    flowKey: string,
    input: unknown,
    opts?: SubflowOptions,
  ): Promise<unknown>;
  /**
   * Opens (once) the approval step's task and parks the run until it is decided or expires; resolves with the
   * outcome. `expiredFails`: an expired task fails the step (business error approval_expired) instead.
   */
  approval(spec: StepSpec, task: TaskSpec, expiredFails: boolean): Promise<TaskOutcome>;
}

export interface SubflowOptions {
  /** Exact version, or a semver range ("^1.2.0"): the newest published version in it. Default: the current one. */
  range?: string;
  /** Default true: the parent waits and continues with the child's output; false starts the child and moves on. */
  wait?: boolean;
}

/** A compiled flow: the interpreter's side of the contract (server/runtime/engine/interpreter.ts). */
export interface Program {
  /** Evaluated once per run from its input: which invoices, projects, customers it affects. */
  businessKeys(input: unknown): Promise<Record<string, unknown> | null>;
  /** Executes the flow; throws StepFailed (after its own catch routes and compensation) or Suspend. */
  execute(k: Kernel, env: RunEnv): Promise<unknown>;
  /** Where a finally failed run goes (the DSL's onFailure): the exception queue of a team, or a flow. */
  failureRoute?: { assignTeamKey?: string; flow?: { key: string; range?: string } };
  /** The flow has a reconcile step: a succeeded run may auto-resolve breaks it no longer found. */
  reconciles?: boolean;
}

export type Compile = (dsl: unknown) => Program;

export interface SegmentDeps {
  pool: Pool;
  boss: PgBoss;
  logger: pino.Logger;
  compile: Compile;
  draining: () => boolean;
  inlineDelayMaxMs?: number;
}

export type SegmentOutcome = "succeeded" | "failed" | "waiting" | "skipped" | "blocked";

const programs = new Map<string, Program>();

async function programFor(deps: SegmentDeps, run: RunRecord, snapshot: unknown): Promise<Program> {
  if (!run.flowVersionId) return deps.compile(snapshot); // drafts change: never cached
  let p = programs.get(run.flowVersionId);
  if (!p) {
    p = deps.compile(await loadVersionDsl(deps.pool, run.flowVersionId));
    if (programs.size > 500) programs.clear();
    programs.set(run.flowVersionId, p);
  }
  return p;
}

/** Claims the run for this segment; null when it already finished (a late duplicate job) or was cancelled. */
type Claimed = RunRecord & { snapshot: unknown; hadBusinessKeys: boolean; steps: LoadedRow[] };

/**
 * Claims a run whose job carries a concurrency key. pg-boss's group concurrency keeps two runs of one key
 * from being *fetched* together almost always, but concurrent fetchers can race; this makes it strict:
 * under a per-key advisory lock, the run is claimed only if no other run with its key is running.
 */
async function claimKeyed(pool: Pool, runId: string, key: string): Promise<Claimed | "blocked" | null> {
  return withTx(pool, async (tx) => {
    await tx.query(`SELECT pg_advisory_xact_lock(hashtextextended($1, 7))`, [`weft-run-key:${key}`]);
    const r = await claim(
      tx,
      runId,
      `AND NOT EXISTS (SELECT 1 FROM run o WHERE o.concurrency_key = r.concurrency_key AND o.status = 'running' AND o.id <> r.id)`,
    );
    if (r) return r;
    const { rows } = await tx.query<{ status: string }>(`SELECT status::text AS status FROM run WHERE id = $1`, [
      runId,
    ]);
    return rows[0] && ["queued", "waiting", "running"].includes(rows[0].status) ? "blocked" : null;
  });
}

async function claim(sql: Sql, runId: string, extra = ""): Promise<Claimed | null> {
  const { rows } = await prepared<{
    id: string;
    flow_id: string;
    flow_key: string;
    flow_version_id: string | null;
    dsl_snapshot: unknown;
    input: unknown;
    concurrency_key: string | null;
    is_test: boolean;
    test_mode: string | null;
    parent_run_id: string | null;
    replay_of_id: string | null;
    created_by_id: string | null;
    environment: string;
    business_keys: Record<string, unknown> | null;
    created_at: Date;
    steps: LoadedRow[];
  }>(
    sql,
    `UPDATE run r SET status = 'running', started_at = COALESCE(r.started_at, now())
       FROM flow f WHERE r.id = $1 AND f.id = r.flow_id AND r.status IN ('queued', 'running', 'waiting') ${extra}
     RETURNING r.id, r.flow_id, f.key AS flow_key, r.flow_version_id, r.dsl_snapshot, r.input, r.concurrency_key, r.is_test, r.test_mode, r.parent_run_id, r.replay_of_id, r.created_by_id, r.environment, r.business_keys, r.created_at, ${STEP_ROWS_JSON} AS steps`,
    [runId],
  );
  const r = rows[0];
  if (!r) return null;
  return {
    id: r.id,
    flowId: r.flow_id,
    flowKey: r.flow_key,
    flowVersionId: r.flow_version_id,
    snapshot: r.dsl_snapshot,
    input: r.input,
    concurrencyKey: r.concurrency_key,
    isTest: r.is_test,
    dryRun: r.is_test && r.test_mode === "dry-run",
    parentRunId: r.parent_run_id,
    replayOfId: r.replay_of_id,
    createdById: r.created_by_id,
    environment: r.environment,
    businessKeys: r.business_keys,
    hadBusinessKeys: r.business_keys !== null,
    createdAt: r.created_at,
    steps: r.steps,
  };
}

/** How long a run waits before trying again when another run with its concurrency key is running. */
const KEY_BLOCKED_RETRY_MS = 500;

export async function executeSegment(
  deps: SegmentDeps,
  runId: string,
  signal: AbortSignal,
  concurrencyKey?: string | null,
): Promise<SegmentOutcome> {
  const claimed = concurrencyKey ? await claimKeyed(deps.pool, runId, concurrencyKey) : await claim(deps.pool, runId);
  if (claimed === "blocked") {
    await enqueueRun(deps.pool, deps.boss, runId, concurrencyKey ?? null, new Date(Date.now() + KEY_BLOCKED_RETRY_MS));
    return "blocked";
  }
  if (!claimed) return "skipped";
  const run: RunRecord = claimed;
  const logger = deps.logger.child({ runId, flow: run.flowKey });
  const k = new Kernel({
    pool: deps.pool,
    boss: deps.boss,
    runId,
    flowKey: run.flowKey,
    concurrencyKey: run.concurrencyKey,
    logger,
    signal,
    draining: deps.draining,
    inlineDelayMaxMs: deps.inlineDelayMaxMs,
    dryRun: run.dryRun,
    environment: run.environment,
  });
  let program: Program;
  try {
    program = await programFor(deps, run, claimed.snapshot);
  } catch (err) {
    // A document the runtime cannot execute fails the run (not the job): retrying cannot fix it.
    return finish(
      deps,
      k,
      run,
      {
        ok: false,
        path: null,
        error: new StepError({
          errorClass: "validation",
          code: "invalid_flow",
          message: `The flow cannot be executed: ${(err as Error).message}`,
        }),
      },
      logger,
    );
  }
  run.failureRoute = program.failureRoute;
  run.reconciles = program.reconciles ?? false;
  if (!claimed.hadBusinessKeys) {
    run.businessKeys = await program.businessKeys(run.input).catch((err: unknown) => {
      logger.warn({ err }, "business keys could not be evaluated");
      return null;
    });
  }
  k.load(claimed.steps);
  // A replay reuses what its original run already did (same step, same input): see Kernel.reuseDecision.
  if (run.replayOfId) k.loadOrigin(run.replayOfId, await loadOriginRows(deps.pool, run.replayOfId));
  // A fresh run (no checkpoints, not a replay) cannot have an exception waiting on its outcome.
  run.mayHaveRetryingException = claimed.steps.length > 0 || run.replayOfId !== null;
  const env: RunEnv = {
    run,
    pool: deps.pool,
    boss: deps.boss,
    logger,
    subflow: (spec, flowKey, input, opts) => subflow(k, deps, run, spec, flowKey, input, opts),
    approval: (spec, task, expiredFails) => approval(k, deps, run, spec, task, expiredFails),
  };
  try {
    const output = await program.execute(k, env);
    return await finish(deps, k, run, { ok: true, output }, logger);
  } catch (err) {
    if (err instanceof Suspend) return suspend(deps, k, run, err, logger);
    if (err instanceof StepFailed) return finish(deps, k, run, { ok: false, path: err.path, error: err.error }, logger);
    if (err instanceof StepError) return finish(deps, k, run, { ok: false, path: null, error: err }, logger);
    // Anything else is ours (database cut, bug): the job fails and pg-boss retries it; checkpoints hold.
    throw err;
  }
}

type Result = { ok: true; output: unknown } | { ok: false; path: string | null; error: StepError };

async function finish(
  deps: SegmentDeps,
  k: Kernel,
  run: RunRecord,
  r: Result,
  logger: pino.Logger,
): Promise<SegmentOutcome> {
  const status = r.ok ? "succeeded" : "failed";
  const error: SerializedError | null = r.ok
    ? null
    : ({ ...serializeError(r.error), ...(r.path ? { step: r.path } : {}) } as SerializedError);
  const pending = k.takePending();
  const values: unknown[] = [
    run.id,
    status,
    r.ok ? JSON.stringify(r.output ?? null) : null,
    error ? JSON.stringify(error) : null,
    run.businessKeys ? JSON.stringify(run.businessKeys) : null,
    businessKeyValues(run.businessKeys),
  ];
  let text = `UPDATE run SET status = $2::"RunStatus", output = $3, error = $4, finished_at = now(), business_keys = $5, business_key_values = $6 WHERE id = $1`;
  // Auto-resolve (server/exceptions): open exceptions of earlier runs for these business keys resolve themselves;
  // also after a reconcile step completed, its open breaks the run no longer found. Whether there is anything
  // to resolve comes back from the run's end statement itself.
  const resolves = r.ok && !run.isTest && (!!run.businessKeys || !!run.reconciles);
  if (resolves) {
    values.push(run.flowId);
    text += ` RETURNING ${autoResolveNeededSql(`$${values.length}`, "$6", "$1", "run.environment")} AS resolve`;
  }
  if (pending.rows.length) {
    // The last rows and the run's end in one statement (a data-modifying CTE): one round trip, atomic.
    const up = upsertSql(run.id, pending.rows, values.length);
    text = `WITH steps AS (${up.text}) ${text}`;
    values.push(...up.values);
  }
  const needsTx =
    pending.effects.length > 0 || !!run.parentRunId || (r.ok ? !!run.mayHaveRetryingException : !run.isTest);
  let resolve = false;
  try {
    if (!needsTx) resolve = (await prepared<{ resolve?: boolean }>(deps.pool, text, values)).rows[0]?.resolve === true;
    else
      await withTx(deps.pool, async (tx) => {
        for (const effect of pending.effects) await effect(tx);
        resolve = (await prepared<{ resolve?: boolean }>(tx, text, values)).rows[0]?.resolve === true;
        await settleExceptions(tx, run, r, deps.boss);
        // A child run wakes its parent in the same transaction that records its end.
        if (run.parentRunId) await wakeParent(tx, deps.boss, run.parentRunId);
      });
  } catch (err) {
    k.restorePending(pending);
    throw err;
  }
  if (resolve)
    await queueAutoResolve(deps.boss, run.id).catch((err: unknown) =>
      logger.warn({ err }, "auto-resolve not queued (the sweep will catch it)"),
    );
  const m = metrics();
  m.runsFinished.inc({ flow: run.flowKey, status });
  m.runDuration.observe({ flow: run.flowKey, status }, (Date.now() - run.createdAt.getTime()) / 1000);
  if (r.ok) logger.debug("run succeeded");
  else logger.info({ step: r.path, errorClass: r.error.errorClass, err: r.error.message }, "run failed");
  return status;
}

/**
 * Exceptions an operator retried (same run) or replayed (this run replays another) learn the outcome:
 * success resolves them; a retried run failing again reopens its exception with the new error; a failed
 * replay resolves the original as superseded and opens the replay's own exception.
 */
async function settleExceptions(tx: Sql, run: RunRecord, r: Result, boss?: PgBoss): Promise<void> {
  const related = [run.id, ...(run.replayOfId ? [run.replayOfId] : [])];
  const route = run.failureRoute;
  if (r.ok) {
    if (!run.mayHaveRetryingException) return;
    if (run.replayOfId && run.businessKeys !== null && businessKeyValues(run.businessKeys).length === 0) {
      // The flow declares business keys and this replay found none: it did not process the business object
      // the exception is about (e.g. an edited input without the fields the keys read), so its success
      // proves nothing. The exception goes back to the queue instead of closing.
      await tx.query(
        `UPDATE exception SET status = 'open', updated_at = now() WHERE run_id = $1::uuid AND status = 'retrying'`,
        [run.replayOfId],
      );
      return;
    }
    if (run.replayOfId) await settleReplayedItems(tx, run);
    await tx.query(
      `UPDATE exception SET status = 'resolved', resolution = $2, resolved_at = now(), updated_at = now() WHERE run_id = ANY($1::uuid[]) AND status = 'retrying'`,
      [related, `Succeeded on ${run.replayOfId ? "replay" : "retry"} (run ${run.id}).`],
    );
    return;
  }
  if (run.isTest) return;
  if (run.replayOfId) {
    await tx.query(
      `UPDATE exception SET status = 'resolved', resolution = $2, resolved_at = now(), updated_at = now() WHERE run_id = $1::uuid AND status = 'retrying'`,
      [run.replayOfId, `Replayed as run ${run.id}, which failed again (see its exception).`],
    );
  }
  if (route?.flow && boss) {
    // onFailure: { type: "flow" } — the failure-handler flow gets the failure instead of the exception queue
    // (unless it is not published: then the exception queue still gets it).
    const handler = await resolveFlowVersion(tx, route.flow.key, route.flow.range, run.environment).catch(() => null);
    if (handler) {
      await insertRunWithJob(tx, boss, {
        flowId: handler.flowId,
        flowVersionId: handler.versionId,
        triggerType: "event",
        input: {
          failedRun: {
            id: run.id,
            flow: run.flowKey,
            step: r.path,
            error: serializeError(r.error),
            businessKeys: run.failureKeys ?? run.businessKeys,
            input: run.input,
          },
        },
        idempotencyKey: `failure:${run.id}:${Date.now()}`,
        environment: run.environment,
      });
      return;
    }
  }
  await openException(tx, {
    runId: run.id,
    flowId: run.flowId,
    flowKey: run.flowKey,
    stepPath: r.path,
    error: serializeError(r.error),
    businessKeys: run.failureKeys ?? run.businessKeys,
    assignTeamKey: route?.assignTeamKey ?? null,
  });
}

/**
 * A replay that succeeded settles the original's failed items it was asked about (item exceptions, see
 * openItemExceptions) by what happened to each item — the run succeeding says nothing about one item of a batch
 * that tolerates failures: failed again (the replay has its own exception for the item) → superseded by that one;
 * not processed (its keys are not among the replay's) → back to the queue; otherwise resolved by the caller.
 */
async function settleReplayedItems(tx: Sql, run: RunRecord): Promise<void> {
  const again = `EXISTS (SELECT 1 FROM exception n WHERE n.run_id = $2::uuid AND n.item_of IS NOT NULL
       AND (n.step_path = e.step_path OR (cardinality(e.business_key_values) > 0 AND n.business_key_values @> e.business_key_values)))`;
  await tx.query(
    `UPDATE exception e SET status = 'resolved', resolution = $3, resolved_at = now(), updated_at = now()
      WHERE e.run_id = $1::uuid AND e.status = 'retrying' AND e.item_of IS NOT NULL AND ${again}`,
    [run.replayOfId, run.id, `Replayed as run ${run.id}, which failed this item again (see its exception).`],
  );
  await tx.query(
    `UPDATE exception e SET status = 'open', updated_at = now()
      WHERE e.run_id = $1::uuid AND e.status = 'retrying' AND e.item_of IS NOT NULL AND NOT (e.business_key_values <@ $2::text[])`,
    [run.replayOfId, businessKeyValues(run.businessKeys)],
  );
}

async function suspend(
  deps: SegmentDeps,
  k: Kernel,
  run: RunRecord,
  s: Suspend,
  logger: pino.Logger,
): Promise<SegmentOutcome> {
  await withTx(deps.pool, async (tx) => {
    await k.flush(tx);
    await tx.query(`UPDATE run SET status = 'waiting', business_keys = COALESCE(business_keys, $2) WHERE id = $1`, [
      run.id,
      run.businessKeys ? JSON.stringify(run.businessKeys) : null,
    ]);
    // A timed suspension re-enqueues the run; an untimed one (subflow) is woken by the child's end.
    if (s.resumeAt) await enqueueRun(tx, deps.boss, run.id, run.concurrencyKey, s.resumeAt);
  });
  metrics().runsFinished.inc({ flow: run.flowKey, status: "waiting" });
  logger.debug({ resumeAt: s.resumeAt, reason: s.reason }, "run suspended");
  return "waiting";
}

async function wakeParent(tx: Sql, boss: PgBoss, parentRunId: string): Promise<void> {
  const { rows } = await tx.query<{ concurrency_key: string | null }>(
    `SELECT concurrency_key FROM run WHERE id = $1 AND status IN ('waiting', 'running', 'queued')`,
    [parentRunId],
  );
  if (rows[0]) await enqueueRun(tx, boss, parentRunId, rows[0].concurrency_key);
}

/** Starts the child once (its key is derived from parent + path) and suspends until it has finished. */
async function subflow(
  k: Kernel,
  deps: SegmentDeps,
  run: RunRecord,
  spec: { path: string; stepId: string; input?: unknown },
  flowKey: string,
  input: unknown,
  opts: SubflowOptions = {},
): Promise<unknown> {
  const prev = k.row(spec.path);
  if (prev?.status === "succeeded") return prev.output;
  let childId =
    prev && typeof prev.output === "object" && prev.output !== null
      ? (prev.output as { childRunId?: string }).childRunId
      : undefined;
  if (!childId) {
    const child = await resolveFlowVersion(deps.pool, flowKey, opts.range, run.environment).catch((e: unknown) => {
      throw e instanceof StepFailed ? new StepFailed(spec.path, e.error) : e;
    });
    const startedAt = new Date();
    childId = await withTx(deps.pool, async (tx) => {
      const created = await insertRunWithJob(tx, deps.boss, {
        flowId: child.flowId,
        flowVersionId: child.versionId,
        triggerType: "subflow",
        input,
        idempotencyKey: `sub:${run.id}:${spec.path}`,
        parentRunId: run.id,
        isTest: run.isTest,
        // A dry test run's children are dry too: a subflow must not write where its parent may not.
        testMode: run.isTest ? (run.dryRun ? "dry-run" : "live") : null,
        // A child runs in its parent's environment: a test run's subflow must not reach production accounts.
        environment: run.environment,
      });
      await k.flush(tx, [
        {
          path: spec.path,
          stepId: spec.stepId,
          status: "waiting",
          input: spec.input ?? input ?? null,
          output: { childRunId: created.runId, flow: flowKey },
          error: null,
          attempts: 1,
          attemptLog: [],
          idempotencyKey: null,
          startedAt,
          finishedAt: null,
        },
      ]);
      return created.runId;
    });
    k.put({
      path: spec.path,
      stepId: spec.stepId,
      status: "waiting",
      input: spec.input ?? input ?? null,
      output: { childRunId: childId, flow: flowKey },
      error: null,
      attempts: 1,
      attemptLog: [],
      idempotencyKey: null,
      startedAt,
      finishedAt: null,
    });
  }
  if (opts.wait === false) {
    const row = k.row(spec.path)!;
    k.put({ ...row, status: "succeeded", output: { childRunId: childId }, finishedAt: new Date() });
    return { childRunId: childId };
  }
  const { rows } = await deps.pool.query<{ status: string; output: unknown; error: SerializedError | null }>(
    `SELECT status::text AS status, output, error FROM run WHERE id = $1`,
    [childId],
  );
  const c = rows[0];
  const row = k.row(spec.path)!;
  if (c?.status === "succeeded") {
    k.put({ ...row, status: "succeeded", output: { childRunId: childId, output: c.output }, finishedAt: new Date() });
    return { childRunId: childId, output: c.output };
  }
  if (c?.status === "failed" || c?.status === "cancelled") {
    const e = c.error;
    const err = new StepError({
      errorClass: e?.errorClass ?? "internal",
      code: e?.code ?? "subflow_failed",
      message: `Subflow ${flowKey} (run ${childId}) ${c.status}: ${e?.message ?? ""}`,
      details: { childRunId: childId },
    });
    k.put({ ...row, status: "failed", error: serializeError(err), finishedAt: new Date() });
    throw new StepFailed(spec.path, err);
  }
  throw new Suspend(null, `subflow ${flowKey} (run ${childId})`);
}

/**
 * An approval step: opens its task (with the step's "waiting" row, in one transaction) and parks the run with no
 * timed resumption — the decision (or the expiry timer) re-enqueues it. Resumed, it records the outcome once.
 */
async function approval(
  k: Kernel,
  deps: SegmentDeps,
  run: RunRecord,
  spec: StepSpec,
  task: TaskSpec,
  expiredFails: boolean,
): Promise<TaskOutcome> {
  const prev = k.row(spec.path);
  if (prev?.status === "succeeded") return prev.output as TaskOutcome;
  if (prev?.status === "failed" && prev.error) throw new StepFailed(spec.path, deserializeError(prev.error));
  const base: StepRow = {
    path: spec.path,
    stepId: spec.stepId,
    status: "waiting",
    input: spec.input ?? null,
    output: null,
    error: null,
    attempts: 1,
    attemptLog: [],
    idempotencyKey: null,
    startedAt: prev?.startedAt ?? new Date(),
    finishedAt: null,
  };
  let taskId = prev && isRecord(prev.output) && typeof prev.output.taskId === "string" ? prev.output.taskId : null;
  if (!taskId) {
    try {
      taskId = await withTx(deps.pool, async (tx) => {
        const id = await openTask(tx, deps.boss, run, task);
        await k.flush(tx, [{ ...base, output: { taskId: id } }]);
        return id;
      });
    } catch (err) {
      if (!(err instanceof StepError)) throw err;
      k.put({ ...base, status: "failed", error: serializeError(err), finishedAt: new Date() });
      throw new StepFailed(spec.path, err);
    }
    k.put({ ...base, output: { taskId } });
  }
  const outcome = await readTaskOutcome(deps.pool, taskId);
  if (!outcome || outcome.status === "open" || outcome.status === "cancelled")
    throw new Suspend(null, `approval ${spec.path} (task ${taskId})`);
  const row = k.row(spec.path) ?? base;
  if (outcome.status === "expired" && expiredFails) {
    const err = new StepError({
      errorClass: "business",
      code: APPROVAL_EXPIRED_CODE,
      message: `Nobody decided task "${task.title}" before it expired.`,
      details: { taskId },
    });
    k.put({ ...row, status: "failed", error: serializeError(err), finishedAt: new Date() });
    throw new StepFailed(spec.path, err);
  }
  // A decision is what a replay may reuse (same step, same input); an expiry is not: a replay asks again.
  k.put({
    ...row,
    status: "succeeded",
    output: outcome,
    inputHash: outcome.status === "decided" ? effectHash(spec) : null,
    finishedAt: new Date(),
  });
  return outcome;
}

async function resolveFlowVersion(
  pool: Sql,
  flowKey: string,
  range?: string,
  environment = "production",
): Promise<{ flowId: string; versionId: string }> {
  if (!range) {
    // The version deployed in the run's environment, else production's (the bindings still come from the run's).
    const f =
      (await loadPublishedFlow(pool, flowKey, { environment })) ??
      (environment === "production" ? null : await loadPublishedFlow(pool, flowKey));
    if (!f)
      throw new StepFailed(
        "",
        new StepError({
          errorClass: "validation",
          code: "no_such_flow",
          message: `No published flow "${flowKey}" to run as a subflow.`,
        }),
      );
    return { flowId: f.flowId, versionId: f.versionId };
  }
  const { rows } = await pool.query<{ flow_id: string; id: string; version: string }>(
    `SELECT v.flow_id, v.id, v.version FROM flow_version v JOIN flow f ON f.id = v.flow_id WHERE f.key = $1 AND v.status IN ('approved', 'deprecated')`,
    [flowKey],
  );
  const best = semver.maxSatisfying(
    rows.map((r) => r.version),
    range,
  );
  const hit = rows.find((r) => r.version === best);
  if (!hit)
    throw new StepFailed(
      "",
      new StepError({
        errorClass: "validation",
        code: "no_such_flow",
        message: `No published version of flow "${flowKey}" matches ${range}.`,
      }),
    );
  return { flowId: hit.flow_id, versionId: hit.id };
}

/** Marks a run failed from outside a segment (dead-lettered job): the run still gets its exception. */
export async function failRunFromOutside(pool: Pool, boss: PgBoss, runId: string, message: string): Promise<boolean> {
  return withTx(pool, async (tx) => {
    const { rows } = await tx.query<{
      flow_id: string;
      flow_key: string;
      is_test: boolean;
      parent_run_id: string | null;
      business_keys: Record<string, unknown> | null;
    }>(
      `UPDATE run r SET status = 'failed', finished_at = now(), error = $2 FROM flow f
        WHERE r.id = $1 AND f.id = r.flow_id AND r.status IN ('queued', 'running', 'waiting')
        RETURNING r.flow_id, f.key AS flow_key, r.is_test, r.parent_run_id, r.business_keys`,
      [runId, JSON.stringify({ errorClass: "internal", code: "infrastructure", message })],
    );
    const r = rows[0];
    if (!r) return false;
    if (!r.is_test)
      await openException(tx, {
        runId,
        flowId: r.flow_id,
        flowKey: r.flow_key,
        stepPath: null,
        error: { errorClass: "internal", code: "infrastructure", message },
        businessKeys: r.business_keys,
      });
    if (r.parent_run_id) await wakeParent(tx, boss, r.parent_run_id);
    metrics().runsFinished.inc({ flow: r.flow_key, status: "failed" });
    return true;
  });
}
