// Pay-rate changes in the Workday sandbox: POST /ccx/api/staffing/v6/{tenant}/workers/{id}/payRateChanges
// {effectiveDate, costRate?, defaultBillRate?, reason?} changes the worker's rates as of a date (⚠ a sandbox
// simplification of Workday's compensation business process, whose REST shape is behind a Community login).
// The Consultant_Capacity report shows the new rates; each change is kept under the "payRateChanges"
// collection of the admin API.
import type { FirmConsultant } from "../sandbox-kit/firm";
import { json, type Sandbox } from "../sandbox-kit/server";

export interface PayRateChange {
  id: string;
  workerId: string;
  effectiveDate: string;
  costRate: number;
  defaultBillRate: number;
  reason: string;
}

export function registerPayRateChanges(sb: Sandbox, tenant: string, workers: () => FirmConsultant[]): () => void {
  let changes: PayRateChange[] = [];
  sb.collections.set("payRateChanges", () => changes);
  sb.route("POST", "/ccx/api/staffing/v6/:tenant/workers/:id/payRateChanges", (req) => {
    const w = workers().find((x) => x.wid === req.params.id);
    if (req.params.tenant !== tenant || !w) return sb.error(404, "NOT_FOUND", `Invalid ID: ${req.params.id}`, "id");
    const b = (req.body ?? {}) as Record<string, unknown>;
    if (typeof b.effectiveDate !== "string" || !/^\d{4}-\d{2}-\d{2}$/.test(b.effectiveDate))
      return sb.error(400, "INVALID_PARAMETER", "effectiveDate is required (YYYY-MM-DD)", "effectiveDate");
    for (const k of ["costRate", "defaultBillRate"] as const)
      if (b[k] !== undefined && (typeof b[k] !== "number" || !(b[k] > 0)))
        return sb.error(400, "INVALID_PARAMETER", `${k} must be a positive number`, k);
    if (b.costRate === undefined && b.defaultBillRate === undefined)
      return sb.error(400, "INVALID_PARAMETER", "Give costRate or defaultBillRate", "costRate");
    if (typeof b.costRate === "number") w.costRate = b.costRate;
    if (typeof b.defaultBillRate === "number") w.billRate = b.defaultBillRate;
    const change: PayRateChange = {
      id: `PRC-${String(changes.length + 1).padStart(6, "0")}`,
      workerId: w.wid,
      effectiveDate: b.effectiveDate,
      costRate: w.costRate,
      defaultBillRate: w.billRate,
      reason: typeof b.reason === "string" ? b.reason.slice(0, 200) : "Rate review",
    };
    changes.push(change);
    return json(201, change);
  });
  return () => {
    changes = [];
  };
}
