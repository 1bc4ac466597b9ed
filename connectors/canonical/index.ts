// The canonical model for professional-services integration: the shapes flows map vendor records into
// and out of (designer mapping targets and sources), and what the data-platform connector writes for
// executive reporting. Pure and browser-safe. Documented in docs/canonical-model.md.
// Conventions: every entity has id, externalRefs, createdAt and updatedAt; money is {amount: decimal
// string, currency: ISO 4217}; dates are YYYY-MM-DD, timestamps ISO 8601; references to other entities
// are canonical ids (…Id), and vendor ids live in externalRefs.
import { z } from "zod";

export const decimalString = z
  .string()
  .regex(/^-?\d+(\.\d+)?$/, 'a decimal number as a string, e.g. "1250.00"')
  .describe("Decimal amount as a string (no float rounding)");

export const currencyCode = z
  .string()
  .regex(/^[A-Z]{3}$/, "an ISO 4217 code such as USD")
  .describe("ISO 4217 currency code");

export const Money = z
  .object({ amount: decimalString, currency: currencyCode })
  .describe("An amount of money in a currency");
export type Money = z.infer<typeof Money>;

export const isoDate = z.iso.date().describe("Calendar date, YYYY-MM-DD");
export const isoDateTime = z.iso.datetime({ offset: true }).describe("Timestamp, ISO 8601");

export const ExternalRef = z
  .object({
    system: z.string().min(1).describe("salesforce | kantata | workday | netsuite | …"),
    objectType: z.string().min(1).describe("The vendor's object, e.g. Opportunity, workspace, job"),
    id: z.string().min(1).describe("The vendor's id"),
    url: z.string().optional(),
    syncStatus: z.enum(["synced", "pending", "error", "stale"]).optional(),
    lastSyncedAt: isoDateTime.optional(),
  })
  .describe("Where this entity lives in a vendor system");
export type ExternalRef = z.infer<typeof ExternalRef>;

const base = {
  id: z.string().min(1).describe("Canonical id (stable across systems)"),
  externalRefs: z.array(ExternalRef).default([]).describe("Ids of this entity in each vendor system"),
  createdAt: isoDateTime.optional(),
  updatedAt: isoDateTime.optional(),
};

export const Address = z.object({
  line1: z.string().optional(),
  line2: z.string().optional(),
  city: z.string().optional(),
  region: z.string().optional(),
  postalCode: z.string().optional(),
  country: z.string().length(2).optional().describe("ISO 3166-1 alpha-2"),
});

export const Customer = z
  .object({
    ...base,
    name: z.string().min(1),
    parentId: z.string().optional(),
    currency: currencyCode.optional(),
    billingAddress: Address.optional(),
    taxNumber: z.string().optional(),
    paymentTermsDays: z.number().int().min(0).optional(),
    industry: z.string().optional(),
    website: z.string().optional(),
    status: z.enum(["prospect", "active", "inactive"]).default("active"),
  })
  .describe("A client organisation (Salesforce Account, NetSuite customer)");
export type Customer = z.infer<typeof Customer>;

export const BillingType = z
  .enum(["time_and_materials", "fixed_fee", "milestone", "retainer", "non_billable"])
  .describe("How work is billed");
export type BillingType = z.infer<typeof BillingType>;

export const Opportunity = z
  .object({
    ...base,
    accountId: z.string().describe("Customer id"),
    name: z.string().min(1),
    stage: z.string(),
    isClosed: z.boolean(),
    isWon: z.boolean(),
    closeDate: isoDate,
    amount: Money.optional(),
    probability: z.number().min(0).max(100).optional(),
    ownerId: z.string().optional().describe("Resource id of the owner"),
    billingType: BillingType.optional(),
  })
  .describe("A sales opportunity (Salesforce Opportunity)");
export type Opportunity = z.infer<typeof Opportunity>;

export const Contract = z
  .object({
    ...base,
    customerId: z.string(),
    opportunityId: z.string().optional(),
    name: z.string().optional(),
    billingType: BillingType,
    totalValue: Money.optional(),
    currency: currencyCode,
    rateCardId: z.string().optional(),
    poNumber: z.string().optional(),
    startDate: isoDate.optional(),
    endDate: isoDate.optional(),
  })
  .describe("An engagement: what was sold and how it is billed");
export type Contract = z.infer<typeof Contract>;

export const Project = z
  .object({
    ...base,
    contractId: z.string().optional(),
    customerId: z.string(),
    code: z.string().optional(),
    name: z.string().min(1),
    status: z.enum(["planned", "active", "on_hold", "completed", "cancelled"]),
    startDate: isoDate.optional(),
    endDate: isoDate.optional(),
    parentProjectId: z.string().optional(),
    billingType: BillingType.optional(),
    budgetAmount: Money.optional(),
    budgetHours: z.number().min(0).optional(),
    projectManagerId: z.string().optional().describe("Resource id"),
    requiresTimeApproval: z.boolean().optional(),
  })
  .describe("A delivery project (Kantata workspace, NetSuite job)");
