// The Connections API end to end on real Postgres: "test connection" against the real vendor sandboxes
// (through the SSRF guard and WEFT_HTTP_ALLOWLIST), a local HTTP server and a real database; secrets never
// in a response or an audit row; deletion refused while flows use a connection; OpenAPI imports stored,
// listed in the catalog, connectable, testable and callable through runOperation.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import pg from "pg";
import { createTestDatabase, type TestDatabase } from "../testing/db";
import { startListener, type TestListener } from "@/connectors/sdk/testing";
import { createCaller } from "../api/root";
import { startSandboxes, type StartedSandboxes } from "../../connectors/sandboxes";
import { closePostgresPools, runOperation } from "../../connectors/server";
import { importedDefinition, importedDefinitionVia } from "./imported";
import { dslCatalog } from "./catalog";
import { resolveConnection } from "./service";
import type { Role } from "../../core/roles";

const SPEC_YAML = `
openapi: 3.0.3
info: { title: Pet Store Lite, version: 2.1.0 }
servers: [{ url: "{BASE}" }]
components:
  securitySchemes:
    bearerAuth: { type: http, scheme: bearer }
  schemas:
    Pet:
      type: object
      required: [id, name]
      properties: { id: { type: integer }, name: { type: string }, tag: { type: string, nullable: true } }
security: [{ bearerAuth: [] }]
paths:
  /pets:
    get:
      operationId: listPets
      parameters: [{ name: limit, in: query, schema: { type: integer } }]
      responses: { "200": { description: ok, content: { application/json: { schema: { type: array, items: { $ref: "#/components/schemas/Pet" } } } } } }
    post:
      operationId: createPet
      requestBody: { required: true, content: { application/json: { schema: { $ref: "#/components/schemas/Pet" } } } }
      responses: { "201": { description: created, content: { application/json: { schema: { $ref: "#/components/schemas/Pet" } } } } }
  /pets/{petId}:
    get:
      operationId: getPet
      parameters: [{ name: petId, in: path, required: true, schema: { type: integer } }]
      responses: { "200": { description: ok, content: { application/json: { schema: { $ref: "#/components/schemas/Pet" } } } } }
`;

