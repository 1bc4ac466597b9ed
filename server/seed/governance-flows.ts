// The governance demo estate's flow documents: complete `weft/1` flows over the real connectors and the
// demo connections (salesforce-prod, kantata-prod, workday-prod, netsuite-prod: the vendor sandboxes;
// reporting-warehouse: the Weft database's own `reporting` schema; kantata-webhook: the signing secret of
// the PSA's approval webhook). They form the event chain the catalog and lineage show:
//   Kantata approval webhook → timesheet-approval-sync ─timesheet.approved→ time-to-invoice
//   ─invoice.created→ invoice-to-reporting → data platform;  opportunity.won → opportunity-to-project
//   ─project.created→;  Workday → resource-attributes-sync ─resource.updated→;  legacy-invoice-export
//   (month-end, writes the same NetSuite invoices as time-to-invoice: the duplicate-interface warning).
// Emitted payloads carry exactly the fields of the event contracts in governance.ts (CONTRACT_SEED).
// governance.test.ts validates every document with the full catalog, and runs the invoicing chain end to end.

/** A weft/1 document (kept loose here: the validator is the judge, see governance.test.ts). */
export type FlowDocument = {
  dsl: "weft/1";
  key: string;
  version: string;
  name: string;
  description: string;
  domain: string;
  owner: string;
  classification: string;
  [k: string]: unknown;
};

type Header = Pick<FlowDocument, "key" | "name" | "description" | "domain" | "owner" | "classification">;
const doc = (h: Header, version: string, body: Record<string, unknown>): FlowDocument => ({
  dsl: "weft/1",
  ...h,
  version,
  ...body,
});

/** Retry transient failures a few times with backoff: what every demo flow does by default. */
const DEFAULTS = {
  retry: { on: ["transient", "timeout"], maxAttempts: 4, interval: "2s", backoffRate: 2, maxDelay: "1m" },
  timeout: "30s",
};

// ---------------------------------------------------------------------------------------------------

const OPPORTUNITY: Header = {
  key: "opportunity-to-project",
  name: "Opportunity won → project set-up",
  description: "Creates the PSA project and budget when a CRM opportunity closes.",
  domain: "project",
  owner: "pmo",
  classification: "internal",
};

export const opportunityToProject = doc(OPPORTUNITY, "1.0.0", {
  tags: ["salesforce", "kantata"],
  trigger: { type: "event", event: "opportunity.won", version: 1, filter: "amount > 0" },
  concurrency: { key: "$trigger.opportunityId" },
  businessKeys: { opportunity: "$trigger.opportunityId", project: "$steps.createProject.output.id" },
  onFailure: { type: "exception-queue", assignTo: "pmo" },
  defaults: DEFAULTS,
  output: { projectId: "$steps.createProject.output.id" },
  start: "getOpportunity",
  steps: [
    {
      id: "getOpportunity",
      type: "call",
      name: "Read the opportunity",
      connector: "salesforce",
      operation: "getRecord",
      connection: "salesforce-prod",
      input: {
        sobject: "'Opportunity'",
        id: "$trigger.opportunityId",
        fields: "['Name', 'AccountId', 'Amount', 'CloseDate', 'Type']",
      },
      next: "createProject",
    },
    {
      id: "createProject",
      type: "call",
      name: "Workspace and budget in Kantata",
      connector: "kantata",
      operation: "createWorkspace",
      connection: "kantata-prod",
      input: {
        title: "$steps.getOpportunity.output.Name",
        description:
          "'Salesforce opportunity ' & $trigger.opportunityId & ' (' & $steps.getOpportunity.output.Type & ')'",
        start_date: "$exists($trigger.closeDate) ? $trigger.closeDate : $steps.getOpportunity.output.CloseDate",
        price_in_cents: "$round($trigger.amount * 100)",
        budgeted: "true",
        require_time_approvals: "true",
      },
      // One workspace per opportunity, however often the event is redelivered or the run replayed.
      idempotencyKey: "'project-' & $trigger.opportunityId",
      next: "announce",
    },
    {
      id: "announce",
      type: "emit",
      event: "project.created",
      version: 1,
      payload: {
        projectId: "$steps.createProject.output.id",
        opportunityId: "$trigger.opportunityId",
        customerId: "$trigger.customerId",
      },
    },
  ],
});