export type Project = z.infer<typeof Project>;

export const WbsNode = z
  .object({
    ...base,
    projectId: z.string(),
    parentId: z.string().optional(),
    type: z.enum(["phase", "task", "milestone", "deliverable"]),
    name: z.string().min(1),
    startDate: isoDate.optional(),
    dueDate: isoDate.optional(),
    estimateHours: z.number().min(0).optional(),
    budgetAmount: Money.optional(),
    billable: z.boolean().optional(),
    fixedFee: z.boolean().optional(),
  })
  .describe("A node of the work breakdown structure (Kantata story, NetSuite project task)");
export type WbsNode = z.infer<typeof WbsNode>;

export const BillingMilestone = z
  .object({
    ...base,
    projectId: z.string(),
    wbsNodeId: z.string().optional(),
    title: z.string(),
    amount: Money,
    dateToInvoice: isoDate.optional(),
    status: z.enum(["planned", "ready", "invoiced"]),
    invoiceId: z.string().optional(),
  })
  .describe("A fixed amount billed when a milestone is reached");
export type BillingMilestone = z.infer<typeof BillingMilestone>;

export const Skill = z.object({ id: z.string(), name: z.string(), level: z.number().int().min(0).max(5).optional() });

export const Resource = z
  .object({
    ...base,
    workerId: z.string().optional().describe("Workday worker id (WID)"),
    employeeNumber: z.string().optional(),
    name: z.string(),
    email: z.string().optional(),
    title: z.string().optional(),
    role: z.string().optional(),
    department: z.string().optional(),
    costCenter: z.string().optional(),
    location: z.string().optional(),
    managerId: z.string().optional(),
    employmentStatus: z.enum(["active", "leave", "terminated"]).default("active"),
    employmentType: z.enum(["full_time", "part_time", "contractor"]).optional(),
    hireDate: isoDate.optional(),
    terminationDate: isoDate.optional(),
    skills: z.array(Skill).default([]),
    costRate: Money.optional().describe("Per hour"),
    defaultBillRate: Money.optional().describe("Per hour"),
    weeklyCapacityHours: z.number().min(0).optional(),
    timeOff: z
      .array(
        z.object({ startDate: isoDate, endDate: isoDate, type: z.string().optional(), hours: z.number().optional() }),
      )
      .default([]),
  })
  .describe("A person who can be staffed (Workday worker, Kantata user)");
export type Resource = z.infer<typeof Resource>;

export const Assignment = z
  .object({
    ...base,
    projectId: z.string(),
    wbsNodeId: z.string().optional(),
    resourceId: z.string(),
    roleId: z.string().optional(),
    startDate: isoDate.optional(),
    endDate: isoDate.optional(),
    plannedHours: z.number().min(0).optional(),
    dailyAllocations: z.array(z.object({ date: isoDate, minutes: z.number().int().min(0) })).default([]),
    billRate: Money.optional(),
    costRate: Money.optional(),
    billable: z.boolean().optional(),
    status: z.enum(["proposed", "confirmed", "completed", "cancelled"]).optional(),
  })
  .describe("A resource staffed on a project or task");
export type Assignment = z.infer<typeof Assignment>;

export const ResourceRequest = z
  .object({
    ...base,
    projectId: z.string(),
    roleId: z.string().optional(),
    role: z.string().optional(),
    skills: z.array(Skill).default([]).describe("Skills asked for, with the least level"),
    location: z.object({ city: z.string().optional(), country: z.string().optional() }).optional(),
    startDate: isoDate,
    endDate: isoDate,
    plannedHours: z.number().min(0).describe("Over the whole period"),
    requesterId: z.string().optional(),
    approverIds: z.array(z.string()).default([]),
    status: z.enum(["pending", "approved", "rejected", "cancelled"]),
    resourceId: z.string().optional().describe("The person chosen, once one is"),
  })
  .describe("A request to staff a role on a project (Kantata resource request on an unnamed resource)");
export type ResourceRequest = z.infer<typeof ResourceRequest>;

export const RateCard = z
  .object({
    ...base,
    name: z.string(),
    currency: currencyCode,
    versions: z.array(
      z.object({
        effectiveFrom: isoDate,
        effectiveTo: isoDate.optional(),
        lines: z.array(
          z.object({
            roleId: z.string(),
            roleName: z.string().optional(),
            rate: decimalString,
            unit: z.enum(["hour", "day"]),
          }),
        ),
      }),
    ),
  })
  .describe("Bill rates per role, versioned by effective date");
export type RateCard = z.infer<typeof RateCard>;

