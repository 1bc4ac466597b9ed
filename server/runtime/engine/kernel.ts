// The durable execution kernel: what the DSL interpreter builds on. One kernel instance executes one
// *segment* of one run inside one pg-boss job. Durability comes from step_run:
//   - every step has a deterministic path ("lines[3].post"); a step whose row says succeeded is never
//     executed again — its recorded output is returned (memoization), on resume, redrive or replay;
//   - an effectful step is checkpointed as `running` (with its idempotency key) before it executes, so a
//     crash re-runs it with the same key and the target system de-duplicates the effect; its result is
//     written with the next flush, which always happens before any later effect and at the run's end;
//   - pure steps' rows are buffered and written in the same round trips (no statement of their own);
//   - a wait, a long backoff or a subflow *suspends* the segment: the run is re-enqueued with startAfter
//     (or woken by the child run) and the job ends, freeing the worker.
import "server-only";
import { createHash } from "node:crypto";
import type { PgBoss } from "pg-boss";
import type pino from "pino";
import {
  classifyError,
  deserializeError,
  serializeError,
  StepError,
  type ErrorClass,
  type SerializedError,
} from "../errors";
import { bossDb, prepared, withTx, type Pool, type Sql } from "../sql";
import { metrics } from "../../observability/metrics";
import { errorMatches } from "../../../core/dsl/defaults";
import { canonicalJson } from "../../../core/dsl/hash";
import { isObjectLike as isRecord } from "../../../core/is-obj";
import type { BusinessEvent } from "../../../core/dsl";
import { insertBusinessEvents } from "../business-events";

export interface RetryPolicy {
  /** Error matchers this policy retries (a class, "any", "business:<code>"); the rest go to catch routes. */
  on: readonly string[];
  /** Total attempts including the first. */
  maxAttempts: number;
  initialDelayMs: number;
  backoffRate: number;
  maxDelayMs: number;
  /** "full": random between 0 and the computed delay; "equal": between half and all of it. */
  jitter: "none" | "full" | "equal";
}

export interface StepSpec {
  path: string;
  stepId: string;
  /** The DSL step type ("call", "map"…): metrics label and timeline. */
  type: string;
  /** Effectful steps are checkpointed before they execute and get an idempotency key. */
  effectful: boolean;
  input?: unknown;
  retry?: RetryPolicy;
  timeoutMs?: number;
  /** A business idempotency key from the DSL's expression; the default is derived from run id + path. */
  idempotencyKey?: string | null;
  /** The DSL step's concurrency key (evaluated): steps with the same lock key run one at a time across runs. */
  lockKey?: string | null;
  /** A dry test run answered this step without sending it: where the output came from (the timeline says so). */
  simulated?: Simulated;
  /** What an effectful step acts on besides its input (connector, operation, connection): part of its input hash. */
  target?: unknown;
  /**
   * The step's business events, evaluated from its output when an attempt succeeds (a failure fails the
   * step). They are written in the transaction of the step's success row; a memoized or reused step never
   * calls this, so it never records twice. A dry test run keeps them in the attempt log instead.
   */
  events?: (output: unknown) => Promise<BusinessEvent[]>;
  /** The team key business events default to (the flow's owner). */
  team?: string | null;
}

/** How a dry test run answered an effectful step: its pinned sample, or a value synthesised from the operation's output schema. */
export type Simulated = "pinned-sample" | "synthesised" | "not-published";

export interface AttemptInfo {
  attempt: number;
  idempotencyKey: string;
  signal: AbortSignal;
}

export interface StepRow {
  path: string;
  stepId: string;
  status: StepStatus;
  input: unknown;
  output: unknown;
  error: SerializedError | null;
  attempts: number;
  attemptLog: AttemptLogEntry[];
  idempotencyKey: string | null;
  /** Effectful steps: sha256 of what the step was asked to do (target + resolved input); replays compare it. */
  inputHash?: string | null;
  startedAt: Date | null;
  finishedAt: Date | null;
}

export type StepStatus = "running" | "succeeded" | "failed" | "retrying" | "waiting" | "compensated" | "skipped";

