// Health of the things a Weft process depends on: the database and the pg-boss queue schema.
import "server-only";
import { db } from "../db/client";
import { webBoss } from "../queue/boss";

export interface Health {
  status: "ok" | "degraded";
  database: { ok: boolean; latencyMs?: number; error?: string };
  queue: { ok: boolean; queues?: number; ready?: number; active?: number; failed?: number; error?: string };
  version: string;
}

async function timed<T>(fn: () => Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      fn(),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

export async function checkHealth(): Promise<Health> {
  const started = Date.now();
  const database: Health["database"] = await timed(() => db().$queryRaw`SELECT 1`, 2000).then(
    () => ({ ok: true, latencyMs: Date.now() - started }),
    (err: Error) => ({ ok: false, error: err.message }),
  );
  const queue: Health["queue"] = await timed(async () => {
    const boss = await webBoss();
    const qs = await boss.getQueues();
    return {
      ok: true,
      queues: qs.length,
      ready: qs.reduce((n, q) => n + q.readyCount, 0),
      active: qs.reduce((n, q) => n + q.activeCount, 0),
      failed: qs.reduce((n, q) => n + q.failedCount, 0),
    };
  }, 3000).catch((err: Error) => ({ ok: false, error: err.message }));
  return {
    status: database.ok && queue.ok ? "ok" : "degraded",
    database,
    queue,
    version: process.env.npm_package_version ?? "0.1.0",
  };
}
