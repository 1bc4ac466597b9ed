// Exception records: what an operator needs to act on a run that finally failed — which step, which
// class of error, the request/response excerpt (secrets redacted), the business keys it affects — grouped
// by signature so a thousand identical failures read as one problem. A batch that went on without some of
// its items (a foreach within its tolerated failures) opens one exception per failed item instead.
import "server-only";
import { randomUUID } from "node:crypto";
import type { Sql } from "./sql";
import type { SerializedError } from "./errors";
import { redact } from "./redact";
import { exceptionSignature, stepIdOfPath } from "./signature";
import { metrics } from "../observability/metrics";
import { businessKeyValues } from "../../core/exceptions/keys";

export interface OpenException {
  runId: string;
  flowId: string;
  flowKey: string;
  stepPath: string | null;
  error: SerializedError;
  businessKeys: Record<string, unknown> | null;
  /** Literal secret values to mask in the excerpts (the connection's secrets). */
  secrets?: readonly string[];
  /** The team that owns new exceptions (the flow's onFailure.assignTo, else its owner), by team key. */
  assignTeamKey?: string | null;
}

export async function openException(tx: Sql, e: OpenException): Promise<string> {
  const id = randomUUID();
  const stepId = e.stepPath ? stepIdOfPath(e.stepPath) : null;
  const opts = { secrets: e.secrets ?? [] };
  const message = String(redact(e.error.message, opts));
  const values = [
    id,
    e.runId,
    e.flowId,
    e.stepPath,
    e.error.errorClass,
    message,
    exceptionSignature(e.flowKey, stepId, e.error.errorClass, e.error.message),
    e.error.request ? JSON.stringify(redact(e.error.request, opts)) : null,
    e.error.response ? JSON.stringify(redact(e.error.response, opts)) : null,
    e.businessKeys ? JSON.stringify(e.businessKeys) : null,
    businessKeyValues(e.businessKeys),
    e.assignTeamKey ?? null,
  ];
  metrics().exceptionsOpened.inc({ flow: e.flowKey, error_class: e.error.errorClass });
  // A run the operator retried that fails again reopens its exception (keeping id, assignee, history).
  const reopened = await tx.query<{ id: string }>(
    `UPDATE exception SET status = 'open', flow_id = $3::uuid, step_path = $4, error_class = $5, message = $6, signature = $7, request = $8, response = $9,
            business_keys = $10, business_key_values = $11, updated_at = now()
      WHERE run_id = $2::uuid AND status = 'retrying' AND item_of IS NULL AND $1::uuid IS NOT NULL RETURNING id::text AS id`,
    values.slice(0, 11),
  );
  if (reopened.rows[0]) return reopened.rows[0].id;
  await tx.query(
    `INSERT INTO exception (id, run_id, flow_id, step_path, error_class, message, signature, request, response, business_keys, business_key_values, assignee_team_id, status, updated_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, (SELECT id FROM team WHERE key = $12::text), 'open', now())`,
    values,
  );
  return id;
}

export interface ItemFailure {
  /** The failing step inside the iteration, e.g. "invoiceProjects[3].createInvoice". */
  stepPath: string;
  error: SerializedError;
  /** The item's keys (the foreach's itemKeys), null without them. */
  businessKeys: Record<string, unknown> | null;
}

/**
 * Opens one exception per failed item of a foreach that tolerated them (its run goes on and may succeed), in
 * the transaction of the foreach's own row; an item already recorded for this run is not opened twice. The
 * item's older open exceptions (earlier runs of the flow that failed it, same environment) are superseded by the
 * new one: an item is one open problem, and its money is counted once.
 */
export async function openItemExceptions(
  tx: Sql,
  o: {
    runId: string;
    flowId: string;
    flowKey: string;
    itemOf: string;
    assignTeamKey: string | null;
    failures: ItemFailure[];
  },
): Promise<number> {
  if (!o.failures.length) return 0;
  const rows = o.failures.map((f) => ({
    path: f.stepPath,
    error_class: f.error.errorClass,
    message: String(redact(f.error.message)),
    signature: exceptionSignature(o.flowKey, stepIdOfPath(f.stepPath), f.error.errorClass, f.error.message),
    request: f.error.request ? redact(f.error.request) : null,
    response: f.error.response ? redact(f.error.response) : null,
    keys: f.businessKeys,
    values: businessKeyValues(f.businessKeys),
  }));
  const { rows: opened } = await tx.query(
    `INSERT INTO exception (id, run_id, flow_id, step_path, error_class, message, signature, request, response, business_keys, business_key_values,
                            assignee_team_id, status, item_of, updated_at)
     SELECT gen_random_uuid(), $1::uuid, $2::uuid, x.path, x.error_class, x.message, x.signature, x.request, x.response, x.keys,
            ARRAY(SELECT jsonb_array_elements_text(x."values")), (SELECT id FROM team WHERE key = $3::text), 'open', $4, now()
       FROM jsonb_to_recordset($5::jsonb) AS x(path text, error_class text, message text, signature text, request jsonb, response jsonb, keys jsonb, "values" jsonb)
      WHERE NOT EXISTS (SELECT 1 FROM exception e WHERE e.run_id = $1::uuid AND e.step_path = x.path AND e.item_of IS NOT NULL)
     RETURNING 1`,
    [o.runId, o.flowId, o.assignTeamKey, o.itemOf, JSON.stringify(rows)],
  );
  const identities = rows.filter((r) => r.values.length).map((r) => r.values);
  if (identities.length)
    await tx.query(
      `UPDATE exception e SET status = 'resolved', resolution = $4, resolved_at = now(), resolved_by_run_id = $1::uuid, updated_at = now()
         FROM run r, run cur, jsonb_array_elements($5::jsonb) AS k(vals)
        WHERE cur.id = $1::uuid AND r.id = e.run_id AND r.created_at < cur.created_at AND e.run_id <> $1::uuid
          AND e.flow_id = $2::uuid AND e.item_of = $3 AND e.status = 'open' AND e.environment = cur.environment
          AND e.business_key_values @> ARRAY(SELECT jsonb_array_elements_text(k.vals))
          AND e.business_key_values <@ ARRAY(SELECT jsonb_array_elements_text(k.vals))`,
      [
        o.runId,
        o.flowId,
        o.itemOf,
        `Superseded: run ${o.runId} failed this item again (see its exception).`,
        JSON.stringify(identities),
      ],
    );
  for (const r of rows) metrics().exceptionsOpened.inc({ flow: o.flowKey, error_class: r.error_class });
  return opened.length;
}
