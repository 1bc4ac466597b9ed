// An OpenAPI import used by a flow: saved through the router, a connection made for it, and a weft/1 flow
// whose call step names the imported connector run by real workers (pg-boss, the DSL interpreter) against a
// local HTTP server — the runtime resolves the connector from the database, not the built-in registry.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { PgBoss } from "pg-boss";
import { createTestDatabase, type TestDatabase } from "../testing/db";
import { startListener, type TestListener } from "@/connectors/sdk/testing";
import { createCaller } from "../api/root";
import { runtimePool, type Pool } from "../runtime/sql";
import { createRun } from "../runtime/runs";
import { ensureTestSecrets, publishFlow, testBoss } from "../runtime/testing";
import { startRuntimeWorkers, type RuntimeWorkers } from "../runtime/worker";
import { runRowSettled } from "../testing/runs";

const spec = (base: string) => ({
  openapi: "3.1.0",
  info: { title: "Rates API", version: "1.0.0" },
  servers: [{ url: base }],
  components: { securitySchemes: { key: { type: "apiKey", in: "header", name: "X-Rates-Key" } } },
  security: [{ key: [] }],
  paths: {
    "/rates/{currency}": {
      get: {
        operationId: "getRate",
        parameters: [
          { name: "currency", in: "path", required: true, schema: { type: "string", pattern: "^[A-Z]{3}$" } },
        ],
        responses: {
          "200": {
            description: "ok",
            content: {
              "application/json": {
                schema: {
                  type: "object",
                  required: ["currency", "rate"],
                  properties: { currency: { type: "string" }, rate: { type: "number" } },
                },
              },
            },
          },
        },
      },
    },
  },
});

describe("imported connector in a flow run", () => {
  let t: TestDatabase;
  let pool: Pool;
  let boss: PgBoss;
  let workers: RuntimeWorkers;
  let server: TestListener;
  let base = "";
  const calls: Array<{ url: string; key?: string }> = [];
  const savedAllow = process.env.WEFT_HTTP_ALLOWLIST;

  beforeAll(async () => {
    ensureTestSecrets();
    t = await createTestDatabase();
    pool = runtimePool(t.url, 6);
    server = await startListener((req, res) => {
      calls.push({ url: req.url!, key: req.headers["x-rates-key"] as string | undefined });
      res.setHeader("content-type", "application/json");
      if (req.headers["x-rates-key"] !== "rates-secret") {
        res.statusCode = 401;
        return res.end(JSON.stringify({ error: "no key" }));
      }
      const m = /^\/rates\/([A-Z]{3})$/.exec(req.url ?? "");
      res.end(JSON.stringify({ currency: m?.[1], rate: m?.[1] === "GBP" ? 0.79 : 1 }));
    });
    base = server.base;
    process.env.WEFT_HTTP_ALLOWLIST = new URL(base).host;
    boss = await testBoss(t.url, { supervise: true });
    workers = await startRuntimeWorkers(boss, {
      databaseUrl: t.url,
      concurrency: 4,
      inlineDelayMaxMs: 300,
      triggerSyncSeconds: 0,
    });
  });
  afterAll(async () => {
    await workers?.stop();
    await boss?.stop({ graceful: false });
    await server?.close();
    process.env.WEFT_HTTP_ALLOWLIST = savedAllow;
    await t?.drop();
  });

  const admin = () =>
    createCaller({
      db: t.db,
      requestId: "r-imp",
      user: { id: "u-admin", email: "admin@weft.local", name: "A", roles: ["admin"], teamIds: [] },
    });

  const settled = (runId: string, ms = 20_000) => runRowSettled(pool, runId, ms);

  it("runs a call step on the imported connector with the connection's credentials", async () => {
    await admin().connections.saveImport({ text: JSON.stringify(spec(base)), key: "rates" });
    await admin().connections.create({
      key: "rates-prod",
      name: "Rates",
      connectorKey: "rates",
      config: {},
      secrets: { apiKey: "rates-secret" },
    });
    const d = {
      dsl: "weft/1",
      key: "gbp-rate",
      version: "1.0.0",
      name: "GBP rate",
      description: "",
      domain: "invoice",
      owner: "platform",
      classification: "internal",
      trigger: { type: "manual" },
      start: "rate",
      steps: [
        {
          id: "rate",
          type: "call",
          connector: "rates",
          operation: "getRate",
          connection: "rates-prod",
          input: { "path.currency": '"GBP"' },
          next: "out",
        },
        { id: "out", type: "map", output: { rate: "$steps.rate.output.rate" } },
      ],
    };
    const { flowId, versionId } = await publishFlow(pool, "gbp-rate", d, { version: "1.0.0" });
    const { runId } = await createRun(pool, boss, {
      flowId,
      flowVersionId: versionId,
      triggerType: "manual",
      input: {},
    });
    const r = await settled(runId);
    expect(r.error).toBeNull();
    expect(r).toMatchObject({ status: "succeeded", output: { rate: 0.79 } });
    expect(calls.at(-1)).toEqual({ url: "/rates/GBP", key: "rates-secret" });
  });
});