export const ApprovalStatus = z.enum(["draft", "submitted", "approved", "rejected"]);

export const TimeEntry = z
  .object({
    ...base,
    resourceId: z.string(),
    projectId: z.string(),
    wbsNodeId: z.string().optional(),
    assignmentId: z.string().optional(),
    date: isoDate,
    minutes: z.number().int().min(0),
    billable: z.boolean(),
    billRate: Money.optional().describe("Per hour"),
    costRate: Money.optional().describe("Per hour"),
    notes: z.string().optional(),
    approvalStatus: ApprovalStatus,
    timesheetId: z.string().optional(),
    invoiced: z.boolean().default(false),
    invoiceId: z.string().optional(),
  })
  .describe("Time worked (Kantata time entry, NetSuite time bill)");
export type TimeEntry = z.infer<typeof TimeEntry>;

export const Expense = z
  .object({
    ...base,
    resourceId: z.string(),
    projectId: z.string(),
    date: isoDate,
    category: z.string(),
    amount: Money,
    billable: z.boolean(),
    reimbursable: z.boolean().optional(),
    approvalStatus: ApprovalStatus,
    receiptRef: z.string().optional(),
    invoiceId: z.string().optional(),
  })
  .describe("A project expense");
export type Expense = z.infer<typeof Expense>;

export const InvoiceLine = z
  .object({
    ...base,
    invoiceId: z.string(),
    lineType: z.enum(["time", "expense", "milestone", "fixed_fee", "adjustment"]),
    description: z.string(),
    quantity: decimalString,
    unitPrice: Money,
    amount: Money,
    serviceDate: isoDate.optional(),
    projectId: z.string().optional(),
    wbsNodeId: z.string().optional(),
    itemId: z.string().optional(),
    revenueAccountId: z.string().optional(),
    trackingCategories: z
      .array(z.object({ type: z.string(), id: z.string(), name: z.string().optional() }))
      .default([]),
    sourceRefs: z
      .object({
        timeEntryIds: z.array(z.string()).default([]),
        expenseIds: z.array(z.string()).default([]),
        milestoneId: z.string().optional(),
      })
      .optional(),
  })
  .describe("One line of an invoice, traceable to the time, expenses or milestone it bills");
export type InvoiceLine = z.infer<typeof InvoiceLine>;

export const Invoice = z
  .object({
    ...base,
    number: z.string().optional(),
    customerId: z.string(),
    projectIds: z.array(z.string()).default([]),
    contractId: z.string().optional(),
    issueDate: isoDate,
    dueDate: isoDate.optional(),
    terms: z.string().optional(),
    status: z.enum(["draft", "submitted", "posted", "paid", "void"]),
    subtotal: Money,
    tax: Money.optional(),
    total: Money,
    balance: Money.optional(),
    poNumber: z.string().optional(),
    lines: z.array(InvoiceLine.omit({ invoiceId: true }).extend({ invoiceId: z.string().optional() })).default([]),
  })
  .describe("A customer invoice (Kantata invoice, NetSuite invoice)");
export type Invoice = z.infer<typeof Invoice>;

/** Every canonical entity by name: the designer's mapping targets, the reporting connector's tables. */
export const canonicalEntities = {
  Customer,
  Opportunity,
  Contract,
  Project,
  WbsNode,
  BillingMilestone,
  Resource,
  Assignment,
  ResourceRequest,
  RateCard,
  TimeEntry,
  Expense,
  Invoice,
  InvoiceLine,
} as const;
export type CanonicalEntityName = keyof typeof canonicalEntities;
export const CANONICAL_ENTITY_NAMES = Object.keys(canonicalEntities) as CanonicalEntityName[];

/** Money helpers: cents ↔ decimal string without floating-point drift. */
export function moneyFromCents(cents: number, currency: string): Money {
  const neg = cents < 0;
  const abs = Math.abs(Math.round(cents));
  return { amount: `${neg ? "-" : ""}${Math.floor(abs / 100)}.${String(abs % 100).padStart(2, "0")}`, currency };
}

export function centsFromMoney(m: Money): number {
  const [whole = "0", frac = ""] = m.amount.replace("-", "").split(".");
  const c = Number(whole) * 100 + Number((frac + "00").slice(0, 2)) + (Number((frac + "000")[2]) >= 5 ? 1 : 0);
  return m.amount.startsWith("-") ? -c : c;
}

export function moneyFromDecimal(amount: number | string, currency: string): Money {
  return moneyFromCents(Math.round(Number(amount) * 100), currency);
}

/** The first external id a canonical entity has in `system` (optionally of an object type). */
export function externalId(
  entity: { externalRefs?: ExternalRef[] },
  system: string,
  objectType?: string,
): string | undefined {
  return entity.externalRefs?.find((r) => r.system === system && (!objectType || r.objectType === objectType))?.id;
}
