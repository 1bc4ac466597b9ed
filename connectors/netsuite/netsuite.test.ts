// Contract tests: NetSuite operations against the NetSuite sandbox over real HTTP — the JWT-assertion
// token flow, 204 + Location creates, upsert by external id, SuiteQL paging, the error format, the
// concurrency limit (429) with client-side limiting, idempotent re-sends and token expiry.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateKeyPairSync } from "node:crypto";
import { ConnectorError } from "../sdk/errors";
import { startHarness, type Harness } from "../sdk/testing";
import { clientAssertion, netsuite, netsuiteIdempotencyKey } from "./client";
import { createNetSuiteSandbox } from "./sandbox";

let h: Harness;
beforeAll(async () => {
  h = await startHarness(netsuite, () => createNetSuiteSandbox({ maxConcurrent: 3 }));
});
afterAll(async () => h?.close());

async function failure(p: Promise<unknown>): Promise<ConnectorError> {
  const e = await p.then(
    () => undefined,
    (x: unknown) => x,
  );
  expect(e).toBeInstanceOf(ConnectorError);
  return e as ConnectorError;
}
type Rows = { items: Array<Record<string, unknown>>; totalResults: number; hasMore: boolean; nextOffset?: number };

describe("netsuite: auth", () => {
  it("signs a JWT assertion with the certificate id as kid and the token URL as aud", () => {
    const jwt = clientAssertion(
      { accountId: "1", baseUrl: "https://1.suitetalk.api.netsuite.com", certificateId: "cert-9" },
      { clientId: "cid", privateKey: h.info.privateKey as string },
      1_700_000_000,
    );
    const [head, body] = jwt
      .split(".")
      .slice(0, 2)
      .map((p) => JSON.parse(Buffer.from(p, "base64url").toString()) as Record<string, unknown>);
    expect(head).toMatchObject({ alg: "ES256", kid: "cert-9", typ: "JWT" });
    expect(body).toMatchObject({
      iss: "cid",
      aud: "https://1.suitetalk.api.netsuite.com/services/rest/auth/oauth2/v1/token",
      iat: 1_700_000_000,
      scope: ["rest_webservices"],
    });
    expect((body!.exp as number) - (body!.iat as number)).toBeLessThanOrEqual(3600);
  });

  it("rejects an assertion signed with another key as auth", async () => {
    const other = generateKeyPairSync("ec", { namedCurve: "P-256" })
      .privateKey.export({ type: "pkcs8", format: "pem" })
      .toString();
    const e = await failure(
      h.run(
        "getRecord",
        { recordType: "customer", id: "101" },
        { connection: { secrets: { clientId: h.info.clientId as string, privateKey: other } } },
      ),
    );
    expect(e).toMatchObject({ errorClass: "auth", code: "invalid_grant" });
    expect(JSON.stringify(e)).not.toContain("PRIVATE KEY");
  });

  it("recovers from an expired token", async () => {
    await h.run("getRecord", { recordType: "customer", id: "101" });
    await h.faults({ expireTokens: true });
    expect(await h.run("getRecord", { recordType: "customer", id: "101" })).toMatchObject({ id: "101" });
  });
});

