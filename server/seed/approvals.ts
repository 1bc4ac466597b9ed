// The demo Inbox: real runs of the billing-terms-change example (examples/), started when the demo boots and
// parked at their finance approval step by the workers — so approver@weft.local (Finance) finds open tasks on
// first start. Idempotent: each request has a fixed idempotency key, so a restart starts nothing new.
import "server-only";
import { fromPrisma, type PgBoss } from "pg-boss";
import type { Db } from "../db/client";
import { insertRunWithJob } from "../runtime/runs";
import { prismaSql } from "../runtime/sql";

export const DEMO_APPROVAL_FLOW = "billing-terms-change";

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

export async function seedDemoApprovals(db: Db, boss: PgBoss): Promise<number> {
  const flow = await db.flow.findUnique({ where: { key: DEMO_APPROVAL_FLOW }, select: { id: true } });
  if (!flow) return 0;
  const version = await db.flowVersion.findFirst({
    where: { flowId: flow.id, status: "approved" },
    orderBy: { createdAt: "desc" },
    select: { id: true },
  });
  if (!version) return 0;
  let created = 0;
  for (const [i, input] of DEMO_TERMS_REQUESTS.entries()) {
    const r = await db.$transaction((tx) =>
      insertRunWithJob(
        prismaSql(tx),
        boss,
        {
          flowId: flow.id,
          flowVersionId: version.id,
          triggerType: "manual",
          input,
          idempotencyKey: `demo:terms-request:${i + 1}`,
        },
        fromPrisma(tx),
      ),
    );
    if (r.created) created++;
  }
  return created;
}
