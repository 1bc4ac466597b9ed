// `npm start` (after `npm run build`): the production web process. Needs DATABASE_URL and real secrets;
// applies pending migrations under an advisory lock (safe with many replicas starting at once).
// Workers run separately (`npm run worker`) unless WEFT_WORKERS_IN_PROCESS=1.
import { assertProductionSecrets, config } from "@/server/config";
import { StartupError } from "@/server/db/errors";
import { assertPortFree, ensureLocalSecrets, migrateDatabase, onShutdown, resolveDatabase, runMain } from "./lib/boot";

runMain(async () => {
  process.env.NEXT_TELEMETRY_DISABLED = "1";
  (process.env as Record<string, string>).NODE_ENV = "production";
  process.env.WEFT_PROCESS = "weft-web";
  const log = (m: string) => console.log(`[weft] ${m}`);
  const demo = process.env.WEFT_DEMO === "1";
  if (demo) await ensureLocalSecrets();
  else {
    assertProductionSecrets();
    if (!process.env.DATABASE_URL) {
      throw new StartupError(
        "DATABASE_URL is not set. Production needs a Postgres: set DATABASE_URL (or WEFT_DEMO=1 to run the embedded demo).",
      );
    }
  }
  const port = config().PORT;
  await assertPortFree(port);
  const database = await resolveDatabase(log);
  await migrateDatabase(database.url, log);
  let sandboxes: { close(): Promise<void> } | null = null;
  if (demo) {
    const { db } = await import("@/server/db/client");
    const { seedDemo } = await import("@/server/seed/demo");
    const { startDemoSandboxes } = await import("./lib/demo-sandboxes");
    const demo = await startDemoSandboxes(database.url, port, log);
    sandboxes = demo.sandboxes;
    await seedDemo(db(), { connections: demo.connections });
  }
  let stopWorkers = async () => {};
  if (process.env.WEFT_WORKERS_IN_PROCESS === "1" || demo) {
    const { startBoss } = await import("@/server/queue/boss");
    const { startWorkers } = await import("@/server/workers");
    const boss = await startBoss({ url: database.url, role: "worker" });
    const workers = await startWorkers(boss);
    stopWorkers = () => workers.stop();
    if (demo) {
      // A fresh demo shows each shipped reconciliation with a last run: queued now, run in the background.
      const { queueFirstReconciliationRuns } = await import("@/server/seed/demo-reconciliations");
      const queued = await queueFirstReconciliationRuns(database.url, boss);
      if (queued.length) log(`first runs of ${queued.join(", ")} queued`);
      // Runs parked at their approval: Finance's and PMO's approvers have open tasks in the Inbox on first start.
      const { db } = await import("@/server/db/client");
      const { seedDemoApprovals } = await import("@/server/seed/approvals");
      await seedDemoApprovals(db(), boss);
    }
  }
  const { startWeb } = await import("./lib/web");
  const server = await startWeb({ dev: false, port, hostname: "0.0.0.0" });
  log(`web listening on :${port}`);
  const shutdown = async () => {
    server.close();
    await stopWorkers().catch(() => undefined);
    await sandboxes?.close().catch(() => undefined);
    await database.embedded?.stop().catch(() => undefined);
  };
  onShutdown(shutdown);
});
