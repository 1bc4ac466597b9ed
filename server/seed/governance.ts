// Governance part of the demo workspace: domain ownership and stewards, runtime standards, the event
// registry, and a small estate of demo flows — real weft/1 documents over the demo connections
// (governance-flows.ts) — with version history, a pending request, SLOs and a week of synthetic run history
// (marked `demo: true` in their input).
// Idempotent: only adds what is missing.
import "server-only";
import type { Db } from "../db/client";
import { appendAudit } from "../audit/audit";
import { loadSessionUser } from "../auth/session-user";
import { DEFAULT_STANDARDS, PLATFORM_DOMAIN } from "../governance/standards";
import { requestVersion } from "../governance/versions";
import { foldRuns } from "../governance/slo-store";
import type { JsonSchema } from "../../core/governance/contract-compat";
import type { GovCtx } from "../governance/context";
import { contentHash } from "../../core/dsl/hash";
import { TRIGGER_NODE_ID } from "../../core/dsl/graph";
import type { Flow } from "../../core/dsl/schema";
import * as flows from "./governance-flows";
import { DomainError } from "../../core/domain-error";
import type { FaultConfig } from "@/connectors/sandbox-kit/server";
import { demoSandboxFor } from "./demo-sandboxes-registry";
import { startManualRun, type OpsDeps } from "../runtime/operations";
import { loadPublishedFlow } from "../runtime/flow-source";
import { prismaSql } from "../runtime/sql";
import type { FlowDocument } from "./governance-flows";

export const DOMAIN_SEED: ReadonlyArray<{
  key: string;
  name: string;
  kind: "business" | "platform";
  team: string;
  charter: string;
  stewards: string[];
}> = [
  {
    key: "customer",
    name: "Customer",
    kind: "business",
    team: "finance",
    charter: "Customer master and billing accounts",
    stewards: ["designer@weft.local"],
  },
  {
    key: "opportunity",
    name: "Opportunity",
    kind: "business",
    team: "pmo",
    charter: "Pipeline to project hand-off",
    stewards: ["operator@weft.local"],
  },
  {
    key: "project",
    name: "Project",
    kind: "business",
    team: "pmo",
    charter: "Project lifecycle",
    stewards: ["operator@weft.local", "viewer@weft.local"],
  },
  {
    key: "resource",
    name: "Resource",
    kind: "business",
    team: "hr",
    charter: "Resource attributes (skills, grades, cost rates)",
    stewards: ["admin@weft.local"],
  },
  {
    key: "contract",
    name: "Contract",
    kind: "business",
    team: "finance",
    charter: "Contract terms and rate cards",
    stewards: ["approver@weft.local"],
  },
  {
    key: "time-expense",
    name: "Time & expense",
    kind: "business",
    team: "pmo",
    charter: "Timesheet and expense approval",
    stewards: ["operator@weft.local"],
  },
  {
    key: "invoice",
    name: "Invoice",
    kind: "business",
    team: "finance",
    charter: "Invoice policy",
    stewards: ["approver@weft.local", "designer@weft.local"],
  },
  {
    key: "reporting",
    name: "Reporting",
    kind: "business",
    team: "platform",
    charter: "Reporting feeds to BI",
    stewards: ["designer@weft.local"],
  },
  {
    key: PLATFORM_DOMAIN,
    name: "Runtime standards",
    kind: "platform",
    team: "platform",
    charter: "Runtime standards: deprecation notice, SLO defaults, alerting",
    stewards: ["admin@weft.local", "designer@weft.local"],
  },
];

