// Which version a trigger starts: the newest approved; when none is approved, the newest deprecated one
// (deprecated versions run until retired); nothing once the flow is retired.
import { afterAll, beforeAll, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../testing/db";
import { runtimePool, type Pool } from "./sql";
import { publishFlow } from "./testing";
import { forgetPublishedFlow, loadPublishedFlow } from "./flow-source";

let t: TestDatabase;
let pool: Pool;
beforeAll(async () => {
  t = await createTestDatabase();
  pool = runtimePool(t.url, 2);
});
afterAll(async () => {
  await pool.end();
  await t.drop();
});

it("prefers approved, falls back to deprecated, and stops at retired", async () => {
  await publishFlow(pool, "f", { program: "chain", steps: 1 }, { version: "1.0.0" });
  await publishFlow(pool, "f", { program: "chain", steps: 2 }, { version: "1.1.0" });
  expect((await loadPublishedFlow(pool, "f", { fresh: true }))?.version).toBe("1.1.0");

  await pool.query(`UPDATE flow_version SET status = 'deprecated' WHERE version = '1.1.0'`);
  expect((await loadPublishedFlow(pool, "f", { fresh: true }))?.version).toBe("1.0.0");

  await pool.query(`UPDATE flow_version SET status = 'deprecated'`);
  expect((await loadPublishedFlow(pool, "f", { fresh: true }))?.version).toBe("1.1.0");

  await pool.query(`UPDATE flow SET lifecycle = 'retired'`);
  forgetPublishedFlow();
  expect(await loadPublishedFlow(pool, "f")).toBeNull();
});
