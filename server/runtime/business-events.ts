// Writes a step's business events (core/dsl/business-events.ts). Called by the kernel inside the transaction
// that records the step's success, so the fact and the step commit together; the unique index on (replay
// root run, step path, index) makes a re-run segment or a replay recomputing the same step record nothing new.
// The demo history (server/seed/demo-history.ts) writes through this same function.
// Triggers on business_event keep the KPI projection kpi_time_entry (first approval / invoicing per time entry)
// in this same transaction; a conflicting (already recorded) event inserts no row, so it fires nothing.
// A fact that happens once per key (ONCE_PER_KEY: deal.won per opportunity) is recorded by the first run only:
// a transaction lock per key value serialises the writers, so two flows announcing the same deal at the same
// moment still record one.
import "server-only";
import type { BusinessEvent } from "../../core/dsl";
import { ONCE_PER_KEY } from "../../core/dsl/business-events";
import type { Sql } from "./sql";

/** Records `events` of the step at `path` of run `runId`; `team` is the flow's owner, the default team key. */
export async function insertBusinessEvents(
  sql: Sql,
  runId: string,
  path: string,
  events: readonly BusinessEvent[],
  team: string | null,
): Promise<void> {
  if (!events.length) return;
  const rows = events.map((e, idx) => ({
    idx,
    type: e.type,
    occurred_at: e.occurredAt,
    customer: e.keys.customer ?? null,
    project: e.keys.project ?? null,
    opportunity: e.keys.opportunity ?? null,
    invoice: e.keys.invoice ?? null,
    person: e.keys.person ?? null,
    person_team: e.keys.personTeam ?? null,
    // A name without its team says nothing the page can group by.
    person_team_name: e.keys.personTeam ? (e.personTeamName ?? null) : null,
    time_entry: e.keys.timeEntry ?? null,
    team: e.keys.team ?? team,
    system: e.system,
    amount: e.amount,
    currency: e.currency,
    hours: e.hours,
    performed_on: e.performedOn ?? null,
  }));
  const once = Object.entries(ONCE_PER_KEY).flatMap(([type, key]) =>
    events.filter((e) => e.type === type && e.keys[key]).map((e) => `${type}:${e.keys[key]}`),
  );
  // Held to the end of the step's transaction; taken in a statement of its own so the insert's snapshot sees
  // what a writer that held it before committed.
  if (once.length)
    await sql.query(
      `SELECT pg_advisory_xact_lock(hashtextextended(k, 0))::text FROM unnest($1::text[]) AS k ORDER BY k`,
      [[...new Set(once)]],
    );
  await sql.query(
    `WITH RECURSIVE chain(id, replay_of_id, depth) AS (
       SELECT id, replay_of_id, 0 FROM run WHERE id = $1::uuid
       UNION ALL SELECT r.id, r.replay_of_id, c.depth + 1 FROM run r JOIN chain c ON r.id = c.replay_of_id WHERE c.depth < 1000
     )
     INSERT INTO business_event (run_id, origin_run_id, flow_id, step_path, idx, type, occurred_at, customer, project, opportunity,
       invoice, person, person_team, person_team_name, time_entry, team, system, amount, currency, hours, performed_on, is_test)
     SELECT r.id, (SELECT id FROM chain ORDER BY depth DESC LIMIT 1), r.flow_id, $2, e.idx, e.type, e.occurred_at, e.customer, e.project,
       e.opportunity, e.invoice, e.person, e.person_team, e.person_team_name, e.time_entry, e.team, e.system, e.amount, e.currency,
       e.hours, e.performed_on, r.is_test
     FROM run r, jsonb_to_recordset($3::jsonb) AS e(idx int, type text, occurred_at timestamptz, customer text, project text,
       opportunity text, invoice text, person text, person_team text, person_team_name text, time_entry text, team text, system text,
       amount numeric, currency text, hours numeric, performed_on date)
     WHERE r.id = $1::uuid${onceFilter()}
     ON CONFLICT (origin_run_id, step_path, idx) DO NOTHING`,
    [runId, path, JSON.stringify(rows)],
  );
}

/**
 * Leaves out an event of a once-per-key type whose key value already has one (test facts apart from real ones, each
 * environment's apart: a deal won in a test-environment trial does not hide production's).
 */
function onceFilter(): string {
  return Object.entries(ONCE_PER_KEY)
    .map(([type, key]) => {
      const col = key!.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`); // the key's column (timeEntry → time_entry)
      return `
       AND NOT (e.type = '${type}' AND e.${col} IS NOT NULL AND EXISTS (
         SELECT 1 FROM business_event w WHERE w.type = '${type}' AND w.${col} = e.${col} AND w.is_test = r.is_test
                                          AND w.environment = r.environment))`;
    })
    .join("");
}