describe("connections API", () => {
  let t: TestDatabase;
  let sb: StartedSandboxes;
  let api: TestListener;
  let apiBase = "";
  const seen: Array<{ method: string; url: string; auth?: string }> = [];
  const saved = { key: process.env.WEFT_SECRET_KEY, allow: process.env.WEFT_HTTP_ALLOWLIST };
  let pgHost = "";

  beforeAll(async () => {
    process.env.WEFT_SECRET_KEY = Buffer.alloc(32, 5).toString("base64");
    t = await createTestDatabase();
    sb = await startSandboxes({ host: "127.0.0.1" });
    // A small API: the generic HTTP connector's and the imported connector's target.
    api = await startListener((req, res) => {
      seen.push({ method: req.method!, url: req.url!, auth: req.headers.authorization });
      if (req.url === "/openapi.yaml") {
        res.setHeader("content-type", "application/yaml");
        return res.end(SPEC_YAML.replace("{BASE}", apiBase));
      }
      if (req.url?.startsWith("/secure") && req.headers.authorization !== "Bearer good-token") {
        res.statusCode = 401;
        return res.end(JSON.stringify({ error: "bad token" }));
      }
      if (req.url?.startsWith("/pets")) {
        if (req.headers.authorization !== "Bearer pet-token") {
          res.statusCode = 401;
          res.setHeader("content-type", "application/json");
          return res.end(JSON.stringify({ message: "unauthorized" }));
        }
        res.setHeader("content-type", "application/json");
        if (req.method === "POST") {
          res.statusCode = 201;
          return res.end(req.body);
        }
        return res.end(
          JSON.stringify([
            { id: 1, name: "Rex", tag: null },
            { id: 2, name: "Tom" },
          ]),
        );
      }
      res.setHeader("content-type", "text/plain");
      res.end("hello");
    });
    apiBase = api.base;
    pgHost = new URL(t.url).host;
    process.env.WEFT_HTTP_ALLOWLIST = [...sb.allowHosts, new URL(apiBase).host, pgHost].join(",");
  }, 60_000);

  afterAll(async () => {
    process.env.WEFT_SECRET_KEY = saved.key;
    process.env.WEFT_HTTP_ALLOWLIST = saved.allow;
    await closePostgresPools();
    await sb?.close();
    await api?.close();
    await t?.drop();
  });

  const as = (role: Role) =>
    createCaller({
      db: t.db,
      requestId: `r-${role}`,
      user: { id: `u-${role}`, email: `${role}@weft.local`, name: role, roles: [role], teamIds: [] },
    });
  const secretValues = () => sb.systems.flatMap((s) => Object.values(s.secrets as Record<string, string>));

  it("tests every sandbox connection with its real auth flow, records and audits the result, never echoes a secret", async () => {
    for (const s of sb.systems) {
      await as("admin").connections.create({
        key: `${s.system}-sb`,
        name: `${s.name}`,
        connectorKey: s.connectorKey,
        config: s.config as Record<string, unknown>,
        secrets: s.secrets as Record<string, string>,
      });
      const outcome = await as("designer").connections.test({ key: `${s.system}-sb` });
      expect(outcome, s.system).toMatchObject({ ok: true, errorClass: null });
      expect(outcome.latencyMs).toBeGreaterThanOrEqual(0);
      expect(outcome.message.length).toBeGreaterThan(10);
    }
    const sf = await as("designer").connections.test({ key: "salesforce-sb" });
    expect(sf.message).toMatch(/API requests today: [\d,]+ of 100,000 left/);

    const list = await as("viewer").connections.list();
    expect(list).toHaveLength(4);
    for (const c of list) expect(c.lastTest).toMatchObject({ ok: true, errorClass: null });
    const everything = JSON.stringify([list, await as("viewer").connections.connectors()]);
    for (const v of secretValues()) expect(everything).not.toContain(v);

    const audit = await t.db.auditLog.findMany({ where: { action: "connection.tested" } });
    expect(audit).toHaveLength(5);
    expect(audit[0]!.actorEmail).toBe("designer@weft.local");
    const auditText = JSON.stringify(
      await t.db.auditLog.findMany({
        where: { entityType: "connection" },
        select: { before: true, after: true, meta: true },
      }),
    );
    for (const v of secretValues()) expect(auditText).not.toContain(v);
  });

  it("classifies failures: rotated-away secret (auth), host not allow-listed (ssrf), unreachable settings", async () => {
    await as("admin").connections.update({ key: "salesforce-sb", secrets: { clientSecret: "not-the-secret" } });
    expect((await as("viewer").connections.list()).find((c) => c.key === "salesforce-sb")!.lastTest).toBeNull();
    const bad = await as("designer").connections.test({ key: "salesforce-sb" });
    expect(bad).toMatchObject({ ok: false, errorClass: "auth" });
    expect(bad.message).not.toContain("not-the-secret");
    const row = (await as("viewer").connections.list()).find((c) => c.key === "salesforce-sb")!;
    expect(row.lastTest).toMatchObject({ ok: false, errorClass: "auth" });

    const allow = process.env.WEFT_HTTP_ALLOWLIST;
    process.env.WEFT_HTTP_ALLOWLIST = "";
    try {
      const refused = await as("designer").connections.test({ key: "workday-sb" });
      expect(refused).toMatchObject({ ok: false, errorClass: "validation" });
      expect(refused.message).toMatch(/Refusing to connect to 127\.0\.0\.1.*loopback/);
    } finally {
      process.env.WEFT_HTTP_ALLOWLIST = allow;
    }
  });

  it("tests HTTP connections (GET of the base URL with the auth preset) and PostgreSQL ones (SELECT 1)", async () => {
    await as("admin").connections.create({
      key: "api-ok",
      name: "API",
      connectorKey: "http",
      config: { baseUrl: `${apiBase}/secure`, auth: { type: "bearer" } },
      secrets: { token: "good-token" },
    });
    expect(await as("designer").connections.test({ key: "api-ok" })).toMatchObject({
      ok: true,
      message: expect.stringContaining("answered HTTP 200"),
    });
    expect(seen.at(-1)).toMatchObject({ method: "GET", url: "/secure", auth: "Bearer good-token" });
    await as("admin").connections.update({ key: "api-ok", secrets: { token: "wrong" } });
    expect(await as("designer").connections.test({ key: "api-ok" })).toMatchObject({ ok: false, errorClass: "auth" });

    const db = new URL(t.url);
    await as("admin").connections.create({
      key: "warehouse",
      name: "Warehouse",
      connectorKey: "postgres",
      config: {
        host: db.hostname,
        port: Number(db.port),
        database: db.pathname.slice(1),
        user: db.username || "postgres",
        ssl: "disable",
      },
      secrets: db.password ? { password: decodeURIComponent(db.password) } : {},
    });
    expect(await as("designer").connections.test({ key: "warehouse" })).toMatchObject({
      ok: true,
      message: expect.stringMatching(/SELECT 1 returned 1/),
    });
  });

  it("sends a stored connection's credentials only to its own hosts and the allowed hosts an admin lists", async () => {
    const listener = await startListener((_req, res) => res.end("{}"));
    const heard = listener.received;
    const evil = listener.base;
    const allow = process.env.WEFT_HTTP_ALLOWLIST;
    // The SSRF guard lets the listener through: only the credential scope stands in the way.
    process.env.WEFT_HTTP_ALLOWLIST = `${allow},${new URL(evil).host}`;
    try {
      await as("admin").connections.create({
        key: "api-scoped",
        name: "Scoped",
        connectorKey: "http",
        config: { baseUrl: `${apiBase}/secure`, auth: { type: "bearer" } },
        secrets: { token: "good-token" },
      });
      const call = () =>
        resolveConnection(t.db, "api-scoped").then((connection) =>
          runOperation({ connectorKey: "http", operation: "request", input: { url: `${evil}/collect` }, connection }),
        );
      await expect(call()).rejects.toMatchObject({
        errorClass: "validation",
        reason: "credential_scope",
        code: "credentials_off_origin",
      });
      expect(heard).toEqual([]);
      // The designer's catalog carries the scope (no secret), so the validator flags the literal URL.
      const entry = (await as("viewer").flows.designerCatalog()).connections.find((c) => c.key === "api-scoped")!;
      expect(entry.credentials).toEqual({ origins: [apiBase], allowedHosts: [] });
      expect(JSON.stringify(entry)).not.toContain("good-token");

      // Allowed hosts: admin-only, each entry checked, audited.
      await expect(
        as("designer").connections.update({ key: "api-scoped", allowedHosts: [new URL(evil).host] }),
      ).rejects.toThrow(/admin role/);
      await expect(
        as("admin").connections.update({ key: "api-scoped", allowedHosts: ["http://x.test/path"] }),
      ).rejects.toThrow(/host name/);
      await as("admin").connections.update({ key: "api-scoped", allowedHosts: [new URL(evil).host] });
      expect((await as("viewer").connections.list()).find((c) => c.key === "api-scoped")!.allowedHosts).toEqual([
        new URL(evil).host,
      ]);
      const audit = await t.db.auditLog.findFirst({
        where: { action: "connection.updated", entityId: "api-scoped" },
        orderBy: { seq: "desc" },
      });
      expect(audit).toMatchObject({ before: { allowedHosts: [] }, after: { allowedHosts: [new URL(evil).host] } });
      await call();
      expect(heard).toHaveLength(1);
      expect(heard[0]!.headers.authorization).toBe("Bearer good-token");
    } finally {
      process.env.WEFT_HTTP_ALLOWLIST = allow;
      await listener.close();
    }
  });

  it("validates settings against the connector's schema and secret names against its secret fields", async () => {
    await expect(
      as("admin").connections.create({
        key: "sf-bad",
        name: "x",
        connectorKey: "salesforce",
        config: { instanceUrl: "not a url" },
        secrets: {},
      }),
    ).rejects.toThrow(/Settings for Salesforce are invalid — instanceUrl/);
    await expect(
      as("admin").connections.create({
        key: "sf-bad",
        name: "x",
        connectorKey: "salesforce",
        config: { instanceUrl: "https://a.my.salesforce.com" },
        secrets: { password: "p" },
      }),
    ).rejects.toThrow(/no secret field "password"/);
    await expect(
      as("admin").connections.create({ key: "nope", name: "x", connectorKey: "sap", config: {}, secrets: {} }),
    ).rejects.toThrow(/No connector "sap"/);
    await expect(
      as("viewer").connections.create({ key: "v1", name: "x", connectorKey: "http", config: {}, secrets: {} }),
    ).rejects.toThrow(/admin role/);
    await expect(as("viewer").connections.test({ key: "api-ok" })).rejects.toThrow(/designer role/);
  });

  it("describes a Salesforce sObject with the stored connection for the designer (server-side, no secret in the answer)", async () => {
    const sf = sb.systems.find((s) => s.connectorKey === "salesforce")!;
    await as("admin").connections.create({
      key: "sf-describe",
      name: "Salesforce (describe)",
      connectorKey: "salesforce",
      config: sf.config as Record<string, unknown>,
      secrets: sf.secrets as Record<string, string>,
    });
    const r = await as("designer").connections.describe({
      key: "sf-describe",
      operation: "getRecord",
      subject: "Opportunity",
    });
    const fields = (r.description as { fields: Array<{ name: string; type: string }> }).fields;
    expect(fields.map((f) => f.name)).toEqual(
      expect.arrayContaining(["Id", "Name", "StageName", "Amount", "Project_Code__c"]),
    );
    for (const v of secretValues()) expect(JSON.stringify(r)).not.toContain(v);
    await expect(
      as("viewer").connections.describe({ key: "sf-describe", operation: "getRecord", subject: "Opportunity" }),
    ).rejects.toThrow(/designer role/);
    await expect(
      as("designer").connections.describe({ key: "sf-describe", operation: "getRecord", subject: "Invoice__c" }),
    ).rejects.toMatchObject({
      code: "BAD_REQUEST",
      message: expect.stringMatching(/^Could not describe Invoice__c with connection "sf-describe": .*not supported/),
    });
    await expect(
      as("designer").connections.describe({ key: "sf-describe", operation: "createRecord", subject: "Opportunity" }),
    ).rejects.toThrow(/salesforce.createRecord has no output to describe/);
    await expect(
      as("designer").connections.describe({ key: "sf-describe", operation: "getRecord", subject: "Opportunity; DROP" }),
    ).rejects.toMatchObject({ code: "BAD_REQUEST" });
    await as("admin").connections.delete({ key: "sf-describe" });
  });

  it("refuses to delete a connection flows use (naming them) unless forced, and audits the forced deletion", async () => {
    const team = await t.db.team.create({ data: { key: "fin", name: "Finance" } });
    const draft = {
      dsl: "weft/1",
      steps: [
        {
          id: "a",
          type: "foreach",
          body: {
            steps: [
              { id: "b", type: "call", connector: "netsuite", operation: "getRecord", connection: "netsuite-sb" },
            ],
          },
        },
      ],
    };
    const flow = await t.db.flow.create({
      data: { key: "invoice-sync", name: "Invoice sync", domain: "finance", ownerTeamId: team.id, draft },
    });
    await t.db.flowVersion.create({
      data: { flowId: flow.id, version: "1.0.0", dsl: draft, contentHash: "x", status: "approved" },
    });
    const list = await as("viewer").connections.list();
    expect(list.find((c) => c.key === "netsuite-sb")!.usedBy).toEqual([
      { flowKey: "invoice-sync", flowName: "Invoice sync", in: ["live 1.0.0"], webhookSecret: false },
    ]);
    expect(list.find((c) => c.key === "workday-sb")!.usedBy).toEqual([]);

    await expect(as("admin").connections.delete({ key: "netsuite-sb" })).rejects.toThrow(
      /used by 1 flow: Invoice sync \(live 1\.0\.0\)/,
    );
    await as("admin").connections.delete({ key: "netsuite-sb", force: true });
    const del = await t.db.auditLog.findFirstOrThrow({
      where: { action: "connection.deleted", entityId: "netsuite-sb" },
    });
    expect(del.meta).toEqual({ forced: true, usedBy: [{ flowKey: "invoice-sync", in: ["live 1.0.0"] }] });
    await as("admin").connections.delete({ key: "workday-sb" });
  });

  it("imports an OpenAPI document (URL through the guard, or text), lists it in the catalog, connects, tests and calls it", async () => {
    const prev = await as("admin").connections.previewImport({ url: `${apiBase}/openapi.yaml` });
    expect(prev).toMatchObject({
      key: "pet-store-lite",
      name: "Pet Store Lite",
      version: "2.1.0",
      operationCount: 3,
      baseUrl: apiBase,
    });
    expect(prev.operations.map((o) => `${o.method} ${o.path}`)).toEqual([
      "GET /pets",
      "POST /pets",
      "GET /pets/{petId}",
    ]);
    await expect(as("admin").connections.previewImport({ text: '{"swagger":"2.0"}' })).rejects.toThrow(
      /Swagger 2.0 documents are not supported/,
    );
    await expect(as("admin").connections.previewImport({ text: "openapi: [unclosed" })).rejects.toThrow(
      /neither JSON nor valid YAML/,
    );
    await expect(
      as("admin").connections.previewImport({ url: "http://169.254.169.254/latest/meta-data" }),
    ).rejects.toThrow(/linkLocal/);
    await expect(as("designer").connections.saveImport({ text: SPEC_YAML })).rejects.toThrow(/admin role/);
    await expect(as("admin").connections.saveImport({ text: SPEC_YAML, key: "salesforce" })).rejects.toThrow(
      /built-in connector/,
    );

    const saved = await as("admin").connections.saveImport({
      text: SPEC_YAML.replace("{BASE}", apiBase),
      key: "petstore",
    });
    expect(saved).toMatchObject({ key: "petstore", name: "Pet Store Lite", operationCount: 3 });
    await expect(as("admin").connections.saveImport({ text: SPEC_YAML, key: "petstore" })).rejects.toThrow(
      /already exists/,
    );
    expect(await as("viewer").connections.importedList()).toMatchObject([
      { key: "petstore", operationCount: 3, createdBy: "admin@weft.local", connections: 0 },
    ]);

    const cat = await as("viewer").connections.catalog();
    const pets = cat.find((c) => c.key === "petstore")!;
    expect(pets).toMatchObject({ source: "imported", system: "generic", operationCount: 3 });
    expect(pets.operations!.getPet!.input).toMatchObject({
      type: "object",
      properties: { path: { type: "object", required: ["petId"] } },
    });
    expect(pets.operations!.listPets!.output).toMatchObject({ type: "array" });
    expect(cat.find((c) => c.key === "salesforce")!.operations!.query!.input).toMatchObject({ type: "object" });
    // The server-side DSL catalog (zod) knows the import too, so flows calling it validate.
    const dsl = await dslCatalog(t.db, [{ key: "pets-prod", connectorKey: "petstore" }]);
    expect(dsl.connectors.petstore!.operations.getPet!.input.safeParse({ path: { petId: 7 } }).success).toBe(true);
    expect(dsl.connectors.salesforce).toBeDefined();

    await as("admin").connections.create({
      key: "pets-prod",
      name: "Pets",
      connectorKey: "petstore",
      config: { baseUrl: apiBase },
      secrets: { token: "pet-token" },
    });
    expect(await as("designer").connections.test({ key: "pets-prod" })).toMatchObject({
      ok: true,
      message: expect.stringContaining("GET /pets (listPets)"),
    });

    // The runtime's path: the definition comes from the database (pg pool, hash-checked cache).
    const pool = new pg.Pool({ connectionString: t.url, max: 1 });
    try {
      const def = await importedDefinitionVia(
        async <R>(sql: string, params: unknown[]) => (await pool.query(sql, params)).rows as R[],
        "petstore",
      );
      expect(def?.manifest.key).toBe("petstore");
      expect(
        await importedDefinitionVia(
          async <R>(sql: string, params: unknown[]) => (await pool.query(sql, params)).rows as R[],
          "salesforce",
        ),
      ).toBeUndefined();
      const connection = {
        key: "pets-prod",
        connectorKey: "petstore",
        config: { baseUrl: apiBase },
        secrets: { token: "pet-token" },
      };
      expect(
        await runOperation({
          connectorKey: "petstore",
          operation: "listPets",
          input: { query: { limit: 2 } },
          connection,
          extra: [def!],
        }),
      ).toEqual([
        { id: 1, name: "Rex", tag: null },
        { id: 2, name: "Tom" },
      ]);
      expect(seen.at(-1)).toMatchObject({ method: "GET", url: "/pets?limit=2", auth: "Bearer pet-token" });
      expect(
        await runOperation({
          connectorKey: "petstore",
          operation: "createPet",
          input: { body: { id: 3, name: "Kit" } },
          connection,
          extra: [def!],
          idempotencyKey: "k1",
        }),
      ).toEqual({ id: 3, name: "Kit" });
      await expect(
        runOperation({ connectorKey: "petstore", operation: "getPet", input: {}, connection, extra: [def!] }),
      ).rejects.toMatchObject({ errorClass: "validation", code: "input_invalid" });
    } finally {
      await pool.end();
    }

    await expect(as("admin").connections.deleteImported({ key: "petstore" })).rejects.toThrow(
      /has 1 connection \(pets-prod\); delete them first/,
    );
    await as("admin").connections.delete({ key: "pets-prod" });
    await as("admin").connections.deleteImported({ key: "petstore" });
    expect(await importedDefinition(t.db, "petstore")).toBeUndefined();
    const actions = (
      await t.db.auditLog.findMany({ where: { entityType: "imported_connector" }, orderBy: { seq: "asc" } })
    ).map((a) => a.action);
    expect(actions).toEqual(["connector.imported", "connector.import_deleted"]);
  });
});
