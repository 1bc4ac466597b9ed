// The runtime's pg-boss queues. A job is a *run segment*, not a step: one job executes a run's steps in
// process, checkpointing each, until the run ends or has to wait (timer, backoff, subflow) — then the run
// is re-enqueued with startAfter. A job per step cannot reach the throughput target (docs/benchmarks.md).
import type { PgBoss, Queue } from "pg-boss";

export const QUEUES = {
  /** Executes runs. `stately` with singletonKey = run id: at most one queued and one active job per run, so
   *  two segments of one run never execute at once and duplicate resume requests collapse. */
  run: "weft.run",
  /** Run jobs whose infrastructure retries are exhausted land here and fail their run with an exception. */
  runDead: "weft.run.dead",
  /** pg-boss pub/sub target of `emit` steps: starts the flows whose trigger is that event. */
  event: "weft.event",
  /** boss.schedule() target of cron-triggered flows (one schedule per flow, keyed by flow key). */
  schedule: "weft.schedule",
} as const;

/** Crash detection: a worker refreshes the heartbeat every 5 s; a job silent for 10 s is retried elsewhere. */
export const RUN_HEARTBEAT_SECONDS = 10;

const runQueue: Omit<Queue, "name"> = {
  policy: "stately",
  notify: true,
  heartbeatSeconds: RUN_HEARTBEAT_SECONDS,
  // A segment that runs this long is stuck even with heartbeats (a handler ignoring its signal).
  expireInSeconds: 3600,
  // These retries are for the *infrastructure* (database cut, worker killed): step failures are classified
  // and retried by the engine with the step's own policy, never by pg-boss.
  retryLimit: 25,
  retryDelay: 1,
  retryBackoff: true,
  retryDelayMax: 60,
  deadLetter: QUEUES.runDead,
  deleteAfterSeconds: 3600,
};

export async function ensureRuntimeQueues(boss: PgBoss): Promise<void> {
  const existing = new Set((await boss.getQueues(Object.values(QUEUES))).map((q) => q.name));
  const create = async (name: string, opts: Omit<Queue, "name">) => {
    if (!existing.has(name)) await boss.createQueue(name, opts).catch((err: unknown) => {
      // Two processes starting together race to create the queue; the loser finds it there.
      if (!/already exists|duplicate key/i.test((err as Error).message)) throw err;
    });
  };
  await create(QUEUES.runDead, { policy: "standard", retryLimit: 5, retryBackoff: true, notify: true });
  await create(QUEUES.run, runQueue);
  await create(QUEUES.event, { policy: "standard", notify: true, retryLimit: 10, retryBackoff: true, retryDelayMax: 60 });
  await create(QUEUES.schedule, { policy: "standard", notify: true, retryLimit: 10, retryBackoff: true, retryDelayMax: 60 });
}

export interface RunJobData {
  runId: string;
}
