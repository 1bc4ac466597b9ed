// Webhook ingress against real Postgres and pg-boss: signature, staleness, limits, de-duplication, and the
// run committed together with its job (no worker is running here: the job must be waiting in pg-boss).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { PgBoss } from "pg-boss";
import { createTestDatabase, type TestDatabase } from "../testing/db";
import { acceptWebhook, signWebhook, SIGNATURE_HEADER, TIMESTAMP_HEADER } from "./ingress";
import { runtimePool, type Pool } from "./sql";
import { ensureRuntimeQueues, QUEUES } from "./queues";
import { ensureTestSecrets, publishFlow, setWebhookSecret, testBoss } from "./testing";
import { webhookFlow } from "./test-flows";

const SECRET = "whsec_test_0123456789abcdef";

describe("webhook ingress", () => {
  let t: TestDatabase;
  let pool: Pool;
  let boss: PgBoss;
  beforeAll(async () => {
    ensureTestSecrets();
    t = await createTestDatabase();
    pool = runtimePool(t.url, 5);
    boss = await testBoss(t.url);
    await ensureRuntimeQueues(boss);
    await publishFlow(pool, "hook-flow", webhookFlow({ idempotencyKey: "$trigger.body.eventId" }));
    await setWebhookSecret(pool, "hook-flow", SECRET);
  });
  afterAll(async () => {
    await boss.stop({ graceful: false });
    await pool.end();
    await t.drop();
  });

  const send = (
    body: unknown,
    o: { ts?: number; secret?: string; contentType?: string; raw?: string; flowKey?: string; now?: number } = {},
  ) => {
    const raw = o.raw ?? JSON.stringify(body);
    const ts = o.ts ?? Math.floor(Date.now() / 1000);
    const headers = new Headers({
      "content-type": o.contentType ?? "application/json",
      [TIMESTAMP_HEADER]: String(ts),
      [SIGNATURE_HEADER]: signWebhook(o.secret ?? SECRET, ts, raw),
    });
    return acceptWebhook(
      { pool, boss },
      { flowKey: o.flowKey ?? "hook-flow", headers, body: Buffer.from(raw), now: o.now },
    );
  };

  it("accepts a signed call with 202 {runId} and commits the run together with its job", async () => {
    const r = await send({ eventId: "evt-1", amount: 10 });
    expect(r.status).toBe(202);
    const runId = r.body.runId as string;
    const { rows } = await pool.query(`SELECT status, trigger_type, input, idempotency_key FROM run WHERE id = $1`, [
      runId,
    ]);
    expect(rows[0]).toMatchObject({
      status: "queued",
      trigger_type: "webhook",
      input: { body: { eventId: "evt-1", amount: 10 } },
      idempotency_key: "hook:evt-1",
    });
    const jobs = await boss.findJobs(QUEUES.run, { key: runId });
    expect(jobs).toHaveLength(1);
    expect(jobs[0]!.data).toEqual({ runId });
  });

  it("de-duplicates by the configured idempotency key and answers with the first run", async () => {
    const a = await send({ eventId: "evt-dup", n: 1 });
    const b = await send({ eventId: "evt-dup", n: 2 });
    expect(a.status).toBe(202);
    expect(b).toMatchObject({ status: 202, body: { runId: a.body.runId, duplicate: true } });
    const { rows } = await pool.query(`SELECT count(*)::int AS c FROM run WHERE idempotency_key = 'hook:evt-dup'`);
    expect(rows[0].c).toBe(1);
    // The run and its job are one statement: the duplicate's job insert had no run to go with, so no job.
    const { rows: jobs } = await pool.query(
      `SELECT data->>'runId' AS run_id FROM pgboss.job WHERE name = $1 AND data->>'runId' IN (SELECT id::text FROM run WHERE idempotency_key = 'hook:evt-dup') OR (name = $1 AND NOT EXISTS (SELECT 1 FROM run WHERE id::text = data->>'runId'))`,
      [QUEUES.run],
    );
    expect(jobs).toEqual([{ run_id: a.body.runId }]);
  });

  it("refuses a bad signature, a wrong secret and a tampered body", async () => {
    expect((await send({ eventId: "x" }, { secret: "another-secret-entirely" })).status).toBe(401);
    const ts = Math.floor(Date.now() / 1000);
    const headers = new Headers({
      "content-type": "application/json",
      [TIMESTAMP_HEADER]: String(ts),
      [SIGNATURE_HEADER]: signWebhook(SECRET, ts, '{"eventId":"a"}'),
    });
    const tampered = await acceptWebhook(
      { pool, boss },
      { flowKey: "hook-flow", headers, body: Buffer.from('{"eventId":"b"}') },
    );
    expect(tampered.status).toBe(401);
    const missing = await acceptWebhook(
      { pool, boss },
      { flowKey: "hook-flow", headers: new Headers({ "content-type": "application/json" }), body: Buffer.from("{}") },
    );
    expect(missing.status).toBe(401);
  });

  it("refuses stale and future timestamps even when correctly signed", async () => {
    const now = Date.now();
    const old = Math.floor(now / 1000) - 301;
    expect((await send({ eventId: "old" }, { ts: old, now })).status).toBe(401);
    expect((await send({ eventId: "future" }, { ts: Math.floor(now / 1000) + 301, now })).status).toBe(401);
    expect((await send({ eventId: "fresh" }, { ts: Math.floor(now / 1000) - 200, now })).status).toBe(202);
  });

  it("enforces content type, size and JSON", async () => {
    expect((await send({ eventId: "ct" }, { contentType: "text/plain" })).status).toBe(415);
    expect((await send({ eventId: "ct2" }, { contentType: "application/vnd.acme+json; charset=utf-8" })).status).toBe(
      202,
    );
    expect((await send(null, { raw: JSON.stringify({ eventId: "big", pad: "x".repeat(1024 * 1024) }) })).status).toBe(
      413,
    );
    expect((await send(null, { raw: "{not json" })).status).toBe(400);
  });

  it("answers 404 for unknown flows", async () => {
    expect((await send({}, { flowKey: "nope" })).status).toBe(404);
  });

  describe("a body that breaks the payload schema", () => {
    const schema = {
      type: "object",
      required: ["eventId", "amount"],
      additionalProperties: false,
      properties: {
        eventId: { type: "string", pattern: "^ev_" },
        amount: { type: "number", minimum: 0 },
        lines: { type: "array", items: { type: "object", required: ["sku"] } },
      },
    };
    const runsOf = async (flowKey: string) =>
      (
        await pool.query<{ c: number }>(
          `SELECT count(*)::int AS c FROM run r JOIN flow f ON f.id = r.flow_id WHERE f.key = $1`,
          [flowKey],
        )
      ).rows[0]!.c;
    // The class of schema breaches: missing field, wrong type, pattern, bound, unknown field, nested item, not an object.
    const breaches: Array<[unknown, RegExp]> = [
      [{ amount: 1 }, /"eventId" is required/],
      [{ eventId: "ev_a", amount: "12" }, /expected number, got string/],
      [{ eventId: "order-1", amount: 1 }, /does not match \^ev_/],
      [{ eventId: "ev_b", amount: -1 }, /below 0/],
      [{ eventId: "ev_c", amount: 1, extra: true }, /"extra" is not in the contract/],
      [{ eventId: "ev_d", amount: 1, lines: [{ qty: 1 }] }, /"sku" is required/],
      [["ev_e"], /expected object, got array/],
    ];

    it('with onInvalidPayload "reject": 422 naming each problem, nothing stored; a valid body is accepted', async () => {
      await publishFlow(
        pool,
        "hook-strict",
        webhookFlow({ key: "hook-strict", payloadSchema: schema, onInvalidPayload: "reject" }),
      );
      await setWebhookSecret(pool, "hook-strict", SECRET);
      for (const [body, problem] of breaches) {
        const r = await send(body, { flowKey: "hook-strict" });
        expect(r.status, JSON.stringify(body)).toBe(422);
        expect(r.body.error).toBe("The body does not match the webhook's payload schema.");
        expect(
          (r.body.issues as Array<{ path: string; message: string }>).map((i) => `${i.path} ${i.message}`).join("; "),
        ).toMatch(problem);
      }
      expect(await runsOf("hook-strict")).toBe(0);
      expect(
        (await send({ eventId: "ev_ok", amount: 3, lines: [{ sku: "A" }] }, { flowKey: "hook-strict" })).status,
      ).toBe(202);
      expect(await runsOf("hook-strict")).toBe(1);
    });

    it("by default (accept) the run starts anyway, so the failure can be repaired from the exception queue", async () => {
      await publishFlow(pool, "hook-lenient", webhookFlow({ key: "hook-lenient", payloadSchema: schema }));
      await setWebhookSecret(pool, "hook-lenient", SECRET);
      for (const [body] of breaches) expect((await send(body, { flowKey: "hook-lenient" })).status).toBe(202);
      expect(await runsOf("hook-lenient")).toBe(breaches.length);
    });
  });

  it("without a configured key, a re-delivery of the same signed request is recognised", async () => {
    await publishFlow(pool, "hook-nokey", webhookFlow({ key: "hook-nokey" }));
    await setWebhookSecret(pool, "hook-nokey", SECRET);
    const ts = Math.floor(Date.now() / 1000);
    const a = await send({ a: 1 }, { flowKey: "hook-nokey", ts });
    const b = await send({ a: 1 }, { flowKey: "hook-nokey", ts });
    const c = await send({ a: 2 }, { flowKey: "hook-nokey", ts });
    expect(b.body.runId).toBe(a.body.runId);
    expect(c.body.runId).not.toBe(a.body.runId);
  });

  // What Postgres or recursive code cannot take is the sender's to fix: a 4xx naming the field (never the
  // 503 "retry later" a sender retries for ever), and no run.
  it.each([
    [
      "a NUL in a value",
      JSON.stringify({ eventId: "evt-nul", note: "a\u0000b" }),
      400,
      "`body.note` contains a NUL character",
    ],
    [
      "a NUL in a field name",
      JSON.stringify({ eventId: "evt-nulkey", ["x\u0000"]: 1 }),
      400,
      "has a field name that contains a NUL character",
    ],
    [
      "a lone high surrogate",
      `{"eventId":"evt-sur","lines":[{"name":"\\ud800x"}]}`,
      400,
      "`body.lines[0].name` contains an unpaired UTF-16 surrogate",
    ],
    [
      "a lone low surrogate",
      `{"eventId":"evt-sur2","name":"x\\udc00"}`,
      400,
      "`body.name` contains an unpaired UTF-16 surrogate",
    ],
    [
      "5,000 levels of arrays",
      `{"eventId":"evt-deep","a":${"[".repeat(5000)}${"]".repeat(5000)}}`,
      413,
      "is nested more than 100 levels deep",
    ],
    [
      "100,000 levels of objects",
      `{"eventId":"evt-deeper","a":${'{"a":'.repeat(100_000)}1${"}".repeat(100_000)}}`,
      413,
      "is nested more than 100 levels deep",
    ],
  ])("refuses %s with a 4xx naming the field and starts no run", async (_what, raw, status, message) => {
    const r = await send(null, { raw });
    expect(r.status).toBe(status);
    expect(String(r.body.error)).toContain(message);
    const { rows } = await pool.query(
      `SELECT count(*)::int AS c FROM run WHERE input->'body'->>'eventId' LIKE 'evt-%' AND input->'body'->>'eventId' NOT IN ('evt-1','evt-dup')`,
    );
    expect(rows[0].c).toBe(0);
  });

  it("refuses a NUL in the query string, naming the parameter", async () => {
    const raw = JSON.stringify({ eventId: "evt-q" });
    const ts = Math.floor(Date.now() / 1000);
    const headers = new Headers({
      "content-type": "application/json",
      [TIMESTAMP_HEADER]: String(ts),
      [SIGNATURE_HEADER]: signWebhook(SECRET, ts, raw),
    });
    const r = await acceptWebhook(
      { pool, boss },
      { flowKey: "hook-flow", headers, body: Buffer.from(raw), query: "ref=a%00b" },
    );
    expect(r).toMatchObject({
      status: 400,
      body: { error: expect.stringContaining("`query.ref` contains a NUL character") },
    });
  });
});