const obj = (required: string[], props: Record<string, JsonSchema>): JsonSchema => ({
  type: "object",
  required,
  properties: props,
});
const S: JsonSchema = { type: "string" };
export const CONTRACT_SEED: ReadonlyArray<{
  name: string;
  team: string;
  domain: string;
  description: string;
  schema: JsonSchema;
  producers: string[];
  consumers: string[];
}> = [
  {
    name: "opportunity.won",
    team: "pmo",
    domain: "opportunity",
    description: "A CRM opportunity was closed-won.",
    schema: obj(["opportunityId", "customerId", "amount"], {
      opportunityId: S,
      customerId: S,
      amount: { type: "number", minimum: 0 },
      closeDate: { type: "string", format: "date" },
    }),
    producers: ["salesforce"],
    consumers: [],
  },
  {
    name: "project.created",
    team: "pmo",
    domain: "project",
    description: "A delivery project was set up in the PSA.",
    schema: obj(["projectId", "opportunityId"], { projectId: S, opportunityId: S, customerId: S }),
    producers: [],
    consumers: [],
  },
  {
    name: "timesheet.approved",
    team: "pmo",
    domain: "time-expense",
    description: "A timesheet was approved and is billable.",
    schema: obj(["timesheetId", "projectId", "hours"], {
      timesheetId: S,
      projectId: S,
      hours: { type: "number", minimum: 0 },
      approvedAt: { type: "string", format: "date-time" },
    }),
    producers: [],
    consumers: [],
  },
  {
    name: "invoice.created",
    team: "finance",
    domain: "invoice",
    description: "An invoice was raised in the ERP.",
    schema: obj(["invoiceId", "projectId", "amount", "currency"], {
      invoiceId: S,
      projectId: S,
      amount: { type: "number" },
      currency: { type: "string", pattern: "^[A-Z]{3}$" },
    }),
    producers: [],
    consumers: [],
  },
  {
    name: "resource.updated",
    team: "hr",
    domain: "resource",
    description: "A person's staffing attributes changed.",
    schema: obj(["workerId"], { workerId: S, grade: S, skills: { type: "array", items: S } }),
    producers: [],
    consumers: ["kantata"],
  },
];

export const FLOW_SEED: ReadonlyArray<{
  key: string;
  name: string;
  description: string;
  team: string;
  domain: string;
  classification: string;
  onCall: string;
  /** The live (approved) version. */
  dsl: FlowDocument;
  /** Earlier versions, oldest first (deprecated, still in their sunset window). */
  earlier?: FlowDocument[];
  /** The draft when it is ahead of the live version (otherwise the live version). */
  draft?: FlowDocument;
  runsPerHour: number;
  failureRate: number;
}> = [
  {
    ...meta(flows.opportunityToProject, "pmo-oncall@weft.local"),
    dsl: flows.opportunityToProject,
    runsPerHour: 2,
    failureRate: 0.01,
  },
  {
    ...meta(flows.timesheetApprovalSync, "pmo-oncall@weft.local"),
    dsl: flows.timesheetApprovalSync,
    runsPerHour: 12,
    failureRate: 0.004,
  },
  // The draft is what the designer asked to publish as 1.1.0 (the pending request below).
  {
    ...meta(flows.timeToInvoice, "finance-oncall@weft.local"),
    dsl: flows.timeToInvoice,
    earlier: [flows.timeToInvoice090],
    draft: flows.timeToInvoice110,
    runsPerHour: 12,
    failureRate: 0.003,
  },
  {
    ...meta(flows.invoiceToReporting, "platform-oncall@weft.local"),
    dsl: flows.invoiceToReporting,
    runsPerHour: 12,
    failureRate: 0.002,
  },
  {
    ...meta(flows.resourceAttributesSync, "hr-oncall@weft.local"),
    dsl: flows.resourceAttributesSync,
    runsPerHour: 0,
    failureRate: 0,
  },
  {
    ...meta(flows.legacyInvoiceExport, "finance-oncall@weft.local"),
    dsl: flows.legacyInvoiceExport,
    runsPerHour: 0,
    failureRate: 0,
  },
];

