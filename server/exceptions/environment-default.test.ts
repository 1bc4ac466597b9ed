// The API applies the operators' production default itself (core/environment-scope.ts), not only the browser:
// exceptions.queue / facets / signatureGroups / impact and runs.list without an environment answer what the page
// shows an operator (production) or anyone else (every environment); an explicit "all" or key is kept.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../testing/db";
import { insertRuns, makeFlow, makeUser } from "../governance/testing";
import { createCaller } from "../api/root";
import type { SessionUser } from "../auth/session-user";

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
  afterAll(() => t?.drop());

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
});
