// A polled record whose id expression gives nothing (a won opportunity with no project code yet, for a flow
// keyed by project code) does not fail the poll: it is recorded as a failed run with an exception naming the
// record and the expression, the others start their runs, and the cursor advances — once, however often
// the record is read again. Real Postgres and pg-boss, the Salesforce sandbox over HTTP; pollOnce directly.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { PgBoss } from "pg-boss";
import { createTestDatabase, type TestDatabase } from "../testing/db";
import { runtimePool, type Pool } from "./sql";
import { ensureTestSecrets, insertConnection, publishFlow, testBoss } from "./testing";
import { ensureRuntimeQueues } from "./queues";
import { activatePoll, pollOnce, readPollState } from "./poll";
import { createSalesforceSandbox } from "@/connectors/salesforce/sandbox";

const CONNECTION = "sf-poll";

const flowDoc = {
  dsl: "weft/1",
  key: "projects-won",
  version: "1.0.0",
  name: "Projects won",
  description: "One run per won opportunity's project, by project code.",
  domain: "project",
  owner: "platform",
  classification: "internal",
  trigger: {
    type: "poll",
    connector: "salesforce",
    connection: CONNECTION,
    operation: "query",
    interval: "10s",
    input: {
      soql: "'SELECT Id, Name, Project_Code__c, SystemModstamp FROM Opportunity WHERE IsWon = true AND SystemModstamp >= ' & $substring($trigger.cursor, 0, 19) & 'Z ORDER BY SystemModstamp ASC, Id ASC'",
    },
    cursor: "SystemModstamp",
    recordId: "Project_Code__c",
  },
  start: "note",
  steps: [{ id: "note", type: "map", output: { project: "$trigger.Project_Code__c" } }],
};

describe("a polled record without an id", () => {
  let t: TestDatabase;
  let pool: Pool;
  let boss: PgBoss;
  let flowId: string;
  const sf = createSalesforceSandbox();
  const savedAllow = process.env.WEFT_HTTP_ALLOWLIST;

  beforeAll(async () => {
    ensureTestSecrets();
    t = await createTestDatabase();
    pool = runtimePool(t.url, 4);
    boss = await testBoss(t.url);
    await ensureRuntimeQueues(boss);
    await sf.sandbox.start("127.0.0.1", 0);
    process.env.WEFT_HTTP_ALLOWLIST = new URL(sf.sandbox.baseUrl).host;
    const info = sf.info();
    await insertConnection(pool, {
      key: CONNECTION,
      connectorKey: "salesforce",
      config: info.config,
      secrets: info.secrets as Record<string, string>,
    });
    ({ flowId } = await publishFlow(pool, flowDoc.key, flowDoc));
  }, 120_000);
  afterAll(async () => {
    await boss?.stop({ graceful: false });
    await pool?.end();
    await sf.sandbox.close();
    process.env.WEFT_HTTP_ALLOWLIST = savedAllow;
    await t?.drop();
  });

  it("is an exception naming the record and the expression; the others start, the cursor advances, nothing is recorded twice", async () => {
    const won = () => [...sf.store.get("Opportunity")!.values()].filter((o) => o.IsWon === true);
    // The newest change is a won opportunity without a project code, so the cursor must pass it.
    const missing = won().find((o) => o.Project_Code__c)!;
    sf.touch("Opportunity", String(missing.Id), { Project_Code__c: null });
    const coded = won().filter((o) => o.Project_Code__c);
    const uncoded = won().filter((o) => !o.Project_Code__c);
    expect(coded.length).toBeGreaterThan(0);

    await activatePoll(pool, { flowId, from: new Date("2000-01-01T00:00:00Z"), actorId: null, intervalSeconds: 10 });
    const first = await pollOnce({ pool, boss }, flowId);
    expect(first.outcome).toBe("polled");
    expect(first.runsStarted).toBe(new Set(coded.map((o) => o.Project_Code__c)).size);
    const state = await readPollState(pool, flowId);
    expect(state).toMatchObject({ consecutiveFailures: 0, lastError: null });
    expect(Date.parse(state!.cursor!)).toBe(Date.parse(String(missing.SystemModstamp).replace(/\+0000$/, "Z")));

    const exceptions = async () =>
      (
        await pool.query<{
          message: string;
          error_class: string;
          status: string;
          input_id: string;
          run_status: string;
        }>(
          `SELECT e.message, e.error_class, e.status, r.input->>'Id' AS input_id, r.status AS run_status FROM exception e JOIN run r ON r.id = e.run_id WHERE e.flow_id = $1::uuid ORDER BY 4`,
          [flowId],
        )
      ).rows;
    // Every record without a code is one exception on a failed run whose input is the record — none dropped.
    const ex = await exceptions();
    expect(ex.map((e) => e.input_id)).toEqual(uncoded.map((o) => String(o.Id)).sort());
    for (const e of ex) expect(e).toMatchObject({ error_class: "validation", status: "open", run_status: "failed" });
    // One problem, one group in the queue: the records' exceptions share their signature.
    const { rows: sigs } = await pool.query(`SELECT DISTINCT signature FROM exception WHERE flow_id = $1::uuid`, [
      flowId,
    ]);
    expect(sigs).toHaveLength(1);
    const mine = ex.find((e) => e.input_id === String(missing.Id))!;
    expect(mine.message).toContain('recordId "Project_Code__c" gave nothing');
    expect(mine.message).toContain(String(missing.Id));

    // The next poll reads the same record again (>= the cursor): it is not recorded a second time.
    const again = await pollOnce({ pool, boss }, flowId);
    expect(again).toMatchObject({ outcome: "polled", runsStarted: 0 });
    expect(await exceptions()).toHaveLength(uncoded.length);

    // Once the record gets its project code (a new change), it starts its run like any other.
    sf.touch("Opportunity", String(missing.Id), { Project_Code__c: "PRJ-NEW-1" });
    const fixed = await pollOnce({ pool, boss }, flowId);
    expect(fixed).toMatchObject({ outcome: "polled", runsStarted: 1 });
  });
});
