// The demo workspace's published flows for runs and the exception queue: the reference flows
// (examples/*.weft.json, the reference journey) and "post-invoice-to-netsuite", the finance team's
// invoice posting that the exception-queue demo and its end-to-end tests fail and repair against the
// NetSuite sandbox. Published as approved versions with a seed publish record; idempotent by flow key.
import "server-only";
import { readFileSync, readdirSync } from "node:fs";
import path from "node:path";
import type { Db } from "../db/client";
import { canonicalJson } from "../../core/dsl/hash";
import { EXAMPLE_SAMPLES } from "../flows/examples";
import { createHash } from "node:crypto";

/** Invoice INV-… for a customer's approved hours, posted to NetSuite: looks the customer up, then posts the invoice. */
export const INVOICE_POSTING_FLOW = {
  dsl: "weft/1",
  key: "post-invoice-to-netsuite",
  version: "1.0.0",
  name: "Approved invoice → NetSuite",
  description:
    "Posts the invoice for a customer's approved, billable hours to NetSuite: finds the customer record, then creates the invoice (one line of professional services). Failures go to finance.",
  domain: "invoice",
  owner: "finance",
  classification: "internal",
  tags: ["invoice", "netsuite"],
  trigger: {
    type: "manual",
    inputSchema: {
      type: "object",
      required: ["invoice", "customer", "customerId", "hours", "amount", "currency"],
      properties: {
        invoice: { type: "string", pattern: "^INV-[0-9]+$" },
        customer: { type: "string", minLength: 1 },
        customerId: { type: "string", pattern: "^[0-9]+$" },
        hours: { type: "number", minimum: 0 },
        amount: { type: "number", minimum: 0 },
        currency: { type: "string", pattern: "^[A-Z]{3}$" },
        approvedAt: { type: "string", format: "date-time", description: "When the time was approved in the PSA." },
      },
    },
  },
  businessKeys: {
    invoice: "$trigger.invoice",
    customer: "$trigger.customer",
    hours: "$trigger.hours",
    amount: "$trigger.amount",
  },
  onFailure: { type: "exception-queue", assignTo: "finance" },
  defaults: { retry: { on: ["transient", "timeout"], maxAttempts: 2, interval: "1s" }, timeout: "30s" },
  output: { invoiceId: "$steps.postInvoice.output.id" },
  start: "approvedTime",
  steps: [
    {
      id: "approvedTime",
      type: "map",
      name: "Approved time to bill",
      output: {
        invoice: "$trigger.invoice",
        customer: "$trigger.customer",
        hours: "$trigger.hours",
        amount: "$trigger.amount",
        currency: "$trigger.currency",
      },
      // The approved time this invoice bills, keyed by the invoice draft (one batch of time per invoice).
      business: [
        {
          type: "time.approved",
          keys: { timeEntry: "$trigger.invoice", customer: "$trigger.customer" },
          hours: "$trigger.hours",
          amount: "$trigger.amount",
          currency: "$trigger.currency",
          occurredAt: "$trigger.approvedAt",
        },
      ],
      next: "findCustomer",
    },
    {
      id: "findCustomer",
      type: "call",
      name: "Customer record in NetSuite",
      connector: "netsuite",
      operation: "getRecord",
      connection: "netsuite-prod",
      input: { recordType: "'customer'", id: "$trigger.customerId" },
      next: "postInvoice",
    },
    {
      id: "postInvoice",
      type: "call",
      name: "Invoice in NetSuite",
      connector: "netsuite",
      operation: "createInvoice",
      connection: "netsuite-prod",
      input: {
        "body.entity.id": "$steps.findCustomer.output.id",
        "body.externalId": "$trigger.invoice",
        "body.memo": "'Approved time ' & $trigger.invoice",
        "body.item.items":
          "[{ 'item': { 'id': '5' }, 'quantity': $trigger.hours, 'rate': $round($trigger.amount / $trigger.hours, 2) }]",
      },
      idempotencyKey: "'invoice-' & $trigger.invoice",
      business: [
        {
          type: "invoice.posted",
          keys: { invoice: "$output.id", customer: "$trigger.customer" },
          amount: "$trigger.amount",
          currency: "$trigger.currency",
        },
        {
          type: "time.invoiced",
          keys: { timeEntry: "$trigger.invoice", invoice: "$output.id", customer: "$trigger.customer" },
          hours: "$trigger.hours",
          amount: "$trigger.amount",
          currency: "$trigger.currency",
        },
      ],
    },
  ],
} as const;

/** The subflow worker-onboarding-hris-to-psa calls (`assign-default-skills@^1.0.0`): the default skills of a
 *  new resource's title, announced as resource.updated for the PSA to apply (Kantata's API has no skill writes). */
