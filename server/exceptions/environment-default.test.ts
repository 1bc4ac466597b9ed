// The API applies the operators' production default itself (core/environment-scope.ts), not only the browser:
// exceptions.queue / facets / signatureGroups / impact and runs.list without an environment answer what the page
// shows an operator (production) or anyone else (every environment); an explicit "all" or key is kept. So do
// exceptions.bulkStart and its ownership gate: a bulk action without an environment covers what the queue shows.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../testing/db";
import { insertRuns, makeFlow, makeUser } from "../governance/testing";
import { createCaller } from "../api/root";
import type { SessionUser } from "../auth/session-user";
import type { PgBoss } from "pg-boss";
import { webBoss } from "../queue/boss";
import { BULK_QUEUE } from "./bulk";

describe("environment default of the API", () => {
  let t: TestDatabase;
  let operator: SessionUser;
  let designer: SessionUser;
  const runIds: Record<string, string> = {};
  const as = (u: SessionUser) => createCaller({ db: t.db, requestId: "test", user: u });

  beforeAll(async () => {
    t = await createTestDatabase();
    const flowId = await makeFlow(t.db, { key: "env-default", teamKey: "finance" });
    operator = await makeUser(t.db, "op@env", ["operator"], ["finance"]);
    designer = await makeUser(t.db, "designer@env", ["designer"], ["finance"]);
    for (const [environment, amount] of [
      ["production", 100],
      ["test", 7000],
    ] as const) {
      const [run] = await insertRuns(t.db, flowId, [{ status: "failed", createdAt: new Date(), environment }]);
      runIds[environment] = run!;
      await t.db.$executeRawUnsafe(
        `INSERT INTO exception (id, run_id, flow_id, error_class, message, signature, status, business_keys, updated_at)
         VALUES (gen_random_uuid(), $1::uuid, $2::uuid, 'auth', 'x', $3, 'open', jsonb_build_object('amount', $4::numeric), now())`,
        run,
        flowId,
        `sig-${environment}`,
        amount,
      );
    }
  }, 120_000);
  const savedUrl = process.env.DATABASE_URL;
  afterAll(async () => {
    // exceptions.bulkStart sends its job through the web process's pg-boss (webBoss), started on first use.
    const g = globalThis as unknown as { __weftBoss?: Promise<PgBoss> };
    await (await g.__weftBoss)?.stop({ graceful: false });
    process.env.DATABASE_URL = savedUrl;
    await t?.drop();
  });

  async function seen(u: SessionUser, environment?: string) {
    const c = as(u);
    const filter = environment ? { environment } : {};
    const runs = await c.runs.list({ flowKey: "env-default", ...(environment ? { environment } : {}) });
    return {
      queue: (await c.exceptions.queue({ filter })).items.length,
      facets: (await c.exceptions.facets({ filter })).total,
      groups: (await c.exceptions.signatureGroups({ filter })).map((g) => g.signature).sort(),
      impact: (await c.exceptions.impact(environment ? { environment } : undefined)).total.amount,
      runs: runs.items.map((r) => r.id).sort(),
    };
  }
  const production = () => ({
    queue: 1,
    facets: 1,
    groups: ["sig-production"],
    impact: 100,
    runs: [runIds.production],
  });
  const every = () => ({
    queue: 2,
    facets: 2,
    groups: ["sig-production", "sig-test"],
    impact: 7100,
    runs: [runIds.production, runIds.test].sort(),
  });

  it("an operator who names no environment gets production; 'all' widens it; a key narrows to it", async () => {
    expect(await seen(operator)).toEqual(production());
    expect(await seen(operator, "all")).toEqual(every());
    expect(await seen(operator, "test")).toEqual({
      queue: 1,
      facets: 1,
      groups: ["sig-test"],
      impact: 7000,
      runs: [runIds.test],
    });
  });

  it("another role who names no environment gets every environment", async () => {
    expect(await seen(designer)).toEqual(every());
    expect(await seen(designer, "production")).toEqual(production());
  });

  it("a bulk action without an environment covers what the queue shows the caller: production for an operator", async () => {
    process.env.DATABASE_URL = t.url; // webBoss, which bulkStart sends its job through
    await (await webBoss()).createQueue(BULK_QUEUE); // its job waits there: no worker runs it in this test
    const op = as(operator);
    const reason = "Handled in the vendor's console";
    const scoped = await op.exceptions.bulkStart({ kind: "resolve", filter: { flowKey: "env-default" }, reason });
    // The frozen filter names the environment the default chose.
    expect(scoped).toMatchObject({ total: 1, filter: { flowKey: "env-default", environment: "production" } });
    const every = await op.exceptions.bulkStart({
      kind: "resolve",
      filter: { flowKey: "env-default", environment: "all" },
      reason,
    });
    expect(every).toMatchObject({ total: 2, filter: { environment: "all" } });
    // Rows ticked by hand are still inside the environment: the test one, without an environment, matches nothing.
    const [testException] = await t.db.exception.findMany({ where: { runId: runIds.test }, select: { id: true } });
    await expect(
      op.exceptions.bulkStart({ kind: "resolve", filter: { ids: [testException!.id] }, reason }),
    ).rejects.toMatchObject({ code: "BAD_REQUEST", message: "No exceptions match this filter." });
    expect(
      await op.exceptions.bulkStart({
        kind: "resolve",
        filter: { ids: [testException!.id], environment: "test" },
        reason,
      }),
    ).toMatchObject({ total: 1 });
  }, 60_000);
});
