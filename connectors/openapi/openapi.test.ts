// OpenAPI import on real public specs of different styles (GitHub 3.0.3: 1,200+ operations, shared
// components/parameters, oneOf/allOf, nullable; Stripe 3.0.0: form-encoded bodies, deepObject queries,
// anyOf "expandable" fields, recursion; Adyen Checkout 3.1.0: oneOf-heavy payment methods; ReadMe 3.1.0),
// a hand-written document for each $ref/allOf/oneOf/readOnly edge, and imported operations executed
// against a local server through executeOperation and the SSRF guard.
import { readFileSync } from "node:fs";
import { gunzipSync } from "node:zlib";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { executeOperation } from "../sdk/execute";
import { HttpGuard } from "../sdk/http-guard";
import { sendJson, startListener, type TestListener } from "../sdk/testing";
import { bracketEncode, openApiToConnector, OpenApiImportError, type OpenApiConnector } from "./convert";

const fixture = (f: string): unknown =>
  JSON.parse(gunzipSync(readFileSync(path.join(__dirname, "fixtures", f))).toString("utf8"));
const ok = (c: OpenApiConnector, op: string, input: unknown) =>
  c.manifest.operations[op]!.input.safeParse(input).success;
const notRepresentable = (c: OpenApiConnector) =>
  c.warnings.filter((w) => w.includes("not representable") || w.includes("unresolvable"));

describe("large public specs", () => {
  const specs: Record<string, OpenApiConnector> = {};
  beforeAll(() => {
    for (const [name, file] of [
      ["github", "github-api.json.gz"],
      ["stripe", "stripe.json.gz"],
      ["adyen", "adyen-checkout-3.1.json.gz"],
      ["readme", "readme-3.1.json.gz"],
    ] as const) {
      const doc = fixture(file);
      specs[name] = openApiToConnector(doc);
    }
  });

  it("imports every operation without falling back to untyped schemas", () => {
    expect(Object.keys(specs.github!.manifest.operations).length).toBeGreaterThanOrEqual(1200);
    expect(Object.keys(specs.stripe!.manifest.operations).length).toBeGreaterThanOrEqual(450);
    expect(Object.keys(specs.adyen!.manifest.operations).length).toBeGreaterThanOrEqual(25);
    expect(Object.keys(specs.readme!.manifest.operations).length).toBeGreaterThanOrEqual(50);
    for (const [name, c] of Object.entries(specs)) {
      expect(notRepresentable(c), name).toEqual([]);
    }
  });

  it("GitHub: path parameters are required, bodies typed through $ref/oneOf, unions accepted", () => {
    const gh = specs.github!;
    expect(gh.manifest.operations.reposGet!.http).toEqual({ method: "GET", path: "/repos/{owner}/{repo}" });
    expect(ok(gh, "reposGet", { path: { owner: "octo", repo: "hello" } })).toBe(true);
    expect(ok(gh, "reposGet", { path: { owner: "octo" } })).toBe(false);
    // issues/create: title is oneOf string | integer; labels items are oneOf string | {name…}.
    expect(
      ok(gh, "issuesCreate", {
        path: { owner: "o", repo: "r" },
        body: { title: "Bug", labels: ["bug", { name: "p1" }] },
      }),
    ).toBe(true);
    expect(ok(gh, "issuesCreate", { path: { owner: "o", repo: "r" }, body: { title: 42 } })).toBe(true);
    expect(ok(gh, "issuesCreate", { path: { owner: "o", repo: "r" }, body: { body: "no title" } })).toBe(false);
    expect(ok(gh, "issuesCreate", { path: { owner: "o", repo: "r" }, body: { title: { nested: true } } })).toBe(false);
    // A response with a nullable (3.0) field: null is accepted where the spec says nullable.
    const out = gh.manifest.operations.usersGetAuthenticated!.output;
    expect(z.toJSONSchema(out, { unrepresentable: "any" })).toBeTruthy();
  });

  it("Stripe: form bodies with anyOf-or-empty-string fields, deepObject query ranges", () => {
    const st = specs.stripe!;
    expect(st.operationsMeta.postCustomers!.bodyMediaType).toBe("application/x-www-form-urlencoded");
    expect(
      ok(st, "postCustomers", {
        body: { email: "ap@example.com", metadata: { plan: "gold" }, address: { city: "Chicago" } },
      }),
    ).toBe(true);
    expect(ok(st, "postCustomers", { body: { address: "" } })).toBe(true); // Stripe's "unset" value
    expect(ok(st, "postCustomers", { body: { email: 5 } })).toBe(false);
    expect(ok(st, "getCustomers", { query: { created: { gte: 1700000000 }, limit: 10 } })).toBe(true);
    expect(ok(st, "getCustomers", { query: { created: { gte: "yesterday" } } })).toBe(false);
    expect(st.operationsMeta.getCustomers!.parameters.find((p) => p.name === "created")).toMatchObject({
      style: "deepObject",
    });
  });

  it("Adyen (3.1): oneOf payment methods and required top-level fields", () => {
    const ad = specs.adyen!;
    const base = {
      amount: { currency: "EUR", value: 1000 },
      merchantAccount: "Meridian",
      reference: "INV-26-0001",
      returnUrl: "https://example.com/r",
    };
    expect(
      ok(ad, "postPayments", {
        body: {
          ...base,
          paymentMethod: {
            type: "scheme",
            encryptedCardNumber: "x",
            encryptedExpiryMonth: "x",
            encryptedExpiryYear: "x",
          },
        },
      }),
    ).toBe(true);
    expect(ok(ad, "postPayments", { body: { ...base, paymentMethod: { type: "ideal", issuer: "1121" } } })).toBe(true);
    expect(ok(ad, "postPayments", { body: { paymentMethod: { type: "scheme" } } })).toBe(false);
    expect(
      ok(ad, "postPayments", {
        body: { ...base, amount: { currency: "EUR", value: "ten" }, paymentMethod: { type: "ideal" } },
      }),
    ).toBe(false);
  });

  it("produces JSON Schema for every imported input (the designer's forms)", () => {
    for (const c of Object.values(specs)) {
      for (const [k, op] of Object.entries(c.manifest.operations)) {
        const js = z.toJSONSchema(op.input, { io: "input", unrepresentable: "any", cycles: "ref" }) as {
          type?: string;
        };
        expect(js.type, `${c.manifest.key}.${k}`).toBe("object");
      }
    }
  });
});