// ---------------------------------------------------------------------------------------------------

const TIMESHEET: Header = {
  key: "timesheet-approval-sync",
  name: "Timesheet approval sync",
  description: "Picks up approved timesheets from the PSA and announces them.",
  domain: "time-expense",
  owner: "pmo",
  classification: "internal",
};

export const timesheetApprovalSync = doc(TIMESHEET, "1.0.0", {
  tags: ["kantata"],
  trigger: {
    type: "webhook",
    secret: "kantata-webhook",
    idempotencyKey: "$trigger.body.timesheetId",
    payloadSchema: {
      type: "object",
      required: ["timesheetId", "workspaceId"],
      properties: {
        timesheetId: { type: "string", description: "Kantata timesheet submission id" },
        workspaceId: { type: "string", description: "Kantata workspace (project) id" },
        userId: { type: "string" },
        approvedAt: { type: "string", format: "date-time" },
      },
    },
  },
  businessKeys: { timesheet: "$trigger.body.timesheetId", project: "$trigger.body.workspaceId" },
  onFailure: { type: "exception-queue", assignTo: "pmo" },
  defaults: DEFAULTS,
  output: { timesheetId: "$trigger.body.timesheetId", hours: "$steps.sheet.output.hours" },
  start: "getEntries",
  steps: [
    {
      id: "getEntries",
      type: "call",
      name: "Approved time of the project",
      connector: "kantata",
      operation: "listTimeEntries",
      connection: "kantata-prod",
      input: { workspaceId: "$trigger.body.workspaceId", userId: "$trigger.body.userId", approved: "true" },
      next: "sheet",
    },
    {
      id: "sheet",
      type: "map",
      name: "The timesheet's entries and hours",
      output: {
        entries: "[$steps.getEntries.output.items[active_submission_id = $trigger.body.timesheetId].id]",
        hours:
          "$sum($steps.getEntries.output.items[active_submission_id = $trigger.body.timesheetId].time_in_minutes) / 60",
      },
      next: "found",
    },
    {
      id: "found",
      type: "switch",
      name: "Any approved time?",
      cases: [{ when: "$count($steps.sheet.output.entries) = 0", next: "notApproved", label: "None" }],
      default: "approved",
    },
    {
      id: "approved",
      type: "emit",
      event: "timesheet.approved",
      version: 1,
      payload: {
        timesheetId: "$trigger.body.timesheetId",
        projectId: "$trigger.body.workspaceId",
        hours: "$steps.sheet.output.hours",
        approvedAt: "$exists($trigger.body.approvedAt) ? $trigger.body.approvedAt : $now()",
      },
    },
    {
      id: "notApproved",
      type: "fail",
      code: "timesheet_not_approved",
      message: "Kantata reported the timesheet as approved, but none of its time entries is approved.",
      details: { timesheetId: "$trigger.body.timesheetId", workspaceId: "$trigger.body.workspaceId" },
    },
  ],
});

// ---------------------------------------------------------------------------------------------------

const INVOICE: Header = {
  key: "time-to-invoice",
  name: "Approved time → invoice",
  description: "Raises ERP invoices from approved, billable time.",
  domain: "invoice",
  owner: "finance",
  classification: "confidential",
};

/** Invoice lines: the timesheet's billable entries, at their bill rate. */
const INVOICE_LINES =
  "[$steps.getEntries.output.items[active_submission_id = $trigger.timesheetId and billable].{ 'item': { 'id': '5' }, 'quantity': time_in_minutes / 60, 'rate': rate_in_cents / 100, 'description': 'Time ' & date_performed }]";

