// Connections through the real tRPC router: secrets sealed at rest, never returned, changes audited.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../testing/db";
import { createCaller } from "../api/root";
import { resolveConnection } from "./service";

describe("connections", () => {
  let t: TestDatabase;
  const saved = process.env.WEFT_SECRET_KEY;
  beforeAll(async () => {
    process.env.WEFT_SECRET_KEY = Buffer.alloc(32, 3).toString("base64");
    t = await createTestDatabase();
  });
  afterAll(async () => {
    process.env.WEFT_SECRET_KEY = saved;
    await t.drop();
  });
  const admin = () =>
    createCaller({
      db: t.db,
      requestId: "r1",
      user: { id: "u-admin", email: "admin@weft.local", name: "A", roles: ["admin"], teamIds: [] },
    });

  it("stores secrets sealed, shows only which secret fields are set, and audits without values", async () => {
    const view = await admin().connections.create({
      key: "salesforce-prod",
      name: "Salesforce — production",
      connectorKey: "salesforce",
      config: { instanceUrl: "https://acme.my.salesforce.com" },
      secrets: { clientId: "id-123", clientSecret: "very-secret-value" },
    });
    expect(view.secretFields).toEqual(["clientId", "clientSecret"]);
    expect(JSON.stringify(view)).not.toContain("very-secret-value");

    const raw = await t.db.connection.findUniqueOrThrow({ where: { key: "salesforce-prod" } });
    expect(raw.secretsEnc).toMatch(/^v1\./);
    expect(raw.secretsEnc).not.toContain("very-secret-value");

    await admin().connections.update({ key: "salesforce-prod", secrets: { clientSecret: "rotated" } });
    const resolved = await resolveConnection(t.db, "salesforce-prod");
    expect(resolved.secrets).toEqual({ clientId: "id-123", clientSecret: "rotated" });

    const list = await admin().connections.list();
    expect(JSON.stringify(list)).not.toMatch(/rotated|id-123/);

    const audit = await t.db.auditLog.findMany({ where: { entityType: "connection" }, orderBy: { seq: "asc" } });
    expect(audit.map((a) => a.action)).toEqual(["connection.created", "connection.updated"]);
    expect(JSON.stringify(audit.map((a) => ({ before: a.before, after: a.after, meta: a.meta })))).not.toMatch(
      /very-secret-value|rotated|id-123/,
    );
    expect(audit[1]!.meta).toEqual({ secretsChanged: ["clientSecret"] });
  });

  it("refuses a duplicate key and a key flows cannot refer to", async () => {
    await expect(
      admin().connections.create({
        key: "salesforce-prod",
        name: "x",
        connectorKey: "salesforce",
        config: {},
        secrets: {},
      }),
    ).rejects.toThrow(/already exists/);
    await expect(
      admin().connections.create({ key: "Bad Key!", name: "x", connectorKey: "salesforce", config: {}, secrets: {} }),
    ).rejects.toThrow(/lower-case letters/);
  });
});