export const DEFAULT_SKILLS_FLOW = {
  dsl: "weft/1",
  key: "assign-default-skills",
  version: "1.0.0",
  name: "New resource → default skills by title",
  description:
    "Called by the worker onboarding flow: picks the default skills for the worker's title and announces them (resource.updated) for the PSA to apply.",
  domain: "resource",
  owner: "hr",
  classification: "internal",
  tags: ["resource", "skills"],
  trigger: {
    type: "manual",
    inputSchema: {
      type: "object",
      required: ["workerId", "title"],
      properties: { workerId: { type: "string", minLength: 1 }, title: { type: "string" } },
    },
  },
  onFailure: { type: "exception-queue", assignTo: "hr" },
  output: { skills: "$steps.defaults.output.skills" },
  start: "defaults",
  steps: [
    {
      id: "defaults",
      type: "map",
      name: "Default skills of the title",
      output: {
        workerId: "$trigger.workerId",
        grade: "$trigger.title",
        skills: `(
  $byTitle := {
    'Analyst': ['Excel', 'SQL'],
    'Consultant': ['Excel', 'SQL', 'Client workshops'],
    'Senior Consultant': ['SQL', 'Client workshops', 'Solution design'],
    'Manager': ['Project management', 'Client workshops'],
    'Senior Manager': ['Project management', 'Account management'],
    'Director': ['Account management', 'Practice leadership'],
    'Partner': ['Account management', 'Practice leadership']
  };
  $exists($lookup($byTitle, $trigger.title)) ? $lookup($byTitle, $trigger.title) : ['Onboarding']
)`,
      },
      next: "announce",
    },
    {
      id: "announce",
      type: "emit",
      event: "resource.updated",
      version: 1,
      payload: {
        workerId: "$steps.defaults.output.workerId",
        grade: "$steps.defaults.output.grade",
        skills: "$steps.defaults.output.skills",
      },
    },
  ],
} as const;

export interface DemoFlowDoc {
  key: string;
  version: string;
  name: string;
  description?: string;
  domain: string;
  owner: string;
  classification: string;
  [k: string]: unknown;
}

export function referenceFlows(dir = path.resolve("examples")): DemoFlowDoc[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith(".weft.json"))
    .sort()
    .map((f) => JSON.parse(readFileSync(path.join(dir, f), "utf8")) as DemoFlowDoc);
}

/** Publishes each document (flow + approved version) unless a flow with its key exists; returns the keys created. */
export async function publishDemoFlows(db: Db, docs: readonly DemoFlowDoc[]): Promise<string[]> {
  const created: string[] = [];
  for (const doc of docs) {
    if (await db.flow.findUnique({ where: { key: doc.key }, select: { id: true } })) continue;
    const team =
      (await db.team.findUnique({ where: { key: doc.owner } })) ??
      (await db.team.findFirst({ orderBy: { key: "asc" } }));
    if (!team) continue;
    const approver = await db.user.findUnique({ where: { email: "approver@weft.local" }, select: { id: true } });
    const designer = await db.user.findUnique({ where: { email: "designer@weft.local" }, select: { id: true } });
    const { $schema: _schema, ...dsl } = doc as DemoFlowDoc & { $schema?: string };
    const approvedAt = new Date(Date.now() - 30 * 86_400_000);
    await db.$transaction(async (tx) => {
      const flow = await tx.flow.create({
        data: {
          key: doc.key,
          name: doc.name,
          description: doc.description ?? "",
          domain: doc.domain,
          ownerTeamId: team.id,
          classification: doc.classification,
          lifecycle: "active",
          draft: dsl as object,
          createdById: designer?.id ?? null,
        },
      });
      const v = await tx.flowVersion.create({
        data: {
          flowId: flow.id,
          version: doc.version,
          dsl: dsl as object,
          contentHash: createHash("sha256").update(canonicalJson(dsl)).digest("hex"),
          status: "approved",
          changelog: "Published for the demo workspace.",
          authorId: designer?.id ?? null,
          approverId: approver?.id ?? null,
          approvedAt,
          createdAt: approvedAt,
        },
      });
      // The example flows come with their pinned samples: "Test run" works on them out of the box.
      const samples = EXAMPLE_SAMPLES[doc.key] ?? {};
      if (Object.keys(samples).length)
        await tx.flowSample.createMany({
          data: Object.entries(samples).map(([nodeId, payload]) => ({
            flowId: flow.id,
            nodeId,
            payload: payload as object,
            source: "example",
            pinnedById: designer?.id ?? null,
          })),
        });
      await tx.versionRequest.create({
        data: {
          flowVersionId: v.id,
          flowId: flow.id,
          requestedById: designer?.id ?? "seed",
          policy: {
            ok: true,
            checks: [{ id: "seed", label: "Seeded demo flow", ok: true, detail: "Published by the demo seed." }],
          },
          status: "approved",
          decidedById: approver?.id ?? null,
          decidedAt: approvedAt,
        },
      });
    });
    created.push(doc.key);
  }
  return created;
}
