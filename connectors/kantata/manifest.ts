// PSA (Kantata OX / Mavenlink API v1) manifest. Browser-safe.
import { z } from "zod";
import { defineConnector, type OperationPages } from "../sdk/define";
import { httpUrl, pollCursor, rateLimitSchema } from "../sdk/common";
import { withArticle } from "../sdk/text";

const id = z.string().describe("Kantata id");
const day = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, "YYYY-MM-DD");
const stamps = { created_at: z.string().optional(), updated_at: z.string().optional() };

export const Workspace = z.looseObject({
  id,
  title: z.string(),
  description: z.string().nullable().optional(),
  start_date: z.string().nullable().optional(),
  due_date: z.string().nullable().optional(),
  budgeted: z.boolean().optional(),
  price_in_cents: z.number().nullable().optional(),
  currency: z.string().optional(),
  rate_card_id: z.string().nullable().optional(),
  require_time_approvals: z.boolean().optional(),
  stage: z.string().optional(),
  primary_maven_id: z.string().nullable().optional(),
  ...stamps,
});
export const Story = z.looseObject({
  id,
  title: z.string(),
  story_type: z.enum(["task", "deliverable", "milestone", "issue"]),
  parent_id: z.string().nullable().optional(),
  workspace_id: z.string(),
  state: z.string().optional(),
  start_date: z.string().nullable().optional(),
  due_date: z.string().nullable().optional(),
  time_estimate_in_minutes: z.number().nullable().optional(),
  budget_estimate_in_cents: z.number().nullable().optional(),
  fixed_fee: z.boolean().optional(),
  billable: z.boolean().optional(),
  ...stamps,
});
export const AssignmentRec = z.looseObject({
  id,
  story_id: z.string(),
  assignee_id: z.string(),
  estimated_minutes: z.number().nullable().optional(),
  allocated_minutes: z.number().nullable().optional(),
  current: z.boolean().optional(),
  ...stamps,
});
export const User = z.looseObject({
  id,
  full_name: z.string(),
  email_address: z.string().optional(),
  headline: z.string().nullable().optional(),
  role_id: z.string().optional(),
  ...stamps,
});
export const WorkspaceGroup = z.looseObject({
  id,
  name: z.string(),
  company: z.boolean().optional().describe("The group is a client company"),
  contact_name: z.string().nullable().optional(),
  contact_email: z.string().nullable().optional(),
  workspace_ids: z.array(z.string()).optional().describe("The workspaces (projects) under the group"),
  ...stamps,
});
export const TimeEntryRec = z.looseObject({
  id,
  workspace_id: z.string(),
  story_id: z.string().nullable().optional(),
  user_id: z.string(),
  role_id: z.string().nullable().optional(),
  date_performed: z.string(),
  time_in_minutes: z.number(),
  billable: z.boolean(),
  rate_in_cents: z.number().nullable().optional(),
  cost_rate_in_cents: z.number().nullable().optional(),
  currency: z.string().optional(),
  notes: z.string().nullable().optional(),
  approved: z.boolean(),
  is_invoiced: z.boolean(),
  invoice_id: z.string().nullable().optional(),
  amount_in_cents: z
    .number()
    .optional()
    .describe("Added by the connector: time_in_minutes × rate_in_cents ÷ 60, rounded to the cent"),
  ...stamps,
});
export const ExpenseRec = z.looseObject({
  id,
  workspace_id: z.string(),
  user_id: z.string().optional(),
  date: z.string(),
  category: z.string(),
  amount_in_cents: z.number(),
  currency: z.string().optional(),
  is_billable: z.boolean(),
  reimbursable: z.boolean().optional(),
  approved: z.boolean().optional(),
  is_invoiced: z.boolean().optional(),
  invoice_id: z.string().nullable().optional(),
  ...stamps,
});
export const InvoiceRec = z.looseObject({
  id,
  invoice_date: z.string().nullable().optional(),
  due_date: z.string().nullable().optional(),
  payment_schedule: z.string().nullable().optional(),
  status: z.string().optional(),
  draft: z.boolean().optional(),
  balance_in_cents: z.number().optional(),
  currency: z.string().optional(),
  workspace_ids: z.array(z.string()),
  time_entry_ids: z.array(z.string()),
  expense_ids: z.array(z.string()),
  billing_milestone_ids: z.array(z.string()).optional(),
  purchase_order: z.string().nullable().optional(),
  ...stamps,
});
export const BillingMilestoneRec = z.looseObject({
  id,
  title: z.string(),
  workspace_id: z.string(),
  story_id: z.string().nullable().optional(),
  date_to_invoice: z.string().nullable().optional(),
  amount_in_cents: z.number(),
  invoice_id: z.string().nullable().optional(),
  ...stamps,
});
export const ExternalReferenceRec = z.looseObject({
  id,
  subject_type: z.string(),
  subject_id: z.string(),
  service_name: z.string(),
  service_model: z.string(),
  service_model_ref: z.string(),
  status: z.string().nullable().optional(),
  external_link: z.string().nullable().optional(),
});
export const WorkspaceResourceRec = z.looseObject({
  id,
  workspace_id: z.string(),
  user_id: z.string().nullable().describe("null for an unnamed resource (a placeholder to staff)"),
  role_id: z.string().nullable().optional(),
  label: z.string().nullable().optional(),
  location: z.string().nullable().optional().describe("The office the work is in"),
  country: z.string().nullable().optional().describe("ISO country code of that office"),
  ...stamps,
});
export const ResourceRequestRec = z.looseObject({
  id,
  resource_id: z.string().describe("The workspace resource to staff"),
  creator_id: z.string().nullable().optional(),
  approver_ids: z.array(z.string()),
  status: z.string().describe("pending, approved, rejected or canceled"),
  workspace_allocation_start_date: z.string().nullable().optional(),
  workspace_allocation_end_date: z.string().nullable().optional(),
  workspace_allocation_minutes: z.number().nullable().optional().describe("Minutes over the whole period"),
  ...stamps,
});
export const WorkspaceAllocationRec = z.looseObject({
  id,
  resource_id: z.string(),
  start_date: z.string(),
  end_date: z.string(),
  minutes: z.number().describe("Minutes over the whole period"),
  soft: z.boolean().optional(),
  ...stamps,
});
export const SkillRec = z.looseObject({ id, name: z.string(), ...stamps });
export const WorkspaceResourceSkillRec = z.looseObject({
  id,
  workspace_resource_id: z.string(),
  skill_id: z.string(),
  level: z.number().describe("1 (awareness) … 5 (expert)"),
  ...stamps,
});
export const PostRec = z.looseObject({ id, workspace_id: z.string(), message: z.string(), ...stamps });

