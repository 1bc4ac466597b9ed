// Demo sandboxes → demo connections: the connections reach the sandboxes through the guarded client, a boot
// with unchanged sandboxes changes nothing, and a re-pointed connection is audited.
import { afterAll, beforeAll, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../testing/db";
import { startSandboxes, type StartedSandboxes } from "@/connectors/sandboxes";
import { runOperation, HttpGuard } from "@/connectors/server";
import { resolveConnection } from "../connections/service";
import { sandboxConnection, syncDemoConnections } from "./sandbox-connections";

let t: TestDatabase;
let sandboxes: StartedSandboxes;
const savedKey = process.env.WEFT_SECRET_KEY;

beforeAll(async () => {
  process.env.WEFT_SECRET_KEY = Buffer.alloc(32, 9).toString("base64");
  t = await createTestDatabase();
  sandboxes = await startSandboxes();
});
afterAll(async () => {
  process.env.WEFT_SECRET_KEY = savedKey;
  await sandboxes?.close();
  await t?.drop();
});

it("creates one connection per sandbox under the example flows' keys, and they work", async () => {
  const changed = await syncDemoConnections(t.db, sandboxes.systems.map(sandboxConnection));
  expect(changed.sort()).toEqual(["kantata-prod", "netsuite-prod", "salesforce-prod", "workday-prod"]);

  const conn = await resolveConnection(t.db, "salesforce-prod");
  const guard = new HttpGuard({ allowHosts: sandboxes.allowHosts });
  try {
    const out = (await runOperation({
      connectorKey: conn.connectorKey,
      operation: "query",
      input: { soql: "SELECT Id, Name FROM Account LIMIT 3" },
      connection: conn,
      httpGuard: guard,
    })) as { records: unknown[] };
    expect(out.records.length).toBeGreaterThan(0);
  } finally {
    await guard.close();
  }
  const audit = await t.db.auditLog.findMany({
    where: { entityType: "connection" },
    select: { action: true, before: true, after: true, meta: true },
  });
  expect(audit.map((a) => a.action)).toEqual(Array(4).fill("connection.created"));
  expect(JSON.stringify(audit)).not.toContain(String(sandboxes.systems[0]!.clientSecret));
});

it("changes nothing when the sandboxes are where they were, and audits a move", async () => {
  expect(await syncDemoConnections(t.db, sandboxes.systems.map(sandboxConnection))).toEqual([]);
  const moved = sandboxes.systems
    .map(sandboxConnection)
    .map((c) => (c.key === "workday-prod" ? { ...c, config: { ...c.config, baseUrl: "http://127.0.0.1:1" } } : c));
  expect(await syncDemoConnections(t.db, moved)).toEqual(["workday-prod"]);
  const last = await t.db.auditLog.findFirstOrThrow({ orderBy: { seq: "desc" } });
  expect(last.action).toBe("connection.updated");
  expect(last.entityId).toBe("workday-prod");
});