describe("edge cases", () => {
  const doc = {
    openapi: "3.0.3",
    info: { title: "Edge API", version: "2.1.0" },
    servers: [{ url: "https://{region}.api.example.com/v1", variables: { region: { default: "eu" } } }],
    components: {
      securitySchemes: { key: { type: "apiKey", in: "header", name: "X-Edge-Key" } },
      parameters: { Page: { name: "page", in: "query", schema: { type: "integer", minimum: 1 } } },
      requestBodies: {
        Thing: { required: true, content: { "application/json": { schema: { $ref: "#/components/schemas/Thing" } } } },
      },
      responses: {
        ThingOk: {
          description: "ok",
          content: { "application/json": { schema: { $ref: "#/components/schemas/Thing" } } },
        },
      },
      schemas: {
        Base: {
          type: "object",
          properties: { id: { type: "string", readOnly: true }, secret: { type: "string", writeOnly: true } },
          required: ["id", "secret"],
        },
        Thing: {
          allOf: [
            { $ref: "#/components/schemas/Base" },
            {
              type: "object",
              required: ["name"],
              properties: {
                name: { type: "string" },
                note: { type: "string", nullable: true },
                kind: { $ref: "#/components/schemas/Kind" },
                children: { type: "array", items: { $ref: "#/components/schemas/Thing" } },
                ownerName: { $ref: "#/components/schemas/Owner/properties/name" },
              },
            },
          ],
        },
        Kind: { oneOf: [{ type: "string", enum: ["a", "b"] }, { type: "integer" }] },
        Owner: { type: "object", properties: { name: { type: "string", minLength: 2 } } },
        Odd: {
          type: "object",
          if: { properties: { a: { const: 1 } } },
          then: { required: ["b"] },
          properties: { a: { type: "integer" } },
        },
      },
    },
    paths: {
      "/things/{id}": {
        parameters: [
          { name: "id", in: "path", required: true, schema: { type: "string" } },
          { name: "verbose", in: "query", schema: { type: "boolean" } },
        ],
        get: {
          operationId: "getThing",
          parameters: [
            { $ref: "#/components/parameters/Page" },
            { name: "verbose", in: "query", required: true, schema: { type: "string", enum: ["yes"] } },
          ],
          responses: { "200": { $ref: "#/components/responses/ThingOk" } },
        },
        put: {
          operationId: "getThing",
          requestBody: { $ref: "#/components/requestBodies/Thing" },
          responses: { "204": { description: "none" } },
        },
      },
      "/odd": {
        post: {
          requestBody: { content: { "application/json": { schema: { $ref: "#/components/schemas/Odd" } } } },
          responses: {
            default: {
              description: "x",
              content: { "application/json": { schema: { $ref: "#/components/schemas/Missing" } } },
            },
          },
        },
      },
    },
  };
  const c = openApiToConnector(doc, { key: "edge" });

  it("merges path-level and operation-level parameters (operation wins) and resolves component parameters", () => {
    expect(ok(c, "getThing", { path: { id: "1" }, query: { verbose: "yes", page: 2 } })).toBe(true);
    expect(ok(c, "getThing", { path: { id: "1" }, query: { verbose: true } })).toBe(false); // overridden to enum "yes", required
    expect(ok(c, "getThing", { path: { id: "1" }, query: { verbose: "yes", page: 0 } })).toBe(false); // minimum 1
  });

  it("resolves requestBodies/responses refs, allOf, oneOf, recursion, deep pointers and 3.0 nullable", () => {
    const thing = {
      name: "n",
      secret: "s",
      note: null,
      kind: 3,
      children: [{ name: "c", secret: "s2", kind: "a", ownerName: "Al" }],
    };
    expect(ok(c, "getThing_", { path: { id: "1" }, body: thing })).toBe(true);
    expect(ok(c, "getThing_", { path: { id: "1" }, body: { ...thing, kind: "z" } })).toBe(false);
    expect(ok(c, "getThing_", { path: { id: "1" }, body: { ...thing, children: [{ secret: "x" }] } })).toBe(false); // child lacks name
    expect(ok(c, "getThing_", { path: { id: "1" }, body: { ...thing, ownerName: "A" } })).toBe(false); // deep ref keeps minLength
    expect(ok(c, "getThing_", { path: { id: "1" } })).toBe(false); // requestBody required
  });

  it("does not require readOnly fields in requests nor writeOnly fields in responses", () => {
    expect(ok(c, "getThing_", { path: { id: "1" }, body: { name: "n", secret: "s" } })).toBe(true); // no id
    expect(ok(c, "getThing_", { path: { id: "1" }, body: { name: "n" } })).toBe(false); // secret is writeOnly: required in requests
    const out = c.manifest.operations.getThing!.output;
    expect(out.safeParse({ id: "1", name: "n" }).success).toBe(true); // no secret
    expect(out.safeParse({ name: "n" }).success).toBe(false); // id required in responses
  });

  it("de-duplicates operation ids, names methods without one, maps effects and server variables", () => {
    expect(Object.keys(c.manifest.operations).sort()).toEqual(["getThing", "getThing_", "postOdd"]);
    expect(c.manifest.operations.getThing!.effect).toBe("read");
    expect(c.manifest.operations.getThing_!.effect).toBe("write");
    expect(c.manifest.auth.config.parse({})).toMatchObject({
      baseUrl: "https://eu.api.example.com/v1",
      securityScheme: "key",
    });
  });

  it("warns about what it cannot express instead of failing", () => {
    expect(c.warnings.some((w) => w.includes("#/components/schemas/Missing"))).toBe(true);
    expect(c.warnings.some((w) => w.includes('"if"'))).toBe(true);
    expect(ok(c, "postOdd", { body: { a: 1 } })).toBe(true);
  });

  it("rejects Swagger 2.0, unknown versions and documents without operations", () => {
    expect(() => openApiToConnector({ swagger: "2.0", paths: {} })).toThrow(OpenApiImportError);
    expect(() => openApiToConnector({ openapi: "4.0.0", paths: {} })).toThrow(/Unsupported OpenAPI version/);
    expect(() => openApiToConnector({ openapi: "3.1.0", info: { title: "x" }, paths: {} })).toThrow(/no operations/);
  });

  it("encodes nested form values the way Stripe and Rails read them", () => {
    expect(
      bracketEncode({ metadata: { plan: "gold" }, items: [{ price: "p_1", quantity: 2 }], email: "a@b.c" }),
    ).toEqual([
      ["metadata[plan]", "gold"],
      ["items[0][price]", "p_1"],
      ["items[0][quantity]", "2"],
      ["email", "a@b.c"],
    ]);
  });
});

