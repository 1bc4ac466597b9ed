// The runtime's workers: registered by server/workers/index.ts in every worker process (and in-process in
// `npm run dev`). Any number of processes on any number of machines cooperate through Postgres alone:
// pg-boss hands each run job to one of them, stately + singletonKey keeps one segment per run at a time,
// heartbeats hand a killed worker's run to another.
import "server-only";
import { PgBoss, type Job, type JobResult } from "pg-boss";
import { logger as rootLogger } from "../observability/log";
import { createDb, databaseUrl, db as defaultDb } from "../db/client";
import { handleTaskTimer } from "../tasks/service";
import type { TaskTimerJob } from "../tasks/runtime";
import { runtimePool, type Pool } from "./sql";
import {
  ensureRuntimeQueues,
  QUEUES,
  RUN_HEARTBEAT_REFRESH_SECONDS,
  RUN_POLL_SECONDS,
  type RunJobData,
} from "./queues";
import { executeSegment, failRunFromOutside, type Compile } from "./engine/run";
import { handleEventJob, handleScheduleJob, syncTriggers, type EventJobData, type ScheduleJobData } from "./triggers";
import { compileFlow } from "./engine/interpreter";
import { enqueueDuePolls, pollOnce, POLL_TICK_SECONDS, sendPollTick, type PollJobData } from "./poll";

export interface RuntimeWorkerOptions {
  /** Runs executed at once by this process (default WEFT_RUNTIME_CONCURRENCY or 16). */
  concurrency?: number;
  databaseUrl?: string;
  /** For tests: a different compiler (default: the DSL interpreter). */
  compile?: Compile;
  /** Backoffs/waits up to this long are slept in process (default 1000 ms). */
  inlineDelayMaxMs?: number;
  /** Re-read event subscriptions and schedules this often (default 30 s; 0 = only at start). */
  triggerSyncSeconds?: number;
  /** Send the poll scheduler's tick this often (default POLL_TICK_SECONDS; 0 = never, for tests that drive polls). */
  pollTickSeconds?: number;
  /**
   * Fetch run jobs through the given instance instead of a dedicated one. The dedicated instance exists
   * for LISTEN/NOTIFY (a new run wakes a worker at once instead of at its next poll) and a pool sized
   * for the run concurrency; tests that already pass such an instance can skip it.
   */
  useGivenInstance?: boolean;
}

export interface RuntimeWorkers {
  pool: Pool;
  /** Stop taking new steps; in-flight runs hand themselves on at their next step boundary. */
  drain(): void;
  stop(): Promise<void>;
}

/** Group tiers for DSL concurrency limits above 1 (a job's group tier is `c<N>`). */
const GROUP_TIERS: Record<string, number> = Object.fromEntries(
  [2, 3, 4, 5, 8, 10, 16, 20, 32, 50, 100].map((n) => [`c${n}`, n]),
);

/** Tests and benchmarks can point worker processes at a module exporting `compile` (see testing-programs.ts). */
async function compilerFromEnv(): Promise<Compile | null> {
  const mod = process.env.WEFT_RUNTIME_COMPILE_MODULE;
  if (!mod) return null;
  const m = (await import(mod)) as { compile?: Compile };
  if (!m.compile) throw new Error(`${mod} exports no compile()`);
  return m.compile;
}