/** The pending version of time-to-invoice the approver's demo starts from. */
export const PENDING_SEED = {
  flowKey: "time-to-invoice",
  dsl: flows.timeToInvoice110,
  changelog: "Adds the customer's PO number to every invoice.",
} as const;

function meta(d: FlowDocument, onCall: string) {
  return {
    key: d.key,
    name: d.name,
    description: d.description,
    team: d.owner,
    domain: d.domain,
    classification: d.classification,
    onCall,
  };
}

async function teamId(db: Db, key: string): Promise<string> {
  return (await db.team.upsert({ where: { key }, update: {}, create: { key, name: key } })).id;
}

async function userId(db: Db, email: string): Promise<string | null> {
  return (await db.user.findUnique({ where: { email }, select: { id: true } }))?.id ?? null;
}

const SEED_POLICY = {
  ok: true,
  checks: [
    {
      id: "seed",
      label: "Seeded demo history",
      ok: true,
      detail: "Created by the demo seed, not through a publish request.",
    },
  ],
};

export async function seedGovernance(
  db: Db,
  opts: { now?: Date; runHistoryDays?: number } = {},
): Promise<{ flowsCreated: number }> {
  const now = opts.now ?? new Date();
  for (const d of DOMAIN_SEED) {
    const exists = await db.govDomain.findUnique({ where: { key: d.key } });
    if (exists) continue;
    await db.govDomain.create({
      data: {
        key: d.key,
        name: d.name,
        kind: d.kind,
        charter: d.charter,
        ownerTeamId: await teamId(db, d.team),
        policy: d.kind === "platform" ? { ...DEFAULT_STANDARDS } : {},
      },
    });
    for (const email of d.stewards) {
      const id = await userId(db, email);
      if (id) await db.govDomainSteward.create({ data: { domainKey: d.key, userId: id } });
    }
  }
  const designerId = await userId(db, "designer@weft.local");
  const approverId = await userId(db, "approver@weft.local");
  const adminId = await userId(db, "admin@weft.local");

  for (const c of CONTRACT_SEED) {
    if (await db.eventContract.findFirst({ where: { name: c.name } })) continue;
    await db.eventContract.create({
      data: {
        name: c.name,
        version: "1.0.0",
        major: 1,
        schema: c.schema as object,
        ownerTeamId: await teamId(db, c.team),
        domain: c.domain,
        description: c.description,
        producers: c.producers,
        consumers: c.consumers,
        changelog: "Registered.",
        createdById: designerId,
      },
    });
  }

  let flowsCreated = 0;
  for (const f of FLOW_SEED) {
    if (await db.flow.findUnique({ where: { key: f.key }, select: { id: true } })) continue;
    flowsCreated++;
    const owner = await teamId(db, f.team);
    const flow = await db.flow.create({
      data: {
        key: f.key,
        name: f.name,
        description: f.description,
        domain: f.domain,
        ownerTeamId: owner,
        onCall: f.onCall,
        classification: f.classification,
        lifecycle: "active",
        draft: (f.draft ?? f.dsl) as object,
        createdById: designerId,
      },
    });
    const approver = f.team === "finance" ? approverId : adminId;
    const history = [...(f.earlier ?? []), f.dsl];
    for (const [i, doc] of history.entries()) {
      const last = i === history.length - 1;
      const v = await db.flowVersion.create({
        data: {
          flowId: flow.id,
          version: doc.version,
          dsl: doc as object,
          contentHash: contentHash(doc as unknown as Flow),
          status: last ? "approved" : "deprecated",
          changelog: last
            ? i === 0
              ? "First version."
              : "Looks up the customer before invoicing; emits invoice.created."
            : "First version (posted invoices without the customer lookup).",
          authorId: designerId,
          approverId: approver,
          approvedAt: new Date(now.getTime() - (history.length - i) * 20 * 86_400_000),
          sunsetAt: last ? null : new Date(now.getTime() + 45 * 86_400_000),
          createdAt: new Date(now.getTime() - (history.length - i) * 21 * 86_400_000),
        },
      });
      await db.versionRequest.create({
        data: {
          flowVersionId: v.id,
          flowId: flow.id,
          requestedById: designerId ?? "seed",
          policy: SEED_POLICY,
          status: "approved",
          decidedById: approver,
          decidedAt: v.approvedAt,
        },
      });
    }
    if (f.runsPerHour > 0) {
      await db.slo.create({
        data: { flowId: flow.id, name: "Runs succeed", kind: "success", target: 0.99, createdById: designerId },
      });
      if (f.key === "time-to-invoice") {
        await db.slo.create({
          data: {
            flowId: flow.id,
            name: "Invoiced within 30 s",
            kind: "latency",
            target: 0.95,
            thresholdMs: 30_000,
            createdById: designerId,
          },
        });
        await db.slo.create({
          data: {
            flowId: flow.id,
            name: "Invoiced within 4 h of approval",
            kind: "freshness",
            target: 0.99,
            thresholdMs: 4 * 3_600_000,
            createdById: designerId,
          },
        });
      }
      await seedRunHistory(db, flow.id, f.runsPerHour, f.failureRate, opts.runHistoryDays ?? 7, now);
    }
  }
  if (flowsCreated) {
    await db.$transaction((tx) =>
      appendAudit(tx, {
        actor: null,
        action: "governance.demo_seeded",
        entityType: "workspace",
        entityId: null,
        meta: { flows: FLOW_SEED.map((f) => f.key) },
      }),
    );
    await foldRuns(db, { now, lagMs: 0 });
  }

  for (const [key, payload] of Object.entries(flows.DEMO_TRIGGER_SAMPLES)) {
    const flow = await db.flow.findUnique({ where: { key }, select: { id: true } });
    // Only where nobody pinned one yet: a designer's own sample wins.
    if (flow)
      await db.flowSample.upsert({
        where: { flowId_nodeId: { flowId: flow.id, nodeId: TRIGGER_NODE_ID } },
        update: {},
        create: { flowId: flow.id, nodeId: TRIGGER_NODE_ID, payload: payload as object, source: "demo" },
      });
  }
  // A pending request on the invoice flow, made through the service as the designer: the approver's demo.
  const invoiceFlow = await db.flow.findUnique({ where: { key: PENDING_SEED.flowKey }, select: { id: true } });
  if (
    invoiceFlow &&
    designerId &&
    !(await db.flowVersion.findFirst({ where: { flowId: invoiceFlow.id, version: PENDING_SEED.dsl.version } }))
  ) {
    const designer = await loadSessionUser(db, designerId);
    if (designer) {
      const ctx: GovCtx = {
        db,
        user: designer,
        audit: (tx, e) => appendAudit(tx, { ...e, actor: { id: designer.id, email: designer.email }, requestId: null }),
      };
      // What the designer's publish button does (the server validates and detects the bump itself).
      await requestVersion(ctx, {
        flowKey: PENDING_SEED.flowKey,
        version: PENDING_SEED.dsl.version,
        dsl: PENDING_SEED.dsl,
        changelog: PENDING_SEED.changelog,
      });
    }
  }
  return { flowsCreated };
}

