// Contract tests: every Salesforce operation against the Salesforce sandbox over real HTTP, through the
// SSRF guard (sandbox allow-listed by host:port) and executeOperation — success, paging, each error
// class, 429 retry, token expiry and idempotent re-sends.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ConnectorError } from "../sdk/errors";
import { startHarness, type Harness } from "../sdk/testing";
import { z } from "zod";
import { salesforce } from "./client";
import { salesforceManifest, SObjectDescribe } from "./manifest";
import { createSalesforceSandbox } from "./sandbox";

let h: Harness;
beforeAll(async () => {
  h = await startHarness(salesforce, () => createSalesforceSandbox());
});
afterAll(async () => h?.close());

type Rec = Record<string, unknown>;
type Page = { totalSize: number; done: boolean; nextRecordsUrl?: string; records: Rec[] };

async function failure(p: Promise<unknown>): Promise<ConnectorError> {
  const e = await p.then(
    () => undefined,
    (x: unknown) => x,
  );
  expect(e).toBeInstanceOf(ConnectorError);
  return e as ConnectorError;
}

describe("salesforce: query", () => {
  it("returns seeded accounts with the record envelope", async () => {
    const r = (await h.run("query", {
      soql: "SELECT Id, Name, Customer_Number__c FROM Account ORDER BY Name",
    })) as Page;
    expect(r.totalSize).toBeGreaterThanOrEqual(30);
    expect(r.done).toBe(true);
    expect(r.records[0]).toMatchObject({
      attributes: { type: "Account" },
      Id: expect.stringMatching(/^001/),
      Name: expect.any(String),
      Customer_Number__c: expect.stringMatching(/^CUST-/),
    });
  });

  it("follows nextRecordsUrl across pages", async () => {
    const before = h.sandbox.apiCalls;
    const r = (await h.run("query", { soql: "SELECT Id, Amount FROM Opportunity", batchSize: 200 })) as Page;
    expect(r.records.length).toBe(r.totalSize);
    expect(r.totalSize).toBeGreaterThanOrEqual(240);
    expect(new Set(r.records.map((x) => x.Id)).size).toBe(r.records.length);
    expect(h.sandbox.apiCalls - before).toBe(2); // two pages of ≤200
  });

  it("does not send the bearer token to a nextRecordsUrl on another host", async () => {
    // The step's input is the designer's: an absolute URL elsewhere must not get the session token.
    const e = await h
      .run("query", { nextRecordsUrl: "https://collector.evil.test/services/data/v59.0/query/01g-200" })
      .then(
        () => undefined,
        (x: unknown) => x,
      );
    expect(e).toMatchObject({ errorClass: "validation", reason: "credential_scope", code: "credentials_off_origin" });
  });

  it("stops at maxRecords and can continue from nextRecordsUrl", async () => {
    const first = (await h.run("query", {
      soql: "SELECT Id FROM Opportunity ORDER BY Id",
      batchSize: 200,
      maxRecords: 200,
    })) as Page;
    expect(first.done).toBe(false);
    expect(first.nextRecordsUrl).toMatch(/\/query\/01g.+-200$/);
    const rest = (await h.run("query", { nextRecordsUrl: first.nextRecordsUrl, batchSize: 200 })) as Page;
    expect(first.records.length + rest.records.length).toBe(first.totalSize);
  });

  it("filters and joins through relationships", async () => {
    const r = (await h.run("query", {
      soql: "SELECT Id, Name, Account.Name, Amount FROM Opportunity WHERE IsWon = true AND Amount >= 500000 ORDER BY Amount DESC LIMIT 5",
    })) as Page;
    expect(r.records.length).toBeGreaterThan(0);
    expect(r.records.length).toBeLessThanOrEqual(5);
    for (const rec of r.records) expect(rec.Amount as number).toBeGreaterThanOrEqual(500000);
    expect(r.records[0]!.Account).toMatchObject({ attributes: { type: "Account" }, Name: expect.any(String) });
  });

  it("classifies a malformed query and an unknown field as validation with the vendor code", async () => {
    const a = await failure(h.run("query", { soql: "SELEC Id FROM Account" }));
    expect(a).toMatchObject({ errorClass: "validation", status: 400, code: "MALFORMED_QUERY" });
    const b = await failure(h.run("query", { soql: "SELECT Nope__c FROM Account" }));
    expect(b).toMatchObject({ errorClass: "validation", code: "INVALID_FIELD" });
    expect(b.response?.body).toEqual([expect.objectContaining({ errorCode: "INVALID_FIELD" })]);
  });

  it("rejects input that fails the operation's schema before any call", async () => {
    const before = h.sandbox.apiCalls;
    const e = await failure(h.run("query", { soql: "" }));
    expect(e).toMatchObject({ errorClass: "validation", reason: "schema", code: "input_invalid" });
    expect(h.sandbox.apiCalls).toBe(before);
  });
});

