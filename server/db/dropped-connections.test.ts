// The web process's database clients when Postgres drops their connections (a restart, a failover,
// pg_terminate_backend): the Prisma client (pg driver adapter) that pages, tRPC and better-auth use, and the
// sending-only pg-boss instance (webBoss) that route handlers enqueue with. Neither may crash the process, and
// the next request after the drop must be served on a fresh connection, not fail (no 500 storm). The runtime
// pool has its own test (server/runtime/sql.test.ts).
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import pg from "pg";
import type { PgBoss } from "pg-boss";
import { createTestDatabase, type TestDatabase } from "../testing/db";
import { createDb, type Db } from "./client";
import { startBoss } from "../queue/boss";

describe("the web process's clients when the server drops their connections", () => {
  let t: TestDatabase;
  let admin: pg.Client;
  const uncaught: unknown[] = [];
  const onUncaught = (err: unknown) => uncaught.push(err);

  beforeAll(async () => {
    t = await createTestDatabase();
    admin = new pg.Client({ connectionString: t.url });
    await admin.connect();
  });
  afterAll(async () => {
    await admin.end();
    await t.drop();
  });
  beforeEach(() => {
    uncaught.length = 0;
    process.on("uncaughtException", onUncaught);
    process.on("unhandledRejection", onUncaught);
  });
  afterEach(() => {
    process.off("uncaughtException", onUncaught);
    process.off("unhandledRejection", onUncaught);
  });

  /** Terminates every other backend of the test database and waits until the server no longer lists them. */
  async function terminateOthers(applicationName?: string): Promise<number> {
    const filter = applicationName ? "AND application_name = $2" : "";
    const args = applicationName ? [t.name, applicationName] : [t.name];
    const { rows } = await admin.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM (SELECT pg_terminate_backend(pid) FROM pg_stat_activity
        WHERE datname = $1 AND pid <> pg_backend_pid() ${filter}) x`,
      args,
    );
    await expect
      .poll(
        async () =>
          (
            await admin.query<{ n: number }>(
              `SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid() ${filter}`,
              args,
            )
          ).rows[0]!.n,
      )
      .toBe(0);
    // The clients read the server's farewell on their next turn of the event loop.
    await new Promise((r) => setTimeout(r, 50));
    return rows[0]!.n;
  }

  describe("Prisma (pg driver adapter)", () => {
    let prisma: Db;
    beforeAll(() => {
      prisma = createDb(t.url, 5);
    });
    afterAll(async () => {
      await prisma.$disconnect();
    });

    it("serves the requests after its idle connections are dropped, each on the first try", async () => {
      // Five connections open and idle in the pool, as after a burst of page loads.
      await Promise.all(Array.from({ length: 5 }, () => prisma.$queryRaw`SELECT 1 AS one FROM pg_sleep(0.05)`));
      expect(await terminateOthers()).toBeGreaterThanOrEqual(5);
      const results = await Promise.allSettled(Array.from({ length: 8 }, () => prisma.user.count()));
      expect(results.filter((r) => r.status === "rejected")).toEqual([]);
      expect(uncaught).toEqual([]);
    });

    it("fails a transaction whose connection is dropped between statements, keeps the process alive, and the next one succeeds", async () => {
      let pid = 0;
      await expect(
        prisma.$transaction(async (tx) => {
          pid = (await tx.$queryRaw<{ pid: number }[]>`SELECT pg_backend_pid() AS pid`)[0]!.pid;
          await admin.query("SELECT pg_terminate_backend($1)", [pid]);
          // No statement in flight: the connection learns of it only through its 'error' event.
          await new Promise((r) => setTimeout(r, 300));
          await tx.user.count();
        }),
      ).rejects.toThrow();
      expect(pid).toBeGreaterThan(0);
      expect(uncaught).toEqual([]);
      expect(await prisma.$transaction(async (tx) => tx.user.count())).toBeGreaterThanOrEqual(0);
      expect(await prisma.user.count()).toBeGreaterThanOrEqual(0);
    });

    it("a statement cut while it runs fails alone; the others go on", async () => {
      const slow = prisma.$queryRaw`SELECT 1 AS one FROM pg_sleep(5)`;
      const outcome = slow.then(
        () => "ok",
        () => "failed",
      );
      await expect
        .poll(
          async () =>
            (
              await admin.query<{ n: number }>(
                `SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = $1 AND query LIKE '%pg_sleep(5)%' AND pid <> pg_backend_pid()`,
                [t.name],
              )
            ).rows[0]!.n,
        )
        .toBe(1);
      await terminateOthers();
      expect(await outcome).toBe("failed");
      expect(await prisma.user.count()).toBeGreaterThanOrEqual(0);
      expect(uncaught).toEqual([]);
    });
  });

  describe("pg-boss, the web role's sending-only instance", () => {
    let boss: PgBoss;
    const errors: unknown[] = [];
    beforeAll(async () => {
      boss = await startBoss({ url: t.url, role: "web", max: 4 });
      boss.on("error", (e) => errors.push(e));
      await boss.createQueue("dropped-connections");
    });
    afterAll(async () => {
      await boss.stop({ graceful: false });
    });

    it("sends again at once after its connections are dropped", async () => {
      await Promise.all(Array.from({ length: 4 }, (_, i) => boss.send("dropped-connections", { i })));
      expect(await terminateOthers("weft-web")).toBeGreaterThanOrEqual(1);
      const sent = await Promise.allSettled(
        Array.from({ length: 6 }, (_, i) => boss.send("dropped-connections", { i: 10 + i })),
      );
      expect(sent.filter((r) => r.status === "rejected")).toEqual([]);
      const { rows } = await admin.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM pgboss.job WHERE name = 'dropped-connections'`,
      );
      expect(rows[0]!.n).toBe(10);
      expect(uncaught).toEqual([]);
    });
  });
});
