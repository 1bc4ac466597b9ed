// Webhook signing secrets from the designer, on real Postgres: the state a trigger's inspector shows, one-click
// creation (admin only, generated and sealed on the server, returned once, audited without the value), the
// validator's verdict before and after, the flows listed as users of the secret, and the ingress verifying with it.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PgBoss } from "pg-boss";
import pg from "pg";
import { createTestDatabase, type TestDatabase } from "../testing/db";
import { createCaller } from "../api/root";
import { validate } from "../../core/dsl/validate";
import { dslCatalog } from "./catalog";
import { acceptWebhook, signWebhook, SIGNATURE_HEADER, TIMESTAMP_HEADER } from "../runtime/ingress";
import { webhookFlow } from "../runtime/test-flows";
import type { Role } from "../../core/roles";

describe("webhook signing secrets", () => {
  let t: TestDatabase;
  let pool: pg.Pool;
  let boss: PgBoss;
  const saved = process.env.WEFT_SECRET_KEY;
  const as = (role: Role) =>
    createCaller({
      db: t.db,
      requestId: `r-${role}`,
      user: { id: `u-${role}`, email: `${role}@weft.local`, name: role, roles: [role], teamIds: [] },
    });
  const doc = webhookFlow({ key: "timesheet-hook" });

  beforeAll(async () => {
    process.env.WEFT_SECRET_KEY = Buffer.alloc(32, 9).toString("base64");
    t = await createTestDatabase();
    pool = new pg.Pool({ connectionString: t.url, max: 3 });
    boss = new PgBoss({ connectionString: t.url, max: 2 });
    await boss.start();
    await boss.createQueue("weft.run");
    for (const role of ["admin", "designer"])
      await t.db.user.create({
        data: { id: `u-${role}`, email: `${role}@weft.local`, name: role, roles: [role as Role] },
      });
    const team = await t.db.team.create({ data: { key: "platform", name: "Platform" } });
    const flow = await t.db.flow.create({
      data: {
        key: "timesheet-hook",
        name: "Timesheet hook",
        domain: "customer",
        ownerTeamId: team.id,
        draft: doc as object,
        lifecycle: "active",
      },
    });
    await t.db.flowVersion.create({
      data: { flowId: flow.id, version: "1.0.0", dsl: doc as object, contentHash: "x", status: "approved" },
    });
  });
  afterAll(async () => {
    await boss.stop({ graceful: false });
    await pool.end();
    await t.drop();
    process.env.WEFT_SECRET_KEY = saved;
  });

  const catalog = async () =>
    dslCatalog(t.db, await t.db.connection.findMany({ select: { key: true, connectorKey: true } }));
  const call = (secret: string | null) => {
    const body = '{"timesheetId":"TS-1"}';
    const ts = Math.floor(Date.now() / 1000);
    const headers = new Headers({
      "content-type": "application/json",
      [TIMESTAMP_HEADER]: String(ts),
      [SIGNATURE_HEADER]: signWebhook(secret ?? "no-secret-at-all-000000", ts, body),
    });
    return acceptWebhook({ pool, boss }, { flowKey: "timesheet-hook", headers, body: Buffer.from(body) });
  };

  it("a missing secret: validation error, 503 naming it, and only an admin may create it", async () => {
    expect(await as("designer").connections.webhookSecret({ key: "webhook-timesheet-hook" })).toMatchObject({
      state: "missing",
    });
    expect(validate(doc, { catalog: await catalog() }).problems.map((p) => p.code)).toEqual(["unknown-webhook-secret"]);
    const refused = await call(null);
    expect(refused.status).toBe(503);
    expect(refused.body.error).toContain('"webhook-timesheet-hook"');
    await expect(
      as("designer").connections.createWebhookSecret({ key: "webhook-timesheet-hook", flowKey: "timesheet-hook" }),
    ).rejects.toThrow(/admin role/);
  });

  it("creates it once: sealed, audited without the value, used by the flow, accepted by the ingress", async () => {
    const r = await as("admin").connections.createWebhookSecret({
      key: "webhook-timesheet-hook",
      flowKey: "timesheet-hook",
    });
    expect(r).toMatchObject({
      key: "webhook-timesheet-hook",
      name: "Timesheet hook (webhook signing secret)",
      created: true,
    });
    expect(r.secret.length).toBeGreaterThanOrEqual(40);
    const row = await t.db.connection.findUniqueOrThrow({ where: { key: r.key } });
    expect(row.connectorKey).toBe("webhook");
    expect(row.secretsEnc).not.toContain(r.secret);
    const audit = await t.db.auditLog.findFirstOrThrow({ where: { action: "connection.created", entityId: r.key } });
    expect(audit.actorEmail).toBe("admin@weft.local");
    expect(JSON.stringify({ ...audit, seq: String(audit.seq) })).not.toContain(r.secret);
    expect(audit.meta).toEqual({ generatedSecret: "signingSecret", forFlow: "timesheet-hook" });

    expect(await as("designer").connections.webhookSecret({ key: r.key })).toMatchObject({
      state: "ready",
      name: r.name,
      connectorKey: "webhook",
    });
    expect(JSON.stringify(await as("designer").connections.list())).not.toContain(r.secret);
    expect(validate(doc, { catalog: await catalog() }).problems).toEqual([]);
    const list = await as("viewer").connections.list();
    expect(list.find((c) => c.key === r.key)!.usedBy).toEqual([
      { flowKey: "timesheet-hook", flowName: "Timesheet hook", in: ["live 1.0.0"], webhookSecret: true },
    ]);

    // A draft edited since the version is listed as well.
    await t.db.flow.update({ where: { key: "timesheet-hook" }, data: { draft: { ...doc, description: "edited" } } });
    expect((await as("viewer").connections.list()).find((c) => c.key === r.key)!.usedBy[0]!.in).toEqual([
      "live 1.0.0",
      "draft",
    ]);
    await new Promise((res) => setTimeout(res, 2100)); // the ingress caches a secret lookup for 2 s
    expect((await call(r.secret)).status).toBe(202);
    expect((await call("a-guessed-secret-0123456789")).status).toBe(401);
    // The second click does not replace a secret senders already use.
    await expect(as("admin").connections.createWebhookSecret({ key: r.key })).rejects.toThrow(
      /already has a signing secret/,
    );
  });

  it("fills a webhook connection that has no secret, and refuses another connector's connection", async () => {
    await as("admin").connections.create({
      key: "hook-empty",
      name: "Empty hook",
      connectorKey: "webhook",
      config: {},
      secrets: {},
    });
    expect(await as("viewer").connections.webhookSecret({ key: "hook-empty" })).toMatchObject({ state: "empty" });
    const r = await as("admin").connections.createWebhookSecret({ key: "hook-empty" });
    expect(r.created).toBe(false);
    expect(await as("viewer").connections.webhookSecret({ key: "hook-empty" })).toMatchObject({ state: "ready" });
    const audit = await t.db.auditLog.findFirstOrThrow({
      where: { action: "connection.updated", entityId: "hook-empty" },
    });
    expect(audit.meta).toMatchObject({ secretsChanged: ["signingSecret"], generatedSecret: "signingSecret" });

    await as("admin").connections.create({ key: "api-x", name: "API", connectorKey: "http", config: {}, secrets: {} });
    expect(await as("viewer").connections.webhookSecret({ key: "api-x" })).toMatchObject({
      state: "wrong-connector",
      connectorKey: "http",
    });
    await expect(as("admin").connections.createWebhookSecret({ key: "api-x" })).rejects.toThrow(
      /is a http connection, not a webhook signing secret/,
    );
  });
});