/** A week of runs in one INSERT … SELECT: hourly volume spread across the hour, a small failure rate. */
async function seedRunHistory(
  db: Db,
  flowId: string,
  perHour: number,
  failureRate: number,
  days: number,
  now: Date,
): Promise<void> {
  // Deterministic per run index so reseeding an empty database gives the same picture.
  await db.$executeRawUnsafe(
    `INSERT INTO run (id, flow_id, status, trigger_type, input, created_at, started_at, finished_at, error)
     SELECT gen_random_uuid(), $1::uuid,
            (CASE WHEN ((i * 7919) % 1000) < $2::float8 * 1000 THEN 'failed' ELSE 'succeeded' END)::"RunStatus",
            'event',
            jsonb_build_object('demo', true, 'occurredAt', to_char((t - interval '20 minutes') AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')),
            t, t + interval '1 second', t + ((800 + (i * 104729) % 20000) * interval '1 millisecond'),
            CASE WHEN ((i * 7919) % 1000) < $2::float8 * 1000 THEN '{"class":"upstream_5xx","message":"demo failure"}'::jsonb END
       FROM (SELECT i, $3::timestamptz - (i * (3600.0 / $4::int)) * interval '1 second' AS t
               FROM generate_series(1, $4::int * 24 * $5::int) AS i) g`,
    flowId,
    failureRate,
    now,
    perHour,
    days,
  );
}

