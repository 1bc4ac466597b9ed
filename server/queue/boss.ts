// pg-boss is Weft's only queue and scheduler. Web processes hold a sending-only instance; worker
// processes (and `npm run dev`) hold one that also supervises queues and runs cron schedules.
import { PgBoss } from "pg-boss";
import { logger } from "../observability/log";

export const BOSS_SCHEMA = "pgboss";

export type Boss = PgBoss;

export async function startBoss(opts: { url: string; role: "web" | "worker"; max?: number }): Promise<PgBoss> {
  const boss = new PgBoss({
    connectionString: opts.url,
    schema: BOSS_SCHEMA,
    application_name: `weft-${opts.role}`,
    max: opts.max ?? (opts.role === "worker" ? 10 : 4),
    supervise: opts.role === "worker",
    schedule: opts.role === "worker",
    migrate: true,
  });
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
