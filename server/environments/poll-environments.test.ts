// Poll triggers per environment, end to end: real Postgres, real pg-boss workers (their poll tick), two
// Salesforce sandboxes standing in for the test and the production account. A flow deployed to test polls in
// test through test's binding of its logical connection, with a cursor of its own; production polls its own
// account; runs are tagged with their environment and a record version is one run per environment.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { PgBoss } from "pg-boss";
import { createTestDatabase, type TestDatabase } from "../testing/db";
import { runtimePool, type Pool } from "../runtime/sql";
import { ensureTestSecrets, insertConnection, publishFlow, testBoss } from "../runtime/testing";
import { startRuntimeWorkers, type RuntimeWorkers } from "../runtime/worker";
import { activatePoll, readPollState } from "../runtime/poll";
import { syncTriggers } from "../runtime/triggers";
import { createSalesforceSandbox } from "@/connectors/salesforce/sandbox";
import { govCtx, makeUser } from "../governance/testing";
import { runRowSettled } from "../testing/runs";
import { createCaller } from "../api/root";
import { deployVersion, setBinding } from "./service";

const FLOW = "deals-won-env";
const LOGICAL = "sf-deals";

const flowDoc = {
  dsl: "weft/1",
  key: FLOW,
  version: "1.0.0",
  name: "Deals won (per environment)",
  description: "One run per opportunity that became Closed Won, in each environment that runs the flow.",
  domain: "project",
  owner: "platform",
  classification: "internal",
  trigger: {
    type: "poll",
    connector: "salesforce",
    connection: LOGICAL,
    operation: "query",
    interval: "10s",
    input: {
      soql: "'SELECT Id, Name, StageName, SystemModstamp FROM Opportunity WHERE IsWon = true AND SystemModstamp >= ' & $substring($trigger.cursor, 0, 19) & 'Z ORDER BY SystemModstamp ASC, Id ASC'",
    },
    cursor: "SystemModstamp",
    recordId: "Id",
  },
  start: "note",
  steps: [{ id: "note", type: "map", output: { opportunity: "$trigger.Id" } }],
};

describe("poll triggers per environment", () => {
  let t: TestDatabase;
  let pool: Pool;
  let boss: PgBoss;
  let workers: RuntimeWorkers | undefined;
  let flowId: string;
  const prod = createSalesforceSandbox();
  const test = createSalesforceSandbox();
  const savedUrl = process.env.DATABASE_URL;
  const savedAllow = process.env.WEFT_HTTP_ALLOWLIST;

  const openOpps = (sb: typeof prod) =>
    [...sb.store.get("Opportunity")!.values()]
      .filter((o) => o.IsClosed !== true)
      .map((o) => String(o.Id))
      .sort();
  const pollRuns = async () =>
    (
      await pool.query<{ id: string; environment: string; opp: string }>(
        `SELECT id::text AS id, environment, input->>'Id' AS opp FROM run WHERE flow_id = $1::uuid AND trigger_type = 'poll' ORDER BY environment, opp`,
        [flowId],
      )
    ).rows;

  beforeAll(async () => {
    ensureTestSecrets();
    t = await createTestDatabase();
    process.env.DATABASE_URL = t.url;
    pool = runtimePool(t.url, 6);
    await prod.sandbox.start("127.0.0.1", 0);
    await test.sandbox.start("127.0.0.1", 0);
    process.env.WEFT_HTTP_ALLOWLIST = [prod.sandbox.baseUrl, test.sandbox.baseUrl]
      .map((u) => new URL(u).host)
      .join(",");
    for (const [key, sb] of [
      [LOGICAL, prod],
      [`${LOGICAL}-sandbox`, test],
    ] as const) {
      const info = sb.info();
      await insertConnection(pool, {
        key,
        connectorKey: "salesforce",
        config: info.config,
        secrets: info.secrets as Record<string, string>,
      });
    }
    ({ flowId } = await publishFlow(pool, FLOW, flowDoc, { version: "1.0.0" }));
    boss = await testBoss(t.url, { supervise: true });
  }, 120_000);

  afterAll(async () => {
    await workers?.stop();
    await boss?.stop({ graceful: false });
    await prod.sandbox.close();
    await test.sandbox.close();
    process.env.DATABASE_URL = savedUrl;
    process.env.WEFT_HTTP_ALLOWLIST = savedAllow;
    await t?.drop();
  });

  it("a flow deployed to test polls the test-bound account with its own cursor; production polls its own; runs are tagged", async () => {
    const admin = await makeUser(t.db, "admin@poll-env.test", ["admin", "designer"], ["platform"]);
    await setBinding(govCtx(t.db, admin), {
      environment: "test",
      logicalKey: LOGICAL,
      connectionKey: `${LOGICAL}-sandbox`,
    });
    await deployVersion(govCtx(t.db, admin), { flowKey: FLOW, version: "1.0.0" });
    // Both environments run a polling version: one state row each, production keyed as before environments.
    expect((await syncTriggers(pool, boss)).polls).toEqual(expect.arrayContaining([FLOW, `${FLOW}/test`]));
    expect((await readPollState(pool, flowId, "test"))?.status).toBe("awaiting_start");
    expect((await readPollState(pool, flowId))?.status).toBe("awaiting_start");

    // Each environment is started on its own, through the API (the designer chooses where the cursor starts).
    const as = createCaller({ user: admin, db: t.db, requestId: "req-poll-env" });
    const from = new Date(Date.now() - 1000);
    await as.polls.activate({ flowKey: FLOW, environment: "test", from: { mode: "date", date: from.toISOString() } });
    expect((await as.polls.state({ flowKey: FLOW, environment: "test" })).state?.status).toBe("active");
    expect((await as.polls.state({ flowKey: FLOW })).state?.status).toBe("awaiting_start");
    await activatePoll(pool, { flowId, from, actorId: null, intervalSeconds: 10 });

    // One deal won in each account — different opportunities, stamped at different instants.
    const testOpp = openOpps(test)[0]!;
    const prodOpp = openOpps(prod)[1]!;
    const testStamp = new Date(Date.now() + 1000).toISOString();
    const prodStamp = new Date(Date.now() + 2000).toISOString();
    test.touch("Opportunity", testOpp, { StageName: "Closed Won" }, testStamp);
    prod.touch("Opportunity", prodOpp, { StageName: "Closed Won" }, prodStamp);

    // The workers' own tick finds both due polls and enqueues one job per (flow, environment).
    workers = await startRuntimeWorkers(boss, {
      databaseUrl: t.url,
      concurrency: 4,
      triggerSyncSeconds: 0,
      pollTickSeconds: 1,
    });
    const until = Date.now() + 60_000;
    while ((await pollRuns()).length < 2 && Date.now() < until) await new Promise((r) => setTimeout(r, 200));
    const runs = await pollRuns();
    expect(runs.map((r) => [r.environment, r.opp])).toEqual([
      ["production", prodOpp],
      ["test", testOpp],
    ]);
    for (const r of runs) expect((await runRowSettled(pool, r.id, 60_000)).status).toBe("succeeded");

    // Own cursors: each advanced to the newest record of its own account.
    expect((await readPollState(pool, flowId, "test"))?.cursor).toBe(testStamp);
    expect((await readPollState(pool, flowId))?.cursor).toBe(prodStamp);
    const audit = await t.db.auditLog.findFirst({ where: { action: "poll.activated", entityId: FLOW } });
    expect((audit?.meta as { environment?: string } | null)?.environment).toBe("test");
  }, 120_000);
});
