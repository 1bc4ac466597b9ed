// The demo workspace's run history: a week of runs of the reference flows (examples/*.weft.json) and of the
// invoice-posting flow, with the open exceptions the sandbox faults of that week caused — so /runs and
// /exceptions are not empty the first time someone opens them.
//
// Rows are inserted shaped exactly like the runtime's (run + step_run with attempt logs, idempotency keys
// and timings; exceptions through the runtime's own openException, so signature, redaction, business-key
// values and team assignment are the runtime's), not produced by executing flows at boot: a history must
// be spread over past days (the runtime stamps now()), boot must not wait on a week of retries, and the
// picture must be the same on every fresh database. The messages are the ones the runtime records for
// those faults against the sandboxes (server/exceptions/triage.test.ts and e2e/exceptions.spec.ts produce
// them for real through fault injection). The business events of those runs (the Business page's figures) are
// evaluated from each succeeded step's declarations and written by the runtime's own writer
// (server/runtime/business-events.ts), stamped at the step's time. Idempotent: a marker audit entry says it ran.
import "server-only";
import { randomUUID } from "node:crypto";
import type { Db } from "../db/client";
import { appendAudit } from "../audit/audit";
import { prismaSql } from "../runtime/sql";
import { openException, openItemExceptions } from "../runtime/exceptions";
import { businessKeyValues } from "../../core/exceptions/keys";
import { firm, firmOrganization, sfId } from "@/connectors/sandbox-kit/firm";
import { DEFAULT_SKILLS_FLOW, INVOICE_POSTING_FLOW, publishDemoFlows, referenceFlows } from "./demo-flows";
import { evaluate, evaluateBusinessEvents, parseFlow, stepsOf, type Flow, type Step } from "@/core/dsl";
import { insertBusinessEvents } from "../runtime/business-events";

const MARKER = "exceptions.demo_history_seeded";
type Json = Record<string, unknown>;

export interface StepSpec {
  path: string;
  status: "succeeded" | "failed" | "skipped";
  input?: unknown;
  output?: unknown;
  error?: Json;
  attempts?: number;
  /** Failed attempts before the last one: [errorClass, message, delayMs]. */
  retries?: Array<[string, string, number]>;
  ms: number;
  idempotencyKey?: string;
}

export interface RunSpec {
  flowKey: string;
  at: Date;
  triggerType: string;
  input: unknown;
  businessKeys: Json | null;
  steps: StepSpec[];
  output?: unknown;
  failure?: {
    step: string;
    errorClass: string;
    code: string;
    message: string;
    request?: Json;
    response?: Json;
    /** The exception's keys when not the run's (a batch: the run's and its failed items'). */
    keys?: Json;
  };
  /** Failed items of a foreach (`itemOf`), each an exception of its own (server/runtime/exceptions.ts openItemExceptions). */
  items?: {
    itemOf: string;
    failures: Array<{ step: string; errorClass: string; code: string; message: string; keys: Json }>;
  };
}