describe("netsuite: records", () => {
  it("reads a seeded customer that matches the Salesforce account", async () => {
    const c = (await h.run("getRecord", { recordType: "customer", id: "101" })) as Record<string, unknown>;
    expect(c).toMatchObject({
      id: "101",
      entityId: "CUST-1001",
      companyName: "Northwind Logistics",
      externalId: "001Wf0000000001AAA",
      subsidiary: { id: "1" },
    });
    const byEid = (await h.run("getRecord", { recordType: "customer", externalId: "001Wf0000000001AAA" })) as Record<
      string,
      unknown
    >;
    expect(byEid.id).toBe("101");
  });

  it("creates a customer and a project: 204 + Location gives the id", async () => {
    const c = (await h.run(
      "createCustomer",
      { body: { companyName: "Harbor Freight Analytics", subsidiary: { id: "1" }, externalId: "001Wf0000000999AAA" } },
      { idempotencyKey: "ns-cust-1" },
    )) as { id: string; location: string };
    expect(c.location).toMatch(new RegExp(`/services/rest/record/v1/customer/${c.id}$`));
    const j = (await h.run(
      "createJob",
      {
        body: {
          companyName: "Harbor Data Platform",
          parent: { id: c.id },
          entityId: "PRJ-9001",
          startDate: "2026-06-01",
        },
      },
      { idempotencyKey: "ns-job-1" },
    )) as { id: string };
    const job = (await h.run("getRecord", { recordType: "job", id: j.id })) as Record<string, unknown>;
    expect(job).toMatchObject({
      companyName: "Harbor Data Platform",
      parent: { id: c.id, refName: "Harbor Freight Analytics" },
      entityId: "PRJ-9001",
    });
  });

  it("creates a time bill and an invoice with an item sublist", async () => {
    const tb = (await h.run(
      "createTimeBill",
      {
        body: {
          employee: { id: "2001" },
          customer: { id: "5001" },
          item: { id: "5" },
          hours: 7.5,
          tranDate: "2026-05-14",
          isBillable: true,
          memo: "Workshop",
          externalId: "kantata-time-x1",
        },
      },
      { idempotencyKey: "ns-tb-1" },
    )) as { id: string };
    expect(await h.run("getRecord", { recordType: "timebill", id: tb.id })).toMatchObject({
      hours: 7.5,
      customer: { id: "5001" },
      approvalStatus: { refName: "Pending Approval" },
    });
    const inv = (await h.run(
      "createInvoice",
      {
        body: {
          entity: { id: "101" },
          job: { id: "5001" },
          tranDate: "2026-05-15",
          item: {
            items: [
              { item: { id: "5" }, quantity: 10, rate: 250, description: "Consulting" },
              { item: { id: "6" }, amount: 420 },
            ],
          },
        },
      },
      { idempotencyKey: "ns-inv-1" },
    )) as { id: string };
    const full = (await h.run("getRecord", { recordType: "invoice", id: inv.id, expandSubResources: true })) as {
      total: number;
      item: { items: unknown[] };
    };
    expect(full.total).toBe(2920);
    expect(full.item.items).toHaveLength(2);
  });

  it("reports the NetSuite error format: missing fields, bad references with a path, unknown ids", async () => {
    const a = await failure(
      h.run("createTimeBill", { body: { employee: { id: "2001" }, customer: { id: "5001" }, hours: 2 } }),
    );
    expect(a).toMatchObject({ errorClass: "validation", status: 400, code: "INVALID_CONTENT" });
    expect(a.message).toContain("item");
    const b = await failure(
      h.run("createInvoice", { body: { entity: { id: "101" }, item: { items: [{ item: { id: "999" } }] } } }),
    );
    expect(b.message).toContain("item.items[0].item");
    expect(b.response?.body).toMatchObject({
      status: 400,
      "o:errorDetails": [{ "o:errorCode": "INVALID_CONTENT", "o:errorPath": "item.items[0].item" }],
    });
    expect(await failure(h.run("getRecord", { recordType: "job", id: "424242" }))).toMatchObject({
      errorClass: "validation",
      reason: "not_found",
      code: "NONEXISTENT_ID",
    });
  });

  it("updates with PATCH and upserts by external id", async () => {
    await h.run("updateRecord", { recordType: "customer", id: "102", body: { email: "ap@contoso.example" } });
    expect(await h.run("getRecord", { recordType: "customer", id: "102" })).toMatchObject({
      email: "ap@contoso.example",
    });
    const u1 = (await h.run("upsertByExternalId", {
      recordType: "customer",
      externalId: "SF-UPSERT-1",
      body: { companyName: "Upserted Ltd", subsidiary: { id: "2" } },
    })) as { id: string };
    const u2 = (await h.run("upsertByExternalId", {
      recordType: "customer",
      externalId: "SF-UPSERT-1",
      body: { companyName: "Upserted Limited" },
    })) as { id: string };
    expect(u2.id).toBe(u1.id);
    expect(await h.run("getRecord", { recordType: "customer", externalId: "SF-UPSERT-1" })).toMatchObject({
      companyName: "Upserted Limited",
    });
  });

  it("lists with offset paging and the q filter", async () => {
    const p = (await h.run("listRecords", { recordType: "customer", limit: 10, offset: 10 })) as {
      items: unknown[];
      hasMore: boolean;
      totalResults: number;
      offset: number;
    };
    expect(p).toMatchObject({ offset: 10, hasMore: true });
    expect(p.items).toHaveLength(10);
    const q = (await h.run("listRecords", { recordType: "customer", q: 'companyName START_WITH "North"' })) as {
      items: Array<{ id: string }>;
    };
    expect(q.items.map((i) => i.id)).toContain("101");
  });

  it("re-sending a create with the same idempotency key creates one record", async () => {
    const body = { companyName: "Once Only Inc", subsidiary: { id: "1" } };
    const a = (await h.run("createCustomer", { body }, { idempotencyKey: "step-run-42/create-customer" })) as {
      id: string;
    };
    const b = (await h.run("createCustomer", { body }, { idempotencyKey: "step-run-42/create-customer" })) as {
      id: string;
    };
    expect(b.id).toBe(a.id);
    const fx = await h.admin<{ byKey: Record<string, { calls: number; effects: number }> }>("effects");
    expect(fx.byKey[netsuiteIdempotencyKey("step-run-42/create-customer")]).toEqual({ calls: 2, effects: 1 });
  });
});