const invoiceSteps = (opts: { customerLookup: boolean; poNumber: boolean }) => [
  {
    id: "getEntries",
    type: "call",
    name: "Approved, uninvoiced time of the project",
    connector: "kantata",
    operation: "listTimeEntries",
    connection: "kantata-prod",
    input: { workspaceId: "$trigger.projectId", approved: "true", uninvoiced: "true" },
    next: "findJob",
  },
  {
    id: "findJob",
    type: "call",
    name: "The project's NetSuite job (Kantata link)",
    connector: "kantata",
    operation: "listExternalReferences",
    connection: "kantata-prod",
    input: { subjectType: "'Workspace'", subjectId: "$trigger.projectId", serviceName: "'NetSuite'" },
    next: "getJob",
  },
  {
    id: "getJob",
    type: "call",
    name: "Job in NetSuite",
    connector: "netsuite",
    operation: "getRecord",
    connection: "netsuite-prod",
    input: { recordType: "'job'", id: "$steps.findJob.output.items[service_model = 'job'][0].service_model_ref" },
    next: opts.customerLookup ? "getCustomer" : opts.poNumber ? "getWorkspace" : "createInvoice",
  },
  ...(opts.customerLookup
    ? [
        {
          id: "getCustomer",
          type: "call",
          name: "Customer in NetSuite",
          connector: "netsuite",
          operation: "getRecord",
          connection: "netsuite-prod",
          input: { recordType: "'customer'", id: "$steps.getJob.output.parent.id" },
          next: opts.poNumber ? "getWorkspace" : "createInvoice",
        },
      ]
    : []),
  ...(opts.poNumber
    ? [
        {
          id: "getWorkspace",
          type: "call",
          name: "The customer's PO on the Kantata workspace",
          connector: "kantata",
          operation: "getWorkspace",
          connection: "kantata-prod",
          input: { id: "$trigger.projectId" },
          next: "createInvoice",
        },
      ]
    : []),
  {
    id: "createInvoice",
    type: "call",
    name: "Invoice in NetSuite",
    connector: "netsuite",
    operation: "createInvoice",
    connection: "netsuite-prod",
    input: {
      "body.entity.id": opts.customerLookup ? "$steps.getCustomer.output.id" : "$steps.getJob.output.parent.id",
      "body.job.id": "$steps.getJob.output.id",
      "body.tranDate": "$substring($exists($trigger.approvedAt) ? $trigger.approvedAt : $now(), 0, 10)",
      "body.externalId": "'timesheet-' & $trigger.timesheetId",
      "body.memo": "'Approved time, timesheet ' & $trigger.timesheetId",
      ...(opts.poNumber ? { "body.otherRefNum": "$steps.getWorkspace.output.purchase_order" } : {}),
      "body.item.items": INVOICE_LINES,
    },
    retry: {
      on: ["transient", "timeout"],
      maxAttempts: 6,
      interval: "10s",
      backoffRate: 2,
      maxDelay: "10m",
      jitter: "full",
    },
    timeout: "2m",
    idempotencyKey: "'invoice-timesheet-' & $trigger.timesheetId",
    concurrencyKey: "$trigger.projectId",
    ...(opts.customerLookup
      ? { catch: [{ errors: ["business:credit_hold"], next: "creditHold" }], next: "getInvoice" }
      : {}),
  },
  ...(opts.customerLookup
    ? [
        {
          id: "getInvoice",
          type: "call",
          name: "The invoice's total",
          connector: "netsuite",
          operation: "getRecord",
          connection: "netsuite-prod",
          input: { recordType: "'invoice'", id: "$steps.createInvoice.output.id" },
          next: "announce",
        },
        {
          id: "announce",
          type: "emit",
          event: "invoice.created",
          version: 1,
          payload: {
            invoiceId: "$steps.createInvoice.output.id",
            projectId: "$trigger.projectId",
            amount: "$steps.getInvoice.output.total",
            currency: "$steps.getCustomer.output.currency.refName",
          },
        },
        {
          id: "creditHold",
          type: "fail",
          code: "customer_on_credit_hold",
          message: "The customer is on credit hold; finance must release it before the time can be invoiced.",
          details: { customer: "$steps.getCustomer.output.id", timesheetId: "$trigger.timesheetId" },
        },
      ]
    : []),
];

