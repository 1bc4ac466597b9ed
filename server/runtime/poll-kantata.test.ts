// A poll of Kantata time entries approved since a watermark (`updated_at`), over the Kantata sandbox's HTTP
// API: a backfill starts one run per approved entry since the chosen date, an approval starts one more, and
// an entry approved while a poll is in flight in the same second as the poll's newest entry is not skipped
// although Kantata's `updated_after` is strict — the trigger's one-second lookback re-reads that second.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { PgBoss } from "pg-boss";
import { createTestDatabase, type TestDatabase } from "../testing/db";
import { runtimePool, type Pool } from "./sql";
import { ensureTestSecrets, insertConnection, publishFlow, testBoss } from "./testing";
import { ensureRuntimeQueues } from "./queues";
import { activatePoll, pollOnce } from "./poll";
import { createKantataSandbox } from "@/connectors/kantata/sandbox";
import { validate } from "../../core/dsl";
import { connectorCatalog } from "@/connectors/registry";

const CONNECTION = "psa-poll";
const FLOW = "time-approved";

const flowDoc = {
  dsl: "weft/1",
  key: FLOW,
  version: "1.0.0",
  name: "Time approved",
  description: "One run per time entry approved in Kantata.",
  domain: "time-expense",
  owner: "platform",
  classification: "internal",
  trigger: {
    type: "poll",
    connector: "kantata",
    connection: CONNECTION,
    operation: "listTimeEntries",
    interval: "1m",
    input: { approved: "true", updatedAfter: "$trigger.cursor" },
    cursor: "updated_at",
    recordId: "id",
    lookback: "1s",
  },
  start: "note",
  steps: [{ id: "note", type: "map", output: { entry: "$trigger.id", minutes: "$trigger.time_in_minutes" } }],
};

type Entry = { id: string; approved: boolean; updated_at: string };

describe("poll triggers over the Kantata sandbox", () => {
  let t: TestDatabase;
  let pool: Pool;
  let boss: PgBoss;
  let flowId: string;
  const psa = createKantataSandbox();
  const savedUrl = process.env.DATABASE_URL;
  const savedAllow = process.env.WEFT_HTTP_ALLOWLIST;

  const entries = () => [...(psa.db.get("time_entries") as Map<string, Entry>).values()];
  const approve = (e: Entry, at?: string) =>
    Object.assign(e, { approved: true, updated_at: at ?? new Date().toISOString().replace(/\.\d{3}Z$/, "-00:00") });
  async function runs(): Promise<string[]> {
    const { rows } = await pool.query<{ id: string }>(
      `SELECT input->>'id' AS id FROM run WHERE flow_id = $1::uuid AND trigger_type = 'poll' ORDER BY 1`,
      [flowId],
    );
    return rows.map((r) => r.id);
  }

  beforeAll(async () => {
    ensureTestSecrets();
    t = await createTestDatabase();
    process.env.DATABASE_URL = t.url;
    pool = runtimePool(t.url, 6);
    boss = await testBoss(t.url);
    await ensureRuntimeQueues(boss);
    await psa.sandbox.start("127.0.0.1", 0);
    process.env.WEFT_HTTP_ALLOWLIST = new URL(psa.sandbox.baseUrl).host;
    const info = psa.info();
    await insertConnection(pool, {
      key: CONNECTION,
      connectorKey: "kantata",
      config: info.config,
      secrets: info.secrets as Record<string, string>,
    });
    ({ flowId } = await publishFlow(pool, FLOW, flowDoc));
  }, 120_000);

  afterAll(async () => {
    await boss?.stop({ graceful: false });
    const g = globalThis as unknown as { __weftBoss?: Promise<PgBoss> };
    await (await g.__weftBoss)?.stop({ graceful: false }).catch(() => undefined);
    await psa.sandbox.close();
    process.env.DATABASE_URL = savedUrl;
    process.env.WEFT_HTTP_ALLOWLIST = savedAllow;
    await t?.drop();
  });

  it("backfills the approved entries since a date, then starts one run per new approval, including one made mid-poll in the same second", async () => {
    expect(
      validate(flowDoc, {
        catalog: { ...connectorCatalog(), connections: [{ key: CONNECTION, connectorKey: "kantata" }] },
      }).problems.filter((p) => p.severity === "error"),
    ).toEqual([]);
    // Backfill from the 40th most recently approved entry's stamp: every approved entry stamped since (the lookback's second included).
    const approved = entries()
      .filter((e) => e.approved)
      .sort((a, b) => Date.parse(b.updated_at) - Date.parse(a.updated_at));
    const from = new Date(Date.parse(approved[39]!.updated_at));
    const expected = () =>
      entries()
        .filter((e) => e.approved && Date.parse(e.updated_at) >= from.getTime() - 1000)
        .map((e) => e.id)
        .sort();
    await activatePoll(pool, { flowId, from, actorId: null, intervalSeconds: 60 });
    const first = await pollOnce({ pool, boss }, flowId);
    expect(first.outcome, first.error).toBe("polled");
    expect(await runs()).toEqual(expected());
    expect(expected().length).toBeGreaterThanOrEqual(40);

    // A manager approves an entry: the next poll starts exactly that one.
    const open = entries().filter((e) => !e.approved);
    approve(open[0]!);
    const second = await pollOnce({ pool, boss }, flowId);
    expect(second).toMatchObject({ outcome: "polled", runsStarted: 1 });
    expect(await runs()).toEqual(expected());

    // Approved while a poll's answer is on its way, stamped in the same second as that answer's newest entry.
    approve(open[1]!);
    let late: Entry | undefined;
    psa.sandbox.afterHandle = (req, res) => {
      if (!req.path.includes("time_entries") || late) return;
      const body = res.body as { results: Array<{ key: string; id: string }>; time_entries: Record<string, Entry> };
      const newest = body.results
        .map((r) => body.time_entries[r.id]!)
        .sort((a, b) => Date.parse(b.updated_at) - Date.parse(a.updated_at))[0]!;
      late = approve(open[2]!, newest.updated_at);
    };
    try {
      const third = await pollOnce({ pool, boss }, flowId);
      expect(third).toMatchObject({ outcome: "polled", runsStarted: 1 });
      expect(late).toBeDefined();
      expect(await runs()).not.toContain(late!.id);
    } finally {
      psa.sandbox.afterHandle = null;
    }
    const fourth = await pollOnce({ pool, boss }, flowId);
    expect(fourth).toMatchObject({ outcome: "polled", runsStarted: 1 });
    expect(await runs()).toEqual(expected());
  }, 120_000);
});