describe("salesforce: sObjects", () => {
  it("creates, reads and updates an Opportunity; a stage change closes it", async () => {
    const acct = (await h.run("query", { soql: "SELECT Id FROM Account LIMIT 1" })) as Page;
    const accountId = acct.records[0]!.Id as string;
    const created = (await h.run(
      "createRecord",
      {
        sobject: "Opportunity",
        fields: {
          Name: "Test – Cloud Migration",
          AccountId: accountId,
          StageName: "Prospecting",
          CloseDate: "2026-09-30",
          Amount: 120000,
        },
      },
      { idempotencyKey: "sf-create-1" },
    )) as { id: string; success: boolean };
    expect(created).toMatchObject({ id: expect.stringMatching(/^006/), success: true });
    await h.run(
      "updateRecord",
      { sobject: "Opportunity", id: created.id, fields: { StageName: "Closed Won" } },
      { idempotencyKey: "sf-upd-1" },
    );
    const got = (await h.run("getRecord", {
      sobject: "Opportunity",
      id: created.id,
      fields: ["Id", "StageName", "IsWon", "IsClosed", "Probability"],
    })) as Rec;
    expect(got).toMatchObject({ StageName: "Closed Won", IsWon: true, IsClosed: true, Probability: 100 });
  });

  it("reports not found, unknown fields, missing required fields and bad references by class", async () => {
    expect(await failure(h.run("getRecord", { sobject: "Account", id: "001Wf0000009999AAA" }))).toMatchObject({
      errorClass: "validation",
      reason: "not_found",
      status: 404,
      code: "NOT_FOUND",
    });
    expect(
      await failure(h.run("createRecord", { sobject: "Account", fields: { Name: "X", Bogus__c: 1 } })),
    ).toMatchObject({ errorClass: "validation", code: "INVALID_FIELD" });
    expect(
      await failure(h.run("createRecord", { sobject: "Opportunity", fields: { Name: "No stage" } })),
    ).toMatchObject({ errorClass: "validation", code: "REQUIRED_FIELD_MISSING" });
    expect(
      await failure(
        h.run("createRecord", { sobject: "Contact", fields: { LastName: "Doe", AccountId: "001Wf0000009999AAA" } }),
      ),
    ).toMatchObject({ code: "INVALID_CROSS_REFERENCE_KEY" });
    expect(
      await failure(
        h.run("updateRecord", { sobject: "Account", id: "001Wf0000000001AAA", fields: { IsDeleted: true } }),
      ),
    ).toMatchObject({ code: "INVALID_FIELD_FOR_INSERT_UPDATE" });
  });

  it("upserts by external id: created once, then updated, never duplicated", async () => {
    const a = (await h.run("upsertRecord", {
      sobject: "Account",
      externalIdField: "Customer_Number__c",
      externalId: "CUST-9001",
      fields: { Name: "Upsert Industries" },
    })) as { id: string; created: boolean };
    const b = (await h.run("upsertRecord", {
      sobject: "Account",
      externalIdField: "Customer_Number__c",
      externalId: "CUST-9001",
      fields: { Name: "Upsert Industries Ltd" },
    })) as { id: string; created: boolean };
    expect(a.created).toBe(true);
    expect(b).toMatchObject({ id: a.id, created: false });
    const r = (await h.run("query", {
      soql: "SELECT Id, Name FROM Account WHERE Customer_Number__c = 'CUST-9001'",
    })) as Page;
    expect(r.records).toEqual([expect.objectContaining({ Id: a.id, Name: "Upsert Industries Ltd" })]);
  });

  it("re-sending a create with the same idempotency key has one effect", async () => {
    const input = { sobject: "Contact", fields: { LastName: "Once", FirstName: "Only" } };
    const a = (await h.run("createRecord", input, { idempotencyKey: "sf-once-1" })) as { id: string };
    const b = (await h.run("createRecord", input, { idempotencyKey: "sf-once-1" })) as { id: string };
    expect(b.id).toBe(a.id);
    const fx = await h.admin<{ byKey: Record<string, { calls: number; effects: number }> }>("effects");
    expect(fx.byKey["sf-once-1"]).toEqual({ calls: 2, effects: 1 });
    const r = (await h.run("query", { soql: "SELECT Id FROM Contact WHERE LastName = 'Once'" })) as Page;
    expect(r.totalSize).toBe(1);
  });
});