const invoiceBody = (opts: { customerLookup: boolean; poNumber: boolean }) => ({
  tags: ["kantata", "netsuite"],
  trigger: { type: "event", event: "timesheet.approved", version: 1, filter: "hours > 0" },
  concurrency: { key: "$trigger.projectId" },
  businessKeys: {
    timesheet: "$trigger.timesheetId",
    project: "$trigger.projectId",
    invoice: "$steps.createInvoice.output.id",
  },
  onFailure: { type: "exception-queue", assignTo: "finance" },
  defaults: DEFAULTS,
  output: { invoiceId: "$steps.createInvoice.output.id" },
  start: "getEntries",
  steps: invoiceSteps(opts),
});

/** 0.9.0: posted the invoice to the job's customer straight away, and announced nothing. */
export const timeToInvoice090 = doc(INVOICE, "0.9.0", invoiceBody({ customerLookup: false, poNumber: false }));
/** 1.0.0 (live): looks the customer up before invoicing; emits invoice.created. */
export const timeToInvoice = doc(INVOICE, "1.0.0", invoiceBody({ customerLookup: true, poNumber: false }));
/** 1.1.0 (pending approval): adds the customer's PO number from the Kantata workspace to every invoice. */
export const timeToInvoice110 = doc(INVOICE, "1.1.0", invoiceBody({ customerLookup: true, poNumber: true }));

// ---------------------------------------------------------------------------------------------------

const REPORTING: Header = {
  key: "invoice-to-reporting",
  name: "Invoices → revenue reporting",
  description: "Loads invoice facts into the BI warehouse.",
  domain: "reporting",
  owner: "platform",
  classification: "internal",
};

export const invoiceToReporting = doc(REPORTING, "1.0.0", {
  tags: ["netsuite", "reporting"],
  // Only events that carry the contract's keys (a producer off-contract is the registry's finding, not a run to fail).
  trigger: { type: "event", event: "invoice.created", version: 1, filter: "$exists(invoiceId) and $exists(projectId)" },
  businessKeys: { invoice: "$trigger.invoiceId", project: "$trigger.projectId" },
  onFailure: { type: "exception-queue", assignTo: "platform" },
  defaults: DEFAULTS,
  start: "getInvoice",
  steps: [
    {
      id: "getInvoice",
      type: "call",
      name: "Invoice in NetSuite",
      connector: "netsuite",
      operation: "getRecord",
      connection: "netsuite-prod",
      input: { recordType: "'invoice'", id: "$trigger.invoiceId" },
      next: "loadInvoice",
    },
    {
      id: "loadInvoice",
      type: "call",
      name: "Canonical invoice into the warehouse",
      connector: "reporting",
      operation: "upsertRecords",
      connection: "reporting-warehouse",
      input: {
        entity: "'Invoice'",
        source: "'netsuite'",
        records: `[{
  'id': 'netsuite-invoice-' & $trigger.invoiceId,
  'externalRefs': [{ 'system': 'netsuite', 'objectType': 'invoice', 'id': $trigger.invoiceId }],
  'number': $steps.getInvoice.output.tranId,
  'customerId': 'netsuite-customer-' & $steps.getInvoice.output.entity.id,
  'projectIds': ['kantata-workspace-' & $trigger.projectId],
  'issueDate': $exists($steps.getInvoice.output.tranDate) ? $steps.getInvoice.output.tranDate : $substring($now(), 0, 10),
  'status': 'posted',
  'subtotal': { 'amount': $formatNumber($trigger.amount, '0.00'), 'currency': $trigger.currency },
  'total': { 'amount': $formatNumber($trigger.amount, '0.00'), 'currency': $trigger.currency }
}]`,
      },
      idempotencyKey: "'invoice-fact-' & $trigger.invoiceId",
      next: "recordEvent",
    },
    {
      id: "recordEvent",
      type: "call",
      name: "Revenue event",
      connector: "reporting",
      operation: "writeEvents",
      connection: "reporting-warehouse",
      input: {
        events:
          "[{ 'id': 'invoice.created-' & $trigger.invoiceId, 'type': 'invoice.created', 'occurredAt': $now(), 'subject': { 'entity': 'Invoice', 'id': 'netsuite-invoice-' & $trigger.invoiceId }, 'data': { 'amount': $trigger.amount, 'currency': $trigger.currency, 'projectId': $trigger.projectId } }]",
      },
      idempotencyKey: "'invoice-event-' & $trigger.invoiceId",
    },
  ],
});

