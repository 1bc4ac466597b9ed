// kpi_time_entry (migration 20261205190000) is a projection of business_event kept by triggers: after every kind
// of write the runtime does — a first recording, a replay recomputing the same step, a resumed step recording it
// again, a later repeat approval, an earlier one, test runs, a deleted run, a truncate — it must equal a
// recomputation from the events, done here independently of the migration's SQL.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../testing/db";
import { insertRuns, makeFlow } from "../governance/testing";
import { prismaSql } from "../runtime/sql";
import { insertBusinessEvents } from "../runtime/business-events";
import type { BusinessEvent } from "../../core/dsl";

const ev = (type: "time.approved" | "time.invoiced", te: string, at: string, extra: Partial<BusinessEvent> = {}) =>
  ({
    type,
    keys: { timeEntry: te, project: "P-1", customer: "C-1", person: "u-1" },
    amount: 100,
    currency: "EUR",
    hours: 1,
    system: null,
    occurredAt: at,
    ...extra,
  }) as BusinessEvent;

describe("kpi_time_entry projection", () => {
  let t: TestDatabase;
  let flowId: string;
  beforeAll(async () => {
    t = await createTestDatabase();
    flowId = await makeFlow(t.db, { key: "billing", teamKey: "finance" });
  });
  afterAll(() => t.drop());

  const run = async (opts: { isTest?: boolean; replayOf?: string; environment?: string } = {}) => {
    const [id] = await insertRuns(t.db, flowId, [
      {
        status: "succeeded",
        createdAt: new Date("2026-11-01T00:00:00Z"),
        isTest: opts.isTest,
        environment: opts.environment,
      },
    ]);
    if (opts.replayOf)
      await t.db.$executeRawUnsafe(
        `UPDATE run SET replay_of_id = $1::uuid, trigger_type = 'replay' WHERE id = $2::uuid`,
        opts.replayOf,
        id,
      );
    return id!;
  };
  const write = (runId: string, path: string, events: BusinessEvent[]) =>
    insertBusinessEvents(prismaSql(t.db), runId, path, events, "finance");

  const projection = () =>
    t.db.$queryRawUnsafe<unknown[]>(
      `SELECT environment, time_entry, approved_at, approval_event_id, hours::float8 AS hours, amount::float8 AS amount, currency, project,
              customer, person, team, person_team, person_team_name, run_id::text AS run_id, invoiced_at, invoice_event_id, invoice_team
       FROM kpi_time_entry ORDER BY environment, time_entry`,
    );
  // First by (occurred_at, id) of each type per environment, not test events; written without DISTINCT ON or the
  // migration's function.
  const recomputed = () =>
    t.db.$queryRawUnsafe<unknown[]>(
      `WITH e AS (SELECT * FROM business_event WHERE NOT is_test AND time_entry IS NOT NULL),
            firsts AS (SELECT * FROM e WHERE NOT EXISTS (SELECT 1 FROM e x WHERE x.time_entry = e.time_entry
                         AND x.environment = e.environment AND x.type = e.type AND (x.occurred_at, x.id) < (e.occurred_at, e.id))),
            a AS (SELECT * FROM firsts WHERE type = 'time.approved'),
            i AS (SELECT * FROM firsts WHERE type = 'time.invoiced')
       SELECT coalesce(a.environment, i.environment) AS environment, coalesce(a.time_entry, i.time_entry) AS time_entry,
              a.occurred_at AS approved_at, a.id AS approval_event_id,
              a.hours::float8 AS hours, a.amount::float8 AS amount, a.currency, a.project, a.customer, a.person, a.team,
              a.person_team, a.person_team_name, a.run_id::text AS run_id, i.occurred_at AS invoiced_at, i.id AS invoice_event_id, i.team AS invoice_team
       FROM a FULL JOIN i ON i.time_entry = a.time_entry AND i.environment = a.environment ORDER BY 1, 2`,
    );
  const consistent = async () => expect(await projection()).toEqual(await recomputed());

  it("equals a recomputation from business_event after replays, resumed steps, repeats, test runs and deletes", async () => {
    const first = await run();
    await write(first, "approve", [
      ev("time.approved", "te-1", "2026-11-02T10:00:00Z", { hours: 2, amount: 200 }),
      // The person's HRIS team comes with the first approval (and falls back with it below).
      ev("time.approved", "te-2", "2026-11-03T10:00:00Z", {
        keys: { timeEntry: "te-2", personTeam: "ORG-A" },
        personTeamName: "Team A",
      }),
    ]);
    await consistent();
    const before = await projection();
    expect(before).toHaveLength(2);
    expect(before[0]).toMatchObject({ time_entry: "te-1", hours: 2, amount: 200, team: "finance", run_id: first });

    // A replay recomputing the step (other values even) and the run's step resumed after a crash record nothing.
    const replay = await run({ replayOf: first });
    await write(replay, "approve", [ev("time.approved", "te-1", "2026-11-01T09:00:00Z", { hours: 9 })]);
    await write(first, "approve", [ev("time.approved", "te-1", "2026-11-02T10:00:00Z", { hours: 2, amount: 200 })]);
    expect(await projection()).toEqual(before);

    // The daily batch lists te-1 again later (kept: the first), te-2 earlier than recorded (taken), and on the same
    // instant as te-2's first (the earlier event id stays first). Test runs are no facts.
    const batch = await run();
    await write(batch, "approve", [
      ev("time.approved", "te-1", "2026-11-05T10:00:00Z", { hours: 5 }),
      ev("time.approved", "te-2", "2026-11-01T08:00:00Z", {
        hours: 3,
        keys: { timeEntry: "te-2", team: "ops", personTeam: "ORG-B" },
        personTeamName: "Team B",
      }),
      ev("time.approved", "te-3", "2026-11-04T08:00:00Z"),
    ]);
    const same = await run();
    await write(same, "approve", [ev("time.approved", "te-3", "2026-11-04T08:00:00Z", { hours: 7 })]);
    const test = await run({ isTest: true });
    await write(test, "approve", [ev("time.approved", "te-4", "2026-11-01T00:00:00Z")]);
    await write(test, "invoice", [ev("time.invoiced", "te-1", "2026-11-01T00:00:00Z")]);
    // A run in the test environment records its own facts: te-1 approved earlier there changes nothing in production.
    const trial = await run({ environment: "test" });
    await write(trial, "approve", [ev("time.approved", "te-1", "2026-10-01T00:00:00Z", { hours: 8 })]);
    await consistent();
    const mid = (await projection()) as Array<Record<string, unknown>>;
    expect(mid.map((r) => [r.environment, r.time_entry, r.hours, r.team, r.person_team_name])).toEqual([
      ["production", "te-1", 2, "finance", null],
      ["production", "te-2", 3, "ops", "Team B"],
      ["production", "te-3", 1, "finance", null],
      ["test", "te-1", 8, "finance", null],
    ]);

    // Invoicings: two of te-1 in one step (the earlier counts), one of an entry never approved.
    const inv = await run();
    await write(inv, "invoice", [
      ev("time.invoiced", "te-1", "2026-11-20T00:00:00Z"),
      ev("time.invoiced", "te-1", "2026-11-10T00:00:00Z"),
      ev("time.invoiced", "te-9", "2026-11-10T00:00:00Z"),
    ]);
    await consistent();

    // Deleting the run that recorded te-2's first approval and te-1's first invoicing falls back to the next ones.
    await t.db.$executeRawUnsafe(`DELETE FROM run WHERE id IN ($1::uuid, $2::uuid)`, batch, inv);
    await consistent();
    expect(
      ((await projection()) as Array<Record<string, unknown>>).map((r) => [r.time_entry, r.hours, r.person_team]),
    ).toEqual([
      ["te-1", 2, null],
      ["te-2", 1, "ORG-A"],
      ["te-3", 7, null],
      ["te-1", 8, null],
    ]);

    await t.db.$executeRawUnsafe(`TRUNCATE run CASCADE`);
    expect(await projection()).toEqual([]);
  });

  it("the migration's backfill rebuilds it from the events", async () => {
    const r = await run();
    await write(r, "approve", [
      ev("time.approved", "te-1", "2026-11-02T10:00:00Z"),
      ev("time.approved", "te-1", "2026-11-01T10:00:00Z"),
    ]);
    await write(r, "invoice", [ev("time.invoiced", "te-1", "2026-11-03T10:00:00Z")]);
    const kept = await projection();
    await t.db.$executeRawUnsafe(`DELETE FROM kpi_time_entry`);
    await t.db.$executeRawUnsafe(
      `SELECT kpi_time_entry_recompute(env, ARRAY(SELECT DISTINCT time_entry FROM business_event
         WHERE type IN ('time.approved', 'time.invoiced') AND NOT is_test AND time_entry IS NOT NULL AND environment = env))
         FROM (SELECT DISTINCT environment FROM business_event) x(env)`,
    );
    expect(await projection()).toEqual(kept);
    await consistent();
  });
});