export interface AttemptLogEntry {
  attempt: number;
  at: string;
  /** "reused": a replay took the original run's recorded result instead of acting again (reusedFrom). */
  outcome: "succeeded" | "failed" | "interrupted" | "timeout" | "reused";
  reusedFrom?: string;
  durationMs?: number;
  errorClass?: ErrorClass;
  message?: string;
  /** Delay before the next attempt, when one was scheduled. */
  delayMs?: number;
  nextAt?: string;
  /** Dry test runs: the step was not sent; its output is this. */
  simulated?: Simulated;
  /** Dry test runs: the business events the step would have recorded (not stored). */
  businessEvents?: BusinessEvent[];
}

/** Thrown to end the segment: the run continues in a later job. */
export class Suspend extends Error {
  constructor(
    /** When to continue; null = only when woken (a child run finished). */
    readonly resumeAt: Date | null,
    readonly reason: string,
  ) {
    super(`suspended: ${reason}`);
    this.name = "Suspend";
  }
  static earliest(list: Suspend[]): Suspend {
    const timed = list.filter((s) => s.resumeAt).sort((a, b) => a.resumeAt!.getTime() - b.resumeAt!.getTime());
    return timed[0] ?? list[0]!;
  }
}

/** A step failed for good (after its retries); carries the path for catch routing and the exception. */
export class StepFailed extends Error {
  constructor(
    readonly path: string,
    readonly error: StepError,
  ) {
    super(error.message);
    this.name = "StepFailed";
  }
}

export interface KernelOptions {
  pool: Pool;
  boss: PgBoss;
  runId: string;
  flowKey: string;
  concurrencyKey: string | null;
  logger: pino.Logger;
  /** The job's signal (claim lost, worker stopping hard). */
  signal: AbortSignal;
  /** Set when the worker drains (SIGTERM): no new effectful step starts; the run is handed on. */
  draining: () => boolean;
  /** Backoffs and waits up to this long are slept in process; longer ones re-enqueue the run. */
  inlineDelayMaxMs?: number;
  /** A dry test run: emits are recorded but not published. */
  dryRun?: boolean;
  /** The run's environment: its events start the consumers deployed in the same environment. */
  environment?: string;
  /** Set for a replay preview: nothing is written or called; effectful steps are recorded in the plan instead. */
  preview?: ReplayPlanRecorder;
}

/** What a replay does at an effectful step: reuse the original run's recorded result, or act again (why). */
export type ReuseDecision =
  { reuse: true; output: unknown; idempotencyKey: string | null; inputHash: string } | { reuse: false; reason: string };

/** The original run's effectful rows a replay may reuse (by path). */
export interface OriginRow {
  status: StepStatus;
  output: unknown;
  idempotencyKey: string | null;
  inputHash: string | null;
}

/** The preview's record of a replay (server/runtime/replay-plan.ts builds the operator's plan from it). */
export interface ReplayPlanRecorder {
  entries: Array<{ path: string; stepId: string; type: string; plan: "reused" | "runs"; reason: string }>;
  failure?: { path: string; errorClass: ErrorClass; message: string };
}

/** Ends a replay preview at the first step that would act again: what follows depends on its result. */
export class PreviewStop extends Error {
  constructor(readonly path: string) {
    super(`preview stops at ${path}`);
    this.name = "PreviewStop";
  }
}

/** The input hash of an effectful step: what it acts on and with what, as canonical JSON (RFC 8785). */
export function effectHash(spec: Pick<StepSpec, "type" | "target" | "input">): string {
  return createHash("sha256")
    .update(canonicalJson({ type: spec.type, target: spec.target ?? null, input: spec.input ?? null }))
    .digest("hex");
}

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason as Error);
    const t = setTimeout(resolve, ms);
    signal?.addEventListener(
      "abort",
      () => {
        clearTimeout(t);
        reject(signal.reason as Error);
      },
      { once: true },
    );
  });

export function backoffDelay(
  policy: RetryPolicy,
  attempt: number,
  retryAfterMs?: number,
  random = Math.random,
): number {
  const base = Math.min(
    policy.maxDelayMs,
    policy.initialDelayMs * Math.pow(policy.backoffRate, Math.max(0, attempt - 1)),
  );
  const jittered =
    policy.jitter === "full" ? random() * base : policy.jitter === "equal" ? base / 2 + (random() * base) / 2 : base;
  // Retry-After is the server telling us when it can take the call again: never retry sooner.
  return Math.round(Math.max(jittered, retryAfterMs ?? 0));
}