export async function startRuntimeWorkers(boss: PgBoss, opts: RuntimeWorkerOptions = {}): Promise<RuntimeWorkers> {
  const concurrency = opts.concurrency ?? Number(process.env.WEFT_RUNTIME_CONCURRENCY ?? 16);
  const pool = runtimePool(opts.databaseUrl ?? databaseUrl(), Math.max(4, Math.ceil(concurrency / 2) + 2));
  // A run segment holds a pooled connection only for single statements and short transactions, never
  // across a connector call, so half the concurrency in connections is plenty.
  const logger = rootLogger.child({ component: "runtime" });
  let draining = false;
  const deps = {
    pool,
    boss,
    logger,
    compile: opts.compile ?? (await compilerFromEnv()) ?? compileFlow,
    draining: () => draining,
    inlineDelayMaxMs: opts.inlineDelayMaxMs,
  };
  await ensureRuntimeQueues(boss);
  const url = opts.databaseUrl ?? databaseUrl();
  let runBoss = boss;
  if (!opts.useGivenInstance) {
    runBoss = new PgBoss({
      connectionString: url,
      schema: "pgboss",
      application_name: `${process.env.WEFT_PROCESS ?? "weft"}-runs`,
      max: Math.max(4, Math.ceil(concurrency / 4) + 3),
      useListenNotify: true,
      supervise: false,
      schedule: false,
      migrate: false,
    });
    runBoss.on("error", (err) => logger.warn({ err }, "pg-boss (runs) error"));
    await runBoss.start();
  }

  // Several fetch loops, each taking a batch: a slow run holds only its own batch, and every batch is one
  // fetch and one settlement round trip for many runs. Batches of at least two where the slots allow: pg-boss
  // fetches again at once only after a full batch of two or more (a batch of one waits for the next poll or
  // NOTIFY, 2 s with a backlog and no new sends — 4 slots then ran ~2 runs/s against a 100 ms vendor).
  const localConcurrency = Math.max(
    1,
    Math.min(Number(process.env.WEFT_RUNTIME_LOOPS ?? 4), Math.floor(concurrency / 2)),
  );
  const batchSize = Math.max(1, Math.ceil(concurrency / localConcurrency));
  const workIds: Array<[string, string]> = [];
  workIds.push([
    QUEUES.run,
    await runBoss.work<RunJobData>(
      QUEUES.run,
      {
        batchSize,
        localConcurrency,
        perJobResults: true,
        pollingIntervalSeconds: RUN_POLL_SECONDS,
        notifyPollingIntervalSeconds: 2,
        // Refreshed well inside the 10 s heartbeat: a killed worker's run is found stale soon after it died.
        heartbeatRefreshSeconds: RUN_HEARTBEAT_REFRESH_SECONDS,
        burstWhenBatchFull: batchSize > 1,
        // With one slot (a batch of one), burst while pg-boss's cached queue stats show a backlog.
        burstWhenReadyExceeds: 1,
        // DSL concurrency keys: at most one active run per key across all workers (tiers for larger limits).
        groupConcurrency: { default: 1, tiers: GROUP_TIERS },
      },
      async (jobs: Job<RunJobData>[]): Promise<JobResult[]> =>
        Promise.all(
          jobs.map(async (job): Promise<JobResult> => {
            try {
              const outcome = await executeSegment(deps, job.data.runId, job.signal, job.groupId);
              return { id: job.id, status: "completed", output: { outcome } };
            } catch (err) {
              logger.warn(
                { err, runId: job.data.runId, jobId: job.id, retry: job.retryCount },
                "run segment failed; pg-boss will retry it",
              );
              return { id: job.id, status: "failed", output: { message: (err as Error).message } };
            }
          }),
        ),
    ),
  ]);

  // Infrastructure retries exhausted: the run fails with an exception instead of vanishing.
  workIds.push([
    QUEUES.runDead,
    await boss.work<RunJobData>(QUEUES.runDead, { batchSize: 10, pollingIntervalSeconds: 2 }, async (jobs) => {
      for (const job of jobs) {
        await failRunFromOutside(
          pool,
          boss,
          job.data.runId,
          "The run could not be executed: its job failed repeatedly (database or worker failures). Retry it once the cause is fixed.",
        );
      }
    }),
  ]);

  workIds.push([
    QUEUES.event,
    await boss.work<EventJobData>(
      QUEUES.event,
      { batchSize: 20, pollingIntervalSeconds: 1, notifyPollingIntervalSeconds: 5 },
      async (jobs) => {
        for (const job of jobs) await handleEventJob(pool, boss, job);
      },
    ),
  ]);
  workIds.push([
    QUEUES.schedule,
    await boss.work<ScheduleJobData>(QUEUES.schedule, { batchSize: 10, pollingIntervalSeconds: 1 }, async (jobs) => {
      for (const job of jobs) await handleScheduleJob(pool, boss, job);
    }),
  ]);

  // Poll triggers: one tick job per slot across the cluster fans out the due polls; each poll is a job.
  workIds.push([
    QUEUES.pollTick,
    await boss.work(QUEUES.pollTick, { pollingIntervalSeconds: 1 }, async () => {
      await enqueueDuePolls(pool, boss);
    }),
  ]);
  // Polls are mostly waiting on vendors: 4 loops of 8 keep 32 in flight, and a full batch fetches the next at once
  // (1,000 flows at a 1-minute interval need ~17 polls/s; docs/benchmarks.md "Poll scheduler").
  workIds.push([
    QUEUES.poll,
    await boss.work<PollJobData>(
      QUEUES.poll,
      {
        batchSize: 8,
        localConcurrency: 4,
        burstWhenBatchFull: true,
        pollingIntervalSeconds: 1,
        notifyPollingIntervalSeconds: 2,
        heartbeatRefreshSeconds: RUN_HEARTBEAT_REFRESH_SECONDS,
      },
      async (jobs) => {
        await Promise.all(
          jobs.map((job) =>
            draining ? undefined : pollOnce({ pool, boss, logger }, job.data.flowId, undefined, job.data.environment),
          ),
        );
      },
    ),
  ]);
  // Approval tasks' timers: escalation at the due time, expiry (server/tasks/). Audited, so through Prisma.
  const taskDb = opts.databaseUrl ? createDb(opts.databaseUrl, 2) : defaultDb();
  workIds.push([
    QUEUES.taskTimer,
    await boss.work<TaskTimerJob>(QUEUES.taskTimer, { batchSize: 5, pollingIntervalSeconds: 1 }, async (jobs) => {
      for (const job of jobs) await handleTaskTimer(taskDb, boss, job.data, { baseUrl: process.env.WEFT_BASE_URL });
    }),
  ]);
  const tickEvery = (opts.pollTickSeconds ?? POLL_TICK_SECONDS) * 1000;
  const tickTimer =
    tickEvery > 0
      ? setInterval(
          () => void sendPollTick(boss).catch((err: unknown) => logger.warn({ err }, "poll tick not sent")),
          tickEvery,
        )
      : null;
  tickTimer?.unref();

  await syncTriggers(pool, boss).catch((err: unknown) => logger.error({ err }, "trigger sync failed"));
  const syncEvery = (opts.triggerSyncSeconds ?? 30) * 1000;
  const timer =
    syncEvery > 0
      ? setInterval(
          () => void syncTriggers(pool, boss).catch((err: unknown) => logger.warn({ err }, "trigger sync failed")),
          syncEvery,
        )
      : null;
  timer?.unref();

  const drain = () => {
    if (draining) return;
    draining = true;
    // In-flight runs hand themselves on at their next step boundary; then the run instance stops.
    if (runBoss !== boss) void runBoss.stop({ graceful: true, timeout: 25_000 }).catch(() => undefined);
  };
  // The worker process stops pg-boss gracefully on SIGTERM; draining first makes in-flight runs hand
  // themselves on (checkpoint + re-enqueue) instead of holding the shutdown until they finish.
  process.on("SIGTERM", drain);
  process.on("SIGINT", drain);
  logger.info({ concurrency, batchSize, localConcurrency }, "runtime workers started");
  return {
    pool,
    drain,
    stop: async () => {
      drain();
      if (timer) clearInterval(timer);
      if (tickTimer) clearInterval(tickTimer);
      process.off("SIGTERM", drain);
      process.off("SIGINT", drain);
      for (const [name, id] of workIds)
        await (name === QUEUES.run ? runBoss : boss).offWork(name, { id, wait: true }).catch(() => undefined);
      if (runBoss !== boss) await runBoss.stop({ graceful: true, timeout: 25_000 }).catch(() => undefined);
      if (opts.databaseUrl) await taskDb.$disconnect().catch(() => undefined);
    },
  };
}