describe("salesforce: composite", () => {
  it("creates an account and an opportunity referring to it with @{ref.id}", async () => {
    const r = (await h.run("composite", {
      allOrNone: true,
      compositeRequest: [
        {
          method: "POST",
          url: "/services/data/v62.0/sobjects/Account",
          referenceId: "acct",
          body: { Name: "Composite Co" },
        },
        {
          method: "POST",
          url: "/services/data/v62.0/sobjects/Opportunity",
          referenceId: "opp",
          body: {
            Name: "Composite deal",
            AccountId: "@{acct.id}",
            StageName: "Qualification",
            CloseDate: "2026-10-01",
          },
        },
        {
          method: "GET",
          url: "/services/data/v62.0/sobjects/Opportunity/@{opp.id}?fields=AccountId",
          referenceId: "check",
        },
      ],
    })) as { allSucceeded: boolean; compositeResponse: Array<{ httpStatusCode: number; body: Rec }> };
    expect(r.allSucceeded).toBe(true);
    expect(r.compositeResponse.map((x) => x.httpStatusCode)).toEqual([201, 201, 200]);
    expect(r.compositeResponse[2]!.body.AccountId).toBe(r.compositeResponse[0]!.body.id);
  });

  it("rolls everything back with allOrNone when a subrequest fails", async () => {
    const e = await failure(
      h.run("composite", {
        allOrNone: true,
        compositeRequest: [
          {
            method: "POST",
            url: "/services/data/v62.0/sobjects/Account",
            referenceId: "a",
            body: { Name: "Rollback Corp" },
          },
          {
            method: "POST",
            url: "/services/data/v62.0/sobjects/Opportunity",
            referenceId: "o",
            body: { Name: "Missing stage", AccountId: "@{a.id}" },
          },
        ],
      }),
    );
    expect(e).toMatchObject({ errorClass: "validation", code: "REQUIRED_FIELD_MISSING" });
    const r = (await h.run("query", { soql: "SELECT Id FROM Account WHERE Name = 'Rollback Corp'" })) as Page;
    expect(r.totalSize).toBe(0);
  });
});