/** A step_run row as json_agg returns it (timestamps as strings). */
export interface LoadedRow {
  path: string;
  step_id: string;
  status: StepStatus;
  input: unknown;
  output: unknown;
  error: SerializedError | null;
  attempts: number;
  attempt_log: AttemptLogEntry[];
  idempotency_key: string | null;
  input_hash?: string | null;
  started_at: string | null;
  finished_at: string | null;
}

/** The SQL expression that loads a run's rows in the claim's own round trip. */
export const STEP_ROWS_JSON = `COALESCE((SELECT json_agg(json_build_object('path', s.path, 'step_id', s.step_id, 'status', s.status, 'input', s.input, 'output', s.output,
  'error', s.error, 'attempts', s.attempts, 'attempt_log', s.attempt_log, 'idempotency_key', s.idempotency_key, 'input_hash', s.input_hash, 'started_at', s.started_at, 'finished_at', s.finished_at))
  FROM step_run s WHERE s.run_id = r.id), '[]'::json)`;

export class Kernel {
  readonly runId: string;
  readonly log: pino.Logger;
  private readonly rows = new Map<string, StepRow>();
  private readonly pending = new Map<string, StepRow>();
  /** How often each path was compensated before (archived rows "~cN/<path>"): part of re-execution keys. */
  private readonly compensations = new Map<string, number>();
  private readonly inlineMax: number;
  /** Effects that must commit atomically with their step rows (run at the next flush, in its transaction). */
  private readonly effects: Array<(tx: Sql) => Promise<void>> = [];
  /** A replay's original run and its effectful rows: results a replay reuses instead of acting again. */
  private origin: { runId: string; rows: Map<string, OriginRow> } | null = null;

  constructor(readonly o: KernelOptions) {
    this.runId = o.runId;
    this.log = o.logger;
    this.inlineMax = o.inlineDelayMaxMs ?? 1000;
  }

  /** Loads the run's checkpoints (rows as selected by STEP_ROWS_JSON, already fetched with the claim). */
  load(rows: LoadedRow[]): void {
    for (const r of rows) {
      const archived = /^~c(\d+)\/(.*)$/.exec(r.path);
      if (archived) {
        this.compensations.set(archived[2]!, Math.max(this.compensations.get(archived[2]!) ?? 0, Number(archived[1])));
        continue;
      }
      if (r.path.startsWith("~")) continue; // archived attempts (before an operator's retry)
      this.rows.set(r.path, {
        path: r.path,
        stepId: r.step_id,
        status: r.status,
        input: r.input,
        output: r.output,
        error: r.error,
        attempts: r.attempts,
        attemptLog: r.attempt_log ?? [],
        idempotencyKey: r.idempotency_key,
        inputHash: r.input_hash ?? null,
        startedAt: r.started_at ? new Date(r.started_at) : null,
        finishedAt: r.finished_at ? new Date(r.finished_at) : null,
      });
    }
  }

  row(path: string): StepRow | undefined {
    return this.rows.get(path);
  }

  /** A replay: the original run's rows (server/runtime/replay-plan.ts loadOriginRows). */
  loadOrigin(runId: string, rows: Map<string, OriginRow>): void {
    this.origin = { runId, rows };
  }

  /**
   * The replay semantics, one definition for the run and its preview: an effectful step whose original
   * (same path) succeeded with the same input hash has already happened — its recorded result and
   * idempotency key are reused; anything else acts again.
   */
  reuseDecision(spec: StepSpec): ReuseDecision | null {
    if (!this.origin || !spec.effectful) return null;
    const o = this.origin.rows.get(spec.path);
    const hash = effectHash(spec);
    if (!o) return { reuse: false, reason: "not reached by the original run" };
    if (o.status === "failed" || o.status === "retrying" || o.status === "running")
      return { reuse: false, reason: "did not succeed in the original run" };
    if (o.status === "compensated") return { reuse: false, reason: "was undone (compensated) in the original run" };
    if (o.status !== "succeeded") return { reuse: false, reason: `was ${o.status} in the original run` };
    if (!o.inputHash)
      return {
        reuse: false,
        reason: "the original run recorded no input hash for it (before replays could reuse steps)",
      };
    if (o.inputHash !== hash) return { reuse: false, reason: "its input differs from the original run's" };
    return { reuse: true, output: o.output, idempotencyKey: o.idempotencyKey, inputHash: hash };
  }