/** Deterministic pseudo-random numbers: the same history on every fresh database. */
function rng(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The week of runs, as specs (exported for `npm run bench:pages --scale`, which inserts it many times over). */
export function history(now: Date): RunSpec[] {
  const r = rng(7);
  // Values added for the business events draw from their own sequence, so the rest of the history is unchanged.
  const rk = rng(15);
  const f = firm();
  const customers = f.customers.slice(0, 14);
  const runs: RunSpec[] = [];
  const ago = (hours: number) => new Date(now.getTime() - hours * 3_600_000);

  // Approved invoices posted to NetSuite: ~18 a day; a customer master gap (records missing) and a burst of
  // NetSuite concurrency limits (429) three days ago and again this morning.
  for (let i = 0; i < 130; i++) {
    const hoursAgo = 0.3 + i * 1.27 + r() * 0.5;
    const c = customers[Math.floor(r() * customers.length)]!;
    const hours = Math.round((8 + r() * 60) * 2) / 2;
    const rate = [150, 175, 185, 210, 240][Math.floor(r() * 5)]!;
    const inv = `INV-${1000 + 130 - i}`;
    const missing = i % 11 === 4;
    const limited = (hoursAgo > 70 && hoursAgo < 76) || i % 17 === 2;
    const customerId = missing ? String(900 + (i % 7) * 3) : String(100 + c.n);
    const approvedAt = ago(hoursAgo + 24 + rk() * 24 * 14).toISOString();
    const input = {
      invoice: inv,
      customer: c.name,
      customerId,
      hours,
      amount: hours * rate,
      currency: "USD",
      approvedAt,
    };
    const keys = { invoice: inv, customer: c.name, hours, amount: hours * rate };
    const approvedTime: StepSpec = {
      path: "approvedTime",
      status: "succeeded",
      output: { invoice: inv, customer: c.name, hours, amount: hours * rate, currency: "USD" },
      ms: 2,
    };
    const find: StepSpec = {
      path: "findCustomer",
      status: "succeeded",
      input: { recordType: "customer", id: customerId },
      output: {
        id: customerId,
        companyName: c.name,
        externalId: sfId("001", c.n),
        currency: { id: "1", refName: "USD" },
      },
      ms: 120 + Math.floor(r() * 200),
    };
    const postInput = {
      body: {
        entity: { id: customerId },
        externalId: inv,
        memo: `Approved time ${inv}`,
        item: { items: [{ item: { id: "5" }, quantity: hours, rate }] },
      },
    };
    if (missing) {
      const message = `GET /services/rest/record/v1/customer/${customerId} → 404: Record ${customerId} of type customer was not found.`;
      runs.push({
        flowKey: INVOICE_POSTING_FLOW.key,
        at: ago(hoursAgo),
        triggerType: "manual",
        input,
        businessKeys: keys,
        steps: [
          approvedTime,
          {
            ...find,
            status: "failed",
            output: undefined,
            error: { errorClass: "validation", code: "http_404", message },
          },
        ],
        failure: {
          step: "findCustomer",
          errorClass: "validation",
          code: "http_404",
          message,
          request: { method: "GET", url: `/services/rest/record/v1/customer/${customerId}` },
          response: {
            status: 404,
            body: {
              "o:errorDetails": [
                { detail: `Record ${customerId} of type customer was not found.`, "o:errorCode": "NONEXISTENT_ID" },
              ],
            },
          },
        },
      });
    } else if (limited) {
      const message =
        "POST /services/rest/record/v1/invoice → 429: Request blocked: the account's concurrency limit is exceeded (CONCURRENCY_LIMIT_EXCEEDED).";
      runs.push({
        flowKey: INVOICE_POSTING_FLOW.key,
        at: ago(hoursAgo),
        triggerType: "manual",
        input,
        businessKeys: keys,
        steps: [
          approvedTime,
          find,
          {
            path: "postInvoice",
            status: "failed",
            input: postInput,
            error: { errorClass: "transient", code: "http_429", message },
            attempts: 2,
            retries: [["transient", message, 1000]],
            ms: 2400,
            idempotencyKey: `invoice-${inv}`,
          },
        ],
        failure: {
          step: "postInvoice",
          errorClass: "transient",
          code: "http_429",
          message,
          request: {
            method: "POST",
            url: "/services/rest/record/v1/invoice",
            headers: {
              authorization: "Bearer eyJhbGciOiJFUzI1NiJ9.demo",
              "x-netsuite-idempotency-key": `invoice-${inv}`,
            },
            body: postInput.body,
          },
          response: {
            status: 429,
            headers: { "retry-after": "2" },
            body: { "o:errorDetails": [{ "o:errorCode": "CONCURRENCY_LIMIT_EXCEEDED" }] },
          },
        },
      });
    } else {
      const id = String(9000 + i);
      runs.push({
        flowKey: INVOICE_POSTING_FLOW.key,
        at: ago(hoursAgo),
        triggerType: "manual",
        input,
        businessKeys: keys,
        steps: [
          approvedTime,
          find,
          {
            path: "postInvoice",
            status: "succeeded",
            input: postInput,
            output: { id, location: `/services/rest/record/v1/invoice/${id}` },
            ms: 300 + Math.floor(r() * 500),
            idempotencyKey: `invoice-${inv}`,
          },
        ],
        output: { invoiceId: id },
      });
    }
  }

  // Opportunity won → project: a few a day; NetSuite rejects some customer records (validation → fail step).
  for (let i = 0; i < 36; i++) {
    const o = f.opportunities[i % f.opportunities.length]!;
    const c = f.customers[o.customerN - 1]!;
    const oppId = sfId("006", o.n);
    const accId = sfId("001", c.n);
    const at = ago(2 + i * 4.6 + r());
    // When the deal closed in Salesforce: the set-up time runs from there.
    const closedAt = new Date(at.getTime() - (0.5 + rk() * 30) * 3_600_000).toISOString();
    const input = { opportunityId: oppId, amount: o.amount, stage: "Closed Won", closedAt };
    const getOpp: StepSpec = {
      path: "getOpportunity",
      status: "succeeded",
      input: { sobject: "Opportunity", id: oppId },
      output: { Name: o.name, AccountId: accId, Amount: o.amount, CloseDate: o.closeDate },
      ms: 180,
    };
    const getAcc: StepSpec = {
      path: "getAccount",
      status: "succeeded",
      input: { sobject: "Account", id: accId },
      output: { Id: accId, Name: c.name, BillingCountry: c.country },
      ms: 150,
    };
    const rejected = i % 8 === 3;
    if (rejected) {
      const message = "NetSuite rejected the customer record; fix the account in Salesforce and retry.";
      runs.push({
        flowKey: "opportunity-won-to-project",
        at,
        triggerType: "event",
        input,
        businessKeys: { opportunity: oppId },
        steps: [
          getOpp,
          getAcc,
          {
            path: "upsertCustomer",
            status: "failed",
            input: { recordType: "customer", externalId: accId, body: { companyName: c.name } },
            error: {
              errorClass: "validation",
              code: "http_400",
              message: `PUT /services/rest/record/v1/customer/eid:${accId} → 400: Invalid value for subsidiary.`,
            },
            ms: 260,
          },
          {
            path: "customerRejected",
            status: "failed",
            error: { errorClass: "business", code: "customer_data_invalid", message },
            ms: 1,
          },
        ],
        failure: { step: "customerRejected", errorClass: "business", code: "customer_data_invalid", message },
      });
    } else {
      const ws = String(70000 + o.n);
      runs.push({
        flowKey: "opportunity-won-to-project",
        at,
        triggerType: "event",
        input,
        businessKeys: { opportunity: oppId },
        steps: [
          getOpp,
          getAcc,
          { path: "upsertCustomer", status: "succeeded", output: { id: String(100 + c.n) }, ms: 240 },
          { path: "createProject", status: "succeeded", output: { id: ws, title: o.name }, ms: 410 },
          { path: "createErpProject", status: "succeeded", output: { id: String(5000 + o.n) }, ms: 300 },
          { path: "announce", status: "succeeded", output: { eventId: randomUUID() }, ms: 4 },
        ],
        output: { projectId: ws, erpJobId: String(5000 + o.n), customerId: String(100 + c.n) },
      });
    }
  }

  // Worker onboarding (restricted: payloads masked until an operator reveals them); Workday token expiry.
  for (let i = 0; i < 16; i++) {
    const w = f.consultants[(i * 7) % f.consultants.length]!;
    const at = ago(5 + i * 10.3);
    const input = {
      headers: { "x-workday-event-id": `evt-${w.wid.slice(0, 10)}` },
      body: { workerId: w.wid, event: "HIRE" },
    };
    const worker = {
      id: w.wid,
      descriptor: `${w.firstName} ${w.lastName}`,
      firstName: w.firstName,
      lastName: w.lastName,
      primaryWorkEmail: w.email,
      businessTitle: w.title,
      hireDate: w.hireDate,
      costRate: w.costRate,
    };
    if (i % 6 === 1) {
      const message = "GET /ccx/api/v1/weft/workers/" + w.wid + " → 401: invalid_token: the access token expired.";
      runs.push({
        flowKey: "worker-onboarding-hris-to-psa",
        at,
        triggerType: "webhook",
        input,
        businessKeys: { worker: w.wid },
        steps: [
          {
            path: "getWorker",
            status: "failed",
            input: { workerId: w.wid },
            error: { errorClass: "auth", code: "http_401", message },
            attempts: 2,
            retries: [["auth", message, 0]],
            ms: 400,
          },
        ],
        failure: {
          step: "getWorker",
          errorClass: "auth",
          code: "http_401",
          message,
          request: {
            method: "GET",
            url: `/ccx/api/v1/weft/workers/${w.wid}`,
            headers: { authorization: "Bearer wd-demo-token-expired" },
          },
          response: { status: 401, body: { error: "invalid_token" } },
        },
      });
    } else {
      runs.push({
        flowKey: "worker-onboarding-hris-to-psa",
        at,
        triggerType: "webhook",
        input,
        businessKeys: { worker: w.wid, employee: String(2000 + w.n) },
        steps: [
          { path: "getWorker", status: "succeeded", input: { workerId: w.wid }, output: worker, ms: 220 },
          {
            path: "toResource",
            status: "succeeded",
            output: { name: worker.descriptor, email: w.email, costRate: w.costRate },
            ms: 2,
          },
          { path: "upsertEmployee", status: "succeeded", output: { id: String(2000 + w.n) }, ms: 310 },
        ],
        output: { employee: String(2000 + w.n) },
      });
    }
  }

  // Approved time → invoice, every working morning: one project on credit hold.
  for (let d = 0; d < 5; d++) {
    const at = ago(d * 24 + 3);
    const day = at.toISOString().slice(0, 10);
    const projects = f.projects.slice(d * 3, d * 3 + 4);
    const hold = d === 1 ? projects[2] : undefined;
    const steps: StepSpec[] = [
      {
        path: "listApprovedTime",
        status: "succeeded",
        input: { approved: "true", uninvoiced: "true", to: day },
        output: { count: 40 + d * 3 },
        ms: 640,
      },
      { path: "workerLinks", status: "succeeded", output: { count: f.consultants.length }, ms: 310 },
      { path: "employees", status: "succeeded", output: { count: f.consultants.length }, ms: 280 },
      {
        path: "byProject",
        status: "succeeded",
        output: projects.map((p) => ({
          workspaceId: String(70000 + p.opportunityN),
          amount: Math.round(p.budget / 20),
        })),
        ms: 3,
      },
    ];
    const credit = {
      errorClass: "business",
      code: "customer_on_credit_hold",
      message: "The customer is on credit hold; finance must release it before the project can be invoiced.",
    };
    projects.forEach((p, k) => {
      const ws = String(70000 + p.opportunityN);
      const job = String(5000 + p.opportunityN);
      steps.push({
        path: `invoiceProjects[${k}].findJob`,
        status: "succeeded",
        output: {
          items: [
            {
              subject_type: "Workspace",
              subject_id: ws,
              service_name: "NetSuite",
              service_model: "job",
              service_model_ref: job,
            },
          ],
        },
        ms: 120,
      });
      steps.push({ path: `invoiceProjects[${k}].getJob`, status: "succeeded", output: { id: job }, ms: 150 });
      if (p === hold)
        steps.push({ path: `invoiceProjects[${k}].createInvoice`, status: "failed", error: credit, ms: 1 });
      else
        steps.push({
          path: `invoiceProjects[${k}].createInvoice`,
          status: "succeeded",
          output: { id: `INV-${ws}-${day}` },
          ms: 520,
          idempotencyKey: `invoice-${ws}-${day}`,
        });
    });
    // One project of four on hold is beyond the batch's 10 % tolerance: the run fails, naming the project, and the
    // project is an exception of its own with the money it holds up (as the runtime records a batch's failed items).
    const held = hold ? String(70000 + hold.opportunityN) : null;
    const heldAmount = hold ? Math.round(hold.budget / 20) : 0;
    runs.push({
      flowKey: "approved-time-to-invoice",
      at,
      triggerType: "schedule",
      input: { firedAt: `${day}T05:00:00.000Z` },
      businessKeys: {
        billingDate: day,
        project: projects.map((p) => String(70000 + p.opportunityN)).filter((ws) => ws !== held),
      },
      steps,
      ...(hold
        ? {
            failure: {
              step: "invoiceProjects",
              ...credit,
              message: `1 of ${projects.length} iterations failed (10% tolerated); first: ${credit.message}`,
              keys: { billingDate: day, project: held },
            },
            items: {
              itemOf: "invoiceProjects",
              failures: [
                {
                  step: `invoiceProjects[${projects.indexOf(hold)}].createInvoice`,
                  ...credit,
                  keys: { project: held, amount: heldAmount, hours: Math.round((heldAmount / 150) * 100) / 100 },
                },
              ],
            },
          }
        : { output: { projects: projects.length } }),
    });
  }

  // Timesheets approved last week → reporting: the approved billable entries and each consultant's capacity
  // (what the Business page's utilisation variance compares).
  const DAY = 86_400_000;
  const today = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate());
  const monday = today - ((new Date(today).getUTCDay() + 6) % 7) * DAY - 7 * DAY;
  const weekStart = new Date(monday).toISOString().slice(0, 10);
  const weekEnd = new Date(monday + 6 * DAY).toISOString().slice(0, 10);
  f.consultants.slice(0, 8).forEach((c, k) => {
    const userId = String(30000 + c.n);
    const org = firmOrganization(c, f.consultants);
    const approvedAt = new Date(monday + 4 * DAY + (9 + k) * 3_600_000);
    const items = Array.from({ length: 4 + (k % 3) }, (_, j) => {
      const p = f.projects[(k * 3 + j) % f.projects.length]!;
      const minutes = (4 + Math.floor(rk() * 5)) * 60;
      return {
        id: String(60000 + k * 10 + j),
        workspace_id: String(70000 + p.opportunityN),
        user_id: userId,
        date_performed: new Date(monday + j * DAY).toISOString().slice(0, 10),
        time_in_minutes: minutes,
        billable: j !== 3,
        rate_in_cents: [150, 175, 185, 210][(k + j) % 4]! * 100,
        currency: "USD",
        approved: true,
        updated_at: approvedAt.toISOString(),
      };
    });
    const billableMinutes = items.filter((e) => e.billable).reduce((n, e) => n + e.time_in_minutes, 0);
    const totalMinutes = items.reduce((n, e) => n + e.time_in_minutes, 0);
    runs.push({
      flowKey: "timesheet-to-reporting",
      at: new Date(approvedAt.getTime() + 20 * 60_000),
      triggerType: "event",
      input: { userId, weekStart, weekEnd, capacityHours: 40 },
      businessKeys: { resource: userId, week: weekStart },
      steps: [
        // The person's team in Workday (their practice's supervisory organisation), through their Kantata link.
        {
          path: "workerLink",
          status: "succeeded",
          output: {
            items: [
              {
                subject_type: "User",
                subject_id: userId,
                service_name: "Workday",
                service_model: "Worker",
                service_model_ref: c.wid,
              },
            ],
          },
          ms: 110,
        },
        {
          path: "workers",
          status: "succeeded",
          output: {
            items: [{ id: c.wid, descriptor: `${c.firstName} ${c.lastName}`, primarySupervisoryOrganization: org }],
            total: f.consultants.length,
          },
          ms: 240,
        },
        { path: "personTeam", status: "succeeded", output: { id: org.id, name: org.descriptor }, ms: 1 },
        {
          path: "getEntries",
          status: "succeeded",
          input: { userId, approved: "true", from: weekStart, to: weekEnd },
          output: { items },
          ms: 260,
        },
        {
          path: "facts",
          status: "succeeded",
          output: {
            resourceId: userId,
            week: weekStart,
            billableHours: billableMinutes / 60,
            totalHours: totalMinutes / 60,
            utilization: Math.round((billableMinutes / 60 / 40) * 10_000) / 10_000,
          },
          ms: 2,
        },
        { path: "anyTime", status: "succeeded", output: { case: 0, next: "fanOut" }, ms: 1 },
      ],
      output: { resourceId: userId, week: weekStart },
    });
  });
  return runs;
}

