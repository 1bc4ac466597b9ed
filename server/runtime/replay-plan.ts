// What a replay will do, before the operator confirms it. A replay is a new run (server/runtime/operations.ts
// replayException) linked to its original run; at each effectful step (call, emit) whose original — same
// path — succeeded with the same input hash (target + resolved input, Kernel.effectHash), it reuses the
// recorded result and idempotency key instead of acting again (Kernel.reuseDecision), so a replay never
// creates a second vendor record for what already happened; everything else executes.
//
// The plan is computed by the same interpreter and kernel in preview mode: pure steps (maps, switches)
// evaluate with the edited input; effectful steps are looked up, never called, and the preview stops at the
// first one that will act again — what follows depends on that step's new result ("runs if reached").
import "server-only";
import { randomUUID } from "node:crypto";
import pino from "pino";
import type { PgBoss } from "pg-boss";
import { parseFlow, stepsOf } from "../../core/dsl";
import { compileFlow } from "./engine/interpreter";
import {
  Kernel,
  PreviewStop,
  StepFailed,
  Suspend,
  type OriginRow,
  type ReplayPlanRecorder,
  type StepStatus,
} from "./engine/kernel";
import type { RunEnv, RunRecord } from "./engine/run";
import { businessKeyValues } from "../../core/exceptions/keys";
import type { Pool, Sql } from "./sql";

/** The original run's non-archived step rows that a replay may reuse, by path. */
export async function loadOriginRows(sql: Sql, runId: string): Promise<Map<string, OriginRow>> {
  const { rows } = await sql.query<{
    path: string;
    status: StepStatus;
    output: unknown;
    idempotency_key: string | null;
    input_hash: string | null;
  }>(
    `SELECT path, status, output, idempotency_key, input_hash FROM step_run WHERE run_id = $1::uuid AND path NOT LIKE '~%'`,
    [runId],
  );
  return new Map(
    rows.map((r) => [
      r.path,
      { status: r.status, output: r.output, idempotencyKey: r.idempotency_key, inputHash: r.input_hash },
    ]),
  );
}

export interface ReplayPlanStep {
  /** The step's path in the run ("post", "lines[2].post"), or its id when the preview did not reach it. */
  path: string;
  stepId: string;
  name: string | null;
  type: string;
  /** reused: not executed, the original's result is kept; runs: executes again; later: runs if the run gets there. */
  plan: "reused" | "runs" | "later";
  reason: string;
}

export interface ReplayPlan {
  steps: ReplayPlanStep[];
  /** Where the replay would fail with this input before acting (a mapping that breaks, a fail step). */
  failure: { path: string; errorClass: string; message: string } | null;
  /** The business keys the replay starts with; empty while the flow declares keys = it will not close the exception. */
  businessKeys: Record<string, unknown> | null;
  emptyBusinessKeys: boolean;
}

/** A collaborator the preview must never reach (it writes nothing and publishes nothing). */
function unavailable<T extends object>(what: string): T {
  return new Proxy({} as T, {
    get: (_t, prop) => {
      throw new Error(`A replay preview does not use the ${what} (${String(prop)}).`);
    },
  });
}

const silent = pino({ level: "silent" });

export async function planReplay(
  sql: Sql,
  opts: { originRunId: string; dsl: unknown; input: unknown; isTest?: boolean },
): Promise<ReplayPlan> {
  const flow = parseFlow(opts.dsl);
  const program = compileFlow(flow);
  const recorder: ReplayPlanRecorder = { entries: [] };
  const runId = randomUUID();
  const k = new Kernel({
    pool: unavailable<Pool>("database pool"),
    boss: unavailable<PgBoss>("queue"),
    runId,
    flowKey: flow.key,
    concurrencyKey: null,
    logger: silent,
    signal: new AbortController().signal,
    draining: () => false,
    preview: recorder,
  });
  k.loadOrigin(opts.originRunId, await loadOriginRows(sql, opts.originRunId));
  const businessKeys = await program.businessKeys(opts.input).catch(() => null);
  const run: RunRecord = {
    id: runId,
    flowId: "",
    flowKey: flow.key,
    flowVersionId: null,
    input: opts.input,
    concurrencyKey: null,
    isTest: !!opts.isTest,
    parentRunId: null,
    replayOfId: opts.originRunId,
    createdById: null,
    businessKeys,
    createdAt: new Date(),
    dryRun: false,
    // A preview calls no connection, so no binding is resolved.
    environment: "production",
  };
  const env: RunEnv = {
    run,
    pool: unavailable<Pool>("database pool"),
    boss: unavailable<PgBoss>("queue"),
    logger: silent,
    subflow: async (spec) => {
      recorder.entries.push({
        path: spec.path,
        stepId: spec.stepId,
        type: "subflow",
        plan: "runs",
        reason: "a subflow starts a new child run",
      });
      throw new PreviewStop(spec.path);
    },
    // Reached only when the original decision cannot be reused (the kernel recorded why): a new task.
    approval: async (spec) => {
      throw new PreviewStop(spec.path);
    },
  };
  try {
    await program.execute(k, env);
  } catch (err) {
    if (!(err instanceof PreviewStop || err instanceof StepFailed || err instanceof Suspend)) throw err;
  }
  const effectful = stepsOf(flow)
    .map((v) => v.step)
    .filter((s) => s.type === "call" || s.type === "emit" || s.type === "subflow" || s.type === "approval");
  const reached = new Set(recorder.entries.map((e) => e.stepId));
  const stoppedAt = recorder.entries.find((e) => e.plan === "runs");
  const steps: ReplayPlanStep[] = [
    ...recorder.entries.map((e) => ({ ...e, name: effectful.find((s) => s.id === e.stepId)?.name ?? null })),
    ...effectful
      .filter((s) => !reached.has(s.id))
      .map((s) => ({
        path: s.id,
        stepId: s.id,
        name: s.name ?? null,
        type: s.type,
        plan: "later" as const,
        reason: recorder.failure
          ? `not reached: the replay fails at ${recorder.failure.path} first`
          : stoppedAt
            ? `runs if reached (after ${stoppedAt.stepId} runs again)`
            : "not on the replay's path",
      })),
  ];
  return {
    steps,
    failure: recorder.failure ?? null,
    businessKeys,
    emptyBusinessKeys: businessKeys !== null && businessKeyValues(businessKeys).length === 0,
  };
}
