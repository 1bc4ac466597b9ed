// `npm run worker`: a worker process. Run any number, on any number of machines, against one Postgres:
// pg-boss hands each job to exactly one of them. SIGTERM finishes (or releases) in-flight jobs first.
import http from "node:http";
import { assertPortFree, ensureLocalSecrets, migrateDatabase, onShutdown, resolveDatabase, runMain } from "./lib/boot";
import { StartupError } from "@/server/db/errors";
import { assertProductionSecrets } from "@/server/config";

async function serveMetrics(port: number, boss: import("pg-boss").PgBoss): Promise<http.Server> {
  const { scrape } = await import("@/server/observability/scrape");
  await assertPortFree(port);
  const server = http.createServer((req, res) => {
    if (req.method !== "GET" || req.url?.split("?")[0] !== "/metrics")
      return void res.writeHead(404).end("not found\n");
    void scrape(req.headers.authorization ?? null, async () => boss).then((r) =>
      res.writeHead(r.status, { "content-type": r.contentType }).end(r.body),
    );
  });
  await new Promise<void>((resolve) => server.listen(port, "0.0.0.0", resolve));
  return server;
}

runMain(async () => {
  process.env.WEFT_PROCESS = "weft-worker";
  const log = (m: string) => console.log(`[weft-worker] ${m}`);
  if (!process.env.DATABASE_URL) {
    throw new StartupError(
      "DATABASE_URL is not set. A worker process joins an existing Weft database; set DATABASE_URL (npm run dev already runs workers in-process).",
    );
  }
  if (process.env.NODE_ENV === "production" && process.env.WEFT_DEMO !== "1") assertProductionSecrets();
  else await ensureLocalSecrets();
  const database = await resolveDatabase(log);
  await migrateDatabase(database.url, log);
  const { startBoss } = await import("@/server/queue/boss");
  const { startWorkers } = await import("@/server/workers");
  const boss = await startBoss({ url: database.url, role: "worker" });
  const workers = await startWorkers(boss);
  // Runs execute here, so their metrics live here: scrape each worker on WEFT_METRICS_PORT (off when unset).
  const metricsPort = process.env.WEFT_METRICS_PORT ? Number(process.env.WEFT_METRICS_PORT) : null;
  const metricsServer = metricsPort ? await serveMetrics(metricsPort, boss) : null;
  if (metricsServer) log(`metrics on :${metricsPort}/metrics`);
  log(`worker ${process.pid} running`);
  onShutdown(async (signal) => {
    log(`${signal}: handing on in-flight runs and finishing other jobs`);
    metricsServer?.close();
    await workers.stop().catch((err: unknown) => log(`stop: ${(err as Error).message}`));
    log("stopped");
  });
});