/**
 * Demo mode only: makes the sandbox behind the flow's first call step answer 503 to every API call, then
 * starts `count` real runs of the published version (the input of its latest real succeeded run, else a
 * sample of its trigger's event contract). They fail for real once their retries are exhausted, open
 * exceptions, and the SLO job folds them. Returns at once; the faults are cleared when those runs have
 * finished (or after FAULT_WINDOW_MS at the latest), and at once when starting them fails.
 */
export async function injectSandboxFaults(
  d: OpsDeps,
  flowKey: string,
  count: number,
): Promise<{ started: number; connector: string; system: string }> {
  const flow = await loadPublishedFlow(prismaSql(d.db), flowKey, { fresh: true });
  if (!flow) throw new DomainError("not_found", `Flow "${flowKey}" has no published version.`);
  const dsl = flow.dsl as { trigger?: { type?: string; event?: string }; steps?: unknown[] };
  const call = firstCallStep(dsl.steps ?? []);
  if (!call) throw new DomainError("precondition", `Flow "${flowKey}" v${flow.version} has no call step to fault.`);
  const sandbox = demoSandboxFor(call.connector);
  if (!sandbox)
    throw new DomainError(
      "precondition",
      `Step "${call.id}" calls ${call.connector}, which has no demo sandbox in this process.`,
    );
  const input = await faultRunInput(d.db, flow.flowId, dsl.trigger);

  await holdFaults(sandbox.admin);
  const runIds: string[] = [];
  try {
    for (let i = 0; i < count; i++) runIds.push((await startManualRun(d, flowKey, input)).runId);
  } catch (e) {
    if (!runIds.length) {
      await releaseFaults(sandbox.admin);
      throw e;
    }
  }
  void releaseWhenFinished(d.db, sandbox.admin, runIds);
  return { started: runIds.length, connector: call.connector, system: sandbox.system };
}

/** The longest the sandbox stays faulty for one injection (the demo flows give up after ~15 s of retries). */
const FAULT_WINDOW_MS = 120_000;
// Overlapping injections into one sandbox: the faults are cleared when the last one ends.
const holders = ((globalThis as unknown as { __weftFaultHolders?: Map<string, number> }).__weftFaultHolders ??= new Map<
  string,
  number
>());

async function sandboxAdmin(admin: string, method: "POST" | "DELETE", body?: FaultConfig): Promise<void> {
  const res = await fetch(`${admin}/faults`, {
    method,
    headers: { "content-type": "application/json" },
    body: body ? JSON.stringify(body) : undefined,
  });
  if (!res.ok) throw new Error(`Sandbox admin ${method} ${admin}/faults answered ${res.status}.`);
}

async function holdFaults(admin: string): Promise<void> {
  holders.set(admin, (holders.get(admin) ?? 0) + 1);
  try {
    await sandboxAdmin(admin, "POST", { errorRate: 1, errorStatus: 503 });
  } catch (e) {
    await releaseFaults(admin);
    throw e;
  }
}

async function releaseFaults(admin: string): Promise<void> {
  const n = (holders.get(admin) ?? 1) - 1;
  if (n > 0) return void holders.set(admin, n);
  holders.delete(admin);
  await sandboxAdmin(admin, "DELETE").catch((e: unknown) => console.error("[weft] could not clear sandbox faults", e));
}

