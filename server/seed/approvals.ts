// The demo Inbox: real runs of two examples (examples/), started when the demo boots and parked at their
// approval step by the workers — so the approvers find open tasks on first start: approver@weft.local (Finance)
// the billing-terms-change requests above the threshold, pmo@weft.local (PMO's resource manager) a staffing
// request's ranked options to choose from. Idempotent: each run has a fixed idempotency key, so a restart
// starts nothing new.
import "server-only";
import { fromPrisma, type PgBoss } from "pg-boss";
import type { Db } from "../db/client";
import { insertRunWithJob } from "../runtime/runs";
import { prismaSql } from "../runtime/sql";
import { resourceRequestOf, staffingDemand } from "@/connectors/sandbox-kit/staffing";

export const DEMO_APPROVAL_FLOW = "billing-terms-change";
export const DEMO_STAFFING_FLOW = "staffing-request";

/** Payment-terms changes requested by the operator (so the approver may decide them: four-eyes). */
export const DEMO_TERMS_REQUESTS = [
  {
    customerId: "101",
    customer: "Northwind Logistics",
    currentDays: 30,
    requestedDays: 60,
    annualBilling: 480000,
    currency: "USD",
    reason: "Renewal negotiated: longer terms for a three-year commitment.",
    requestedBy: "operator@weft.local",
  },
  {
    customerId: "102",
    customer: "Laurentian Rail",
    currentDays: 30,
    requestedDays: 45,
    annualBilling: 585000,
    currency: "EUR",
    reason: "Aligning with the customer's payment run.",
    requestedBy: "operator@weft.local",
  },
  {
    customerId: "103",
    customer: "Harbor Health",
    currentDays: 45,
    requestedDays: 90,
    annualBilling: 212000,
    currency: "USD",
    reason: "Public-sector budget cycle.",
    requestedBy: "designer@weft.local",
  },
] as const;

/**
 * The staffing request the demo starts: the PSA sandbox's first pending resource request, as its poll would
 * read it (the staffing poll is not started in the demo, so nothing else runs it).
 */
export const demoStaffingRequest = () => resourceRequestOf(staffingDemand()[0]!);

/** Runs of a flow's newest approved version, each under its own idempotency key; returns how many were new. */
async function startParked(
  db: Db,
  boss: PgBoss,
  flowKey: string,
  runs: ReadonlyArray<{ key: string; input: Record<string, unknown> }>,
): Promise<number> {
  const flow = await db.flow.findUnique({ where: { key: flowKey }, select: { id: true } });
  if (!flow) return 0;
  const version = await db.flowVersion.findFirst({
    where: { flowId: flow.id, status: "approved" },
    orderBy: { createdAt: "desc" },
    select: { id: true },
  });
  if (!version) return 0;
  let created = 0;
  for (const { key, input } of runs) {
    const r = await db.$transaction((tx) =>
      insertRunWithJob(
        prismaSql(tx),
        boss,
        { flowId: flow.id, flowVersionId: version.id, triggerType: "manual", input, idempotencyKey: key },
        fromPrisma(tx),
      ),
    );
    if (r.created) created++;
  }
  return created;
}

export async function seedDemoApprovals(db: Db, boss: PgBoss): Promise<number> {
  const terms = await startParked(
    db,
    boss,
    DEMO_APPROVAL_FLOW,
    DEMO_TERMS_REQUESTS.map((input, i) => ({ key: `demo:terms-request:${i + 1}`, input })),
  );
  const request = demoStaffingRequest();
  const staffing = await startParked(db, boss, DEMO_STAFFING_FLOW, [
    { key: `demo:staffing-request:${request.id}`, input: request },
  ]);
  return terms + staffing;
}
