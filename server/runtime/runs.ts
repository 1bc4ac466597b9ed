// Creating a run: the run row and its first job commit in one transaction (pg-boss writes the job through
// our connection), so an accepted trigger is never lost even when every worker is down, and a run never
// exists without a job to execute it. Duplicates are refused by the (flow_id, idempotency_key) unique index.
import "server-only";
import { randomUUID } from "node:crypto";
import type { Db as BossDb, PgBoss, SendOptions } from "pg-boss";
import { bossDb, withTx, type Pool, type Sql } from "./sql";
import { QUEUES, type RunJobData } from "./queues";

export const TEST_MODES = ["dry-run", "live"] as const;
export type TestMode = (typeof TEST_MODES)[number];

export type TriggerType =
  "webhook" | "manual" | "test" | "schedule" | "event" | "poll" | "subflow" | "retry" | "replay";

export interface NewRun {
  id?: string;
  flowId: string;
  /** A published version; null for test runs of drafts (the DSL then travels in dslSnapshot). */
  flowVersionId: string | null;
  dslSnapshot?: unknown;
  triggerType: TriggerType;
  input: unknown;
  idempotencyKey?: string | null;
  concurrencyKey?: string | null;
  isTest?: boolean;
  /** Test runs: "dry-run" simulates writes, "live" sends them (server/runtime/dry-run.ts). */
  testMode?: TestMode | null;
  parentRunId?: string | null;
  replayOfId?: string | null;
  createdById?: string | null;
  /** Run later (schedule slots, subflows are immediate). */
  startAfter?: Date;
  /**
   * The environment whose connection bindings the run's calls resolve through (docs/environments.md).
   * Default: "test" for a designer's test run, else "production".
   */
  environment?: string;
}

export interface CreatedRun {
  runId: string;
  /** false when the idempotency key matched an existing run: nothing new was created. */
  created: boolean;
}

/** Job options of a run's job: one live job per run (stately + singletonKey) and its concurrency group. */
export function runJobOptions(
  runId: string,
  concurrencyKey: string | null | undefined,
  startAfter?: Date,
): SendOptions {
  const o: SendOptions = { singletonKey: runId };
  if (concurrencyKey) o.group = { id: concurrencyKey };
  if (startAfter) o.startAfter = startAfter;
  return o;
}

/** Inserts the run and sends its job through `tx` (which must be inside a transaction). */
export async function insertRunWithJob(
  tx: Sql,
  boss: PgBoss,
  r: NewRun,
  jobDb: BossDb = bossDb(tx),
): Promise<CreatedRun> {
  const id = r.id ?? randomUUID();
  const ins = await tx.query<{ id: string }>(
    `INSERT INTO run (id, flow_id, flow_version_id, dsl_snapshot, status, trigger_type, input, idempotency_key, concurrency_key, is_test, parent_run_id, replay_of_id, created_by_id, test_mode, environment)
     VALUES ($1::uuid, $2::uuid, $3::uuid, $4::jsonb, 'queued', $5, $6::jsonb, $7, $8, $9::boolean, $10::uuid, $11::uuid, $12, $13, $14)
     ON CONFLICT DO NOTHING RETURNING id::text AS id`,
    [
      id,
      r.flowId,
      r.flowVersionId,
      r.dslSnapshot === undefined ? null : JSON.stringify(r.dslSnapshot),
      r.triggerType,
      JSON.stringify(r.input ?? null),
      r.idempotencyKey ?? null,
      r.concurrencyKey ?? null,
      r.isTest ?? false,
      r.parentRunId ?? null,
      r.replayOfId ?? null,
      r.createdById ?? null,
      r.isTest ? (r.testMode ?? "live") : null,
      r.environment ?? (r.isTest ? "test" : "production"),
    ],
  );
  if (!ins.rows.length) {
    const existing = await tx.query<{ id: string }>(
      `SELECT id::text AS id FROM run WHERE flow_id = $1::uuid AND idempotency_key = $2`,
      [r.flowId, r.idempotencyKey ?? null],
    );
    if (existing.rows[0]) return { runId: existing.rows[0].id, created: false };
    throw new Error(`run ${id} already exists`);
  }
  const data: RunJobData = { runId: id };
  await boss.send(QUEUES.run, data, { ...runJobOptions(id, r.concurrencyKey, r.startAfter), db: jobDb });
  return { runId: id, created: true };
}

export function createRun(pool: Pool, boss: PgBoss, r: NewRun): Promise<CreatedRun> {
  return withTx(pool, (c) => insertRunWithJob(c, boss, r));
}

/** Wakes a run (subflow finished, operator retry): a no-op when it already has a queued job. */
export async function enqueueRun(
  sql: Sql,
  boss: PgBoss,
  runId: string,
  concurrencyKey: string | null,
  startAfter?: Date,
): Promise<void> {
  const data: RunJobData = { runId };
  await boss.send(QUEUES.run, data, { ...runJobOptions(runId, concurrencyKey, startAfter), db: bossDb(sql) });
}
