// The exception counters recomputed from the rows: a test asserts that the trigger-kept cells
// (exception_tally, exception_signature_tally) equal these after whatever the code under test did.
import "server-only";
import type { Db } from "../db/client";

const TEAM = `COALESCE(assignee_team_id, '00000000-0000-0000-0000-000000000000'::uuid)`;

/** Cells that differ between the counters (folded plus pending deltas) and a GROUP BY of the exception rows; empty when they agree. */
export async function tallyDrift(db: Db): Promise<unknown[]> {
  const sums = `sum(n)::int AS n, sum(amount)::float8 AS amount, sum(hours)::float8 AS hours, sum(amount_n)::int AS amount_n, sum(hours_n)::int AS hours_n`;
  const fromRows = `count(*)::int AS n, COALESCE(sum(impact_amount::numeric), 0)::float8 AS amount, COALESCE(sum(impact_hours::numeric), 0)::float8 AS hours,
                    count(impact_amount)::int AS amount_n, count(impact_hours)::int AS hours_n`;
  return db.$queryRawUnsafe<unknown[]>(
    `WITH a AS (SELECT status::text, environment, hour::text AS k2, flow_id::text, error_class, team_id::text, ${sums}
                  FROM (SELECT status, environment, hour, flow_id, error_class, team_id, n, amount, hours, amount_n, hours_n FROM exception_tally
                        UNION ALL SELECT status, environment, hour, flow_id, error_class, team_id, n, amount, hours, amount_n, hours_n FROM exception_tally_delta) x
                 GROUP BY 1, 2, 3, 4, 5, 6 HAVING sum(n) <> 0),
          b AS (SELECT status::text, environment, date_trunc('hour', created_at, 'UTC')::text AS k2, flow_id::text, error_class, ${TEAM}::text AS team_id, ${fromRows}
                  FROM exception GROUP BY 1, 2, 3, 4, 5, 6),
          c AS (SELECT status::text, environment, signature AS k2, flow_id::text, error_class, team_id::text, ${sums}
                  FROM (SELECT status, environment, signature, flow_id, error_class, team_id, n, amount, hours, amount_n, hours_n FROM exception_signature_tally
                        UNION ALL SELECT status, environment, signature, flow_id, error_class, team_id, n, amount, hours, amount_n, hours_n FROM exception_tally_delta) x
                 GROUP BY 1, 2, 3, 4, 5, 6 HAVING sum(n) <> 0),
          d AS (SELECT status::text, environment, signature AS k2, flow_id::text, error_class, ${TEAM}::text AS team_id, ${fromRows}
                  FROM exception GROUP BY 1, 2, 3, 4, 5, 6)
     SELECT 'hour' AS tally, * FROM ((SELECT * FROM a EXCEPT ALL SELECT * FROM b) UNION ALL (SELECT * FROM b EXCEPT ALL SELECT * FROM a)) x
     UNION ALL
     SELECT 'signature', * FROM ((SELECT * FROM c EXCEPT ALL SELECT * FROM d) UNION ALL (SELECT * FROM d EXCEPT ALL SELECT * FROM c)) y`,
  );
}