describe("salesforce: faults", () => {
  it("retries a 429 after Retry-After and succeeds", async () => {
    await h.faults({ next: [{ status: 429, retryAfterSeconds: 1 }] });
    const before = h.sandbox.apiCalls;
    const started = Date.now();
    const r = (await h.run("limits", {})) as { dailyApiRequests: { max: number } };
    expect(r.dailyApiRequests.max).toBe(100000);
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
    expect(h.sandbox.apiCalls - before).toBe(2);
    expect(h.logs.some((l) => l.msg === "retrying" && (l.obj as { status?: number }).status === 429)).toBe(true);
  });

  it("hands a long Retry-After to the runtime as a transient error with retryAfterMs", async () => {
    await h.faults({ next: [{ status: 429, retryAfterSeconds: 120 }] });
    const e = await failure(h.run("limits", {}));
    expect(e).toMatchObject({ errorClass: "transient", reason: "rate_limited", status: 429, retryAfterMs: 120_000 });
  });

  it("does not repeat a create without an idempotency key after a 503, but does with one", async () => {
    await h.faults({ next: [{ status: 503, retryAfterSeconds: 0 }] });
    const e = await failure(h.run("createRecord", { sobject: "Account", fields: { Name: "Maybe Twice" } }));
    expect(e).toMatchObject({ errorClass: "transient", reason: "server", status: 503 });
    await h.faults({ next: [{ status: 503, retryAfterSeconds: 0 }] });
    const ok = (await h.run(
      "createRecord",
      { sobject: "Account", fields: { Name: "Exactly Once" } },
      { idempotencyKey: "sf-503-retry" },
    )) as { id: string };
    expect(ok.id).toMatch(/^001/);
    const fx = await h.admin<{ byKey: Record<string, { effects: number }> }>("effects");
    expect(fx.byKey["sf-503-retry"]!.effects).toBe(1);
  });

  it("fetches a new token when the old one expires", async () => {
    await h.run("limits", {});
    await h.faults({ expireTokens: true });
    const r = (await h.run("limits", {})) as { dailyApiRequests: { remaining: number } };
    expect(r.dailyApiRequests.remaining).toBeGreaterThan(0);
  });

  it("classifies rejected client credentials as auth and never logs the secret", async () => {
    const e = await failure(
      h.run(
        "limits",
        {},
        {
          connection: {
            secrets: { clientId: "3MVG9Weft.Sandbox.Salesforce.ConsumerKey", clientSecret: "wrong-secret-value" },
          },
        },
      ),
    );
    expect(e).toMatchObject({ errorClass: "auth", code: "invalid_client" });
    expect(JSON.stringify(e.request)).not.toContain("wrong-secret-value");
    expect(JSON.stringify(h.logs)).not.toContain("wrong-secret-value");
    expect(JSON.stringify(h.logs)).not.toContain(h.info.clientSecret as string);
  });

  it("sends Sforce-Limit-Info on every response", async () => {
    const res = await fetch(`${h.sandbox.baseUrl}/services/data/v62.0/limits`);
    expect(res.status).toBe(401);
    expect(res.headers.get("sforce-limit-info")).toMatch(/^api-usage=\d+\/100000$/);
  });
});

describe("salesforce: changed-records poll trigger", () => {
  it("delivers each change once and persists progress in the cursor", async () => {
    const since = new Date(Date.now() - 1000).toISOString();
    const first = (await h.run("pollChangedRecords", {
      sobject: "Opportunity",
      fields: ["Id", "StageName", "IsWon"],
      where: "IsWon = true",
      since,
    })) as { items: Rec[]; cursor: string };
    const won = (await h.run("query", {
      soql: "SELECT Id FROM Opportunity WHERE StageName = 'Prospecting' LIMIT 2",
    })) as Page;
    for (const r of won.records)
      await h.run("updateRecord", { sobject: "Opportunity", id: r.Id, fields: { StageName: "Closed Won" } });
    const second = (await h.run("pollChangedRecords", {
      sobject: "Opportunity",
      fields: ["Id", "StageName", "IsWon"],
      where: "IsWon = true",
      cursor: first.cursor,
    })) as { items: Rec[]; cursor: string; hasMore: boolean };
    const ids = second.items.map((r) => r.Id);
    for (const r of won.records) expect(ids).toContain(r.Id);
    expect(second.items.every((r) => r.IsWon === true)).toBe(true);
    const third = (await h.run("pollChangedRecords", {
      sobject: "Opportunity",
      fields: ["Id"],
      where: "IsWon = true",
      cursor: second.cursor,
    })) as { items: Rec[] };
    expect(third.items).toEqual([]);
  });

  it("pages a burst of changes by batchSize without losing any", async () => {
    const since = new Date(Date.now() - 500).toISOString();
    const open = (await h.run("query", { soql: "SELECT Id FROM Opportunity WHERE IsClosed = false LIMIT 5" })) as Page;
    for (const r of open.records)
      await h.run("updateRecord", { sobject: "Opportunity", id: r.Id, fields: { Description: "touched" } });
    const seen: unknown[] = [];
    let cursor: string | undefined;
    for (let i = 0; i < 10; i++) {
      const p = (await h.run("pollChangedRecords", {
        sobject: "Opportunity",
        fields: ["Id"],
        since,
        cursor,
        batchSize: 2,
      })) as { items: Rec[]; cursor: string; hasMore: boolean };
      seen.push(...p.items.map((x) => x.Id));
      cursor = p.cursor;
      if (!p.hasMore) break;
    }
    for (const r of open.records) expect(seen).toContain(r.Id);
    expect(new Set(seen).size).toBe(seen.length);
  });
});

