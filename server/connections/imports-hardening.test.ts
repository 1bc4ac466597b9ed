// OpenAPI imports at the router, on real Postgres, with documents shaped like vendor specs
// (connectors/openapi/fixtures/vendor-shaped.ts): a large generated ERP spec (> 1.5 MB) saves in one short
// transaction; the connection form of an apiKey-in-Authorization API carries the prefix setting with the
// spec's scheme word as its default; the designer's copy of an imported connector (JSON Schema back to zod)
// yields exactly the problems the server's validator reports (the CLI uses the same validator and zod catalog).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../testing/db";
import { createCaller } from "../api/root";
import { billingApi, erpApi } from "../../connectors/openapi/fixtures/vendor-shaped";
import { dslCatalog } from "./catalog";
import { validate, type Problem } from "../../core/dsl";
import { BUILT_IN_CATALOG, withImportedConnectors } from "../../components/designer/catalog";
import type { Role } from "../../core/roles";

describe("OpenAPI imports (hardening)", () => {
  let t: TestDatabase;
  const as = (role: Role) =>
    createCaller({
      db: t.db,
      requestId: `r-${role}`,
      user: { id: `u-${role}`, email: `${role}@weft.local`, name: role, roles: [role], teamIds: [] },
    });
  beforeAll(async () => {
    process.env.WEFT_SECRET_KEY ??= Buffer.alloc(32, 7).toString("base64");
    t = await createTestDatabase();
  });
  afterAll(async () => {
    await t?.drop();
  });

  it("saves a > 1.5 MB spec: conversion outside the transaction, the row and its audit entry inside", async () => {
    const text = JSON.stringify(erpApi(120), null, 1);
    expect(text.length).toBeGreaterThan(1_500_000);
    const saved = await as("admin").connections.saveImport({ text, key: "meridian-erp" });
    expect(saved).toMatchObject({ key: "meridian-erp", operationCount: 600, warnings: [] });
    const row = await t.db.importedConnector.findUniqueOrThrow({
      where: { key: "meridian-erp" },
      select: { spec: true, operationCount: true },
    });
    expect(row.spec).toEqual(JSON.parse(text));
    expect(
      (await t.db.auditLog.findMany({ where: { action: "connector.imported", entityId: "meridian-erp" } })).length,
    ).toBe(1);
  });

  it("the designer's copy of an imported connector reports exactly the server's (and the CLI's) problems", async () => {
    await as("admin").connections.saveImport({ text: JSON.stringify(billingApi()), key: "ledgerly" });
    const server = await dslCatalog(t.db);
    // The designer: the catalog procedure's JSON Schema, turned back into zod in the browser.
    const designer = withImportedConnectors(BUILT_IN_CATALOG, await as("viewer").connections.catalog());
    expect(designer.connectors.ledgerly).toBeDefined();
    expect(BUILT_IN_CATALOG.connectors.ledgerly).toBeUndefined();
    const flow = (steps: unknown[]) => ({
      dsl: "weft/1",
      key: "ledgerly-sync",
      version: "1.0.0",
      name: "Ledgerly sync",
      description: "",
      domain: "invoice",
      owner: "finance",
      classification: "internal",
      trigger: { type: "manual" },
      start: "a",
      steps,
    });
    const doc = flow([
      {
        id: "a",
        type: "call",
        connector: "ledgerly",
        operation: "createCustomer",
        connection: "l",
        input: { "body.customer.idd": "'ACME-1'", "headers.X-Request-Id": "'r'", "headers.X-Trace": "'t'" },
        next: "b",
      },
      {
        id: "b",
        type: "call",
        connector: "ledgerly",
        operation: "listCustomers",
        connection: "l",
        input: { "query.limt": "5", "query.email[is]": "'a@b.co'", "headers.X-Reqest-Id": "'r'" },
        next: "c",
      },
      {
        id: "c",
        type: "call",
        connector: "ledgerly",
        operation: "createContact",
        connection: "l",
        input: { "body.email": "'a@b.co'", "body.nickname": "'x'" },
        next: "d",
      },
      {
        id: "d",
        type: "call",
        connector: "ledgerly",
        operation: "attachInvoicePdf",
        connection: "l",
        input: {
          "path.invoice_id": "'inv_1'",
          "query.file_name": "'a.pdf'",
          "headers.Content-Type": "'application/pdf'",
          body: "$trigger.pdf",
        },
      },
    ]);
    const onServer = validate(doc as never, { catalog: server }).problems;
    const inDesigner = validate(doc as never, { catalog: designer }).problems;
    const view = (ps: Problem[]) => ps.map((p) => `${p.severity} ${p.code} ${p.message}`);
    expect(view(inDesigner)).toEqual(view(onServer));
    expect(view(onServer).filter((p) => p.includes("unknown-input-field"))).toHaveLength(6);
    expect(onServer.find((p) => p.message.includes("'body.nickname'"))?.severity).toBe("error"); // additionalProperties: false
  });

  it("offers the Authorization prefix in the connection form, defaulting to the spec's scheme word", async () => {
    const cat = await as("viewer").connections.connectors();
    const ledgerly = cat.find((c) => c.key === "ledgerly")!;
    expect((ledgerly.auth.config as { properties: Record<string, unknown> }).properties.prefix).toMatchObject({
      type: "string",
      default: "Token",
    });
    // The ERP spec (OAuth client credentials) has no such field.
    expect(
      (cat.find((c) => c.key === "meridian-erp")!.auth.config as { properties: Record<string, unknown> }).properties
        .prefix,
    ).toBeUndefined();
    await as("admin").connections.create({
      key: "ledgerly-test",
      name: "Ledgerly (test site)",
      connectorKey: "ledgerly",
      config: { baseUrl: "https://acme-test.billing.example.com/api/v2", prefix: "Token" },
      secrets: { apiKey: "test_abc" },
    });
  });
});