  /**
   * An effectful step the kernel does not execute itself (an approval's decision): a replay reuses the original
   * run's result under the same rules as any effect; a preview records it. Null: it has to happen now.
   */
  replayed(spec: StepSpec): { output: unknown } | null {
    if (this.rows.has(spec.path)) return null;
    if (this.o.preview) return { output: this.previewEffect(spec) };
    const d = this.reuseDecision(spec);
    return d?.reuse ? { output: this.reuse(spec, d) } : null;
  }

  /** Records an effectful step the replay does not repeat: the original's result, key and hash, attempts 0. */
  private reuse(spec: StepSpec, d: Extract<ReuseDecision, { reuse: true }>): unknown {
    const now = new Date();
    this.put({
      path: spec.path,
      stepId: spec.stepId,
      status: "succeeded",
      input: spec.input ?? null,
      output: d.output ?? null,
      error: null,
      attempts: 0,
      attemptLog: [{ attempt: 0, at: now.toISOString(), outcome: "reused", reusedFrom: this.origin!.runId }],
      idempotencyKey: d.idempotencyKey,
      inputHash: d.inputHash,
      startedAt: now,
      finishedAt: now,
    });
    return d.output;
  }

  /** In a preview: records what the replay would do at this effectful step; stops the preview where it acts. */
  private previewEffect(spec: StepSpec): unknown {
    const plan = this.o.preview!;
    if (plan.failure) throw new PreviewStop(spec.path); // compensations after a failure: the failure is the plan's answer
    const d = this.reuseDecision(spec) ?? { reuse: false as const, reason: "not a replay" };
    plan.entries.push({
      path: spec.path,
      stepId: spec.stepId,
      type: spec.type,
      plan: d.reuse ? "reused" : "runs",
      reason: d.reuse ? "same input as in the original run" : d.reason,
    });
    if (!d.reuse) throw new PreviewStop(spec.path);
    return this.reuse(spec, d);
  }

  /** Records a row (buffered until the next flush). */
  put(row: StepRow): void {
    this.rows.set(row.path, row);
    this.pending.set(row.path, row);
  }

  /**
   * Writes every buffered row in one statement, through `sql` (a transaction) when given. Buffered
   * transactional effects (emit) run in the same transaction as their rows: both commit or neither.
   */
  async flush(sql?: Sql, extra: StepRow[] = []): Promise<void> {
    // One row per path: a multi-row upsert may not touch the same row twice.
    const byPath = new Map(this.pending);
    for (const r of extra) byPath.set(r.path, r);
    const batch = [...byPath.values()];
    const effects = this.effects.splice(0);
    this.pending.clear();
    if (this.o.preview) return; // a preview writes nothing
    if (!batch.length && !effects.length) return;
    const write = async (tx: Sql) => {
      for (const effect of effects) await effect(tx);
      if (batch.length) await upsertRows(tx, this.runId, batch);
    };
    try {
      if (sql) await write(sql);
      else if (effects.length) await withTx(this.o.pool, write);
      else await write(this.o.pool);
    } catch (err) {
      // Put them back: a caller that catches and flushes again must not lose them (a retried segment
      // recomputes them anyway).
      for (const r of batch) if (!this.pending.has(r.path)) this.pending.set(r.path, r);
      this.effects.unshift(...effects);
      throw err;
    }
  }

  /** Hands the buffered rows and effects to the caller (the run's end writes them with its own statement). */
  takePending(): { rows: StepRow[]; effects: Array<(tx: Sql) => Promise<void>> } {
    const rows = [...this.pending.values()];
    this.pending.clear();
    return { rows, effects: this.effects.splice(0) };
  }

  /** Gives back what takePending() took when writing it failed. */
  restorePending(p: { rows: StepRow[]; effects: Array<(tx: Sql) => Promise<void>> }): void {
    for (const r of p.rows) if (!this.pending.has(r.path)) this.pending.set(r.path, r);
    this.effects.unshift(...p.effects);
  }

  idempotencyKeyFor(spec: StepSpec): string {
    const n = this.compensations.get(spec.path) ?? 0;
    if (spec.idempotencyKey) return n ? `${spec.idempotencyKey}:c${n}` : spec.idempotencyKey;
    // Short, opaque and stable: the same run and path always give the same key.
    const h = createHash("sha256")
      .update(`${this.runId}:${spec.path}${n ? `:c${n}` : ""}`)
      .digest("base64url")
      .slice(0, 32);
    return `weft-${h}`;
  }

