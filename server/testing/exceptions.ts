// The set-up the exception-queue tests share (server/exceptions/replay.test.ts, triage.test.ts): a test
// database with the vendor sandboxes as the demo connections, pg-boss workers running the real runtime and
// the exception jobs, the demo teams, the given demo flows published, and an operator of Finance (the
// flows' owning team) to call the router as.
import "server-only";
import type { PgBoss } from "pg-boss";
import { createTestDatabase, type TestDatabase } from "./db";
import { runSettled } from "./runs";
import { createCaller } from "../api/root";
import type { Role } from "../../core/roles";
import { runtimePool, type Pool } from "../runtime/sql";
import { ensureTestSecrets, testBoss } from "../runtime/testing";
import { startRuntimeWorkers, type RuntimeWorkers } from "../runtime/worker";
import { startSandboxes, type StartedSandboxes } from "@/connectors/sandboxes";
import { sandboxConnection, syncDemoConnections } from "../seed/sandbox-connections";
import { publishDemoFlows, type DemoFlowDoc } from "../seed/demo-flows";
import { seedTeams } from "../seed/demo";
import { registerExceptionJobs } from "../exceptions/jobs";

export interface ExceptionRuntime {
  t: TestDatabase;
  pool: Pool;
  boss: PgBoss;
  workers: RuntimeWorkers;
  sandboxes: StartedSandboxes;
  /** The operator "u-op" (Finance) with this one role. */
  as(role: Role): ReturnType<typeof createCaller>;
  /** The run once it has finished (polls; throws after `ms`). */
  settled(runId: string, ms?: number): ReturnType<typeof runSettled>;
  /** The admin URL of the sandbox of a connector ("netsuite"). */
  admin(connectorKey: string): string;
  faults(connectorKey: string, f: unknown): Promise<Response>;
  clearFaults(connectorKey: string): Promise<Response>;
  stop(): Promise<void>;
}

export async function startExceptionRuntime(opts: {
  flows: readonly DemoFlowDoc[];
  concurrency: number;
  requestId: string;
}): Promise<ExceptionRuntime> {
  const saved = { url: process.env.DATABASE_URL, allow: process.env.WEFT_HTTP_ALLOWLIST };
  ensureTestSecrets();
  const t = await createTestDatabase();
  process.env.DATABASE_URL = t.url; // the routers' sending boss (webBoss) joins this database
  const sandboxes = await startSandboxes();
  process.env.WEFT_HTTP_ALLOWLIST = sandboxes.allowHosts.join(",");
  await syncDemoConnections(t.db, sandboxes.systems.map(sandboxConnection));
  const pool = runtimePool(t.url, 6);
  const boss = await testBoss(t.url, { supervise: true });
  const workers = await startRuntimeWorkers(boss, {
    databaseUrl: t.url,
    concurrency: opts.concurrency,
    triggerSyncSeconds: 0,
  });
  await registerExceptionJobs(boss);
  await t.db.user.create({ data: { id: "u-op", name: "Olu Operator", email: "op@weft.local", roles: ["operator"] } });
  await seedTeams(t.db);
  await publishDemoFlows(t.db, opts.flows);
  // Olu works in Finance, the flows' owning team (operators act on their teams' exceptions).
  const teamIds = [(await t.db.team.findUniqueOrThrow({ where: { key: "finance" } })).id];
  const admin = (connectorKey: string): string => sandboxes.systems.find((s) => s.connectorKey === connectorKey)!.admin;
  return {
    t,
    pool,
    boss,
    workers,
    sandboxes,
    as: (role) =>
      createCaller({
        db: t.db,
        requestId: opts.requestId,
        user: { id: "u-op", email: "op@weft.local", name: "Olu Operator", roles: [role], teamIds },
      }),
    settled: (runId, ms = 60_000) => runSettled(t, runId, ms),
    admin,
    faults: (connectorKey, f) =>
      fetch(`${admin(connectorKey)}/faults`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(f),
      }),
    clearFaults: (connectorKey) => fetch(`${admin(connectorKey)}/faults`, { method: "DELETE" }),
    stop: async () => {
      await workers.stop();
      await boss.stop({ graceful: false });
      const g = globalThis as unknown as { __weftBoss?: Promise<PgBoss> };
      await (await g.__weftBoss)?.stop({ graceful: false });
      await sandboxes.close();
      process.env.DATABASE_URL = saved.url;
      process.env.WEFT_HTTP_ALLOWLIST = saved.allow;
      await t.drop();
    },
  };
}