export const RateCardSet = z.object({
  id,
  title: z.string(),
  versions: z.array(
    z.object({
      id,
      effective_date: z.string().nullable(),
      rate_cards: z.array(
        z.object({
          id,
          currency: z.string(),
          roles: z.array(
            z.object({ role_id: z.string(), role_name: z.string().optional(), rate_in_cents: z.number() }),
          ),
        }),
      ),
    }),
  ),
});

const Meta = z.object({ count: z.number(), page_count: z.number(), page_number: z.number(), page_size: z.number() });
const listOutput = <T extends z.ZodType>(item: T) =>
  z.object({
    items: z.array(item),
    meta: Meta,
    included: z.record(z.string(), z.record(z.string(), z.unknown())).optional(),
  });
const paging = {
  page: z.number().int().min(1).default(1),
  perPage: z.number().int().min(1).max(200).default(200),
  allPages: z.boolean().default(true).describe("Follow every page (stops at maxItems)"),
  maxItems: z.number().int().positive().default(10_000),
  include: z
    .array(z.string())
    .optional()
    .describe(
      'Associations to include, e.g. ["user", "workspace"]; with "external_references" each item gets external_ids by service name',
    ),
};

/** One page per call (allPages off); the next page while the envelope's meta says there is one. */
const kantataPages: OperationPages = {
  first: (input) => ({ ...input, page: input.page ?? 1, allPages: false }),
  next(input, output) {
    const o = output as { items?: unknown[]; meta?: { page_number: number; page_count: number } };
    if (!o.meta || !o.items?.length || o.meta.page_number >= o.meta.page_count) return null;
    return { ...input, page: o.meta.page_number + 1, allPages: false };
  },
};

const listOp = <T extends z.ZodType, F extends z.ZodRawShape>(what: string, item: T, filters: F) => ({
  kind: "action" as const,
  name: `List ${what}`,
  description: `Lists ${what}, following page/per_page paging.`,
  effect: "read" as const,
  input: z.object({ ...filters, ...paging }),
  output: listOutput(item),
  pages: kantataPages,
});
const createOp = <T extends z.ZodType, B extends z.ZodType>(what: string, item: T, body: B) => ({
  kind: "action" as const,
  name: `Create ${what}`,
  description: `Creates ${withArticle(what)}.`,
  effect: "write" as const,
  input: body,
  output: item,
});

