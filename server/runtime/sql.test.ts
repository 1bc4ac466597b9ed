// A Postgres restart or pg_terminate_backend must not kill a process whose runtime pool has a client checked
// out (inside withTx, between two statements): found by `npm run bench:recovery`, which crashed on
// "Connection terminated unexpectedly" when it stopped the server under load.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import pg from "pg";
import { createEmptyDatabase } from "../testing/db";
import { runtimePool, withTx } from "./sql";

describe("runtime pool when the server drops a checked-out connection", () => {
  let db: { url: string; drop(): Promise<void> };
  let other: pg.Client;

  beforeAll(async () => {
    db = await createEmptyDatabase();
    other = new pg.Client({ connectionString: db.url });
    await other.connect();
  });

  afterAll(async () => {
    await other.end();
    await runtimePool(db.url).end();
    await db.drop();
  });

  it("fails the transaction, keeps the process alive and serves the next query on a fresh connection", async () => {
    const pool = runtimePool(db.url, 2);
    const uncaught: unknown[] = [];
    const onUncaught = (err: unknown) => uncaught.push(err);
    process.on("uncaughtException", onUncaught);
    try {
      await expect(
        withTx(pool, async (c) => {
          const pid = (await c.query<{ pid: number }>("SELECT pg_backend_pid() AS pid")).rows[0]!.pid;
          await other.query("SELECT pg_terminate_backend($1)", [pid]);
          // No statement in flight: the client learns of it only through its 'error' event.
          await new Promise((r) => setTimeout(r, 300));
          await c.query("SELECT 1");
        }),
      ).rejects.toThrow();
      expect(uncaught).toEqual([]);
      expect((await pool.query<{ one: number }>("SELECT 1 AS one")).rows[0]!.one).toBe(1);
    } finally {
      process.off("uncaughtException", onUncaught);
    }
  });
});