  /**
   * Executes one step durably: memoized output when it already succeeded; otherwise attempts with the
   * step's retry policy (classified errors only), timeouts, and checkpoints for effectful steps.
   * Throws StepFailed when the step fails for good, Suspend when the run must continue later.
   */
  async step<T>(spec: StepSpec, fn: (a: AttemptInfo) => Promise<T>): Promise<T> {
    const prev = this.rows.get(spec.path);
    if (prev?.status === "succeeded" || prev?.status === "skipped") return prev.output as T;
    if (this.o.preview) {
      if (spec.effectful) return this.previewEffect(spec) as T;
      return this.attempt({ ...spec, retry: undefined, lockKey: null }, fn); // pure steps compute; nothing is retried or locked
    }
    if (!prev && spec.effectful) {
      const d = this.reuseDecision(spec);
      if (d?.reuse) return this.reuse(spec, d) as T;
    }
    if (spec.lockKey) return this.locked(spec.lockKey, () => this.attempt(spec, fn));
    return this.attempt(spec, fn);
  }

  /**
   * A session advisory lock held on its own connection while the step executes: one holder per key across
   * all workers, released by the server if the worker dies. A busy key ends the segment briefly instead of
   * holding a connection while it waits.
   */
  private async locked<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const client = await this.o.pool.connect();
    let held = false;
    try {
      const { rows } = await client.query<{ ok: boolean }>(
        `SELECT pg_try_advisory_lock(hashtextextended($1, 11)) AS ok`,
        [`weft-step-key:${key}`],
      );
      held = rows[0]!.ok;
      if (!held) throw new Suspend(new Date(Date.now() + 300), `step concurrency key ${key} is busy`);
      return await fn();
    } finally {
      if (held)
        await client
          .query(`SELECT pg_advisory_unlock(hashtextextended($1, 11))`, [`weft-step-key:${key}`])
          .catch(() => undefined);
      client.release();
    }
  }

  private async attempt<T>(spec: StepSpec, fn: (a: AttemptInfo) => Promise<T>): Promise<T> {
    const prev = this.rows.get(spec.path);
    // A failure recorded by an earlier segment is replayed as-is: the same catch route is taken again.
    if (prev?.status === "failed" && prev.error) throw new StepFailed(spec.path, deserializeError(prev.error));
    const log = [...(prev?.attemptLog ?? [])];
    let attempts = prev?.attempts ?? 0;
    if (prev?.status === "retrying") {
      const nextAt = log.at(-1)?.nextAt;
      if (nextAt && Date.parse(nextAt) > Date.now() + 50)
        throw new Suspend(new Date(nextAt), `backoff of ${spec.path}`);
    }
    if (prev?.status === "running") {
      // The segment that started this attempt died with it in flight: run it again, same idempotency key.
      log.push({ attempt: attempts, at: new Date().toISOString(), outcome: "interrupted" });
    }
    const idempotencyKey = spec.effectful ? (prev?.idempotencyKey ?? this.idempotencyKeyFor(spec)) : null;
    const inputHash = spec.effectful ? effectHash(spec) : null;
    const startedAt = prev?.startedAt ?? new Date();
    const stepMetric = metrics().stepDuration;

    for (;;) {
      if (spec.effectful && this.o.draining()) throw new Suspend(new Date(), "worker draining");
      if (this.o.signal.aborted)
        throw this.o.signal.reason instanceof Error ? this.o.signal.reason : new Error("job aborted");
      attempts++;
      const base: StepRow = {
        path: spec.path,
        stepId: spec.stepId,
        status: "running",
        input: spec.input ?? null,
        output: null,
        error: null,
        attempts,
        attemptLog: log,
        idempotencyKey,
        inputHash,
        startedAt,
        finishedAt: null,
      };
      if (spec.effectful) {
        this.put(base);
        await this.flush();
      }
      const t0 = performance.now();
      const signals = [this.o.signal];
      if (spec.timeoutMs) signals.push(AbortSignal.timeout(spec.timeoutMs));
      const signal = AbortSignal.any(signals);
      try {
        const output = await raceSignal(
          fn({ attempt: attempts, idempotencyKey: idempotencyKey ?? "", signal }),
          signal,
        );
        const events = spec.events ? await spec.events(output) : [];
        const ms = performance.now() - t0;
        stepMetric.observe({ type: spec.type, outcome: "succeeded" }, ms / 1000);
        const shown = this.o.dryRun && events.length > 0;
        if (spec.effectful || log.length || spec.simulated || shown)
          log.push({
            attempt: attempts,
            at: new Date().toISOString(),
            outcome: "succeeded",
            durationMs: Math.round(ms),
            ...(spec.simulated ? { simulated: spec.simulated } : {}),
            ...(shown ? { businessEvents: events } : {}),
          });
        this.recordEvents(spec, events);
        this.put({ ...base, status: "succeeded", output: output ?? null, attemptLog: log, finishedAt: new Date() });
        return output;
      } catch (raw) {
        if (raw instanceof Suspend) throw raw;
        if (this.o.signal.aborted) throw raw; // our own job went away: not the step's fault
        const timedOut = signal.aborted && !this.o.signal.aborted;
        const err = timedOut
          ? new StepError({
              errorClass: "timeout",
              code: "timeout",
              message: `Step ${spec.stepId} timed out after ${spec.timeoutMs} ms`,
            })
          : raw instanceof StepFailed
            ? raw.error
            : classifyError(raw);
        const ms = performance.now() - t0;
        stepMetric.observe({ type: spec.type, outcome: err.errorClass }, ms / 1000);
        const policy = spec.retry;
        const retryable =
          !!policy &&
          errorMatches(policy.on, { errorClass: err.errorClass, code: err.code }) &&
          attempts < policy.maxAttempts;
        const entry: AttemptLogEntry = {
          attempt: attempts,
          at: new Date().toISOString(),
          outcome: timedOut ? "timeout" : "failed",
          durationMs: Math.round(ms),
          errorClass: err.errorClass,
          message: err.message.slice(0, 500),
        };
        log.push(entry);
        if (!retryable) {
          if (this.o.preview)
            this.o.preview.failure ??= { path: spec.path, errorClass: err.errorClass, message: err.message };
          this.put({ ...base, status: "failed", error: serializeError(err), attemptLog: log, finishedAt: new Date() });
          throw new StepFailed(spec.path, err);
        }
        const delay = backoffDelay(policy, attempts, err.retryAfterMs);
        entry.delayMs = delay;
        metrics().stepRetries.inc({ error_class: err.errorClass });
        this.log.info(
          { runId: this.runId, step: spec.path, attempt: attempts, errorClass: err.errorClass, delayMs: delay },
          "step attempt failed; retrying",
        );
        if (delay > this.inlineMax) {
          const nextAt = new Date(Date.now() + delay);
          entry.nextAt = nextAt.toISOString();
          this.put({ ...base, status: "retrying", error: serializeError(err), attemptLog: log });
          throw new Suspend(nextAt, `backoff of ${spec.path}`);
        }
        await sleep(delay, this.o.signal);
      }
    }
  }

  /** Buffers a write that must commit with the rows of the next flush (nothing in a preview, which writes nothing). */
  effect(write: (tx: Sql) => Promise<void>): void {
    if (!this.o.preview) this.effects.push(write);
  }

  /** Buffers a succeeded step's business events for the transaction of its row (not in dry runs or previews). */
  private recordEvents(spec: Pick<StepSpec, "path" | "team">, events: BusinessEvent[]): void {
    if (!events.length || this.o.dryRun || this.o.preview) return;
    this.effects.push((tx) => insertBusinessEvents(tx, this.runId, spec.path, events, spec.team ?? null));
  }

  /** Records a pure computation (map, switch decision) without a statement of its own. */
  pure<T>(spec: Omit<StepSpec, "effectful">, compute: () => T | Promise<T>): Promise<T> {
    return this.step({ ...spec, effectful: false }, async () => compute());
  }

  /** A durable timer. Short waits sleep in process; long ones end the segment until `until`. */
  async wait(spec: Omit<StepSpec, "effectful">, until: Date): Promise<void> {
    const prev = this.rows.get(spec.path);
    if (prev?.status === "succeeded") return;
    const resumeAt =
      prev?.status === "waiting" && isRecord(prev.output) && typeof prev.output.resumeAt === "string"
        ? new Date(prev.output.resumeAt)
        : until;
    const left = this.o.preview ? 0 : resumeAt.getTime() - Date.now(); // a preview does not wait
    const startedAt = prev?.startedAt ?? new Date();
    if (left > this.inlineMax) {
      this.put({
        path: spec.path,
        stepId: spec.stepId,
        status: "waiting",
        input: spec.input ?? null,
        output: { resumeAt: resumeAt.toISOString() },
        error: null,
        attempts: 1,
        attemptLog: [],
        idempotencyKey: null,
        startedAt,
        finishedAt: null,
      });
      throw new Suspend(resumeAt, `wait ${spec.path}`);
    }
    if (left > 0) await sleep(left, this.o.signal);
    this.put({
      path: spec.path,
      stepId: spec.stepId,
      status: "succeeded",
      input: spec.input ?? null,
      output: { resumeAt: resumeAt.toISOString() },
      error: null,
      attempts: 1,
      attemptLog: [],
      idempotencyKey: null,
      startedAt,
      finishedAt: new Date(),
    });
  }

  /**
   * Publishes a domain event exactly once: the subscribed queues are read now, and the job inserts are
   * buffered and run inside the transaction of the next flush together with this step's row — before any later effect, and at the latest when the
   * run ends. A crash before that flush loses both, and the replayed segment emits again.
   */
  async emit(spec: Omit<StepSpec, "effectful">, event: string, payload: unknown): Promise<{ eventId: string }> {
    const prev = this.rows.get(spec.path);
    if (prev?.status === "succeeded") return prev.output as { eventId: string };
    // An event the original run published with the same payload is not published again by its replay.
    const asEffect: StepSpec = { ...spec, effectful: true, input: spec.input ?? { event, payload } };
    if (this.o.preview) return this.previewEffect(asEffect) as { eventId: string };
    const d = this.reuseDecision(asEffect);
    if (d?.reuse) return this.reuse(asEffect, d) as { eventId: string };
    const eventId = this.idempotencyKeyFor(asEffect);
    const t0 = performance.now();
    let events: BusinessEvent[];
    try {
      events = spec.events ? await spec.events({ eventId, event }) : [];
    } catch (raw) {
      // The step's failure like any other: recorded, so catch routes and the exception point at it.
      const err = raw instanceof StepError ? raw : classifyError(raw);
      const at = new Date();
      this.put({
        path: spec.path,
        stepId: spec.stepId,
        status: "failed",
        input: asEffect.input,
        output: null,
        error: serializeError(err),
        attempts: 1,
        attemptLog: [
          {
            attempt: 1,
            at: at.toISOString(),
            outcome: "failed",
            errorClass: err.errorClass,
            message: err.message.slice(0, 500),
          },
        ],
        idempotencyKey: eventId,
        startedAt: at,
        finishedAt: at,
      });
      throw new StepFailed(spec.path, err);
    }
    this.recordEvents(spec, events);
    // A dry test run records the event it would publish; publishing would start real runs of its consumers.
    if (!this.o.dryRun) {
      const jobs = await this.publishStatements(event, {
        event,
        eventId,
        payload,
        sourceRunId: this.runId,
        sourceFlow: this.o.flowKey,
        environment: this.o.environment ?? "production",
      });
      // No subscriber, nothing to write: the step's row needs no transaction of its own.
      if (jobs.length)
        this.effects.push(async (tx) => {
          for (const j of jobs) await tx.query(j.text, j.values);
        });
    }
    const now = new Date();
    const attemptLog: AttemptLogEntry[] = this.o.dryRun
      ? [
          {
            attempt: 1,
            at: now.toISOString(),
            outcome: "succeeded",
            simulated: "not-published",
            ...(events.length ? { businessEvents: events } : {}),
          },
        ]
      : [];
    this.put({
      path: spec.path,
      stepId: spec.stepId,
      status: "succeeded",
      input: asEffect.input,
      output: { eventId, event },
      error: null,
      attempts: 1,
      attemptLog,
      idempotencyKey: eventId,
      inputHash: effectHash(asEffect),
      startedAt: now,
      finishedAt: now,
    });
    metrics().stepDuration.observe({ type: spec.type, outcome: "succeeded" }, (performance.now() - t0) / 1000);
    return { eventId };
  }

  /**
   * The job inserts pg-boss's publish makes for an event (one per subscribed queue, read now), kept to run in
   * the transaction of the step's row. Reads pg-boss does through the adapter run at once; only its writes wait.
   */
  private async publishStatements(event: string, data: object): Promise<Array<{ text: string; values: unknown[] }>> {
    const jobs: Array<{ text: string; values: unknown[] }> = [];
    const now = bossDb(this.o.pool);
    await this.o.boss.publish(event, data, {
      db: {
        executeSql: async (text, values = []) => {
          if (!/\bINSERT\s+INTO\b/i.test(text)) return now.executeSql(text, values);
          jobs.push({ text, values });
          return { rows: [] };
        },
      },
    });
    return jobs;
  }

  /**
   * Runs `count` branches with at most `concurrency` at a time. Every branch settles before this
   * returns; suspensions are merged (the earliest wins) so sibling work in flight is never abandoned.
   */
  async fanOut<T>(
    count: number,
    concurrency: number,
    branch: (index: number) => Promise<T>,
  ): Promise<Array<{ ok: true; value: T } | { ok: false; error: StepFailed }>> {
    const results: Array<{ ok: true; value: T } | { ok: false; error: StepFailed }> = new Array(count);
    const suspends: Suspend[] = [];
    let fatal: unknown = null;
    let next = 0;
    const lane = async () => {
      while (next < count && !fatal) {
        const i = next++;
        try {
          results[i] = { ok: true, value: await branch(i) };
        } catch (err) {
          if (err instanceof StepFailed) results[i] = { ok: false, error: err };
          else if (err instanceof Suspend) suspends.push(err);
          else fatal = err;
        }
      }
    };
    await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, count)) }, lane));
    if (fatal) throw fatal;
    if (suspends.length) throw Suspend.earliest(suspends);
    return results;
  }

  /** Marks a step's row compensated and archives it so that a redrive re-executes it with a new key. */
  markCompensated(path: string): void {
    const r = this.rows.get(path);
    if (r) this.put({ ...r, status: "compensated" });
  }

  /** All rows (memoized and new): the run's timeline in this segment. */
  allRows(): StepRow[] {
    return [...this.rows.values()];
  }
}

