// The demo workspace as demo boot makes it (scripts/dev.ts, start.ts): vendor sandboxes started, the demo
// connections pointing at them and at this database's reporting schema, then seedDemo. Close the sandboxes
// after the test.
import "server-only";
import { startSandboxes, type StartedSandboxes } from "@/connectors/sandboxes";
import type { Db } from "../db/client";
import { seedDemo } from "../seed/demo";
import { demoConnections } from "../seed/platform-connections";
import { ensureTestSecrets, testBoss } from "../runtime/testing";
import { runtimePool, type Pool } from "../runtime/sql";
import { startRuntimeWorkers, type RuntimeWorkers } from "../runtime/worker";
import { closePostgresPools } from "@/connectors/postgres/pg";
import type { PgBoss } from "pg-boss";
import type { TestDatabase } from "./db";

export async function seedDemoWorkspace(
  db: Db,
  databaseUrl: string,
): Promise<{ sandboxes: StartedSandboxes; allowHosts: string[] }> {
  ensureTestSecrets(); // connection secrets are sealed with WEFT_SECRET_KEY
  const sandboxes = await startSandboxes();
  const demo = demoConnections(sandboxes.systems, databaseUrl);
  await seedDemo(db, { connections: demo.connections });
  return { sandboxes, allowHosts: demo.allowHosts };
}

export interface DemoRuntime {
  sandboxes: StartedSandboxes;
  pool: Pool;
  boss: PgBoss;
  workers: RuntimeWorkers;
  /** Stops the workers, pg-boss, connector pools and sandboxes, and restores the allow-list. */
  stop(): Promise<void>;
}

/**
 * The demo workspace with its runtime running, as demo boot has it: seeded (seedDemoWorkspace), the sandboxes
 * and the reporting database on the outbound allow-list, pg-boss workers executing runs. For tests that run
 * the demo flows for real.
 */
export async function startDemoRuntime(t: TestDatabase): Promise<DemoRuntime> {
  const savedAllow = process.env.WEFT_HTTP_ALLOWLIST;
  const { sandboxes, allowHosts } = await seedDemoWorkspace(t.db, t.url);
  process.env.WEFT_HTTP_ALLOWLIST = allowHosts.join(",");
  const pool = runtimePool(t.url, 6);
  const boss = await testBoss(t.url, { supervise: true });
  const workers = await startRuntimeWorkers(boss, {
    databaseUrl: t.url,
    concurrency: 8,
    inlineDelayMaxMs: 300,
    triggerSyncSeconds: 0,
  });
  return {
    sandboxes,
    pool,
    boss,
    workers,
    stop: async () => {
      await workers.stop();
      await boss.stop({ graceful: false });
      await closePostgresPools();
      await sandboxes.close();
      process.env.WEFT_HTTP_ALLOWLIST = savedAllow;
    },
  };
}
