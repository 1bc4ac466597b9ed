// `npm run worker`: a worker process. Run any number, on any number of machines, against one Postgres:
// pg-boss hands each job to exactly one of them. SIGTERM finishes (or releases) in-flight jobs first.
import { ensureLocalSecrets, migrateDatabase, onShutdown, resolveDatabase, runMain } from "./lib/boot";
import { StartupError } from "@/server/db/errors";
import { assertProductionSecrets } from "@/server/config";

runMain(async () => {
  process.env.WEFT_PROCESS = "weft-worker";
  const log = (m: string) => console.log(`[weft-worker] ${m}`);
  if (!process.env.DATABASE_URL) {
    throw new StartupError("DATABASE_URL is not set. A worker process joins an existing Weft database; set DATABASE_URL (npm run dev already runs workers in-process).");
  }
  if (process.env.NODE_ENV === "production" && process.env.WEFT_DEMO !== "1") assertProductionSecrets();
  else await ensureLocalSecrets();
  const database = await resolveDatabase(log);
  await migrateDatabase(database.url, log);
  const { startBoss } = await import("@/server/queue/boss");
  const { startWorkers } = await import("@/server/workers");
  const boss = await startBoss({ url: database.url, role: "worker" });
  const workers = await startWorkers(boss);
  log(`worker ${process.pid} running`);
  onShutdown(async (signal) => {
    log(`${signal}: handing on in-flight runs and finishing other jobs`);
    await workers.stop().catch((err: unknown) => log(`stop: ${(err as Error).message}`));
    log("stopped");
  });
});
