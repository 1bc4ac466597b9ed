// Converted flows run (issue 18's proof): n8n workflows and a Step Functions state machine from the corpus
// (core/convert/fixtures) are converted, published and run by the real runtime (pg-boss workers) against a
// real HTTP server standing in for the services they called — their hosts rewritten to it, nothing else
// touched — and their effects are what the source tool's semantics say they would be: which requests are
// sent, with which bodies and credentials, which branch is taken, and how the run ends.
import { readFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { PgBoss } from "pg-boss";
import { createTestDatabase, type TestDatabase } from "../testing/db";
import { runRowSettled } from "../testing/runs";
import { runtimePool, type Pool } from "./sql";
import { createRun } from "./runs";
import { ensureTestSecrets, insertConnection, publishFlow, testBoss } from "./testing";
import { startRuntimeWorkers, type RuntimeWorkers } from "./worker";
import { closePostgresPools } from "../../connectors/postgres/pg";
import { startListener, type ReceivedRequest, type TestListener } from "../../connectors/sdk/testing";
import { fromAsl, fromN8n, type ConnectionToCreate } from "../../core/convert";
import { validate } from "../../core/dsl";
import { connectorCatalog } from "../../connectors/registry";
import { createSalesforceSandbox } from "../../connectors/salesforce/sandbox";
import { sandboxConnection } from "../seed/sandbox-connections";

const catalog = connectorCatalog();
const FIXTURES = path.join(__dirname, "../../core/convert/fixtures");

/** What the stand-in services answer, by path; every request is recorded by the listener. */
const world = {
  customers: {
    "C-1": { id: "C-1", name: "Acme", tier: "silver" },
    "C-2": { id: "C-2", name: "Globex", tier: "gold" },
    "C-3": { id: "C-3", name: "Initech", tier: "bronze" },
  } as Record<string, object>,
  invoices: [
    { id: 11, amount: 100.5, currency: "USD" },
    { id: 12, amount: 40 },
  ],
  orders: {} as Record<string, object>,
  ticketAccount: "A-1",
  accounts: {
    "A-1": { id: "A-1", accountId: "A-1", name: "Acme", priority: "URGENT", email: "ops@acme.test" },
    "A-2": { id: "A-2", accountId: "A-2", name: "Initech", priority: "low", email: "ap@example.com" },
    "A-3": { id: "A-3", accountId: "A-3", name: "Umbrella", priority: "low", email: "ap@umbrella.test" },
  } as Record<string, object>,
  products: [
    { sku: "S-1", price: 10 },
    { sku: "S-2", price: 24.5 },
  ],
};

function answer(r: ReceivedRequest, res: import("node:http").ServerResponse): void {
  const url = new URL(r.url ?? "/", "http://stub");
  const json = (status: number, body: unknown) => {
    res.writeHead(status, { "content-type": "application/json" });
    res.end(JSON.stringify(body));
  };
  let m: RegExpMatchArray | null;
  if ((m = url.pathname.match(/^\/crm\/customers\/([^/]+)$/))) {
    if (r.headers["x-api-key"] !== "crm-key") return json(401, { error: "no key" });
    const c = world.customers[decodeURIComponent(m[1]!)];
    return c ? json(200, c) : json(404, { error: "no such customer" });
  }
  if (url.pathname === "/approvals/requests" && r.method === "POST")
    return r.body.toString("utf8").includes("Initech")
      ? json(400, { error: "Initech is on credit hold" })
      : json(201, { id: "APR-1" });
  if (url.pathname === "/erp/invoices") {
    if (r.headers.authorization !== `Basic ${Buffer.from("erp-user:erp-pass").toString("base64")}`)
      return json(401, { error: "no credentials" });
    return json(200, world.invoices);
  }
  if ((m = url.pathname.match(/^\/ledger\/invoices\/(\d+)\/post$/)) && r.method === "POST")
    return json(200, { posted: Number(m[1]) });
  if ((m = url.pathname.match(/^\/shop\/orders\/([^/]+)$/))) {
    const o = world.orders[decodeURIComponent(m[1]!)];
    return o ? json(200, o) : json(404, { error: "no such order" });
  }
  if (url.pathname === "/warehouse/shipments" && r.method === "POST") return json(202, { shipment: "S-1" });
  if (url.pathname === "/desk/tickets/next") return json(200, { id: "T-9", accountId: world.ticketAccount });
  if ((m = url.pathname.match(/^\/crm\/accounts\/([^/]+)$/))) return json(200, world.accounts[m[1]!] ?? {});
  if ((m = url.pathname.match(/^\/billing\/balances\/([^/]+)$/)))
    return json(200, { accountId: m[1], balance: m[1] === "A-1" ? 10 : 5 });
  if (["/pager/alerts", "/billing/cases"].includes(url.pathname) && r.method === "POST") return json(201, {});
  if (url.pathname === "/pim/products" && url.searchParams.get("active") === "true")
    return json(200, { items: world.products });
  if ((m = url.pathname.match(/^\/shop\/prices\/([^/]+)$/)) && r.method === "PUT") return json(200, { sku: m[1] });
  json(404, { error: `no route ${url.pathname}` });
}

describe("converted flows run with their source's semantics", () => {
  let t: TestDatabase;
  let pool: Pool;
  let boss: PgBoss;
  let workers: RuntimeWorkers;
  let stub: TestListener;
  const salesforce = createSalesforceSandbox();
  const saved = process.env.WEFT_HTTP_ALLOWLIST;

  beforeAll(async () => {
    ensureTestSecrets();
    t = await createTestDatabase();
    stub = await startListener(answer);
    await salesforce.sandbox.start("127.0.0.1", 0);
    process.env.WEFT_HTTP_ALLOWLIST = [stub.host, new URL(salesforce.sandbox.baseUrl).host].join(",");
    pool = runtimePool(t.url, 4);
    boss = await testBoss(t.url, { supervise: true });
    workers = await startRuntimeWorkers(boss, {
      databaseUrl: t.url,
      concurrency: 4,
      inlineDelayMaxMs: 1_500,
      triggerSyncSeconds: 0,
    });
  });
  afterAll(async () => {
    await workers?.stop();
    await boss?.stop({ graceful: false });
    await closePostgresPools();
    await pool?.end();
    await stub?.close();
    await salesforce.sandbox.close();
    process.env.WEFT_HTTP_ALLOWLIST = saved;
    await t?.drop();
  });

  /** The source file with its services' hosts pointed at the stand-in: `https://crm.example.com` → `<stub>/crm`. */
  const load = (file: string): unknown =>
    JSON.parse(
      readFileSync(path.join(FIXTURES, file), "utf8").replace(
        /https:\/\/([a-z]+)\.example\.com/g,
        (_, service: string) => `${stub.base}/${service}`,
      ),
    );

  const made = new Set<string>();
  /** The connections the report asks for, made as an admin would: credentials for the stand-in's service. */
  async function createConnections(list: ConnectionToCreate[], creds: Record<string, object>): Promise<void> {
    for (const c of list) {
      if (made.has(c.key)) continue; // one "http" connection serves every source that asks for it
      made.add(c.key);
      const extra = creds[c.key] as { config?: object; secrets?: Record<string, string> } | undefined;
      await insertConnection(pool, {
        key: c.key,
        connectorKey: c.connector,
        config: { auth: { type: "none" }, ...extra?.config },
        secrets: extra?.secrets ?? {},
      });
    }
  }

  async function publish(converted: { flow: { key: string } }): Promise<{ flowId: string; versionId: string }> {
    const v = validate(converted.flow, { catalog });
    expect(v.problems.filter((p) => p.severity === "error")).toEqual([]);
    return publishFlow(pool, converted.flow.key, converted.flow);
  }

  async function run(flow: { flowId: string; versionId: string }, input: Record<string, unknown>) {
    const since = stub.received.length;
    const { runId } = await createRun(pool, boss, {
      flowId: flow.flowId,
      flowVersionId: flow.versionId,
      triggerType: "manual",
      input,
    });
    const row = await runRowSettled(pool, runId, 60_000);
    const sent = stub.received.slice(since).map((r) => ({
      method: r.method,
      path: new URL(r.url ?? "/", "http://stub").pathname,
      query: Object.fromEntries(new URL(r.url ?? "/", "http://stub").searchParams),
      body: !r.body.length
        ? undefined
        : String(r.headers["content-type"]).startsWith("application/x-www-form-urlencoded")
          ? Object.fromEntries(new URLSearchParams(r.body.toString("utf8")))
          : (JSON.parse(r.body.toString("utf8")) as unknown),
    }));
    return { ...row, sent };
  }

  it("n8n webhook → HTTP (header auth) → Set → IF → HTTP: the approval request goes out only for a large order of a non-VIP", async () => {
    const converted = fromN8n(load("n8n/webhook-order-approval.json"));
    await createConnections(converted.report.connections, {
      "crm-api-key": {
        config: { baseUrl: `${stub.base}/crm`, auth: { type: "apiKey", in: "header", name: "X-API-Key" } },
        secrets: { apiKey: "crm-key" },
      },
    });
    const flow = await publish(converted);
    const webhook = (body: object) => ({ body, headers: { "content-type": "application/json" }, query: {} });

    // 1200 × 1.21 = 1452 > 1000 and Acme is silver: n8n's IF takes its true output → Request approval.
    const large = await run(flow, webhook({ customerId: "C-1", amount: 1200 }));
    expect(large.status, JSON.stringify(large.error)).toBe("succeeded");
    expect(large.sent).toEqual([
      { method: "GET", path: "/crm/customers/C-1", query: {}, body: undefined },
      { method: "POST", path: "/approvals/requests", query: {}, body: { customer: "Acme", total: 1452 } },
    ]);
    // Gold customers are VIPs: the IF's false output (Auto-approved), nothing posted.
    const vip = await run(flow, webhook({ customerId: "C-2", amount: 5000 }));
    expect(vip.status).toBe("succeeded");
    expect(vip.sent.map((s) => s.path)).toEqual(["/crm/customers/C-2"]);
    // 500 × 1.21 = 605: not above 1000.
    const small = await run(flow, webhook({ customerId: "C-1", amount: 500 }));
    expect(small.status).toBe("succeeded");
    expect(small.sent.map((s) => s.path)).toEqual(["/crm/customers/C-1"]);
    // Request approval continues on fail (onError: continueRegularOutput): the refusal does not fail the
    // run; Respond still runs, as in n8n.
    const refused = await run(flow, webhook({ customerId: "C-3", amount: 2000 }));
    expect(refused.status, JSON.stringify(refused.error)).toBe("succeeded");
    expect(refused.sent.map((s) => s.path)).toEqual(["/crm/customers/C-3", "/approvals/requests"]);
    expect(refused.output).toEqual({ status: "received" });
  }, 90_000);

  it("n8n schedule → HTTP (basic auth) → Loop Over Items → HTTP + Wait: each invoice posted once, currency defaulting to EUR", async () => {
    const converted = fromN8n(load("n8n/schedule-loop.json"));
    await createConnections(converted.report.connections, {
      "erp-basic": {
        config: { baseUrl: `${stub.base}/erp`, auth: { type: "basic" } },
        secrets: { username: "erp-user", password: "erp-pass" },
      },
    });
    const flow = await publish(converted);
    const firedAt = "2026-12-05T05:30:00.000Z";
    const r = await run(flow, { firedAt });
    expect(r.status, JSON.stringify(r.error)).toBe("succeeded");
    // n8n's schedule item carries `timestamp`, which the list call sends as `since`: Weft's firedAt.
    expect(r.sent).toEqual([
      { method: "GET", path: "/erp/invoices", query: { status: "approved", since: firedAt }, body: undefined },
      { method: "POST", path: "/ledger/invoices/11/post", query: {}, body: { amount: 100.5, currency: "USD" } },
      { method: "POST", path: "/ledger/invoices/12/post", query: {}, body: { amount: 40, currency: "EUR" } },
    ]);
  }, 90_000);

  it("Step Functions HTTP task → Choice → Pass → HTTP task / Fail: the state machine's branch and end for each order", async () => {
    const converted = fromAsl(load("asl/order-http-choice.asl.json"));
    await createConnections(converted.report.connections, {});
    const flow = await publish(converted);
    world.orders = {
      big: { total: 1500, customer: { vip: false }, country: "DE", lines: [{ sku: "A" }, { sku: "B" }] },
      be: { total: 80, customer: { vip: false }, country: "BE", lines: [{ sku: "C" }] },
      zero: { total: 0, customer: { vip: true }, country: "DE", lines: [] },
    };

    // total > 1000 and not VIP → Needs review (a Pass) → Ship with the order's SKUs; OutputPath $.orderId.
    const big = await run(flow, { orderId: "big" });
    expect(big.status, JSON.stringify(big.error)).toBe("succeeded");
    expect(big.sent).toEqual([
      { method: "GET", path: "/shop/orders/big", query: {}, body: undefined },
      { method: "POST", path: "/warehouse/shipments", query: {}, body: { orderId: "big", lines: ["A", "B"] } },
    ]);
    expect(big.output).toBe("big");
    // StringMatches "B*" → Ship.
    const be = await run(flow, { orderId: "be" });
    expect(be.status).toBe("succeeded");
    expect(be.sent[1]).toMatchObject({ path: "/warehouse/shipments", body: { orderId: "be", lines: ["C"] } });
    // No rule before it matches; total ≤ 0 → Rejected, a Fail state: the run fails with its error, nothing shipped.
    const zero = await run(flow, { orderId: "zero" });
    expect(zero.status).toBe("failed");
    expect(JSON.stringify(zero.error)).toContain("The order total is not positive.");
    expect(zero.sent.map((s) => s.path)).toEqual(["/shop/orders/zero"]);
  }, 90_000);

  it("n8n HTTP fan-out → Merge by field → Switch (case-insensitive, fallback): each ticket reaches the one output n8n would route it to", async () => {
    const converted = fromN8n(load("n8n/switch-merge.json"));
    await createConnections(converted.report.connections, {});
    const flow = await publish(converted);
    const route = async (account: string) => {
      world.ticketAccount = account;
      const r = await run(flow, {});
      expect(r.status, JSON.stringify(r.error)).toBe("succeeded");
      // Get account and Get balance run side by side: their order is not part of the semantics.
      expect(
        r.sent
          .slice(0, 3)
          .map((s) => s.path)
          .sort(),
      ).toEqual(["/desk/tickets/next", `/crm/accounts/${account}`, `/billing/balances/${account}`].sort());
      return r.sent.slice(3).map(({ method, path, body }) => ({ method, path, body }));
    };
    // "URGENT" equals "urgent" without case: Urgent → Page on-call, a form post of the merged item's id.
    expect(await route("A-1")).toEqual([{ method: "POST", path: "/pager/alerts", body: { ticket: "A-1" } }]);
    // Not urgent, e-mail at example.com: Billing → the fixed JSON body.
    expect(await route("A-2")).toEqual([{ method: "POST", path: "/billing/cases", body: { source: "desk" } }]);
    // Neither: the fallback output (Set queue), nothing sent.
    expect(await route("A-3")).toEqual([]);
  }, 90_000);

  it("Step Functions Parallel → Map (ItemSelector, Map index) → HTTP PUT per item → Pass with intrinsics: every product priced once", async () => {
    const converted = fromAsl(load("asl/parallel-map.asl.json"));
    await createConnections(converted.report.connections, {});
    const flow = await publish(converted);
    const r = await run(flow, {});
    expect(r.status, JSON.stringify(r.error)).toBe("succeeded");
    expect(r.sent[0]).toMatchObject({ method: "GET", path: "/pim/products", query: { active: "true" } });
    expect(r.sent.slice(1).sort((a, b) => a.path.localeCompare(b.path))).toEqual([
      { method: "PUT", path: "/shop/prices/S-1", query: {}, body: { net: 10, vatRate: 0.21 } },
      { method: "PUT", path: "/shop/prices/S-2", query: {}, body: { net: 24.5, vatRate: 0.21 } },
    ]);
    // Summarise: States.ArrayLength($.priced) and $.priced[*].sku, in the Map's item order.
    expect(r.output).toEqual({ count: 2, skus: ["S-1", "S-2"] });
  }, 90_000);

  it("n8n Salesforce 'Get many' with conditions → Loop → Salesforce update, on the Salesforce sandbox: the won deals above the amount, at most the limit, each updated once", async () => {
    const converted = fromN8n(load("n8n/salesforce-won-project-codes.json"));
    const sf = sandboxConnection(salesforce.info());
    expect(converted.report.connections.map((c) => c.key)).toEqual([sf.key]);
    made.add(sf.key);
    await insertConnection(pool, sf);
    const flow = await publish(converted);
    const opportunities = async () => {
      const res = await fetch(`${salesforce.sandbox.baseUrl}/__sandbox/records/Opportunity`);
      return ((await res.json()) as { records: Array<Record<string, unknown>> }).records;
    };
    const before = await opportunities();
    const minAmount = 400_000;
    // Computed from the sandbox's own records, as the SOQL's WHERE says.
    const eligible = new Set(
      before.filter((o) => o.StageName === "Closed Won" && Number(o.Amount) >= minAmount).map((o) => String(o.Id)),
    );
    expect(eligible.size).toBeGreaterThan(3);

    const r = await run(flow, { minAmount });
    expect(r.status, JSON.stringify(r.error)).toBe("succeeded");
    const after = await opportunities();
    const changed = after.filter((o) => o.Project_Code__c !== before.find((b) => b.Id === o.Id)?.Project_Code__c);
    // LIMIT 3 without ORDER BY: which three is the org's choice; that they are three eligible ones is not.
    expect(changed).toHaveLength(3);
    for (const o of changed) {
      expect(eligible.has(String(o.Id))).toBe(true);
      expect(o).toMatchObject({
        Project_Code__c: `PRJ-${String(o.Id)}`,
        Description: `Project set up for ${String(o.Name)}`,
      });
    }
  }, 90_000);
});