describe("netsuite: SuiteQL", () => {
  it("pages with limit/offset until hasMore is false", async () => {
    const before = h.sandbox.apiCalls;
    const r = (await h.run("suiteql", {
      q: "SELECT id, trandate, hours FROM timebill ORDER BY id",
      pageSize: 200,
    })) as Rows;
    expect(r.items.length).toBe(r.totalResults);
    expect(r.totalResults).toBeGreaterThan(400);
    expect(h.sandbox.apiCalls - before).toBe(Math.ceil(r.totalResults / 200));
    expect(r.hasMore).toBe(false);
  });

  it("returns SuiteQL's shapes: lower-case columns, M/D/YYYY dates; maxRows stops early", async () => {
    const r = (await h.run("suiteql", {
      q: "SELECT id, companyname, datecreated FROM customer WHERE companyname LIKE 'North%'",
      pageSize: 5,
    })) as Rows;
    expect(r.items[0]).toMatchObject({ id: "101", companyname: "Northwind Logistics", datecreated: "2/1/2023" });
    const s = (await h.run("suiteql", { q: "SELECT id FROM customer", pageSize: 5, maxRows: 5 })) as Rows;
    expect(s).toMatchObject({ hasMore: true, nextOffset: 5 });
    expect(s.items).toHaveLength(5);
  });

  it("serves the currency and subsidiary lists, so a flow looks ids up rather than hard-coding them", async () => {
    const c = (await h.run("suiteql", { q: "SELECT id, symbol FROM currency WHERE symbol = 'GBP'" })) as Rows;
    expect(c.items).toEqual([{ id: "2", symbol: "GBP" }]);
    const s = (await h.run("suiteql", {
      q: `SELECT id, name, country FROM subsidiary WHERE currency = '${String(c.items[0]!.id)}' AND isinactive = 'F'`,
    })) as Rows;
    expect(s.items).toEqual([{ id: "2", name: "Meridian Partners UK Ltd", country: "GB" }]);
    // The ids the lists give are the ones the customer records carry.
    const gbp = (await h.run("suiteql", {
      q: "SELECT currency, subsidiary FROM customer WHERE currency = '2'",
    })) as Rows;
    expect(gbp.items.length).toBeGreaterThan(0);
    expect(gbp.items.every((r) => r.subsidiary === "2")).toBe(true);
  });

  it("classifies an invalid query as validation", async () => {
    expect(await failure(h.run("suiteql", { q: "SELECT nope FROM customer" }))).toMatchObject({
      errorClass: "validation",
      code: "INVALID_SEARCH",
    });
  });
});

describe("netsuite: governance and faults", () => {
  it("answers 429 above the account's concurrency limit; the connection's limiter stays under it", async () => {
    await h.faults({ latencyMs: 150 });
    try {
      // Unlimited client: 8 parallel reads against a limit of 3 → some 429s, retried in-call.
      const burst = await Promise.allSettled(
        Array.from({ length: 8 }, (_, i) => h.run("getRecord", { recordType: "customer", id: String(101 + i) })),
      );
      const rejected = burst.filter((r) => r.status === "rejected");
      const logged429 = h.logs.filter(
        (l) => l.msg === "retrying" && (l.obj as { status?: number }).status === 429,
      ).length;
      expect(logged429 + rejected.length).toBeGreaterThan(0);
      // With maxConcurrent = 3 on the connection, no call is refused.
      h.logs.length = 0;
      const limited = await Promise.all(
        Array.from({ length: 8 }, (_, i) =>
          h.run(
            "getRecord",
            { recordType: "customer", id: String(101 + i) },
            { connectionKey: "ns-limited", connection: { config: { rateLimit: { maxConcurrent: 3 } } } },
          ),
        ),
      );
      expect(limited).toHaveLength(8);
      expect(h.logs.filter((l) => l.msg === "retrying")).toHaveLength(0);
    } finally {
      await h.faults({ latencyMs: 0 });
    }
  });

  it("retries a 503 on a read and surfaces a persistent 5xx as transient", async () => {
    await h.faults({ next: [{ status: 503, retryAfterSeconds: 0 }] });
    expect(await h.run("getRecord", { recordType: "customer", id: "101" })).toMatchObject({ id: "101" });
    await h.faults({ next: [{ status: 500, times: 5 }] });
    expect(await failure(h.run("getRecord", { recordType: "customer", id: "101" }))).toMatchObject({
      errorClass: "transient",
      reason: "server",
      status: 500,
    });
    await h.faults({ next: [] });
  });

  it("retries a 429 on a create carrying an idempotency key; the effect happens once", async () => {
    await h.faults({ next: [{ status: 429, retryAfterSeconds: 1 }] });
    const r = (await h.run(
      "createCustomer",
      { body: { companyName: "Throttled Co", subsidiary: { id: "1" } } },
      { idempotencyKey: "ns-429" },
    )) as { id: string };
    expect(r.id).toMatch(/^\d+$/);
    const fx = await h.admin<{ byKey: Record<string, { effects: number }> }>("effects");
    expect(fx.byKey[netsuiteIdempotencyKey("ns-429")]!.effects).toBe(1);
  });
});