export const kantataManifest = defineConnector({
  key: "kantata",
  name: "Kantata OX (PSA)",
  system: "psa",
  icon: "briefcase",
  version: "1.0.0",
  description:
    "Professional services automation (Kantata OX / Mavenlink API v1): projects, WBS, staffing, time, expenses, rate cards, invoices.",
  docs: "Responses use Kantata's envelope — `results` gives the order, objects sit under their resource key — which the connector unpacks into `items`. Authenticate with an OAuth access token, or with client credentials against the token URL.",
  auth: {
    type: "oauth2_client_credentials",
    config: z.object({
      baseUrl: httpUrl.default("https://api.mavenlink.com/api/v1").describe("API base, …/api/v1"),
      tokenUrl: httpUrl
        .optional()
        .describe("OAuth token endpoint (client credentials); not needed with an access token"),
      rateLimit: rateLimitSchema.optional(),
    }),
    secrets: z
      .object({
        accessToken: z.string().min(1).optional(),
        clientId: z.string().min(1).optional(),
        clientSecret: z.string().min(1).optional(),
      })
      .refine((s) => !!s.accessToken || (!!s.clientId && !!s.clientSecret), {
        message: "Give an access token, or a client id and secret",
      }),
  },
  operations: {
    listWorkspaces: listOp("workspaces (projects)", Workspace, {
      search: z.string().optional(),
      updatedAfter: z.string().optional(),
    }),
    getWorkspace: {
      kind: "action",
      name: "Get workspace",
      description: "Reads one workspace (project).",
      effect: "read",
      input: z.object({ id, include: z.array(z.string()).optional() }),
      output: Workspace,
    },
    createWorkspace: createOp(
      "workspace (project)",
      Workspace,
      z.object({
        title: z.string().min(1),
        description: z.string().optional(),
        start_date: day.optional(),
        due_date: day.optional(),
        currency: z.string().length(3).optional(),
        budgeted: z.boolean().optional(),
        price_in_cents: z.number().int().optional(),
        rate_card_id: z.string().optional(),
        require_time_approvals: z.boolean().optional(),
        stories_are_fixed_fee_by_default: z.boolean().optional(),
        creator_role: z.enum(["maven", "buyer"]).default("maven"),
      }),
    ),
    updateWorkspace: {
      kind: "action",
      name: "Update workspace",
      description: "Changes workspace attributes.",
      effect: "write",
      input: z.object({ id, attributes: z.record(z.string(), z.unknown()) }),
      output: Workspace,
    },
    listStories: listOp("stories (WBS)", Story, {
      workspaceId: z.string().optional(),
      storyType: z.enum(["task", "deliverable", "milestone", "issue"]).optional(),
      parentId: z.string().optional(),
    }),
    createStory: createOp(
      "story (task, deliverable or milestone)",
      Story,
      z.object({
        workspace_id: id,
        title: z.string().min(1),
        story_type: z.enum(["task", "deliverable", "milestone"]),
        parent_id: z.string().optional(),
        start_date: day.optional(),
        due_date: day.optional(),
        time_estimate_in_minutes: z.number().int().optional(),
        budget_estimate_in_cents: z.number().int().optional(),
        billable: z.boolean().optional(),
        fixed_fee: z.boolean().optional(),
      }),
    ),
    listAssignments: listOp("assignments", AssignmentRec, {
      storyId: z.string().optional(),
      assigneeId: z.string().optional(),
    }),
    createAssignment: createOp(
      "assignment",
      AssignmentRec,
      z.object({
        story_id: id,
        assignee_id: id,
        allocated_minutes: z.number().int().min(0).optional(),
        estimated_minutes: z.number().int().min(0).optional(),
      }),
    ),
    listUsers: listOp("users (resources)", User, {}),
    listWorkspaceGroups: listOp("workspace groups (clients)", WorkspaceGroup, {
      company: z.boolean().optional().describe("Only client companies (true) or only internal groups (false)"),
    }),
    createWorkspaceGroup: createOp(
      "workspace group (client)",
      WorkspaceGroup,
      z.object({
        name: z.string().min(1),
        company: z.boolean().default(true).describe("A client company (not an internal group)"),
        contact_name: z.string().optional(),
        contact_email: z.string().optional(),
        add_workspace_ids: z.array(id).optional().describe("Workspaces to put under the new group"),
      }),
    ),
    updateWorkspaceGroup: {
      kind: "action",
      name: "Update workspace group",
      description:
        "Changes a workspace group (client): puts workspaces under it (add_workspace_ids) or takes them out (remove_workspace_ids), renames it, changes its contact.",
      effect: "write",
      input: z.object({
        id,
        add_workspace_ids: z.array(id).optional().describe("Workspaces to put under the group"),
        remove_workspace_ids: z.array(id).optional().describe("Workspaces to take out of the group"),
        name: z.string().min(1).optional(),
        contact_name: z.string().optional(),
        contact_email: z.string().optional(),
      }),
      output: WorkspaceGroup,
    },
    listTimeEntries: listOp("time entries", TimeEntryRec, {
      workspaceId: z.string().optional(),
      userId: z.string().optional(),
      approved: z.boolean().optional(),
      uninvoiced: z.boolean().optional(),
      from: day.optional().describe("date_performed on or after"),
      to: day.optional().describe("date_performed on or before"),
      updatedAfter: z.string().optional(),
    }),
    createTimeEntry: createOp(
      "time entry",
      TimeEntryRec,
      z.object({
        workspace_id: id,
        user_id: id.optional(),
        story_id: z.string().optional(),
        date_performed: day,
        time_in_minutes: z.number().int().positive().max(1440),
        billable: z.boolean().optional(),
        notes: z.string().optional(),
        rate_in_cents: z.number().int().optional(),
        role_id: z.string().optional(),
      }),
    ),
    updateTimeEntry: {
      kind: "action",
      name: "Update time entry",
      description: "Changes a time entry (e.g. approve it).",
      effect: "write",
      input: z.object({ id, attributes: z.record(z.string(), z.unknown()) }),
      output: TimeEntryRec,
    },
    listExpenses: listOp("expenses", ExpenseRec, {
      workspaceId: z.string().optional(),
      approved: z.boolean().optional(),
      uninvoiced: z.boolean().optional(),
    }),
    createExpense: createOp(
      "expense",
      ExpenseRec,
      z.object({
        workspace_id: id,
        user_id: z.string().optional(),
        date: day,
        category: z.string().min(1),
        amount_in_cents: z.number().int(),
        currency: z.string().length(3).optional(),
        is_billable: z.boolean().optional(),
        reimbursable: z.boolean().optional(),
        notes: z.string().optional(),
      }),
    ),
    listRateCards: {
      kind: "action",
      name: "List rate cards",
      description: "Rate card sets with their versions, cards and role rates.",
      effect: "read",
      input: z.object({}),
      output: z.object({ items: z.array(RateCardSet) }),
    },
    listInvoices: listOp("invoices", InvoiceRec, { status: z.string().optional() }),
    createInvoice: createOp(
      "invoice",
      InvoiceRec,
      z.object({
        workspace_id: id,
        time_entry_ids: z.array(id),
        expense_ids: z.array(id),
        payment_schedule: z.string().default("monthly"),
        invoice_date: day.optional(),
        due_date: day.optional(),
        purchase_order: z.string().optional(),
        draft: z.boolean().optional(),
        title: z.string().optional(),
      }),
    ),
    listBillingMilestones: listOp("billing milestones", BillingMilestoneRec, { workspaceId: z.string().optional() }),
    createExternalReference: createOp(
      "external reference",
      ExternalReferenceRec,
      z.object({
        subject_type: z.enum(["Workspace", "WorkspaceGroup", "User", "Story", "TimeEntry", "Invoice", "Expense"]),
        subject_id: id,
        service_name: z.string().min(1).describe("e.g. NetSuite"),
        service_model: z.string().min(1).describe("e.g. job"),
        service_model_ref: z.string().min(1),
        external_link: z.string().optional(),
      }),
    ),
    updateExternalReference: {
      kind: "action",
      name: "Update external reference",
      description: "Changes an external reference (e.g. point a workspace's NetSuite link at the right job).",
      effect: "write",
      input: z.object({ id, attributes: z.record(z.string(), z.unknown()) }),
      output: ExternalReferenceRec,
    },
    listExternalReferences: listOp("external references", ExternalReferenceRec, {
      subjectType: z.string().optional(),
      subjectId: z.string().optional(),
      serviceName: z.string().optional(),
      serviceModelRef: z.string().optional().describe("The id in the other system, e.g. a Salesforce Account Id"),
    }),
    listWorkspaceResources: listOp("workspace resources (named and unnamed)", WorkspaceResourceRec, {
      workspaceId: z.string().optional(),
      userId: z.string().optional(),
    }),
    getWorkspaceResource: {
      kind: "action",
      name: "Get workspace resource",
      description: "Reads one workspace resource (a named person or an unnamed placeholder on a project).",
      effect: "read",
      input: z.object({ id, include: z.array(z.string()).optional().describe('e.g. ["workspace_resource_skills"]') }),
      output: WorkspaceResourceRec,
    },
    createWorkspaceResource: createOp(
      "workspace resource",
      WorkspaceResourceRec,
      z.object({
        workspace_id: id,
        user_id: z.string().optional().describe("Leave out for an unnamed resource"),
        role_id: z.string().optional(),
        location: z.string().optional(),
        country: z.string().length(2).optional(),
      }),
    ),
    updateWorkspaceResource: {
      kind: "action",
      name: "Update workspace resource",
      description: "Changes a workspace resource, e.g. names an unnamed one (user_id).",
      effect: "write",
      input: z.object({ id, attributes: z.record(z.string(), z.unknown()) }),
      output: WorkspaceResourceRec,
    },
    listWorkspaceResourceSkills: listOp("skills a workspace resource asks for", WorkspaceResourceSkillRec, {
      workspaceResourceId: z.string().optional(),
    }),
    createWorkspaceResourceSkill: createOp(
      "workspace resource skill",
      WorkspaceResourceSkillRec,
      z.object({ workspace_resource_id: id, skill_id: id, level: z.number().int().min(1).max(5).optional() }),
    ),
    listSkills: listOp("skills", SkillRec, {}),
    listResourceRequests: {
      ...listOp("resource requests", ResourceRequestRec, {
        pendingOnly: z.boolean().optional().describe("pending_requests_only"),
        status: z.string().optional(),
        resourceId: z.string().optional(),
        updatedAfter: z.string().optional(),
      }),
      description: "Lists resource requests, oldest change first (updated_at), following page/per_page paging.",
    },
    createResourceRequest: createOp(
      "resource request",
      ResourceRequestRec,
      z.object({
        resource_id: id,
        approver_ids: z.array(id).min(1),
        workspace_allocation_start_date: day.optional(),
        workspace_allocation_end_date: day.optional(),
        workspace_allocation_minutes: z.number().int().min(0).optional(),
      }),
    ),
    updateResourceRequest: {
      kind: "action",
      name: "Update resource request",
      description: "Changes a resource request, e.g. approves it (status).",
      effect: "write",
      input: z.object({ id, attributes: z.record(z.string(), z.unknown()) }),
      output: ResourceRequestRec,
    },
    listWorkspaceAllocations: listOp("workspace allocations (booked time)", WorkspaceAllocationRec, {
      resourceId: z.string().optional(),
      workspaceId: z.string().optional(),
    }),
    createWorkspaceAllocation: createOp(
      "workspace allocation",
      WorkspaceAllocationRec,
      z.object({
        resource_id: id,
        start_date: day,
        end_date: day,
        minutes: z.number().int().min(0).describe("Minutes over the whole period"),
        soft: z.boolean().optional().describe("A soft (tentative) booking"),
      }),
    ),
    createPost: createOp(
      "post (a note in the workspace's activity feed)",
      PostRec,
      z.object({ workspace_id: id, message: z.string().min(1).max(10_000) }),
    ),
    listPosts: listOp("posts", PostRec, { workspaceId: z.string().optional() }),
    pollApprovedTimeEntries: {
      kind: "trigger",
      trigger: { type: "poll" },
      name: "Approved time",
      description: "Time entries approved (or changed while approved) since the cursor, oldest change first.",
      effect: "read",
      input: z.object({
        cursor: pollCursor,
        since: z.string().optional().describe("ISO timestamp for the first poll"),
        uninvoicedOnly: z.boolean().default(true),
        batchSize: z.number().int().min(1).max(1000).default(200),
      }),
      output: z.object({ items: z.array(TimeEntryRec), cursor: z.string(), hasMore: z.boolean() }),
    },
  },
});