describe("imported operations over HTTP", () => {
  let server: TestListener;
  let base: string;
  let guard: HttpGuard;
  /** What the server received, bodies as text. */
  const seen = () => server.received.map((r) => ({ ...r, body: r.body.toString() }));
  beforeAll(async () => {
    server = await startListener((req, res) => {
      if (req.url?.startsWith("/repos/octo/hello%20world"))
        return sendJson(res, 200, {
          id: 1,
          name: "hello world",
          full_name: "octo/hello world",
          unexpected_extra: true,
        });
      if (req.url?.startsWith("/v1/customers") && req.method === "POST")
        return sendJson(res, 200, { id: "cus_1", object: "customer" });
      if (req.url?.startsWith("/v1/customers"))
        return sendJson(res, 200, { object: "list", data: [], has_more: false, url: "/v1/customers" });
      sendJson(res, 404, { error: { message: "no such route", type: "invalid_request_error" } });
    });
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
    secrets: Record<string, string> = {},
    config: Record<string, unknown> = {},
    idempotencyKey?: string,
  ) =>
    executeOperation({
      definitions: { [c.manifest.key]: c },
      connectorKey: c.manifest.key,
      operation,
      input,
      connection: { key: `oa-${c.manifest.key}`, config: { baseUrl: base, ...config }, secrets },
      httpGuard: guard,
      idempotencyKey,
    });

  it("GitHub reposGet: templated, encoded path; a response with extra fields passes (lenient output)", async () => {
    const gh = openApiToConnector(fixture("github-api.json.gz"));
    const out = (await run(gh, "reposGet", { path: { owner: "octo", repo: "hello world" } })) as { full_name: string };
    expect(out.full_name).toBe("octo/hello world");
    expect(seen().at(-1)).toMatchObject({ method: "GET", url: "/repos/octo/hello%20world" });
  });

  it("Stripe: bearer auth, bracket-encoded form body, deepObject query, Idempotency-Key on writes", async () => {
    const st = openApiToConnector(fixture("stripe.json.gz"));
    await run(
      st,
      "postCustomers",
      { body: { email: "ap@example.com", metadata: { plan: "gold" }, preferred_locales: ["en", "fr"] } },
      { token: "sk_test_123456" },
      { securityScheme: "bearerAuth" },
      "run-1/create-customer",
    );
    const post = seen().at(-1)!;
    expect(post.headers.authorization).toBe("Bearer sk_test_123456");
    expect(post.headers["content-type"]).toBe("application/x-www-form-urlencoded");
    expect(post.headers["idempotency-key"]).toBe("run-1/create-customer");
    expect(new URLSearchParams(post.body).get("metadata[plan]")).toBe("gold");
    expect(new URLSearchParams(post.body).get("preferred_locales[1]")).toBe("fr");
    await run(st, "getCustomers", { query: { created: { gte: 1700000000 }, limit: 3 } }, { apiKey: "sk_test_123456" });
    const get = seen().at(-1)!;
    expect(get.headers.authorization).toBe(`Basic ${Buffer.from("sk_test_123456:").toString("base64")}`);
    expect(decodeURIComponent(get.url!)).toContain("created[gte]=1700000000");
    expect(get.url).toContain("limit=3");
  });

  it("classifies the API's errors like any connector", async () => {
    const gh = openApiToConnector(fixture("github-api.json.gz"));
    await expect(run(gh, "reposGet", { path: { owner: "nobody", repo: "nothing" } })).rejects.toMatchObject({
      errorClass: "validation",
      reason: "not_found",
      status: 404,
    });
    await expect(run(gh, "reposGet", { path: { owner: "octo" } })).rejects.toMatchObject({
      errorClass: "validation",
      code: "input_invalid",
    });
  });
});
