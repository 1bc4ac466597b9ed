// Exception records: what an operator needs to act on a run that finally failed — which step, which
// class of error, the request/response excerpt (secrets redacted), the business keys it affects — grouped
// by signature so a thousand identical failures read as one problem.
import "server-only";
import { randomUUID } from "node:crypto";
import type { Sql } from "./sql";
import type { SerializedError } from "./errors";
import { redact } from "./redact";
import { exceptionSignature, stepIdOfPath } from "./signature";
import { metrics } from "../observability/metrics";

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

/** Flattens business keys into "name=value" strings for the indexed array column (search by invoice id). */
export function businessKeyValues(keys: Record<string, unknown> | null | undefined): string[] {
  if (!keys) return [];
  const out: string[] = [];
  for (const [k, v] of Object.entries(keys)) {
    const vals = Array.isArray(v) ? v : [v];
    for (const x of vals)
      if (x !== null && x !== undefined && x !== "") out.push(`${k}=${typeof x === "string" ? x : JSON.stringify(x)}`);
  }
  return out.slice(0, 200);
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
      WHERE run_id = $2::uuid AND status = 'retrying' AND $1::uuid IS NOT NULL RETURNING id::text AS id`,
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
