// The importer on documents shaped like vendor specs (fixtures/vendor-shaped.ts): misspelled body, query and
// header fields warn through the DSL validator; "email or phone" anyOf bodies stay tight; binary and `*/*`
// bodies go out as the caller's concrete content type with the exact bytes (checked by a real local server
// through the SSRF guard); apiKey-in-Authorization APIs get their scheme word from the spec.
import { createHash, randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectorCatalog } from "../registry";
import { validate } from "../../core/dsl";
import { executeOperation } from "../sdk/execute";
import { HttpGuard } from "../sdk/http-guard";
import { sendJson, startListener, type TestListener } from "../sdk/testing";
import { authorizationPrefix, openApiToConnector, type OpenApiConnector } from "./convert";
import { billingApi, springDocumentApi } from "./fixtures/vendor-shaped";

const ok = (c: OpenApiConnector, op: string, input: unknown) =>
  c.manifest.operations[op]!.input.safeParse(input).success;
const flow = (step: Record<string, unknown>) => ({
  dsl: "weft/1",
  key: "billing-sync",
  version: "1.0.0",
  name: "Billing sync",
  description: "",
  domain: "invoice",
  owner: "finance",
  classification: "internal",
  trigger: { type: "manual" },
  start: "call",
  steps: [{ id: "call", type: "call", connection: "billing", ...step }],
});

describe("vendor-shaped specs: conversion", () => {
  const billing = openApiToConnector(billingApi(), { key: "billing" });

  it("imports without warnings", () => {
    expect(billing.warnings).toEqual([]);
    expect(openApiToConnector(springDocumentApi()).warnings).toEqual([]);
  });

  it("warns about misspelled body, query and header fields where the spec does not forbid extra properties", () => {
    const catalog = connectorCatalog([billing.manifest]);
    const problems = validate(
      flow({
        connector: "billing",
        operation: "createCustomer",
        input: { "body.customer.idd": "'ACME-1'", "body.customer.email": "'ap@acme.test'" },
      }) as never,
      { catalog },
    ).problems;
    expect(
      problems.filter((p) => p.code === "unknown-input-field").map((p) => [p.severity, p.path.at(-1), p.message]),
    ).toEqual([
      [
        "warning",
        "body.customer.idd",
        "Step 'call' maps 'body.customer.idd', which billing.createCustomer does not declare (a typo?). Did you mean 'body.customer.id'?",
      ],
    ]);
    const list = validate(
      flow({
        connector: "billing",
        operation: "listCustomers",
        input: { "query.limt": "10", "headers.X-Reqest-Id": "'r1'" },
      }) as never,
      { catalog },
    ).problems;
    expect(list.map((p) => [p.severity, p.path.at(-1), p.message])).toEqual([
      [
        "warning",
        "headers.X-Reqest-Id",
        "Step 'call' maps 'headers.X-Reqest-Id', which billing.listCustomers does not declare (a typo?). Did you mean 'headers.X-Request-Id'?",
      ],
      [
        "warning",
        "query.limt",
        "Step 'call' maps 'query.limt', which billing.listCustomers does not declare (a typo?). Did you mean 'query.limit'?",
      ],
    ]);
    // customer.id is required and the typo left it unmapped.
    expect(problems.find((p) => p.code === "missing-required-input")?.message).toContain("'body.customer.id'");
    // Keys the spec types (meta_data: additionalProperties string) are fine.
    const clean = validate(
      flow({
        connector: "billing",
        operation: "createCustomer",
        input: { "body.customer.id": "'ACME-1'", "body.customer.meta_data.crm": "'sf'" },
      }) as never,
      { catalog },
    ).problems;
    expect(clean).toEqual([]);
  });

  it("keeps anyOf of required-only branches beside additionalProperties: false tight (email or phone, nothing else)", () => {
    expect(ok(billing, "createContact", { body: { email: "ap@acme.test" } })).toBe(true);
    expect(ok(billing, "createContact", { body: { phone: "+31 20 555 0101", label: "billing" } })).toBe(true);
    expect(ok(billing, "createContact", { body: { first_name: "Ada" } })).toBe(false); // neither email nor phone
    expect(ok(billing, "createContact", { body: { email: "ap@acme.test", nickname: "x" } })).toBe(false); // additionalProperties: false
    expect(ok(billing, "createContact", { body: { email: "not-an-email" } })).toBe(false);
    // The validator reads the union as one object: a typo is an error (every branch is strict), and nothing is
    // reported missing because no field is required by every branch.
    const catalog = connectorCatalog([billing.manifest]);
    const problems = validate(
      flow({ connector: "billing", operation: "createContact", input: { "body.emial": "'a@b.co'" } }) as never,
      { catalog },
    ).problems;
    expect(problems.map((p) => [p.code, p.severity])).toEqual([["unknown-input-field", "error"]]);
    expect(problems[0]!.message).toContain("Did you mean 'body.email'?");
  });

  it("warns where required-only branches have no object to constrain", () => {
    const doc = billingApi();
    const schemas = (doc.components as { schemas: Record<string, unknown> }).schemas;
    schemas.ContactCreate = { anyOf: [{ required: ["email"] }, { required: ["phone"] }] };
    const c = openApiToConnector(doc);
    expect(c.warnings).toEqual([
      '"anyOf of required-only branches without properties" is not supported by the schema converter and was ignored 1 time(s)',
    ]);
  });

  it("recognises the Authorization scheme word from x- extensions and descriptions", () => {
    expect(
      authorizationPrefix({
        type: "apiKey",
        in: "header",
        name: "Authorization",
        description: "Authenticate with your site's secret API key, sent as `Authorization: Token <secret key>`.",
      }),
    ).toBe("Token");
    expect(
      authorizationPrefix({
        type: "apiKey",
        in: "header",
        name: "Authorization",
        description: "Okta API tokens are sent as SSWS {API Token} in the Authorization header.",
      }),
    ).toBe("SSWS");
    expect(
      authorizationPrefix({
        type: "apiKey",
        in: "header",
        name: "Authorization",
        description: 'The key must be prefixed with "Bearer".',
      }),
    ).toBe("Bearer");
    expect(
      authorizationPrefix({
        type: "apiKey",
        in: "header",
        name: "Authorization",
        description: "Use `GenieKey <api key>`",
      }),
    ).toBe("GenieKey");
    expect(
      authorizationPrefix({ type: "apiKey", in: "header", name: "Authorization", "x-auth-prefix": "ApiKey" }),
    ).toBe("ApiKey");
    expect(
      authorizationPrefix({
        type: "apiKey",
        in: "header",
        name: "Authorization",
        description: "Your API key from the dashboard.",
      }),
    ).toBeUndefined();
    expect(billing.manifest.auth.config.parse({})).toMatchObject({ securityScheme: "apiKeyAuth", prefix: "Token" });
    expect(openApiToConnector(springDocumentApi()).manifest.auth.config.parse({})).toMatchObject({ prefix: "Bearer" });
  });
});