/**
 * The business events of a history run: each succeeded step's declarations evaluated as the runtime would
 * (its input and output, the outputs before it, `$item` of its foreach iteration), stamped at the step's end,
 * written by the runtime's writer.
 */
async function recordHistoryEvents(
  sql: Parameters<typeof insertBusinessEvents>[0],
  runId: string,
  flow: Flow,
  s: RunSpec,
  finished: Map<string, Date>,
): Promise<void> {
  const byId = new Map<string, Step>(stepsOf(flow).map((v) => [v.step.id, v.step]));
  const steps: Record<string, { output?: unknown }> = {};
  const frame = { trigger: s.input, steps, flow: { key: flow.key, owner: flow.owner }, run: { id: runId } };
  for (const st of s.steps) {
    const id = (st.path.split(".").pop() ?? st.path).replace(/\[\d+\]/g, "");
    if (st.status !== "succeeded") continue;
    steps[id] = { output: st.output };
    const step = byId.get(id);
    const decls = step && "business" in step ? step.business : undefined;
    if (!decls?.length) continue;
    // A step inside a foreach iteration ("invoiceProjects[2].createInvoice"): its $item is that element.
    const iteration = /^([A-Za-z_][A-Za-z0-9_]*)\[(\d+)\]\./.exec(st.path);
    let item: unknown;
    if (iteration) {
      const loop = byId.get(iteration[1]!);
      const items = loop?.type === "foreach" ? await evaluate(loop.items, frame) : undefined;
      item = Array.isArray(items) ? items[Number(iteration[2])] : undefined;
    }
    const events = await evaluateBusinessEvents(
      decls,
      {
        ...frame,
        ...(item !== undefined ? { item, index: Number(iteration![2]) } : {}),
        input: st.input,
        output: st.output,
      },
      finished.get(st.path) ?? s.at,
    );
    await insertBusinessEvents(sql, runId, st.path, events, flow.owner);
  }
}

