// pg-boss is Weft's only queue and scheduler. Web processes hold a sending-only instance; worker
// processes (and `npm run dev`) hold one that also supervises queues and runs cron schedules.
import "server-only";
import { PgBoss, type ConstructorOptions } from "pg-boss";
import { logger } from "../observability/log";

export const BOSS_SCHEMA = "pgboss";

/**
 * How often a supervising instance looks for jobs whose heartbeat stopped (a killed worker). pg-boss fails
 * such jobs only in its supervision pass, which needs both its supervise timer and the queue's monitor
 * claim to be due; both default to 60 s, which handed a killed worker's runs on 18–60 s late. Any one
 * supervising worker does the pass per interval (the claim is a row in pgboss.queue), so more workers do
 * not mean more passes.
 */
export const SUPERVISE_INTERVAL_SECONDS = 2;

export type BossRole = "web" | "worker";

/** The production pg-boss options of a role (exported so tests run with exactly these). */
export function bossOptions(opts: { url: string; role: BossRole; max?: number }): ConstructorOptions {
  const worker = opts.role === "worker";
  return {
    connectionString: opts.url,
    schema: BOSS_SCHEMA,
    application_name: `weft-${opts.role}`,
    max: opts.max ?? (worker ? 10 : 4),
    supervise: worker,
    schedule: worker,
    superviseIntervalSeconds: SUPERVISE_INTERVAL_SECONDS,
    monitorIntervalSeconds: SUPERVISE_INTERVAL_SECONDS,
    migrate: true,
  };
}

export async function startBoss(opts: { url: string; role: BossRole; max?: number }): Promise<PgBoss> {
  const boss = new PgBoss(bossOptions(opts));
  boss.on("error", (err) => logger.error({ err }, "pg-boss error"));
  await boss.start();
  return boss;
}

/** The process-wide instance for web request handlers (sending only), started on first use. */
export function webBoss(): Promise<PgBoss> {
  const g = globalThis as unknown as { __weftBoss?: Promise<PgBoss> };
  const url = process.env.DATABASE_URL;
  if (!url) return Promise.reject(new Error("DATABASE_URL is not set"));
  g.__weftBoss ??= startBoss({ url, role: "web" }).catch((err: unknown) => {
    g.__weftBoss = undefined;
    throw err;
  });
  return g.__weftBoss;
}
