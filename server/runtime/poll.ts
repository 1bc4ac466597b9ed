// Poll (change) triggers: a flow whose trigger is `{ type: "poll", connection, operation, interval, input,
// cursor, recordId, version? }` reads changed records from a vendor on a schedule and starts one run per
// new record version.
//
// - Scheduling needs no process per flow: every worker sends a `weft.poll.tick` job at most once per
//   POLL_TICK_SECONDS across the cluster (a pg-boss singleton slot); the tick's one indexed query finds the
//   active polls that are due and enqueues one `weft.poll` job per flow (stately, singletonKey = flow id, so
//   a flow has at most one poll queued and one running).
// - A poll calls the operation through the connector runtime (the connection's sealed credentials, the SSRF
//   guard) with `$trigger = { cursor }`, reads each record's id, version and watermark, and then, in ONE
//   transaction: starts a run per record (`run.idempotency_key = poll:<id>@<version>`, unique per flow, so
//   a record version starts at most one run however often it is read) and advances the cursor to the
//   largest watermark seen — only if `poll_state.revision` is still the one the poll read, so two workers
//   polling the same flow (a redelivered job) cannot both commit.
// - The next poll reads `>= cursor` (minus `lookback`): a record changed at the watermark's instant while a
//   poll was in flight is read again, and the dedupe drops what was already started.
// - A failing poll records its error on the state row and backs off (pollDelayMs: doubling, capped); the
//   flow page shows it (tRPC `polls.state`).
// - Per environment (docs/environments.md): a flow polls in every environment that runs a version of it (its
//   deployments; production also by the rule for flows never deployed), each with its own state row and cursor,
//   calling through that environment's connection bindings; runs are tagged with the environment and
//   de-duplicated per environment (the same record version polled in test and in production is two runs).
// - Nothing here reads the clock except through `now` parameters' defaults, and `pollOnce` can be called
//   directly, so a simulator can drive polls deterministically.
import "server-only";
import { createHash } from "node:crypto";
import type { PgBoss } from "pg-boss";
import type pino from "pino";
import { withTx, type Pool, type Sql } from "./sql";
import { QUEUES } from "./queues";
import { insertRunWithJob } from "./runs";
import { evaluateKey, flowView, type PollView } from "./dsl-view";
import { evaluate, evaluateMapping, pollReadInput, type Flow } from "../../core/dsl";
import { openException } from "./exceptions";
import { parseDuration, pollDelayMs } from "../../core/dsl/defaults";
import { loadPublishedFlow } from "./flow-source";
import { callConnector } from "./connectors";
import { classifyError } from "./errors";
import { logger as rootLogger } from "../observability/log";
import { metrics } from "../observability/metrics";

/** How often the cluster looks for due polls (one tick job per slot, whatever the number of workers). */
export const POLL_TICK_SECONDS = 5;
/** Polls enqueued per tick at most (the rest are due at the next tick). */
const POLL_FANOUT_MAX = 1000;
/** A poll's connector call is abandoned after this long (the poll then counts as failed). */
const POLL_CALL_TIMEOUT_MS = 60_000;

export const POLL_STATUSES = ["awaiting_start", "active", "inactive"] as const;
export type PollStatus = (typeof POLL_STATUSES)[number];

export interface PollJobData {
  flowId: string;
  /** Absent: production (jobs sent before environments). */
  environment?: string;
}

const PRODUCTION = "production";

/** One poll per (flow, environment): the pg-boss singleton key, the flow id alone in production (as before). */
const pollSingletonKey = (flowId: string, environment: string) =>
  environment === PRODUCTION ? flowId : `${flowId}/${environment}`;

/** A run's idempotency key for a polled record version, per environment (production's as before environments). */
const pollRunKey = (environment: string, rest: string) =>
  environment === PRODUCTION ? `poll:${rest}` : `poll:${environment}:${rest}`;

export interface PollDeps {
  pool: Pool;
  boss: PgBoss;
  logger?: pino.Logger;
}

