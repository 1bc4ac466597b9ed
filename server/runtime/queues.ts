// The runtime's pg-boss queues. A job is a *run segment*, not a step: one job executes a run's steps in
// process, checkpointing each, until the run ends or has to wait (timer, backoff, subflow) — then the run
// is re-enqueued with startAfter. A job per step cannot reach the throughput target (docs/benchmarks.md).
import "server-only";
import type { PgBoss, Queue, UpdateQueueOptions } from "pg-boss";
import { SUPERVISE_INTERVAL_SECONDS } from "../queue/boss";

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
  /** Poll triggers' scheduler: one job per tick slot (whatever the number of workers) enqueues the due polls. */
  pollTick: "weft.poll.tick",
  /** One poll of one flow (server/runtime/poll.ts); stately with singletonKey = flow id. */
  poll: "weft.poll",
  /** Approval tasks' timers (server/tasks/): escalation at the due time and expiry, delayed jobs keyed by task. */
  taskTimer: "weft.task.timer",
} as const;

/** Crash detection: a job whose heartbeat is older than this is failed and retried elsewhere (pg-boss's minimum). */
export const RUN_HEARTBEAT_SECONDS = 10;
/** A worker refreshes its jobs' heartbeats this often, so a killed worker's last one is at most this old. */
export const RUN_HEARTBEAT_REFRESH_SECONDS = 2;
/** First infrastructure retry of a run job (pg-boss backs off from here). */
const RUN_RETRY_DELAY_SECONDS = 1;
/** How often workers poll for run jobs when no NOTIFY woke them (server/runtime/worker.ts). */
export const RUN_POLL_SECONDS = 0.5;
/**
 * The documented bound (docs/architecture.md) for handing a killed worker's run to another: its heartbeat
 * goes stale (≤ 10 s after the kill), the next supervision pass fails the job (≤ 2 s, server/queue/boss.ts),
 * the retry becomes due (1 s, backoff jitter ≤ 1 s more) and another worker's poll picks it up (≤ 0.5 s).
 */
export const RUN_HANDOFF_BOUND_SECONDS = Math.ceil(
  RUN_HEARTBEAT_SECONDS + SUPERVISE_INTERVAL_SECONDS + 2 * RUN_RETRY_DELAY_SECONDS + RUN_POLL_SECONDS,
);

const runQueue: Omit<Queue, "name"> = {
  policy: "stately",
  notify: true,
  heartbeatSeconds: RUN_HEARTBEAT_SECONDS,
  // A segment that runs this long is stuck even with heartbeats (a handler ignoring its signal).
  expireInSeconds: 3600,
  // These retries are for the *infrastructure* (database cut, worker killed): step failures are classified
  // and retried by the engine with the step's own policy, never by pg-boss.
  retryLimit: 25,
  retryDelay: RUN_RETRY_DELAY_SECONDS,
  retryBackoff: true,
  retryDelayMax: 60,
  deadLetter: QUEUES.runDead,
  deleteAfterSeconds: 3600,
};

/** Each runtime queue's options: created with these, and an existing queue is brought to them (ensureRuntimeQueues). */
export const RUNTIME_QUEUE_OPTIONS: Record<(typeof QUEUES)[keyof typeof QUEUES], Omit<Queue, "name">> = {
  // Created first: the run queue names it as its dead letter.
  [QUEUES.runDead]: { policy: "standard", retryLimit: 5, retryBackoff: true, notify: true },
  [QUEUES.run]: runQueue,
  [QUEUES.event]: { policy: "standard", notify: true, retryLimit: 10, retryBackoff: true, retryDelayMax: 60 },
  // Poll failures back off on the poll's own state row, so pg-boss retries only a crashed worker's poll.
  [QUEUES.pollTick]: { policy: "standard", retryLimit: 0, expireInSeconds: 60, deleteAfterSeconds: 600 },
  // Heartbeats as for runs: a worker killed mid-poll leaves an active job that would block the flow's polls
  // (stately) until it expired; a stale heartbeat fails it within seconds and the retry polls again.
  [QUEUES.poll]: {
    policy: "stately",
    notify: true,
    heartbeatSeconds: RUN_HEARTBEAT_SECONDS,
    retryLimit: 5,
    retryDelay: 2,
    expireInSeconds: 300,
    deleteAfterSeconds: 3600,
  },
  [QUEUES.schedule]: { policy: "standard", notify: true, retryLimit: 10, retryBackoff: true, retryDelayMax: 60 },
  // Delayed jobs: a NOTIFY at send time says nothing about when they are due, so workers poll (every second).
  [QUEUES.taskTimer]: { policy: "standard", notify: false, retryLimit: 10, retryBackoff: true, retryDelayMax: 300 },
};

// Options pg-boss can clear with null; left out of a queue's options above, they are meant to be off.
const NULLABLE = ["deadLetter", "retryDelayMax", "heartbeatSeconds"] as const;

/**
 * The changes that bring an existing queue to `want` (empty when it has them). A database created before an
 * option changed keeps the old one otherwise: createQueue does nothing for an existing queue.
 */
export function queueUpdates(have: Partial<Queue>, want: Omit<Queue, "name">): UpdateQueueOptions {
  const changes: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(want)) {
    if (k === "policy" || k === "partition") continue; // fixed at creation: see ensureRuntimeQueues
    if ((have as Record<string, unknown>)[k] !== v) changes[k] = v;
  }
  for (const k of NULLABLE) if (want[k] === undefined && have[k] != null) changes[k] = null;
  return changes as UpdateQueueOptions;
}

export async function ensureRuntimeQueues(boss: PgBoss): Promise<void> {
  const existing = new Map((await boss.getQueues(Object.values(QUEUES))).map((q) => [q.name, q]));
  for (const [name, opts] of Object.entries(RUNTIME_QUEUE_OPTIONS)) {
    const have = existing.get(name);
    if (!have) {
      await boss.createQueue(name, opts).catch((err: unknown) => {
        // Two processes starting together race to create the queue; the loser finds it there.
        if (!/already exists|duplicate key/i.test((err as Error).message)) throw err;
      });
      continue;
    }
    // A policy is part of the queue's table layout; pg-boss cannot change it in place. Refusing to start
    // beats running a "stately" queue as "standard" (two segments of one run at once).
    if ((have.policy ?? "standard") !== (opts.policy ?? "standard")) {
      throw new Error(
        `pg-boss queue ${name} has policy "${have.policy}", the runtime needs "${opts.policy}": delete the queue (pg-boss deleteQueue) once it is drained, and restart.`,
      );
    }
    const changes = queueUpdates(have, opts);
    // Idempotent: two processes starting together both set the same values.
    if (Object.keys(changes).length) await boss.updateQueue(name, changes);
  }
}

export interface RunJobData {
  runId: string;
}