// ---------------------------------------------------------------------------------------------------

const RESOURCES: Header = {
  key: "resource-attributes-sync",
  name: "Worker attributes → PSA resources",
  description: "Nightly sync of grades, skills and cost rates from the HRIS.",
  domain: "resource",
  owner: "hr",
  classification: "restricted",
};

export const resourceAttributesSync = doc(RESOURCES, "1.0.0", {
  tags: ["workday", "kantata"],
  trigger: { type: "schedule", cron: "0 2 * * *", timezone: "Europe/Amsterdam" },
  onFailure: { type: "exception-queue", assignTo: "hr" },
  defaults: DEFAULTS,
  output: { linked: "$count($steps.linkAll.output)" },
  start: "listWorkers",
  steps: [
    {
      id: "listWorkers",
      type: "call",
      name: "Workers in Workday",
      connector: "workday",
      operation: "listWorkers",
      connection: "workday-prod",
      input: {},
      next: "links",
    },
    {
      id: "links",
      type: "call",
      name: "Kantata users already linked to Workday",
      connector: "kantata",
      operation: "listExternalReferences",
      connection: "kantata-prod",
      input: { subjectType: "'User'", serviceName: "'Workday'" },
      next: "users",
    },
    {
      id: "users",
      type: "call",
      name: "Kantata users",
      connector: "kantata",
      operation: "listUsers",
      connection: "kantata-prod",
      input: {},
      next: "unlinked",
    },
    {
      id: "unlinked",
      type: "map",
      name: "Workers with a Kantata user but no link yet (matched by e-mail)",
      output: `(
  $linked := $steps.links.output.items.service_model_ref;
  $users := $steps.users.output.items;
  [$steps.listWorkers.output.items[$not(id in $linked)].(
    $w := $;
    { 'workerId': $w.id, 'userId': $users[email_address = $w.primaryWorkEmail][0].id, 'grade': $w.businessTitle }
  )][$exists(userId)]
)`,
      next: "linkAll",
    },
    {
      id: "linkAll",
      type: "foreach",
      name: "Per worker",
      items: "$steps.unlinked.output",
      maxConcurrency: 4,
      toleratedFailurePercent: 5,
      collect: { workerId: "$item.workerId", userId: "$item.userId" },
      body: {
        start: "getSkills",
        steps: [
          {
            id: "getSkills",
            type: "call",
            name: "Skills in Workday",
            connector: "workday",
            operation: "getWorkerSkills",
            connection: "workday-prod",
            input: { id: "$item.workerId" },
            next: "link",
          },
          {
            id: "link",
            type: "call",
            name: "Link the Kantata user to the worker",
            connector: "kantata",
            operation: "createExternalReference",
            connection: "kantata-prod",
            input: {
              subject_type: "'User'",
              subject_id: "$item.userId",
              service_name: "'Workday'",
              service_model: "'Worker'",
              service_model_ref: "$item.workerId",
            },
            idempotencyKey: "'workday-link-' & $item.workerId",
            next: "updated",
          },
          {
            id: "updated",
            type: "emit",
            event: "resource.updated",
            version: 1,
            payload: {
              workerId: "$item.workerId",
              grade: "$item.grade",
              skills: "[$steps.getSkills.output.items.skillItem.descriptor]",
            },
          },
        ],
      },
    },
  ],
});

// ---------------------------------------------------------------------------------------------------

const LEGACY: Header = {
  key: "legacy-invoice-export",
  name: "Legacy invoice export",
  description: "The old month-end invoice push, still switched on.",
  domain: "invoice",
  owner: "finance",
  classification: "confidential",
};