export interface PollOutcome {
  outcome: "polled" | "failed" | "not_active" | "superseded";
  records: number;
  runsStarted: number;
  cursor: string | null;
  hasMore: boolean;
  error?: string;
}

// ---------------------------------------------------------------------------------------------------
// Cursors: watermarks are compared as instants when both are date-times, as numbers when both are
// numbers, else as strings. Date-times are stored as ISO 8601 UTC with milliseconds, whatever the vendor
// wrote (Salesforce's "…+0000"), so an input expression can format them one way.

const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/;

export function normaliseCursor(v: unknown): string | null {
  if (v === undefined || v === null || v === "") return null;
  if (typeof v === "number") return String(v);
  const s = typeof v === "string" ? v : JSON.stringify(v);
  if (DATE_TIME.test(s)) {
    const ms = Date.parse(s.replace(/([+-]\d{2})(\d{2})$/, "$1:$2"));
    if (Number.isFinite(ms)) return new Date(ms).toISOString();
  }
  return s;
}

export function compareCursors(a: string, b: string): number {
  if (DATE_TIME.test(a) && DATE_TIME.test(b)) return Date.parse(a) - Date.parse(b);
  const na = Number(a),
    nb = Number(b);
  if (a.trim() !== "" && b.trim() !== "" && Number.isFinite(na) && Number.isFinite(nb)) return na - nb;
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The cursor a poll reads from: the stored one, moved back by the lookback for date-time cursors. */
export function readFrom(cursor: string, lookbackMs: number): string {
  if (lookbackMs > 0 && DATE_TIME.test(cursor)) return new Date(Date.parse(cursor) - lookbackMs).toISOString();
  return cursor;
}

// ---------------------------------------------------------------------------------------------------
// State rows follow the published flows (called by syncTriggers).

/**
 * Every (flow, environment) that runs a polling version gets a state row (awaiting its start, or active again if
 * it had a cursor); those that stopped polling are marked inactive, keeping their cursor.
 */
export async function syncPollStates(
  sql: Sql,
  polling: Array<{ flowId: string; environment?: string; intervalSeconds: number }>,
): Promise<void> {
  const ids = polling.map((p) => p.flowId);
  const envs = polling.map((p) => p.environment ?? PRODUCTION);
  if (polling.length) {
    await sql.query(
      `INSERT INTO poll_state (flow_id, environment_key, interval_seconds)
       SELECT * FROM unnest($1::uuid[], $3::text[], $2::int[])
       ON CONFLICT (flow_id, environment_key) DO UPDATE SET
         interval_seconds = EXCLUDED.interval_seconds,
         status = CASE WHEN poll_state.status <> 'inactive' THEN poll_state.status WHEN poll_state.cursor IS NULL THEN 'awaiting_start' ELSE 'active' END,
         updated_at = now()
       WHERE poll_state.interval_seconds <> EXCLUDED.interval_seconds OR poll_state.status = 'inactive'`,
      [ids, polling.map((p) => p.intervalSeconds), envs],
    );
  }
  await sql.query(
    `UPDATE poll_state s SET status = 'inactive', updated_at = now()
      WHERE status <> 'inactive'
        AND NOT EXISTS (SELECT 1 FROM unnest($1::uuid[], $2::text[]) AS p(flow_id, env)
                         WHERE p.flow_id = s.flow_id AND p.env = s.environment_key)`,
    [ids, envs],
  );
}

/** The interval of a poll trigger in seconds (the validator keeps it within 10 s – 24 h). */
export function pollIntervalSeconds(interval: string | undefined): number {
  const ms = interval ? parseDuration(interval) : null;
  return Math.max(10, Math.round((ms ?? 60_000) / 1000));
}

/**
 * First activation (or a deliberate restart): the poll reads records changed from `from` on — now, or a
 * past date to backfill. Records already started are not started again (the dedupe holds across restarts).
 * The caller checks that the flow's published version polls (it may be published seconds ago, before the
 * next trigger sync made its row).
 */
export async function activatePoll(
  sql: Sql,
  a: { flowId: string; environment?: string; from: Date; actorId: string | null; intervalSeconds: number },
): Promise<void> {
  await sql.query(
    `INSERT INTO poll_state (flow_id, environment_key, status, cursor, start_from, revision, interval_seconds, next_poll_at, activated_by_id)
     VALUES ($1::uuid, $6, 'active', $2::text, $5::timestamptz, 1, $3, now(), $4)
     ON CONFLICT (flow_id, environment_key) DO UPDATE SET status = 'active', cursor = $2::text, start_from = $5::timestamptz, revision = poll_state.revision + 1,
            interval_seconds = $3, next_poll_at = now(), consecutive_failures = 0, last_error = NULL, last_error_class = NULL,
            activated_by_id = $4, updated_at = now()`,
    [a.flowId, a.from.toISOString(), a.intervalSeconds, a.actorId, a.from, a.environment ?? PRODUCTION],
  );
}

// ---------------------------------------------------------------------------------------------------
// Scheduling

/** The tick: enqueue a poll job for every active poll that is due. Returns how many were due. */
export async function enqueueDuePolls(pool: Pool, boss: PgBoss, now: Date = new Date()): Promise<number> {
  const { rows } = await pool.query<{ flow_id: string; env: string }>(
    `SELECT flow_id::text AS flow_id, environment_key AS env FROM poll_state WHERE status = 'active' AND next_poll_at <= $1 ORDER BY next_poll_at LIMIT ${POLL_FANOUT_MAX}`,
    [now],
  );
  if (rows.length)
    await boss.insert(
      QUEUES.poll,
      rows.map((r) => ({
        data: (r.env === PRODUCTION
          ? { flowId: r.flow_id }
          : { flowId: r.flow_id, environment: r.env }) satisfies PollJobData,
        singletonKey: pollSingletonKey(r.flow_id, r.env),
      })),
    );
  return rows.length;
}

/** Sends the tick job; called by every worker every POLL_TICK_SECONDS — the singleton slot keeps it one per slot. */
export async function sendPollTick(boss: PgBoss): Promise<void> {
  await boss.send(QUEUES.pollTick, {}, { singletonSeconds: POLL_TICK_SECONDS });
}

// ---------------------------------------------------------------------------------------------------
// One poll

interface StateRow {
  flow_key: string;
  status: PollStatus;
  cursor: string | null;
  revision: string;
  interval_seconds: number;
  consecutive_failures: number;
}

const asList = (v: unknown): unknown[] | null => (Array.isArray(v) ? v : null);

/**
 * Polls one flow once in one environment (default production), with that environment's version, bindings and
 * cursor. Never throws for a vendor or expression failure: that is recorded on the state row (with the
 * backoff) and returned as `failed`.
 */
export async function pollOnce(
  deps: PollDeps,
  flowId: string,
  now: () => Date = () => new Date(),
  environment: string = PRODUCTION,
): Promise<PollOutcome> {
  const log = (deps.logger ?? rootLogger).child({ component: "poll", flowId, environment });
  const { rows } = await deps.pool.query<StateRow>(
    `SELECT f.key AS flow_key, s.status, s.cursor, s.revision::text AS revision, s.interval_seconds, s.consecutive_failures
       FROM poll_state s JOIN flow f ON f.id = s.flow_id WHERE s.flow_id = $1::uuid AND s.environment_key = $2`,
    [flowId, environment],
  );
  const state = rows[0];
  if (!state || state.status !== "active" || state.cursor === null)
    return { outcome: "not_active", records: 0, runsStarted: 0, cursor: state?.cursor ?? null, hasMore: false };
  const startedAt = now();
  try {
    const flow = await loadPublishedFlow(deps.pool, state.flow_key, { fresh: true, environment });
    const t = flow ? flowView(flow.dsl).trigger : undefined;
    if (!flow || !t || t.kind !== "poll" || !t.poll)
      throw new Error("The flow's published version has no poll trigger.");
    const p = t.poll;
    const intervalMs = state.interval_seconds * 1000;

    const input = await evaluateMapping(p.input, { trigger: pollReadInput(readFrom(state.cursor, p.lookbackMs)) });
    const output = await callConnector(
      // The flow names a logical connection; this environment's binding says which account it reads.
      { pool: deps.pool, run: { environment } },
      {
        connector: p.connector,
        operation: p.operation,
        connection: p.connection,
        input,
        idempotencyKey: `poll:${flowId}:${environment}:${state.revision}`,
        signal: AbortSignal.timeout(POLL_CALL_TIMEOUT_MS),
        logger: log as pino.Logger,
      },
    );
    const out = (output ?? {}) as Record<string, unknown>;
    const list = p.records
      ? asList(await evaluate(p.records, { trigger: output }))
      : (asList(out.items) ?? asList(out.records) ?? asList(output));
    if (!list)
      throw new Error(
        p.records
          ? `The records expression "${p.records}" did not give a list.`
          : "The operation's output has no list of records (items or records); set the trigger's records expression.",
      );

    // Identity, version and watermark of every record, as the run will see it ($trigger = the record). A
    // record without an id or version cannot be de-duplicated: it becomes a failed run with an exception
    // naming it and the expression, and the poll goes on — one bad record must not block the flow's polls.
    const found: Array<{ record: unknown; id: string; version: string; cursor: string | null }> = [];
    const unidentified: Array<{ record: unknown; message: string }> = [];
    let cursor = state.cursor;
    for (const record of list) {
      const c = normaliseCursor(await evaluate(p.cursor, { trigger: record }));
      if (c !== null && compareCursors(c, cursor) > 0) cursor = c;
      const problem = await recordIdentity(p, record, c);
      if ("message" in problem) unidentified.push({ record, message: problem.message });
      else found.push({ record, id: problem.id, version: problem.version, cursor: c });
    }
    const advanced = cursor !== state.cursor;
    // A full page that moved the watermark: poll again at once. A full page stuck on one watermark (more
    // records share it than a page holds) waits for the interval instead of spinning.
    const hasMore = advanced && (out.hasMore === true || out.done === false);
    const concurrencyKey = flowView(flow.dsl).concurrencyKey;

    const committed = await withTx(deps.pool, async (tx) => {
      const cur = await tx.query<{ revision: string }>(
        `SELECT revision::text AS revision FROM poll_state WHERE flow_id = $1::uuid AND environment_key = $2 FOR UPDATE`,
        [flowId, environment],
      );
      if (cur.rows[0]?.revision !== state.revision) return null; // another poll (or an activation) committed first
      let started = 0;
      for (const f of found) {
        const key = concurrencyKey ? await evaluateKey(concurrencyKey, f.record).catch(() => null) : null;
        const r = await insertRunWithJob(tx, deps.boss, {
          flowId,
          flowVersionId: flow.versionId,
          triggerType: "poll",
          input: f.record,
          idempotencyKey: pollRunKey(environment, `${f.id}@${f.version}`),
          concurrencyKey: key ? `${state.flow_key}:${key}` : null,
          environment,
        });
        if (r.created) started++;
      }
      for (const u of unidentified)
        if (
          await recordUnidentified(
            tx,
            { flowId, flowKey: state.flow_key, flowVersionId: flow.versionId, dsl: flow.dsl, environment },
            u,
          )
        )
          log.warn({ error: u.message }, "poll record skipped: no id or version");
      const next = hasMore ? startedAt : new Date(startedAt.getTime() + intervalMs);
      await tx.query(
        `UPDATE poll_state SET cursor = $2, revision = revision + 1, last_poll_at = $3, last_success_at = $3, next_poll_at = $4,
                consecutive_failures = 0, last_error = NULL, last_error_class = NULL,
                runs_started = runs_started + $5, records_seen = records_seen + $6, updated_at = now()
          WHERE flow_id = $1::uuid AND environment_key = $7`,
        [flowId, cursor, startedAt, next, started, found.length + unidentified.length, environment],
      );
      return started;
    });
    if (committed === null) {
      metrics().polls.inc({ flow: state.flow_key, outcome: "superseded" });
      return { outcome: "superseded", records: found.length, runsStarted: 0, cursor: state.cursor, hasMore: false };
    }
    metrics().polls.inc({ flow: state.flow_key, outcome: "polled" });
    if (committed) metrics().runtimeIngress.inc({ flow: state.flow_key, outcome: "accepted" }, committed);
    if (found.length > committed)
      metrics().runtimeIngress.inc({ flow: state.flow_key, outcome: "duplicate" }, found.length - committed);
    if (hasMore)
      await deps.boss.send(
        QUEUES.poll,
        (environment === PRODUCTION ? { flowId } : { flowId, environment }) satisfies PollJobData,
        { singletonKey: pollSingletonKey(flowId, environment) },
      );
    // An empty poll is the common case (1,000 flows at a minute are ~17 a second): not worth an info line.
    (committed > 0 ? log.info.bind(log) : log.debug.bind(log))(
      { records: found.length, runsStarted: committed, cursor },
      "poll committed",
    );
    return { outcome: "polled", records: found.length, runsStarted: committed, cursor, hasMore };
  } catch (err) {
    const e = classifyError(err);
    const failures = state.consecutive_failures + 1;
    const next = new Date(startedAt.getTime() + pollDelayMs(state.interval_seconds * 1000, failures));
    await deps.pool.query(
      `UPDATE poll_state SET last_poll_at = $2, next_poll_at = $3, consecutive_failures = consecutive_failures + 1,
              last_error = $4, last_error_class = $5, updated_at = now()
        WHERE flow_id = $1::uuid AND environment_key = $7 AND revision = $6::bigint`,
      [flowId, startedAt, next, e.message.slice(0, 2000), e.errorClass, state.revision, environment],
    );
    metrics().polls.inc({ flow: state.flow_key, outcome: "failed" });
    log.warn({ err: e.message, errorClass: e.errorClass, failures, nextPollAt: next }, "poll failed; backing off");
    return { outcome: "failed", records: 0, runsStarted: 0, cursor: state.cursor, hasMore: false, error: e.message };
  }
}

/** A record's id and version, or why it has none (naming the expression and the record). */
async function recordIdentity(
  p: PollView,
  record: unknown,
  cursor: string | null,
): Promise<{ id: string; version: string } | { message: string }> {
  const what = recordExcerpt(record);
  const key = async (expr: string, field: string) => {
    try {
      return { v: await evaluateKey(expr, record) };
    } catch (e) {
      return { err: `${field} "${expr}" failed on the record ${what}: ${(e as Error).message}` };
    }
  };
  const id = await key(p.recordId, "recordId");
  if ("err" in id) return { message: id.err! };
  if (!id.v)
    return {
      message: `A polled record has no id: recordId "${p.recordId}" gave nothing for the record ${what}. It was skipped; fix the record or the trigger's recordId (its next change is polled again).`,
    };
  if (!p.version) {
    if (cursor === null)
      return {
        message: `Record ${id.v} has no version: cursor "${p.cursor}" gave nothing for the record ${what}. It was skipped; fix the record or the trigger's cursor.`,
      };
    return { id: id.v, version: cursor };
  }
  const version = await key(p.version, "version");
  if ("err" in version) return { message: version.err! };
  if (!version.v)
    return {
      message: `Record ${id.v} has no version: version "${p.version}" gave nothing for the record ${what}. It was skipped; fix the record or the trigger's version.`,
    };
  return { id: id.v, version: version.v };
}

/**
 * The record as a message names it: its first scalar fields, long strings cut. Cut value by value (never the
 * JSON text), so quotes stay balanced and the exceptions of one problem keep one signature.
 */
const recordExcerpt = (record: unknown): string => {
  const cut = (v: unknown) =>
    typeof v === "string" && v.length > 60 ? `${v.slice(0, 60)}…` : v !== null && typeof v === "object" ? "…" : v;
  if (record === null || typeof record !== "object" || Array.isArray(record))
    return JSON.stringify(cut(record)) ?? String(record);
  const shown = Object.entries(record as Record<string, unknown>).slice(0, 8);
  return JSON.stringify(Object.fromEntries(shown.map(([k, v]) => [k, cut(v)])));
};

/**
 * A record the poll could not identify: a failed run (its input the record) with a validation exception, in
 * the poll's transaction. Keyed by a hash of the record, so re-reading the same record records it once.
 * Returns whether it was new.
 */
async function recordUnidentified(
  tx: Sql,
  f: { flowId: string; flowKey: string; flowVersionId: string; dsl: unknown; environment: string },
  u: { record: unknown; message: string },
): Promise<boolean> {
  const error = { errorClass: "validation" as const, code: "poll_record_unidentified", message: u.message };
  const key = pollRunKey(
    f.environment,
    `unidentified:${createHash("sha256")
      .update(JSON.stringify(u.record) ?? "null")
      .digest("hex")
      .slice(0, 40)}`,
  );
  const { rows } = await tx.query<{ id: string }>(
    `INSERT INTO run (id, flow_id, flow_version_id, status, trigger_type, input, idempotency_key, error, started_at, finished_at, environment)
     VALUES (gen_random_uuid(), $1::uuid, $2::uuid, 'failed', 'poll', $3::jsonb, $4, $5::jsonb, now(), now(), $6)
     ON CONFLICT DO NOTHING RETURNING id::text AS id`,
    [f.flowId, f.flowVersionId, JSON.stringify(u.record ?? null), key, JSON.stringify(error), f.environment],
  );
  const runId = rows[0]?.id;
  if (!runId) return false;
  // The team the flow's failures go to (as the interpreter's failure route; a failure flow has no run to take).
  const dsl = f.dsl as Pick<Flow, "owner" | "onFailure">;
  const assignTeamKey = dsl.onFailure?.type === "exception-queue" ? (dsl.onFailure.assignTo ?? dsl.owner) : dsl.owner;
  await openException(tx, {
    runId,
    flowId: f.flowId,
    flowKey: f.flowKey,
    stepPath: null,
    error,
    businessKeys: null,
    assignTeamKey,
  });
  metrics().runsFinished.inc({ flow: f.flowKey, status: "failed" });
  return true;
}

// ---------------------------------------------------------------------------------------------------
// Reads for the flow page

export interface PollStateView {
  status: PollStatus;
  cursor: string | null;
  startFrom: string | null;
  intervalSeconds: number;
  nextPollAt: string | null;
  lastPollAt: string | null;
  lastSuccessAt: string | null;
  consecutiveFailures: number;
  lastError: string | null;
  lastErrorClass: string | null;
  runsStarted: number;
  recordsSeen: number;
}

export async function readPollState(
  sql: Sql,
  flowId: string,
  environment: string = PRODUCTION,
): Promise<PollStateView | null> {
  const { rows } = await sql.query<Record<string, unknown>>(
    `SELECT status, cursor, start_from, interval_seconds, next_poll_at, last_poll_at, last_success_at, consecutive_failures,
            last_error, last_error_class, runs_started::text AS runs_started, records_seen::text AS records_seen
       FROM poll_state WHERE flow_id = $1::uuid AND environment_key = $2`,
    [flowId, environment],
  );
  const r = rows[0];
  if (!r) return null;
  const iso = (v: unknown) =>
    v instanceof Date ? v.toISOString() : typeof v === "string" ? new Date(v).toISOString() : null;
  return {
    status: r.status as PollStatus,
    cursor: (r.cursor as string | null) ?? null,
    startFrom: iso(r.start_from),
    intervalSeconds: Number(r.interval_seconds),
    nextPollAt: iso(r.next_poll_at),
    lastPollAt: iso(r.last_poll_at),
    lastSuccessAt: iso(r.last_success_at),
    consecutiveFailures: Number(r.consecutive_failures),
    lastError: (r.last_error as string | null) ?? null,
    lastErrorClass: (r.last_error_class as string | null) ?? null,
    runsStarted: Number(r.runs_started),
    recordsSeen: Number(r.records_seen),
  };
}