describe("vendor-shaped specs over HTTP", () => {
  let server: TestListener;
  let base: string;
  let guard: HttpGuard;
  const seen = () => server.received;
  beforeAll(async () => {
    // The server answers with what it received, so the assertions check the bytes on the wire.
    server = await startListener((req, res) =>
      sendJson(res, 200, {
        id: "inv_1",
        status: "posted",
        total: { amount: 1, currency: "EUR" },
        contentType: req.headers["content-type"],
        size: req.body.length,
        sha256: createHash("sha256").update(req.body).digest("hex"),
      }),
    );
    base = server.base;
    guard = new HttpGuard({ allowHosts: [server.host] });
  });
  afterAll(async () => {
    await guard.close();
    await server.close();
  });
  const run = (
    c: OpenApiConnector,
    operation: string,
    input: unknown,
    secrets: Record<string, string> = { apiKey: "test_k3y" },
    config: Record<string, unknown> = {},
  ) =>
    executeOperation({
      definitions: { [c.manifest.key]: c },
      connectorKey: c.manifest.key,
      operation,
      input,
      connection: { key: "c", config: { baseUrl: base, ...config }, secrets },
      httpGuard: guard,
    });

  // Bytes that are not valid UTF-8 (a PDF header, then 0xff/0x00 runs and random data): sent as text they
  // would be mangled.
  const pdf = Buffer.concat([
    Buffer.from("%PDF-1.7\n%\xe2\xe3\xcf\xd3\n", "latin1"),
    Buffer.from([0xff, 0xfe, 0x00, 0x80, 0xc3]),
    randomBytes(4096),
  ]);
  const sha = createHash("sha256").update(pdf).digest("hex");

  it("sends an application/pdf body as the decoded bytes with its content type", async () => {
    const billing = openApiToConnector(billingApi(base), { key: "billing" });
    const out = (await run(billing, "attachInvoicePdf", {
      path: { invoice_id: "inv_1" },
      query: { file_name: "INV-1.pdf" },
      body: pdf.toString("base64"),
    })) as { sha256: string };
    const req = seen().at(-1)!;
    expect(req.headers["content-type"]).toBe("application/pdf");
    expect(req.body.equals(pdf)).toBe(true);
    expect(out.sha256).toBe(sha);
    expect(req.headers.authorization).toBe("Token test_k3y");
    await expect(
      run(billing, "attachInvoicePdf", {
        path: { invoice_id: "inv_1" },
        query: { file_name: "x.pdf" },
        body: "this is not base64!",
      }),
    ).rejects.toMatchObject({ errorClass: "validation", code: "body_not_base64" });
  });

  it("keeps the caller's concrete content type for */* bodies, refuses wildcards, and derives one when none is given", async () => {
    const docs = openApiToConnector(springDocumentApi(base));
    const id = "3f2b8c1e-7d4a-4e59-9a51-0c6f2d8e1b77";
    const png = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), randomBytes(2048)]);
    await run(docs, "storePreview", {
      path: { id },
      headers: { "content-type": "image/png" },
      body: png.toString("base64"),
    });
    expect(seen().at(-1)!.headers["content-type"]).toBe("image/png");
    expect(seen().at(-1)!.body.equals(png)).toBe(true);
    await run(docs, "storePreview", {
      path: { id },
      headers: { "content-type": "application/pdf" },
      body: pdf.toString("base64"),
    });
    expect(seen().at(-1)!.headers["content-type"]).toBe("application/pdf");
    expect(seen().at(-1)!.body.equals(pdf)).toBe(true);
    // A differently spelled header name is flagged before it is silently dropped.
    const catalog = connectorCatalog([docs.manifest]);
    const spelled = validate(
      flow({
        connector: docs.manifest.key,
        operation: "storePreview",
        input: { "path.id": "$trigger.id", "headers.Content-Type": "'image/png'", body: "$trigger.file" },
      }) as never,
      { catalog },
    ).problems;
    expect(spelled.map((p) => p.message)).toEqual([
      `Step 'call' maps 'headers.Content-Type', which ${docs.manifest.key}.storePreview does not declare (a typo?). Did you mean 'headers.content-type'?`,
    ]);
    // A wildcard is never sent.
    expect(ok(docs, "storePreview", { path: { id }, headers: { "content-type": "*/*" }, body: "" })).toBe(false);
    // application/octet-stream bodies (Spring's byte[]): bytes.
    await run(docs, "uploadContent", { path: { id }, body: pdf.toString("base64") });
    expect(seen().at(-1)!.headers["content-type"]).toBe("application/octet-stream");
    expect(seen().at(-1)!.body.equals(pdf)).toBe(true);
    // A JSON object to a */* body without a content type goes as JSON.
    await run(docs, "create", { body: { title: "Engagement letter", matterNumber: "M-2026-114" } });
    expect(seen().at(-1)!.headers["content-type"]).toBe("application/json");
    expect(JSON.parse(seen().at(-1)!.body.toString("utf8"))).toEqual({
      title: "Engagement letter",
      matterNumber: "M-2026-114",
    });
    // No hint in the spec: the default prefix is Bearer; "none" sends the key alone; a key typed with its prefix is not doubled.
    expect(seen().at(-1)!.headers.authorization).toBe("Bearer test_k3y");
    await run(docs, "create", { body: { title: "x" } }, { apiKey: "raw-key" }, { prefix: "none" });
    expect(seen().at(-1)!.headers.authorization).toBe("raw-key");
    await run(docs, "create", { body: { title: "x" } }, { apiKey: "Bearer typed-by-hand" });
    expect(seen().at(-1)!.headers.authorization).toBe("Bearer typed-by-hand");
  });
});