async function releaseWhenFinished(db: Db, admin: string, runIds: string[]): Promise<void> {
  const until = Date.now() + FAULT_WINDOW_MS;
  try {
    while (Date.now() < until) {
      await new Promise((r) => setTimeout(r, 1000));
      const going = await db.run.count({
        where: { id: { in: runIds }, status: { in: ["queued", "running", "waiting"] } },
      });
      if (going === 0) break;
    }
  } catch (e) {
    console.error("[weft] watching fault-injection runs failed; clearing the faults now", e);
  } finally {
    await releaseFaults(admin);
  }
}

/** The first call step in document order (nested steps included). */
function firstCallStep(steps: unknown[]): { id: string; connector: string } | null {
  for (const s of steps) {
    if (!s || typeof s !== "object") continue;
    const step = s as Record<string, unknown>;
    if (step.type === "call" && typeof step.connector === "string")
      return { id: String(step.id), connector: step.connector };
    for (const v of Object.values(step)) {
      const nested = Array.isArray(v)
        ? v
        : v && typeof v === "object"
          ? Object.values(v).flatMap((x) => (Array.isArray(x) ? x : []))
          : [];
      const hit = nested.length ? firstCallStep(nested) : null;
      if (hit) return hit;
    }
  }
  return null;
}

/**
 * What the runs start with: an input that succeeds once the fault is gone, so the exceptions they leave can
 * be cleared by a retry — the latest real (not seeded-history, not test) succeeded run's input, else the
 * flow's pinned trigger sample (DEMO_TRIGGER_SAMPLES, records the sandboxes hold), else a contract sample.
 */
async function faultRunInput(
  db: Db,
  flowId: string,
  trigger: { type?: string; event?: string } | undefined,
): Promise<unknown> {
  const [last] = await db.$queryRaw<Array<{ input: unknown }>>`
    SELECT input FROM run WHERE flow_id = ${flowId}::uuid AND status = 'succeeded' AND NOT is_test
       AND input->'demo' IS DISTINCT FROM 'true'::jsonb
     ORDER BY created_at DESC LIMIT 1`;
  if (last) return last.input;
  const pinned = await db.flowSample.findUnique({
    where: { flowId_nodeId: { flowId, nodeId: TRIGGER_NODE_ID } },
    select: { payload: true },
  });
  if (pinned) return pinned.payload;
  if (trigger?.type !== "event" || !trigger.event) return {};
  const contract = await db.eventContract.findFirst({
    where: { name: trigger.event },
    orderBy: { createdAt: "desc" },
    select: { schema: true },
  });
  return contract ? sampleOf(contract.schema as JsonSchema, "sample") : {};
}

function sampleOf(schema: JsonSchema, name: string): unknown {
  const s = schema as JsonSchema & {
    enum?: unknown[];
    format?: string;
    pattern?: string;
    minimum?: number;
    items?: JsonSchema;
    properties?: Record<string, JsonSchema>;
  };
  if (s.enum?.length) return s.enum[0];
  switch (s.type) {
    case "object":
      return Object.fromEntries(Object.entries(s.properties ?? {}).map(([k, v]) => [k, sampleOf(v, k)]));
    case "array":
      return s.items ? [sampleOf(s.items, name)] : [];
    case "number":
    case "integer":
      return Math.max(s.minimum ?? 0, 100);
    case "boolean":
      return true;
    case "string": {
      if (s.format === "date") return new Date().toISOString().slice(0, 10);
      if (s.format === "date-time") return new Date().toISOString();
      const candidates = [`demo-${name}`, "USD", "A"];
      return candidates.find((c) => !s.pattern || new RegExp(s.pattern).test(c)) ?? candidates[0];
    }
    default:
      return null;
  }
}
