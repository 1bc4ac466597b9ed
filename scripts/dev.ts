// `npm run dev`: the whole of Weft in one process with zero configuration — embedded Postgres (unless
// DATABASE_URL is set), migrations, the demo workspace, pg-boss workers, and Next.js in dev mode.
import { mkdir, writeFile, access } from "node:fs/promises";
import { config } from "@/server/config";
import { assertPortFree, ensureLocalSecrets, migrateDatabase, onShutdown, resolveDatabase, runMain } from "./lib/boot";

runMain(async () => {
  process.env.NEXT_TELEMETRY_DISABLED = "1";
  (process.env as Record<string, string>).NODE_ENV ??= "development";
  process.env.WEFT_DEMO ??= "1";
  process.env.WEFT_PROCESS = "weft-dev";
  const log = (m: string) => console.log(`[weft] ${m}`);
  const port = config().PORT;
  await assertPortFree(port);
  if (port !== 3000) await separateBuildFolder(port);
  await ensureLocalSecrets();
  const database = await resolveDatabase(log);
  log(database.embedded ? `embedded Postgres on 127.0.0.1:${database.embedded.port}` : `using DATABASE_URL`);
  await migrateDatabase(database.url, log);

  const { db } = await import("@/server/db/client");
  const { seedDemo } = await import("@/server/seed/demo");
  let sandboxes: import("@/connectors/sandboxes").StartedSandboxes | null = null;
  if (config().demo) {
    const { startDemoSandboxes } = await import("./lib/demo-sandboxes");
    const demo = await startDemoSandboxes(database.url, port, log);
    sandboxes = demo.sandboxes;
    const r = await seedDemo(db(), { connections: demo.connections });
    if (r.usersCreated) log(`demo workspace seeded (${r.usersCreated} accounts)`);
    if (r.connectionsChanged.length) log(`demo connections ${r.connectionsChanged.join(", ")} point at the sandboxes`);
  }

  const { startBoss } = await import("@/server/queue/boss");
  const { startWorkers } = await import("@/server/workers");
  const boss = await startBoss({ url: database.url, role: "worker" });
  const workers = await startWorkers(boss);
  log("workers running in-process");
  if (config().demo) {
    // A fresh demo shows each shipped reconciliation with a last run: queued now, run in the background.
    const { queueFirstReconciliationRuns } = await import("@/server/seed/demo-reconciliations");
    const queued = await queueFirstReconciliationRuns(database.url, boss);
    if (queued.length) log(`first runs of ${queued.join(", ")} queued`);
    // Runs parked at their approval: Finance's and PMO's approvers have open tasks in the Inbox on first start.
    const { seedDemoApprovals } = await import("@/server/seed/approvals");
    await seedDemoApprovals(db(), boss);
  }

  const { startWeb } = await import("./lib/web");
  const server = await startWeb({ dev: true, port });
  const url = `http://localhost:${port}`;
  // Compile the main pages now rather than on each first click (WEFT_DEV_WARM=0 leaves them to compile on demand).
  const warmed =
    process.env.WEFT_DEV_WARM !== "0"
      ? import("./lib/warm").then(({ warmRoutes }) => warmRoutes(`http://127.0.0.1:${port}`, log))
      : Promise.resolve();
  // The firm simulator feeds the demo workspace in the background once the web server takes webhooks
  // (server/seed/demo-simulation.ts; WEFT_DEMO_SIMULATE=0 turns it off) — and once the pages are warmed: its
  // webhooks, polls and runs took the CPU the first compiles (sign-in, designer) wait for.
  let simulation: { stop(): Promise<void> } | null = null;
  let stopping = false;
  if (config().demo && sandboxes && process.env.WEFT_DEMO_SIMULATE !== "0") {
    const { subscribeDemoPushes, startDemoSimulation } = await import("@/server/seed/demo-simulation");
    await subscribeDemoPushes(db(), sandboxes, `http://127.0.0.1:${port}`);
    const started = sandboxes;
    void warmed.then(async () => {
      if (stopping) return;
      simulation = await startDemoSimulation({
        db: db(),
        sandboxes: started,
        log,
        runtime: { boss, databaseUrl: database.url },
      }).catch((err: unknown) => {
        log(`demo simulation not started: ${(err as Error).message}`);
        return null;
      });
    });
  }
  console.log(`\n  Weft is running at ${url}`);
  if (config().demo)
    console.log(
      `  Sign in as admin@weft.local (or designer@, approver@, operator@, viewer@) with password weft-demo\n`,
    );
  const shutdown = async () => {
    log("shutting down");
    stopping = true;
    server.close();
    await simulation?.stop().catch(() => undefined);
    await workers.stop().catch(() => undefined);
    await sandboxes?.close().catch(() => undefined);
    await database.embedded?.stop().catch(() => undefined);
  };
  onShutdown(shutdown);
});

/** A second dev server needs its own build folder and tsconfig (Next locks the folder and edits the tsconfig). */
async function separateBuildFolder(port: number): Promise<void> {
  const dir = `.next-${port}`;
  // Turbopack only finds a tsconfig in the project folder itself, so it sits there (git-ignored).
  const tsconfig = `tsconfig.dev-${port}.json`;
  await mkdir(dir, { recursive: true });
  const exists = await access(tsconfig).then(
    () => true,
    () => false,
  );
  if (!exists) {
    await writeFile(
      tsconfig,
      JSON.stringify({ extends: "./tsconfig.json", exclude: ["node_modules", ".weft", ".next", ".next-*"] }, null, 2),
    );
  }
  process.env.WEFT_NEXT_DIST_DIR ??= dir;
  process.env.WEFT_TSCONFIG ??= tsconfig;
}
