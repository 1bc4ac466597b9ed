// Baselines shared by the runtime benchmarks: what pg-boss alone does on this machine and database.
import { PgBoss } from "pg-boss";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Empty jobs: send one at a time from 32 senders while 4 loops fetch and complete batches of 16. */
export async function rawPgBoss(url: string, n: number): Promise<number> {
  const boss = new PgBoss({
    connectionString: url,
    schema: "pgboss",
    max: 16,
    supervise: false,
    schedule: false,
    useListenNotify: true,
  });
  boss.on("error", () => undefined);
  await boss.start();
  await boss.createQueue("bench.raw", { notify: true });
  let done = 0;
  await boss.work(
    "bench.raw",
    { batchSize: 16, localConcurrency: 4, pollingIntervalSeconds: 0.5, burstWhenBatchFull: true },
    async (jobs) => {
      done += jobs.length;
    },
  );
  const t0 = Date.now();
  let sent = 0;
  await Promise.all(
    Array.from({ length: 32 }, async () => {
      while (sent < n) {
        sent++;
        await boss.send("bench.raw", {});
      }
    }),
  );
  while (done < n) await sleep(10);
  const rate = n / ((Date.now() - t0) / 1000);
  await boss.stop({ graceful: true, timeout: 5000 });
  return rate;
}