/** Resolves with the promise, or rejects as soon as the signal aborts (a connector ignoring it cannot hang the run). */
function raceSignal<T>(p: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason as Error);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason as Error);
    signal.addEventListener("abort", onAbort, { once: true });
    p.then(
      (v) => {
        signal.removeEventListener("abort", onAbort);
        resolve(v);
      },
      (e: unknown) => {
        signal.removeEventListener("abort", onAbort);
        reject(e as Error);
      },
    );
  });
}

/** One multi-row upsert for a batch of step rows. */
export async function upsertRows(sql: Sql, runId: string, rows: StepRow[]): Promise<void> {
  const q = upsertSql(runId, rows);
  await prepared(sql, q.text, q.values);
}

/** The upsert of a batch of rows as SQL, its parameters numbered from `offset` + 1 (to embed in a CTE). */
export function upsertSql(runId: string, rows: StepRow[], offset = 0): { text: string; values: unknown[] } {
  const values: unknown[] = [];
  const tuples: string[] = [];
  for (const r of rows) {
    const b = values.length + offset;
    tuples.push(
      `($${b + 1}::uuid, $${b + 2}, $${b + 3}, $${b + 4}, $${b + 5}::jsonb, $${b + 6}::jsonb, $${b + 7}::jsonb, $${b + 8}::int, $${b + 9}::jsonb, $${b + 10}, $${b + 11}, $${b + 12}::timestamptz, $${b + 13}::timestamptz)`,
    );
    values.push(
      runId,
      r.path,
      r.stepId,
      r.status,
      json(r.input),
      json(r.output),
      r.error ? JSON.stringify(r.error) : null,
      r.attempts,
      JSON.stringify(r.attemptLog ?? []),
      r.idempotencyKey,
      r.inputHash ?? null,
      r.startedAt,
      r.finishedAt,
    );
  }
  return {
    text: `INSERT INTO step_run (run_id, path, step_id, status, input, output, error, attempts, attempt_log, idempotency_key, input_hash, started_at, finished_at)
     VALUES ${tuples.join(", ")}
     ON CONFLICT (run_id, path) DO UPDATE SET status = EXCLUDED.status, input = EXCLUDED.input, output = EXCLUDED.output, error = EXCLUDED.error,
       attempts = EXCLUDED.attempts, attempt_log = EXCLUDED.attempt_log, idempotency_key = EXCLUDED.idempotency_key, input_hash = EXCLUDED.input_hash,
       started_at = EXCLUDED.started_at, finished_at = EXCLUDED.finished_at`,
    values,
  };
}

function json(v: unknown): string | null {
  return v === undefined ? null : JSON.stringify(v);
}
