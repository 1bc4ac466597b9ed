// SQL of the Reconciliation page's run history, apart from the step that writes it and the handlers that
// read it: one reconciliation_run row per completed reconcile step (written with its final checkpoint), the
// recent runs of a reconciliation (its trend) and the latest run of each.
import "server-only";
import type { Summary, Totals } from "../../core/reconcile";
import type { Sql } from "../runtime/sql";

export interface RunSummaryRow {
  runId: string;
  path: string;
  flowId: string;
  reconciliation: string;
  name: string;
  definitionHash: string;
  period: { from: string; to: string } | null;
  totals: Totals;
  summary: Summary;
  currency: string | null;
}

/**
 * Idempotent: a step re-run after its final checkpoint (a worker died before it finished) writes the same row.
 * Start time and test flag come from the run row.
 */
export async function upsertRunSummary(tx: Sql, r: RunSummaryRow): Promise<void> {
  const t = r.totals;
  await tx.query(
    `INSERT INTO reconciliation_run (run_id, path, flow_id, reconciliation, name, definition_hash, period_from, period_to, is_test,
       keys, matched, mismatched, missing, duplicate, unkeyed, out_of_scope, breaks, records, missing_on, by_rule,
       match_rate, money_at_stake, hours_at_stake, currency, started_at, finished_at)
     SELECT $1::uuid, $2, $3::uuid, $4, $5, $6, $7, $8, COALESCE(run.is_test, false), $9, $10, $11, $12, $13, $14, $15, $16,
            $17::jsonb, $18::jsonb, $19::jsonb, $20, $21::numeric, $22::numeric, $23, COALESCE(run.started_at, now()), now()
       FROM (SELECT 1) one LEFT JOIN run ON run.id = $1::uuid
     ON CONFLICT (run_id, path) DO UPDATE SET keys = EXCLUDED.keys, matched = EXCLUDED.matched, mismatched = EXCLUDED.mismatched,
       missing = EXCLUDED.missing, duplicate = EXCLUDED.duplicate, unkeyed = EXCLUDED.unkeyed, out_of_scope = EXCLUDED.out_of_scope,
       breaks = EXCLUDED.breaks, records = EXCLUDED.records, missing_on = EXCLUDED.missing_on, by_rule = EXCLUDED.by_rule,
       match_rate = EXCLUDED.match_rate, money_at_stake = EXCLUDED.money_at_stake, hours_at_stake = EXCLUDED.hours_at_stake,
       finished_at = now()`,
    [
      r.runId,
      r.path,
      r.flowId,
      r.reconciliation,
      r.name,
      r.definitionHash,
      r.period?.from ?? null,
      r.period?.to ?? null,
      t.keys,
      t.matched,
      t.mismatched,
      t.missing,
      t.duplicate,
      t.unkeyed,
      t.outOfScope,
      r.summary.breaks,
      JSON.stringify(t.records),
      JSON.stringify(t.missingOn),
      JSON.stringify(t.byRule),
      r.summary.matchRate,
      t.moneyAtStake,
      r.summary.hoursAtStake,
      r.currency,
    ],
  );
}

/** A stored run summary as the page reads it (money and hours as exact decimal text). */
export interface RunSummary {
  runId: string;
  path: string;
  flowId: string;
  reconciliation: string;
  name: string;
  periodFrom: string | null;
  periodTo: string | null;
  keys: number;
  matched: number;
  mismatched: number;
  missing: number;
  duplicate: number;
  unkeyed: number;
  outOfScope: number;
  breaks: number;
  records: Record<string, number>;
  missingOn: Record<string, number>;
  byRule: Record<string, number>;
  matchRate: number;
  moneyAtStake: string;
  hoursAtStake: string;
  currency: string | null;
  startedAt: Date;
  finishedAt: Date;
}

const COLUMNS = `r.run_id::text AS "runId", r.path, r.flow_id::text AS "flowId", r.reconciliation, r.name,
  r.period_from AS "periodFrom", r.period_to AS "periodTo", r.keys, r.matched, r.mismatched, r.missing, r.duplicate,
  r.unkeyed, r.out_of_scope AS "outOfScope", r.breaks, r.records, r.missing_on AS "missingOn", r.by_rule AS "byRule",
  r.match_rate AS "matchRate", r.money_at_stake::text AS "moneyAtStake", r.hours_at_stake::text AS "hoursAtStake",
  r.currency, r.started_at AS "startedAt", r.finished_at AS "finishedAt"`;

/**
 * `alias`'s environment equals parameter `$n`, or any environment when the parameter is null: the page's
 * environment filter (the run's environment, copied onto summaries and exceptions by the database).
 */
export const inEnvironment = (alias: string, n: number) => `($${n}::text IS NULL OR ${alias}.environment = $${n})`;

/**
 * The latest `limit` runs of each (flow, reconciliation) pair of these flows in `environment` (undefined: every
 * one), newest first; test runs left out.
 */
export async function recentRuns(
  sql: Sql,
  flowIds: string[],
  limit: number,
  environment?: string,
): Promise<RunSummary[]> {
  if (!flowIds.length) return [];
  const { rows } = await sql.query<RunSummary>(
    `SELECT ${COLUMNS} FROM (
       SELECT x.*, row_number() OVER (PARTITION BY x.flow_id, x.reconciliation ORDER BY x.finished_at DESC, x.run_id) AS n
         FROM reconciliation_run x WHERE x.flow_id = ANY($1::uuid[]) AND NOT x.is_test AND ${inEnvironment("x", 3)}
     ) r WHERE r.n <= $2 ORDER BY r.flow_id, r.reconciliation, r.finished_at DESC`,
    [flowIds, limit, environment ?? null],
  );
  return rows;
}

/** One reconciliation's runs in `environment` (undefined: every one), newest first — its trend and history. */
export async function runsOf(
  sql: Sql,
  flowId: string,
  reconciliation: string,
  limit: number,
  environment?: string,
): Promise<RunSummary[]> {
  const { rows } = await sql.query<RunSummary>(
    `SELECT ${COLUMNS} FROM reconciliation_run r
      WHERE r.flow_id = $1::uuid AND r.reconciliation = $2 AND NOT r.is_test AND ${inEnvironment("r", 4)}
      ORDER BY r.finished_at DESC, r.run_id LIMIT $3`,
    [flowId, reconciliation, limit, environment ?? null],
  );
  return rows;
}

/** Open breaks per reconciliation and rule of these flows, with what they put at stake. */
export interface OpenBreaks {
  flowId: string;
  reconciliation: string;
  rule: string;
  open: number;
  amount: number;
  hours: number;
}

export async function openBreaks(sql: Sql, flowIds: string[], environment?: string): Promise<OpenBreaks[]> {
  if (!flowIds.length) return [];
  const { rows } = await sql.query<OpenBreaks>(
    `SELECT e.flow_id::text AS "flowId", e.business_keys->>'reconciliation' AS reconciliation,
            e.business_keys->>'rule' AS rule, count(*)::int AS open,
            COALESCE(sum(e.impact_amount), 0)::float8 AS amount, COALESCE(sum(e.impact_hours), 0)::float8 AS hours
       FROM exception e
      WHERE e.flow_id = ANY($1::uuid[]) AND e.status = 'open' AND e.break_identity IS NOT NULL AND ${inEnvironment("e", 2)}
      GROUP BY 1, 2, 3 ORDER BY 1, 2, 4 DESC, 3`,
    [flowIds, environment ?? null],
  );
  return rows;
}