export async function seedDemoHistory(
  db: Db,
  opts: { now?: Date } = {},
): Promise<{ runs: number; exceptions: number; flows: string[] }> {
  const docs = [...referenceFlows(), INVOICE_POSTING_FLOW, DEFAULT_SKILLS_FLOW];
  const flows = await publishDemoFlows(db, docs);
  const parsed = new Map(docs.map((d) => [d.key, parseFlow(d)]));
  if (await db.auditLog.findFirst({ where: { action: MARKER }, select: { seq: true } }))
    return { runs: 0, exceptions: 0, flows };
  const now = opts.now ?? new Date();
  const specs = history(now);
  const flowRows = await db.flow.findMany({
    where: { key: { in: [...new Set(specs.map((s) => s.flowKey))] } },
    select: {
      id: true,
      key: true,
      versions: { where: { status: "approved" }, select: { id: true }, orderBy: { createdAt: "desc" }, take: 1 },
    },
  });
  const operator = await db.user.findUnique({
    where: { email: "operator@weft.local" },
    select: { id: true, email: true },
  });
  let exceptions = 0;
  await db.$transaction(
    async (tx) => {
      const sql = prismaSql(tx);
      for (const s of specs) {
        const flow = flowRows.find((f) => f.key === s.flowKey);
        if (!flow) continue;
        const runId = randomUUID();
        const total = s.steps.reduce((n, x) => n + x.ms, 0) + 40;
        const finished = new Date(s.at.getTime() + total);
        const error = s.failure
          ? { errorClass: s.failure.errorClass, code: s.failure.code, message: s.failure.message, step: s.failure.step }
          : null;
        await sql.query(
          `INSERT INTO run (id, flow_id, flow_version_id, status, trigger_type, input, business_keys, business_key_values, error, output, created_by_id, created_at, started_at, finished_at)
           VALUES ($1::uuid, $2::uuid, $3::uuid, $4::"RunStatus", $5, $6, $7, $8, $9, $10, NULL, $11, $12, $13)`,
          [
            runId,
            flow.id,
            flow.versions[0]?.id ?? null,
            s.failure ? "failed" : "succeeded",
            s.triggerType,
            JSON.stringify(s.input),
            s.businessKeys ? JSON.stringify(s.businessKeys) : null,
            businessKeyValues(s.businessKeys),
            error ? JSON.stringify(error) : null,
            s.output === undefined ? null : JSON.stringify(s.output),
            s.at,
            new Date(s.at.getTime() + 20),
            finished,
          ],
        );
        let t = s.at.getTime() + 20;
        const stepEnds = new Map<string, Date>();
        for (const st of s.steps) {
          stepEnds.set(st.path, new Date(t + st.ms));
          const attempts = st.attempts ?? 1;
          const log = [
            ...(st.retries ?? []).map(([errorClass, message, delayMs], k) => ({
              attempt: k + 1,
              at: new Date(t + k * 200).toISOString(),
              outcome: "failed",
              errorClass,
              message,
              delayMs,
              durationMs: 180,
            })),
            {
              attempt: attempts,
              at: new Date(t + st.ms - 150).toISOString(),
              outcome: st.status === "failed" ? "failed" : "succeeded",
              durationMs: Math.min(st.ms, 150),
              ...(st.error ? { errorClass: st.error.errorClass, message: st.error.message } : {}),
            },
          ];
          await sql.query(
            `INSERT INTO step_run (run_id, path, step_id, status, input, output, error, attempts, attempt_log, idempotency_key, started_at, finished_at)
             VALUES ($1::uuid, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
            [
              runId,
              st.path,
              (st.path.split(".").pop() ?? st.path).replace(/\[\d+\]/g, ""),
              st.status,
              st.input === undefined ? null : JSON.stringify(st.input),
              st.output === undefined ? null : JSON.stringify(st.output),
              st.error ? JSON.stringify(st.error) : null,
              attempts,
              JSON.stringify(log),
              st.idempotencyKey ?? null,
              new Date(t),
              new Date(t + st.ms),
            ],
          );
          t += st.ms;
        }
        const doc = parsed.get(s.flowKey);
        if (doc) await recordHistoryEvents(sql, runId, doc, s, stepEnds);
        if (s.items) {
          exceptions += await openItemExceptions(sql, {
            runId,
            flowId: flow.id,
            flowKey: s.flowKey,
            itemOf: s.items.itemOf,
            assignTeamKey: null,
            failures: s.items.failures.map((x) => ({
              stepPath: x.step,
              error: { errorClass: x.errorClass as "business", code: x.code, message: x.message },
              businessKeys: x.keys,
            })),
          });
          await sql.query(
            `UPDATE exception SET created_at = $2, updated_at = $2, assignee_team_id = COALESCE(assignee_team_id, (SELECT owner_team_id FROM flow WHERE id = $3::uuid)) WHERE run_id = $1::uuid AND item_of IS NOT NULL`,
            [runId, finished, flow.id],
          );
        }
        if (s.failure) {
          const id = await openException(sql, {
            runId,
            flowId: flow.id,
            flowKey: s.flowKey,
            stepPath: s.failure.step,
            error: {
              errorClass: s.failure.errorClass as "validation",
              code: s.failure.code,
              message: s.failure.message,
              ...(s.failure.request ? { request: s.failure.request } : {}),
              ...(s.failure.response ? { response: s.failure.response } : {}),
            },
            businessKeys: s.failure.keys ?? s.businessKeys,
          });
          await sql.query(
            `UPDATE exception SET created_at = $2, updated_at = $2, assignee_team_id = COALESCE(assignee_team_id, (SELECT owner_team_id FROM flow WHERE id = $3::uuid)) WHERE id = $1::uuid`,
            [id, finished, flow.id],
          );
          exceptions++;
          // A little history on the oldest customer-master gap: the operator took it and left a note.
          if (
            operator &&
            s.failure.code === "http_404" &&
            exceptions <= 12 &&
            s.at.getTime() < now.getTime() - 96 * 3_600_000
          ) {
            await tx.exception.update({ where: { id }, data: { assigneeId: operator.id } });
            await appendAudit(tx, {
              actor: { id: operator.id, email: operator.email },
              action: "exception.assign",
              entityType: "exception",
              entityId: id,
              before: { assigneeId: null },
              after: { assigneeId: operator.id },
              meta: { seeded: true },
            });
            await appendAudit(tx, {
              actor: { id: operator.id, email: operator.email },
              action: "exception.comment",
              entityType: "exception",
              entityId: id,
              after: { comment: "AR is creating the customer in NetSuite; replay once it exists." },
              meta: { seeded: true },
            });
          }
        }
      }
      await appendAudit(tx, {
        actor: null,
        action: MARKER,
        entityType: "workspace",
        entityId: null,
        meta: { runs: specs.length, exceptions },
      });
    },
    { timeout: 120_000 },
  );
  return { runs: specs.length, exceptions, flows };
}
