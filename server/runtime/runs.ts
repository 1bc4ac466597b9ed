// Creating a run: the run row and its first job commit in one statement (pg-boss's job insert, with the run's
// INSERT in front of it), so an accepted trigger is never lost even when every worker is down, and a run never
// exists without a job to execute it. Duplicates are refused by the (flow_id, idempotency_key) unique index.
import "server-only";
import { randomUUID } from "node:crypto";
import type { Db as BossDb, PgBoss, SendOptions } from "pg-boss";
import { bossDb, prepared, type Pool, type Sql } from "./sql";
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

const RUN_INSERT = `INSERT INTO run (id, flow_id, flow_version_id, dsl_snapshot, status, trigger_type, input, idempotency_key, concurrency_key, is_test, parent_run_id, replay_of_id, created_by_id, test_mode, environment)
     VALUES ($1::uuid, $2::uuid, $3::uuid, $4::jsonb, 'queued', $5, $6::jsonb, $7, $8, $9::boolean, $10::uuid, $11::uuid, $12, $13, $14)
     ON CONFLICT DO NOTHING RETURNING id`;

/** pg-boss's job insert reads its jobs from this parameter (json_to_recordset($1::text::json)). */
const JOBS_PARAM = "$1::text::json";

function runValues(id: string, r: NewRun): unknown[] {
  return [
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
  ];
}

/**
 * pg-boss's job insert with the run's INSERT in front as a data-modifying CTE, so the run and its job are one
 * statement (one round trip, atomic on its own, in or out of a transaction). The job's recordset is empty
 * unless the run was inserted: a duplicate delivery creates no job. Null when pg-boss's statement is not of
 * the shape this relies on (one jobs parameter; a test fails on a pg-boss upgrade that changes it).
 */
function runAndJobSql(bossText: string): string | null {
  const at = bossText.indexOf(JOBS_PARAM);
  if (at < 0 || bossText.indexOf(JOBS_PARAM, at + 1) >= 0 || /\$(?:[2-9]|1\d)/.test(bossText)) return null;
  const run = RUN_INSERT.replace(/\$(\d+)/g, (_, n: string) => `$${Number(n) + 1}`);
  const jobs = bossText.replace(JOBS_PARAM, `(SELECT ${JOBS_PARAM} WHERE EXISTS (SELECT 1 FROM new_run))`);
  const m = /^\s*WITH\s/i.exec(jobs);
  return m ? `WITH new_run AS (${run}), ${jobs.slice(m[0].length)}` : `WITH new_run AS (${run}) ${jobs}`;
}

/**
 * Inserts the run and sends its job through `tx` (the pool, or a client/Prisma transaction the caller
 * commits): one statement. With `jobDb` (a caller's own pg-boss adapter) the job goes through it instead,
 * after the run's INSERT, and `tx` must then be inside a transaction.
 */
export async function insertRunWithJob(tx: Sql, boss: PgBoss, r: NewRun, jobDb?: BossDb): Promise<CreatedRun> {
  const id = r.id ?? randomUUID();
  const values = runValues(id, r);
  const data: RunJobData = { runId: id };
  const options = runJobOptions(id, r.concurrencyKey, r.startAfter);
  let inserted: boolean;
  if (jobDb) {
    inserted = (await tx.query(RUN_INSERT, values)).rows.length > 0;
    if (inserted) await boss.send(QUEUES.run, data, { ...options, db: jobDb });
  } else {
    let jobs: number | null = null;
    await boss.send(QUEUES.run, data, {
      ...options,
      db: {
        executeSql: async (text, params = []) => {
          const combined = runAndJobSql(text);
          if (!combined) throw new Error("pg-boss's job insert changed shape: cannot insert the run with it");
          const res = await prepared(tx, combined, [...params, ...values]);
          jobs = res.rows.length;
          return { rows: res.rows };
        },
      },
    });
    // pg-boss answers a fresh run's job with its id; nothing means the run was a duplicate.
    inserted = (jobs ?? 0) > 0;
  }
  if (!inserted) {
    const existing = await tx.query<{ id: string }>(
      `SELECT id::text AS id FROM run WHERE flow_id = $1::uuid AND idempotency_key = $2`,
      [r.flowId, r.idempotencyKey ?? null],
    );
    if (existing.rows[0]) return { runId: existing.rows[0].id, created: false };
    throw new Error(`run ${id} already exists`);
  }
  return { runId: id, created: true };
}

export function createRun(pool: Pool, boss: PgBoss, r: NewRun): Promise<CreatedRun> {
  return insertRunWithJob(pool, boss, r);
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