describe("salesforce: describe and the records it shapes", () => {
  it("answers sObject Describe as Salesforce does: standard and custom fields with their types", async () => {
    const d = SObjectDescribe.parse(await h.run("describeSObject", { sobject: "Opportunity" }));
    expect(d).toMatchObject({ name: "Opportunity", keyPrefix: "006" });
    const byName = new Map(d.fields.map((f) => [f.name, f]));
    expect(byName.get("Name")).toMatchObject({ type: "string", nillable: false, createable: true });
    expect(byName.get("Amount")).toMatchObject({ type: "currency", nillable: true });
    expect(byName.get("AccountId")).toMatchObject({
      type: "reference",
      referenceTo: ["Account"],
      relationshipName: "Account",
    });
    expect(byName.get("Project_Code__c")).toMatchObject({ custom: true });
    expect(byName.get("StageName")!.picklistValues!.map((p) => p.value)).toContain("Closed Won");
    expect((await failure(h.run("describeSObject", { sobject: "Invoice__c" }))).errorClass).toBe("validation");
  });

  it("Get record's output has the described fields of the chosen sObject (canonical shapes without a description)", async () => {
    const spec = salesforceManifest.operations.getRecord.describedOutput!;
    const description = await h.run("describeSObject", { sobject: "Opportunity" });
    const id = ((await h.run("query", { soql: "SELECT Id FROM Opportunity LIMIT 1" })) as Page).records[0]!
      .Id as string;
    const record = (await h.run("getRecord", { sobject: "Opportunity", id })) as Rec;
    const keys = (t: z.ZodType) =>
      Object.keys((z.toJSONSchema(t, { io: "output", unrepresentable: "any" }) as { properties: object }).properties);
    // The run returns Name and the org's custom fields: the described schema knows every one of them.
    const described = spec.schema({ sobject: "Opportunity" }, description)!;
    for (const k of Object.keys(record)) expect(keys(described)).toContain(k);
    expect(described.safeParse(record).success).toBe(true);
    // Offline: the canonical Opportunity (Name, StageName, Amount, …); the static output knew only Id.
    expect(keys(spec.schema({ sobject: "Opportunity" }, undefined)!)).toEqual(
      expect.arrayContaining(["Id", "Name", "StageName", "CloseDate", "Amount"]),
    );
    expect(keys(salesforceManifest.operations.getRecord.output)).toEqual(["attributes", "Id"]);
    // Selected fields only, when the step names them.
    expect(
      keys(
        spec.schema(
          { sobject: "Account", fields: ["Id", "Name", "customer_number__c"] },
          await h.run("describeSObject", { sobject: "Account" }),
        )!,
      ),
    ).toEqual(["attributes", "Id", "Name", "Customer_Number__c"]);
    expect(spec.subject({ sobject: "Contact" })).toBe("Contact");
  });

  it("Query's records follow the SOQL's FROM and SELECT list", async () => {
    const spec = salesforceManifest.operations.query.describedOutput!;
    const soql = "SELECT Id, Name, Amount, Account.Name FROM Opportunity WHERE IsWon = true LIMIT 3";
    expect(spec.subject({ soql })).toBe("Opportunity");
    const schema = spec.schema({ soql }, await h.run("describeSObject", { sobject: "Opportunity" }))!;
    const page = await h.run("query", { soql });
    expect(schema.safeParse(page).success).toBe(true);
    const js = z.toJSONSchema(schema, { io: "output", unrepresentable: "any" }) as unknown as {
      properties: { records: { items: { properties: Record<string, { type?: unknown }> } } };
    };
    expect(Object.keys(js.properties.records.items.properties)).toEqual([
      "attributes",
      "Id",
      "Name",
      "Amount",
      "Account",
    ]);
    expect(spec.subject({ soql: "SELECT COUNT() FROM (SELECT Id FROM Account)" })).toBeUndefined();
  });
});