export const legacyInvoiceExport = doc(LEGACY, "1.0.0", {
  tags: ["kantata", "netsuite", "legacy"],
  trigger: { type: "schedule", cron: "0 6 1 * *", timezone: "Europe/Amsterdam" },
  businessKeys: { month: "$substring($trigger.firedAt, 0, 7)" },
  onFailure: { type: "exception-queue", assignTo: "finance" },
  defaults: DEFAULTS,
  output: { invoices: "$count($steps.perProject.output)" },
  start: "listTime",
  steps: [
    {
      id: "listTime",
      type: "call",
      name: "Approved, uninvoiced time up to month end",
      connector: "kantata",
      operation: "listTimeEntries",
      connection: "kantata-prod",
      input: { approved: "true", uninvoiced: "true", to: "$substring($trigger.firedAt, 0, 10)" },
      next: "byProject",
    },
    {
      id: "byProject",
      type: "map",
      name: "Billable time per project",
      output: `[$distinct($steps.listTime.output.items[billable].workspace_id).(
  $ws := $;
  { 'workspaceId': $ws, 'entries': [$steps.listTime.output.items[billable and workspace_id = $ws]] }
)]`,
      next: "perProject",
    },
    {
      id: "perProject",
      type: "foreach",
      name: "Per project",
      items: "$steps.byProject.output",
      maxConcurrency: 2,
      toleratedFailurePercent: 20,
      collect: { workspaceId: "$item.workspaceId", invoiceId: "$steps.post.output.id" },
      body: {
        start: "findJob",
        steps: [
          {
            id: "findJob",
            type: "call",
            name: "The project's NetSuite job",
            connector: "kantata",
            operation: "listExternalReferences",
            connection: "kantata-prod",
            input: { subjectType: "'Workspace'", subjectId: "$item.workspaceId", serviceName: "'NetSuite'" },
            next: "getJob",
          },
          {
            id: "getJob",
            type: "call",
            name: "Job in NetSuite",
            connector: "netsuite",
            operation: "getRecord",
            connection: "netsuite-prod",
            input: {
              recordType: "'job'",
              id: "$steps.findJob.output.items[service_model = 'job'][0].service_model_ref",
            },
            next: "post",
          },
          {
            id: "post",
            type: "call",
            name: "Month-end invoice in NetSuite",
            connector: "netsuite",
            operation: "createInvoice",
            connection: "netsuite-prod",
            input: {
              "body.entity.id": "$steps.getJob.output.parent.id",
              "body.job.id": "$steps.getJob.output.id",
              "body.tranDate": "$substring($trigger.firedAt, 0, 10)",
              "body.externalId": "'month-end-' & $item.workspaceId & '-' & $substring($trigger.firedAt, 0, 7)",
              "body.item.items":
                "[$item.entries.{ 'item': { 'id': '5' }, 'quantity': time_in_minutes / 60, 'rate': rate_in_cents / 100, 'description': 'Time ' & date_performed }]",
            },
            idempotencyKey: "'month-end-' & $item.workspaceId & '-' & $substring($trigger.firedAt, 0, 7)",
          },
        ],
      },
    },
  ],
});

/**
 * Trigger inputs that refer to records the vendor sandboxes seed (each connector's sandbox.ts): Kantata
 * timesheet 900013 of workspace 10002, Salesforce opportunity 006Wf0000000001AAA, NetSuite invoice 70001.
 * Pinned as each flow's trigger sample (the designer's test input) and used by the demo's fault injection,
 * so runs that failed only because of an injected fault succeed when retried once the fault is gone.
 */
export const DEMO_TRIGGER_SAMPLES: Readonly<Record<string, unknown>> = {
  "time-to-invoice": { timesheetId: "900013", projectId: "10002", hours: 31.5, approvedAt: "2026-04-10T09:00:00Z" },
  "opportunity-to-project": {
    opportunityId: "006Wf0000000001AAA",
    customerId: "001Wf0000000030AAA",
    amount: 585000,
    closeDate: "2024-05-27",
  },
  "invoice-to-reporting": { invoiceId: "70001", projectId: "10002", amount: 10710, currency: "USD" },
};
