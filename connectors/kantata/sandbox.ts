// PSA sandbox in the shape of Kantata OX (Mavenlink) API v1: /api/v1/<resource>.json with the
// {count, results:[{key,id}], meta, <key>:{id:{…}}} envelope (included associations share the top-level
// keys, so clients iterate `results`), page/per_page paging (per_page ≤ 200), include/only/order and
// the resource filters flows use (time entries: approved, uninvoiced, date_performed_between,
// updated_after…), Rails-style {resource: {…}} bodies, {"errors":[{type,message}]} errors.
// Resources: workspaces, workspace_groups (clients: company groups, and the workspaces under each), stories, assignments, users, roles,
// time_entries, expenses, invoices, billing_milestones, rate card chain, external_references; resourcing —
// workspace_resources (named, or unnamed with user_id null), resource_requests (pending_requests_only),
// workspace_allocations, skills and workspace_resource_skills, posts (the activity feed). Seeded from the
// shared firm: users are the Workday workers (external reference to the WID; cost_rate_in_cents is the
// member's default cost rate), workspaces are the NetSuite jobs, company groups are the Salesforce Accounts
// and NetSuite customers (external references to both). Data faults (POST /__sandbox/inject):
// remap-workspace (its NetSuite reference points at another job), disable-user.
// Sandbox extension: writes honour an Idempotency-Key header.
import { addDays, firm, sfId, TITLES } from "../sandbox-kit/firm";
import { resourceRequestOf, staffingDemand } from "../sandbox-kit/staffing";
import {
  header,
  InjectError,
  json,
  Sandbox,
  type SandboxInfo,
  type SbRequest,
  type SbResponse,
} from "../sandbox-kit/server";
import { withArticle } from "../sdk/text";
import { kantataWebhookPublisher } from "./webhooks";

type Rec = Record<string, unknown> & { id: string };

export const PSA_RESOURCES = [
  "workspaces",
  "workspace_groups",
  "stories",
  "assignments",
  "users",
  "roles",
  "time_entries",
  "expenses",
  "invoices",
  "billing_milestones",
  "rate_card_sets",
  "rate_card_set_versions",
  "rate_cards",
  "rate_card_roles",
  "external_references",
  // Resourcing: project team members (named, or unnamed placeholders), requests to staff them, their
  // allocations over dates, skills, and the workspace's activity feed (posts).
  "workspace_resources",
  "resource_requests",
  "workspace_allocations",
  "skills",
  "workspace_resource_skills",
  "posts",
] as const;
export type PsaResource = (typeof PSA_RESOURCES)[number];

const SINGULAR: Record<PsaResource, string> = {
  workspaces: "workspace",
  workspace_groups: "workspace_group",
  stories: "story",
  assignments: "assignment",
  users: "user",
  roles: "role",
  time_entries: "time_entry",
  expenses: "expense",
  invoices: "invoice",
  billing_milestones: "billing_milestone",
  rate_card_sets: "rate_card_set",
  rate_card_set_versions: "rate_card_set_version",
  rate_cards: "rate_card",
  rate_card_roles: "rate_card_role",
  external_references: "external_reference",
  workspace_resources: "workspace_resource",
  resource_requests: "resource_request",
  workspace_allocations: "workspace_allocation",
  skills: "skill",
  workspace_resource_skills: "workspace_resource_skill",
  posts: "post",
};

/** Query parameters that filter by equality on a field (comma lists allowed). */
const FILTERS: Partial<Record<PsaResource, string[]>> = {
  workspace_groups: ["company"],
  stories: ["workspace_id", "parent_id", "story_type", "state"],
  assignments: ["story_id", "assignee_id"],
  time_entries: ["workspace_id", "user_id", "story_id", "invoice_id", "billable"],
  expenses: ["workspace_id", "user_id", "invoice_id"],
  invoices: ["status"],
  billing_milestones: ["workspace_id", "story_id", "invoice_id"],
  rate_card_set_versions: ["rate_card_set_id"],
  rate_cards: ["rate_card_set_version_id"],
  rate_card_roles: ["rate_card_id", "role_id"],
  external_references: ["subject_type", "subject_id", "service_name", "service_model_ref"],
  workspace_resources: ["workspace_id", "user_id", "role_id"],
  resource_requests: ["resource_id", "status"],
  workspace_allocations: ["resource_id", "workspace_id"],
  workspace_resource_skills: ["workspace_resource_id", "skill_id"],
  posts: ["workspace_id"],
};

/** include=… associations: the attribute holding the id(s) and the resource they live in. */
const INCLUDES: Partial<Record<PsaResource, Record<string, [string, PsaResource]>>> = {
  time_entries: {
    workspace: ["workspace_id", "workspaces"],
    user: ["user_id", "users"],
    story: ["story_id", "stories"],
    role: ["role_id", "roles"],
  },
  stories: { workspace: ["workspace_id", "workspaces"], parent: ["parent_id", "stories"] },
  assignments: { story: ["story_id", "stories"], assignee: ["assignee_id", "users"] },
  expenses: { workspace: ["workspace_id", "workspaces"], user: ["user_id", "users"] },
  invoices: {
    workspaces: ["workspace_ids", "workspaces"],
    time_entries: ["time_entry_ids", "time_entries"],
    expenses: ["expense_ids", "expenses"],
  },
  rate_card_sets: { rate_card_set_versions: ["$children:rate_card_set_id", "rate_card_set_versions"] },
  rate_card_set_versions: { rate_cards: ["$children:rate_card_set_version_id", "rate_cards"] },
  rate_cards: { rate_card_roles: ["$children:rate_card_id", "rate_card_roles"] },
  workspaces: { external_references: ["$children:subject_id", "external_references"] },
  workspace_groups: {
    external_references: ["$children:subject_id", "external_references"],
    workspaces: ["workspace_ids", "workspaces"],
  },
  users: { external_references: ["$children:subject_id", "external_references"] },
  workspace_resources: {
    workspace: ["workspace_id", "workspaces"],
    user: ["user_id", "users"],
    role: ["role_id", "roles"],
    workspace_resource_skills: ["$children:workspace_resource_id", "workspace_resource_skills"],
  },
  resource_requests: {
    resource: ["resource_id", "workspace_resources"],
    creator: ["creator_id", "users"],
    approvers: ["approver_ids", "users"],
  },
  workspace_allocations: {
    workspace_resource: ["resource_id", "workspace_resources"],
    workspace: ["workspace_id", "workspaces"],
  },
  workspace_resource_skills: { skill: ["skill_id", "skills"] },
};

/** The subject_type external references give a resource. */
const SUBJECT_TYPE: Partial<Record<PsaResource, string>> = {
  workspaces: "Workspace",
  workspace_groups: "WorkspaceGroup",
  users: "User",
};

/** Creatable resources: required attributes and defaults. */
const CREATE: Partial<Record<PsaResource, { required: string[]; defaults?: Record<string, unknown> }>> = {
  workspaces: {
    required: ["title", "creator_role"],
    defaults: {
      budgeted: false,
      currency: "USD",
      require_time_approvals: true,
      require_expense_approvals: true,
      stories_are_fixed_fee_by_default: false,
      archived: false,
      price_in_cents: null,
      rate_card_id: null,
      description: null,
      start_date: null,
      due_date: null,
      stage: "planning",
      status: { key: 305, message: "Not Started", color: "grey" },
    },
  },
  stories: {
    required: ["title", "workspace_id", "story_type"],
    defaults: {
      parent_id: null,
      state: "not started",
      billable: true,
      fixed_fee: false,
      time_estimate_in_minutes: null,
      budget_estimate_in_cents: null,
      start_date: null,
      due_date: null,
    },
  },
  assignments: {
    required: ["story_id", "assignee_id"],
    defaults: { estimated_minutes: null, allocated_minutes: 0, current: true },
  },
  time_entries: {
    required: ["workspace_id", "date_performed", "time_in_minutes"],
    defaults: {
      story_id: null,
      role_id: null,
      billable: true,
      notes: null,
      approved: false,
      is_invoiced: false,
      invoice_id: null,
      active_submission_id: null,
      cost_rate_in_cents: null,
    },
  },
  expenses: {
    required: ["workspace_id", "date", "category", "amount_in_cents"],
    defaults: {
      is_billable: true,
      reimbursable: true,
      approved: false,
      is_invoiced: false,
      invoice_id: null,
      notes: null,
    },
  },
  invoices: { required: ["workspace_id", "time_entry_ids", "expense_ids", "payment_schedule"] },
  workspace_resources: {
    required: ["workspace_id"],
    defaults: { user_id: null, role_id: null, label: null, location: null, country: null },
  },
  resource_requests: {
    required: ["resource_id", "approver_ids"],
    defaults: {
      status: "pending",
      creator_id: null,
      workspace_allocation_start_date: null,
      workspace_allocation_end_date: null,
      workspace_allocation_minutes: null,
    },
  },
  workspace_allocations: { required: ["resource_id", "start_date", "end_date", "minutes"], defaults: { soft: false } },
  workspace_resource_skills: { required: ["workspace_resource_id", "skill_id"], defaults: { level: 1 } },
  posts: { required: ["workspace_id", "message"], defaults: { story_id: null, parent_id: null } },
  workspace_groups: {
    required: ["name"],
    defaults: { company: false, contact_name: null, contact_email: null, workspace_ids: [] },
  },
  external_references: {
    required: ["subject_type", "subject_id", "service_name", "service_model", "service_model_ref"],
    defaults: { status: "synced", external_link: null, external_status: null },
  },
};

export interface KantataSandboxOptions {
  clientId?: string;
  clientSecret?: string;
}

export function createKantataSandbox(opts: KantataSandboxOptions = {}) {
  const clientId = opts.clientId ?? "weft-sandbox-kantata-app";
  const clientSecret = opts.clientSecret ?? "weft-sandbox-kantata-secret-41d2";
  const sb: Sandbox = new Sandbox({
    system: "psa",
    connectorKey: "kantata",
    name: "Kantata OX PSA (sandbox)",
    errors: {
      error(status, code, message) {
        const type =
          status === 401
            ? "oauth"
            : status === 422 || status === 400
              ? "validation"
              : status === 404
                ? "system"
                : status >= 500 || status === 429
                  ? "system"
                  : "syntax";
        return json(status, {
          errors: [
            {
              type,
              message:
                code && !["NOT_FOUND", "INVALID_SESSION"].includes(code) && status !== 422 ? `${message}` : message,
            },
          ],
        });
      },
    },
  });

  const db = new Map<PsaResource, Map<string, Rec>>();
  const notify = kantataWebhookPublisher(sb.push, (r) => SINGULAR[r as PsaResource]);
  const seqs = new Map<PsaResource, number>();
  const now = () =>
    new Date()
      .toISOString()
      .replace(/\.\d{3}Z$/, "-00:00")
      .replace(/Z$/, "-00:00");

  const put = (r: PsaResource, rec: Rec) => db.get(r)!.set(rec.id, rec);

  const seed = () => {
    const f = firm();
    for (const r of PSA_RESOURCES) db.set(r, new Map());
    const ts = (d: string) => `${d}T17:00:00-00:00`;
    const roleId = (t: string) => String(TITLES.indexOf(t as (typeof TITLES)[number]) + 1);
    TITLES.forEach((t, i) =>
      put("roles", { id: String(i + 1), name: t, created_at: ts("2024-01-02"), updated_at: ts("2024-01-02") }),
    );
    let extRef = 0;
    for (const c of f.consultants) {
      const id = String(30000 + c.n);
      put("users", {
        id,
        full_name: `${c.firstName} ${c.lastName}`,
        email_address: c.email,
        headline: c.title,
        account_id: "5001",
        role_id: roleId(c.title),
        classification: "maven",
        disabled: false,
        cost_rate_in_cents: c.costRate * 100,
        created_at: ts(c.hireDate),
        updated_at: ts("2026-01-05"),
      });
      put("external_references", {
        id: String(++extRef),
        subject_type: "User",
        subject_id: id,
        service_name: "Workday",
        service_model: "Worker",
        service_model_ref: c.wid,
        status: "synced",
        external_link: null,
        external_status: null,
        created_at: ts("2026-01-05"),
        updated_at: ts("2026-01-05"),
      });
    }
    for (const c of f.customers) {
      const id = String(3000 + c.n);
      put("workspace_groups", {
        id,
        name: c.name,
        company: true,
        // Membership (Kantata: add_workspace_ids / remove_workspace_ids; include=workspaces lists them).
        workspace_ids: f.projects.filter((p) => p.customerN === c.n).map((p) => String(10000 + p.n)),
        contact_name: `${c.contacts[0]!.firstName} ${c.contacts[0]!.lastName}`,
        contact_email: c.contacts[0]!.email,
        created_at: ts("2023-02-01"),
        updated_at: ts("2026-01-05"),
      });
      for (const [service_name, service_model, service_model_ref] of [
        ["Salesforce", "Account", sfId("001", c.n)],
        ["NetSuite", "customer", String(100 + c.n)],
      ] as const)
        put("external_references", {
          id: String(++extRef),
          subject_type: "WorkspaceGroup",
          subject_id: id,
          service_name,
          service_model,
          service_model_ref,
          status: "synced",
          external_link: null,
          external_status: null,
          created_at: ts("2023-02-01"),
          updated_at: ts("2023-02-01"),
        });
    }
    for (const rc of f.rateCards) {
      const setId = String(rc.n);
      put("rate_card_sets", {
        id: setId,
        title: rc.name,
        published: true,
        default: rc.n === 1,
        created_at: ts("2025-12-01"),
        updated_at: ts("2025-12-01"),
      });
      put("rate_card_set_versions", {
        id: setId,
        rate_card_set_id: setId,
        effective_date: rc.effectiveFrom,
        published_at: ts("2025-12-15"),
        created_at: ts("2025-12-01"),
        updated_at: ts("2025-12-15"),
      });
      put("rate_cards", {
        id: setId,
        rate_card_set_version_id: setId,
        currency: rc.currency,
        created_at: ts("2025-12-01"),
        updated_at: ts("2025-12-01"),
      });
      TITLES.forEach((t, i) =>
        put("rate_card_roles", {
          id: String(rc.n * 100 + i + 1),
          rate_card_id: setId,
          role_id: String(i + 1),
          rate_in_cents: rc.rates[t] * 100,
          created_at: ts("2025-12-01"),
          updated_at: ts("2025-12-01"),
        }),
      );
    }
    for (const p of f.projects) {
      const id = String(10000 + p.n);
      const active = p.status === "active";
      put("workspaces", {
        id,
        title: p.name,
        description: `${f.customers[p.customerN - 1]!.name} — ${p.code}`,
        start_date: p.start,
        due_date: p.end,
        budgeted: true,
        price_in_cents: p.budget * 100,
        price: `${p.budget.toLocaleString("en-US")}`,
        currency: p.currency,
        rate_card_id: String(p.rateCardN),
        stories_are_fixed_fee_by_default: p.billingType === "fixed_fee",
        require_time_approvals: true,
        require_expense_approvals: true,
        status: active
          ? { key: 310, message: "In Progress", color: "green" }
          : { key: 350, message: "Completed", color: "grey" },
        stage: active ? "in_progress" : "completed",
        primary_maven_id: String(30000 + p.pmN),
        archived: false,
        created_at: ts(p.start),
        updated_at: ts(addDays(p.start, 3)),
      });
      put("external_references", {
        id: String(++extRef),
        subject_type: "Workspace",
        subject_id: id,
        service_name: "Salesforce",
        service_model: "Opportunity",
        service_model_ref: sfId("006", p.opportunityN),
        status: "synced",
        external_link: null,
        external_status: null,
        created_at: ts(p.start),
        updated_at: ts(p.start),
      });
      put("external_references", {
        id: String(++extRef),
        subject_type: "Workspace",
        subject_id: id,
        service_name: "NetSuite",
        service_model: "job",
        service_model_ref: String(5000 + p.n),
        status: "synced",
        external_link: null,
        external_status: null,
        created_at: ts(p.start),
        updated_at: ts(p.start),
      });
      for (const s of p.stories) {
        put("stories", {
          id: String(20000 + s.n),
          title: s.title,
          story_type: s.type,
          parent_id: s.parentN ? String(20000 + s.parentN) : null,
          workspace_id: id,
          state: s.state,
          start_date: s.start,
          due_date: s.due,
          time_estimate_in_minutes: s.estimateMinutes || null,
          budget_estimate_in_cents: s.budgetCents || null,
          fixed_fee: s.type === "milestone",
          billable: s.billable,
          created_at: ts(p.start),
          updated_at: ts(s.state === "completed" ? s.due : p.start),
        });
      }
      for (const m of p.milestones) {
        put("billing_milestones", {
          id: String(80000 + m.n),
          title: m.title,
          workspace_id: id,
          story_id: String(20000 + m.storyN),
          date_to_invoice: m.date,
          amount_in_cents: m.amount * 100,
          currency: p.currency,
          invoice_id: m.invoiceN ? String(70000 + m.invoiceN) : null,
          created_at: ts(p.start),
          updated_at: ts(p.start),
        });
      }
    }
    for (const a of f.assignments)
      put("assignments", {
        id: String(40000 + a.n),
        story_id: String(20000 + a.storyN),
        assignee_id: String(30000 + a.consultantN),
        estimated_minutes: a.allocatedMinutes,
        allocated_minutes: a.allocatedMinutes,
        current: true,
        created_at: ts(f.projects[a.projectN - 1]!.start),
        updated_at: ts(f.projects[a.projectN - 1]!.start),
      });
    for (const t of f.timeEntries) {
      const c = f.consultants[t.consultantN - 1]!;
      put("time_entries", {
        id: String(50000 + t.n),
        workspace_id: String(10000 + t.projectN),
        story_id: String(20000 + t.storyN),
        user_id: String(30000 + t.consultantN),
        role_id: roleId(c.title),
        date_performed: t.date,
        time_in_minutes: t.minutes,
        billable: t.billable,
        rate_in_cents: t.billRate * 100,
        cost_rate_in_cents: t.costRate * 100,
        currency: t.currency,
        notes: t.notes,
        approved: t.approved,
        is_invoiced: !!t.invoiceN,
        invoice_id: t.invoiceN ? String(70000 + t.invoiceN) : null,
        active_submission_id: t.submitted ? String(900000 + Math.floor(t.n / 5)) : null,
        created_at: ts(t.date),
        // Approved entries were last touched when approved (a few days after being worked).
        updated_at: ts(
          t.approved
            ? addDays(
                t.date,
                Math.min(4, Math.max(0, Math.floor((Date.parse(f.asOf) - Date.parse(t.date)) / 86_400_000) - 1)),
              )
            : t.date,
        ),
      });
    }
    for (const e of f.expenses)
      put("expenses", {
        id: String(60000 + e.n),
        workspace_id: String(10000 + e.projectN),
        user_id: String(30000 + e.consultantN),
        date: e.date,
        category: e.category,
        amount_in_cents: e.amount * 100,
        currency: e.currency,
        is_billable: e.billable,
        reimbursable: e.reimbursable,
        approved: e.approved,
        is_invoiced: !!e.invoiceN,
        invoice_id: e.invoiceN ? String(70000 + e.invoiceN) : null,
        notes: null,
        created_at: ts(e.date),
        updated_at: ts(e.date),
      });
    for (const inv of f.invoices) {
      const id = String(70000 + inv.n);
      const teIds = f.timeEntries.filter((t) => t.invoiceN === inv.n).map((t) => String(50000 + t.n));
      const exIds = f.expenses.filter((e) => e.invoiceN === inv.n).map((e) => String(60000 + e.n));
      const msIds = f.projects
        .flatMap((p) => p.milestones)
        .filter((m) => m.invoiceN === inv.n)
        .map((m) => String(80000 + m.n));
      put("invoices", {
        id,
        invoice_date: inv.date,
        due_date: inv.dueDate,
        payment_schedule: inv.lines[0]?.type === "milestone" ? "milestone" : "monthly",
        status: inv.status === "paid" ? "paid" : "submitted",
        draft: false,
        balance_in_cents: Math.round(inv.balance * 100),
        total_in_cents: Math.round(inv.total * 100),
        currency: inv.currency,
        workspace_ids: [String(10000 + inv.projectN)],
        time_entry_ids: teIds,
        expense_ids: exIds,
        billing_milestone_ids: msIds,
        fixed_fee_item_ids: [],
        tax_rate: 0,
        purchase_order: null,
        title: inv.number,
        created_at: ts(inv.date),
        updated_at: ts(inv.date),
      });
    }
    // Staffing demand: each open request is an unnamed resource (role, office, skills) on its project and a
    // pending resource request over dates, asked by the project manager, who also approves it.
    const skillNames = [...new Set(f.consultants.flatMap((c) => c.skills.map((s) => s.name)))].sort();
    skillNames.forEach((name, i) =>
      put("skills", {
        id: String(601 + i),
        name,
        skill_category: null,
        created_at: ts("2025-01-06"),
        updated_at: ts("2025-01-06"),
      }),
    );
    const skillId = (name: string) => String(601 + skillNames.indexOf(name));
    for (const d of staffingDemand(f)) {
      const resourceId = String(45000 + d.n);
      put("workspace_resources", {
        id: resourceId,
        workspace_id: String(10000 + d.projectN),
        user_id: null,
        role_id: roleId(d.role),
        label: `${d.role} (unnamed)`,
        // Sandbox: Kantata keeps a resource's office as resource custom fields; here they are attributes.
        location: d.location.name,
        country: d.location.country,
        created_at: ts(f.asOf),
        updated_at: ts(f.asOf),
      });
      d.skills.forEach((s, i) =>
        put("workspace_resource_skills", {
          id: String(47000 + d.n * 10 + i),
          workspace_resource_id: resourceId,
          skill_id: skillId(s.name),
          level: s.level,
          created_at: ts(f.asOf),
          updated_at: ts(f.asOf),
        }),
      );
      put("resource_requests", resourceRequestOf(d, f));
    }
    for (const r of PSA_RESOURCES) seqs.set(r, Math.max(0, ...[...db.get(r)!.keys()].map(Number)) + 100);
  };
  seed();
  sb.onReset(seed);
  for (const r of PSA_RESOURCES) sb.collections.set(r, () => [...db.get(r)!.values()]);

  // --- OAuth2 token (client credentials; Kantata apps also issue long-lived tokens) -------------------
  sb.route(
    "POST",
    "/oauth/token",
    (req) => {
      const b = (req.body ?? {}) as Record<string, string>;
      if (b.grant_type !== "client_credentials")
        return json(400, {
          error: "unsupported_grant_type",
          error_description: "The authorization grant type is not supported by the authorization server.",
        });
      if (b.client_id !== clientId || b.client_secret !== clientSecret)
        return json(401, {
          error: "invalid_client",
          error_description:
            "Client authentication failed due to unknown client, no client authentication included, or unsupported authentication method.",
        });
      const { token, expiresIn } = sb.issueToken(b.client_id);
      return json(200, {
        access_token: token,
        token_type: "Bearer",
        expires_in: expiresIn,
        created_at: Math.floor(Date.now() / 1000),
      });
    },
    { auth: false },
  );

  const resourceOf = (raw: string): PsaResource | undefined =>
    PSA_RESOURCES.find((r) => `${r}.json` === raw || r === raw);
  const notFound = () => sb.error(404, "NOT_FOUND", "Not found");

  /** The envelope: results in order, objects keyed by id under their resource key, plus included ones. */
  const envelope = (
    resource: PsaResource,
    rows: Rec[],
    req: SbRequest,
    meta?: { page: number; perPage: number; total: number },
  ): SbResponse => {
    const body: Record<string, unknown> = {
      count: meta?.total ?? rows.length,
      results: rows.map((r) => ({ key: resource, id: r.id })),
    };
    const keyed: Record<string, Record<string, Rec>> = { [resource]: Object.fromEntries(rows.map((r) => [r.id, r])) };
    for (const inc of (req.query.get("include") ?? "")
      .split(",")
      .map((s) => s.trim())
      .filter(Boolean)) {
      const spec = INCLUDES[resource]?.[inc];
      if (!spec) return sb.error(400, "INVALID_INCLUDE", `${inc} is not a valid include for ${resource}.`);
      const [attr, target] = spec;
      keyed[target] ??= {};
      for (const r of rows) {
        if (attr.startsWith("$children:")) {
          const fk = attr.slice("$children:".length);
          for (const child of db.get(target)!.values()) {
            if (
              child[fk] === r.id &&
              (target !== "external_references" || child.subject_type === SUBJECT_TYPE[resource])
            )
              keyed[target]![child.id] = child;
          }
          continue;
        }
        const v = r[attr];
        for (const id of Array.isArray(v) ? v : v ? [v] : []) {
          const o = db.get(target)!.get(String(id));
          if (o) keyed[target]![o.id] = o;
        }
      }
    }
    Object.assign(body, keyed);
    if (meta)
      body.meta = {
        count: meta.total,
        page_count: Math.max(1, Math.ceil(meta.total / meta.perPage)),
        page_number: meta.page,
        page_size: meta.perPage,
      };
    return json(200, body);
  };

  sb.route("GET", "/api/v1/:resource", (req) => {
    const resource = resourceOf(req.params.resource!);
    if (!resource) return notFound();
    const q = req.query;
    let rows = [...db.get(resource)!.values()];
    const only = q.get("only");
    if (only) {
      const ids = new Set(only.split(","));
      rows = rows.filter((r) => ids.has(r.id));
    }
    for (const f of FILTERS[resource] ?? []) {
      const v = q.get(f);
      if (v === null) continue;
      const vals = new Set(v.split(","));
      rows = rows.filter((r) => vals.has(String(r[f])));
    }
    const bool = (name: string) => {
      const v = q.get(name);
      if (v === null) return undefined;
      if (v !== "true" && v !== "false") return "bad";
      return v === "true";
    };
    if (resource === "time_entries" || resource === "expenses") {
      const approved = bool("approved");
      const uninvoiced = bool("uninvoiced");
      if (approved === "bad" || uninvoiced === "bad")
        return sb.error(400, "INVALID_PARAM", "approved and uninvoiced must be true or false.");
      if (approved !== undefined) rows = rows.filter((r) => r.approved === approved);
      if (uninvoiced !== undefined) rows = rows.filter((r) => (r.is_invoiced === false) === uninvoiced);
      const between = q.get(resource === "time_entries" ? "date_performed_between" : "date_between");
      if (between) {
        const m = /^(\d{4}-\d{2}-\d{2}):(\d{4}-\d{2}-\d{2})$/.exec(between);
        if (!m) return sb.error(400, "INVALID_PARAM", "date_performed_between must be YYYY-MM-DD:YYYY-MM-DD.");
        const field = resource === "time_entries" ? "date_performed" : "date";
        rows = rows.filter((r) => String(r[field]) >= m[1]! && String(r[field]) <= m[2]!);
      }
    }
    if (resource === "resource_requests") {
      const pending = bool("pending_requests_only");
      if (pending === "bad") return sb.error(400, "INVALID_PARAM", "pending_requests_only must be true or false.");
      if (pending) rows = rows.filter((r) => r.status === "pending");
    }
    const updatedAfter = q.get("updated_after");
    if (updatedAfter) {
      const t = Date.parse(updatedAfter);
      if (Number.isNaN(t)) return sb.error(400, "INVALID_PARAM", "updated_after must be an ISO 8601 timestamp.");
      rows = rows.filter((r) => Date.parse(String(r.updated_at)) > t);
    }
    const search = q.get("search");
    if (search && resource === "workspaces")
      rows = rows.filter((r) => String(r.title).toLowerCase().includes(search.toLowerCase()));
    const order = q.get("order") ?? "id:asc";
    const [field, dir] = order.split(":") as [string, string | undefined];
    if (rows.length && !(field in rows[0]!))
      return sb.error(400, "INVALID_PARAM", `${field} is not a valid order field.`);
    rows.sort((a, b) => {
      const av = a[field];
      const bv = b[field];
      const c =
        field === "id" || typeof av === "number"
          ? Number(av) - Number(bv)
          : String(av ?? "").localeCompare(String(bv ?? ""));
      return (dir === "desc" ? -c : c) || Number(a.id) - Number(b.id);
    });
    const perPage = Number(q.get("per_page") ?? 20);
    const page = Number(q.get("page") ?? 1);
    if (!Number.isInteger(perPage) || perPage < 1 || perPage > 200 || !Number.isInteger(page) || page < 1)
      return sb.error(400, "INVALID_PARAM", "per_page must be 1–200 and page ≥ 1.");
    return envelope(resource, rows.slice((page - 1) * perPage, page * perPage), req, {
      page,
      perPage,
      total: rows.length,
    });
  });

  sb.route("GET", "/api/v1/:resource/:id", (req) => {
    const resource = resourceOf(req.params.resource!);
    const id = req.params.id!.replace(/\.json$/, "");
    if (!resource) return notFound();
    const rows = id.split(",").map((i) => db.get(resource)!.get(i));
    if (rows.some((r) => !r)) return notFound();
    return envelope(resource, rows as Rec[], req);
  });

  const validationError = (messages: string[]) =>
    json(422, { errors: messages.map((message) => ({ type: "validation", message })) });

  const checkRefs = (resource: PsaResource, attrs: Record<string, unknown>): string[] => {
    const errs: string[] = [];
    const refs: Record<string, PsaResource> = {
      workspace_id: "workspaces",
      story_id: "stories",
      user_id: "users",
      assignee_id: "users",
      parent_id: "stories",
      role_id: "roles",
      rate_card_id: "rate_card_sets",
      resource_id: "workspace_resources",
      workspace_resource_id: "workspace_resources",
      skill_id: "skills",
      creator_id: "users",
    };
    for (const [attr, target] of Object.entries(refs)) {
      const v = attrs[attr];
      if (v !== undefined && v !== null && !db.get(target)!.has(String(v)))
        errs.push(`${attr.replace(/_id$/, "").replace(/_/g, " ")} not found`);
    }
    if (
      resource === "stories" &&
      attrs.story_type !== undefined &&
      !["task", "deliverable", "milestone", "issue"].includes(String(attrs.story_type))
    )
      errs.push("Story type is not included in the list");
    if (
      resource === "time_entries" &&
      attrs.time_in_minutes !== undefined &&
      (typeof attrs.time_in_minutes !== "number" || attrs.time_in_minutes <= 0 || attrs.time_in_minutes > 1440)
    )
      errs.push("Time in minutes must be greater than 0 and at most 1440");
    if (
      resource === "resource_requests" &&
      attrs.status !== undefined &&
      !["pending", "approved", "rejected", "canceled"].includes(String(attrs.status))
    )
      errs.push("Status must be pending, approved, rejected or canceled");
    if (Array.isArray(attrs.approver_ids))
      for (const u of attrs.approver_ids)
        if (!db.get("users")!.has(String(u))) errs.push(`Approver ${String(u)} not found`);
    for (const [from, to] of [
      ["start_date", "end_date"],
      ["workspace_allocation_start_date", "workspace_allocation_end_date"],
    ] as const)
      if (typeof attrs[from] === "string" && typeof attrs[to] === "string" && attrs[to] < attrs[from])
        errs.push(`${to.replace(/_/g, " ")} must be on or after ${from.replace(/_/g, " ")}`);
    if (
      resource === "workspace_allocations" &&
      attrs.minutes !== undefined &&
      (typeof attrs.minutes !== "number" || !Number.isInteger(attrs.minutes) || attrs.minutes < 0)
    )
      errs.push("Minutes must be a whole number ≥ 0");
    for (const d of [
      "date_performed",
      "date",
      "start_date",
      "due_date",
      "end_date",
      "invoice_date",
      "workspace_allocation_start_date",
      "workspace_allocation_end_date",
    ]) {
      const v = attrs[d];
      if (v !== undefined && v !== null && (typeof v !== "string" || !/^\d{4}-\d{2}-\d{2}$/.test(v)))
        errs.push(`${d.replace(/_/g, " ")} is not a valid date`);
    }
    if (
      resource === "workspaces" &&
      attrs.creator_role !== undefined &&
      !["maven", "buyer"].includes(String(attrs.creator_role))
    )
      errs.push("Creator role must be maven or buyer");
    return errs;
  };

  const idem = (req: SbRequest) => header(req, "idempotency-key");

  /**
   * A workspace group's members after a write's add_workspace_ids / remove_workspace_ids (Kantata's way to put
   * projects under a client): the new list, or the errors. The two attributes are instructions, never stored.
   */
  const groupMembers = (a: Record<string, unknown>, current: string[]): { ids: string[]; errs: string[] } => {
    const errs: string[] = [];
    const list = (k: "add_workspace_ids" | "remove_workspace_ids"): string[] => {
      const v = a[k];
      delete a[k];
      if (v === undefined || v === null) return [];
      if (!Array.isArray(v)) {
        errs.push(`${k.replace(/_/g, " ")} must be an array of workspace ids`);
        return [];
      }
      return v.map(String);
    };
    const add = list("add_workspace_ids");
    const remove = new Set(list("remove_workspace_ids"));
    for (const id of add) if (!db.get("workspaces")!.has(id)) errs.push(`Workspace ${id} not found`);
    return { ids: [...new Set([...current, ...add])].filter((id) => !remove.has(id)), errs };
  };

  sb.route("POST", "/api/v1/:resource", (req) =>
    sb.idempotent(idem(req), () => {
      const resource = resourceOf(req.params.resource!);
      const spec = resource ? CREATE[resource] : undefined;
      if (!resource || !spec) return notFound();
      const attrs = ((req.body ?? {}) as Record<string, unknown>)[SINGULAR[resource]];
      if (!attrs || typeof attrs !== "object" || Array.isArray(attrs))
        return sb.error(
          400,
          "INVALID_BODY",
          `Expected ${withArticle(SINGULAR[resource])} object: {"${SINGULAR[resource]}": {…}}`,
        );
      const a = attrs as Record<string, unknown>;
      const errs = spec.required
        .filter((k) => a[k] === undefined || a[k] === null || a[k] === "")
        .map((k) =>
          `${k.replace(/_ids?$/, "").replace(/_/g, " ")} can't be blank`.replace(/^./, (c) => c.toUpperCase()),
        );
      errs.push(...checkRefs(resource, a));
      let extra: Record<string, unknown> = {};
      if (resource === "workspace_groups") {
        const m = groupMembers(a, []);
        errs.push(...m.errs);
        extra = { workspace_ids: m.ids };
      }
      if (resource === "invoices" && !errs.length) {
        // Kantata invoices bill approved, uninvoiced time and expenses of the workspace.
        const ws = String(a.workspace_id);
        const te = ((a.time_entry_ids as unknown[]) ?? []).map(String);
        const ex = ((a.expense_ids as unknown[]) ?? []).map(String);
        for (const id of te) {
          const t = db.get("time_entries")!.get(id);
          if (!t) errs.push(`Time entry ${id} not found`);
          else if (t.workspace_id !== ws) errs.push(`Time entry ${id} does not belong to workspace ${ws}`);
          else if (!t.approved) errs.push(`Time entry ${id} has not been approved`);
          else if (t.is_invoiced) errs.push(`Time entry ${id} has already been invoiced`);
        }
        for (const id of ex) {
          const e = db.get("expenses")!.get(id);
          if (!e) errs.push(`Expense ${id} not found`);
          else if (e.is_invoiced) errs.push(`Expense ${id} has already been invoiced`);
        }
        if (!te.length && !ex.length) errs.push("An invoice needs at least one time entry or expense");
        if (!errs.length) {
          const total =
            te.reduce((s, id) => {
              const t = db.get("time_entries")!.get(id)!;
              return s + Math.round((Number(t.time_in_minutes) / 60) * Number(t.rate_in_cents));
            }, 0) + ex.reduce((s, id) => s + Number(db.get("expenses")!.get(id)!.amount_in_cents), 0);
          const currency = db.get("workspaces")!.get(ws)!.currency;
          extra = {
            workspace_ids: [ws],
            time_entry_ids: te,
            expense_ids: ex,
            billing_milestone_ids: [],
            fixed_fee_item_ids: [],
            draft: a.draft ?? true,
            status: a.draft === false ? "submitted" : "draft",
            balance_in_cents: total,
            total_in_cents: total,
            currency,
            invoice_date: a.invoice_date ?? new Date().toISOString().slice(0, 10),
            due_date: a.due_date ?? null,
            tax_rate: a.tax_rate ?? 0,
            purchase_order: a.purchase_order ?? null,
            title: a.title ?? null,
          };
        }
      }
      if (errs.length) return validationError(errs);
      const id = String((seqs.get(resource) ?? 0) + 1);
      seqs.set(resource, Number(id));
      const { workspace_id: _ws, ...rest } = a;
      const rec: Rec = {
        ...(spec.defaults ?? {}),
        ...(resource === "invoices" ? {} : a),
        ...(resource === "invoices" ? { payment_schedule: rest.payment_schedule } : {}),
        ...extra,
        id,
        created_at: now(),
        updated_at: now(),
      } as Rec;
      if (resource === "time_entries") {
        const ws = db.get("workspaces")!.get(String(a.workspace_id))!;
        rec.currency ??= ws.currency;
        rec.rate_in_cents ??= 0;
      }
      if (resource === "workspace_allocations")
        rec.workspace_id = db.get("workspace_resources")!.get(String(a.resource_id))!.workspace_id;
      delete rec.creator_role;
      put(resource, rec);
      notify(resource, undefined, rec);
      if (resource === "invoices") {
        for (const tid of rec.time_entry_ids as string[])
          Object.assign(db.get("time_entries")!.get(tid)!, { is_invoiced: true, invoice_id: id, updated_at: now() });
        for (const eid of rec.expense_ids as string[])
          Object.assign(db.get("expenses")!.get(eid)!, { is_invoiced: true, invoice_id: id, updated_at: now() });
      }
      sb.recordWrite({
        method: "POST",
        path: req.path,
        idempotencyKey: idem(req),
        collection: resource,
        id,
        action: "create",
      });
      return envelope(resource, [rec], req);
    }),
  );

  sb.route("PUT", "/api/v1/:resource/:id", (req) =>
    sb.idempotent(idem(req), () => {
      const resource = resourceOf(req.params.resource!);
      const id = req.params.id!.replace(/\.json$/, "");
      const rec = resource ? db.get(resource)!.get(id) : undefined;
      if (!resource || !rec || !CREATE[resource]) return notFound();
      const attrs = ((req.body ?? {}) as Record<string, unknown>)[SINGULAR[resource]];
      if (!attrs || typeof attrs !== "object")
        return sb.error(400, "INVALID_BODY", `Expected {"${SINGULAR[resource]}": {…}}`);
      const a = attrs as Record<string, unknown>;
      const errs = checkRefs(resource, a);
      if (resource === "workspace_groups") {
        const m = groupMembers(a, (rec.workspace_ids as string[] | undefined) ?? []);
        errs.push(...m.errs);
        a.workspace_ids = m.ids;
      }
      if (resource === "time_entries" && rec.is_invoiced && ("time_in_minutes" in a || "date_performed" in a))
        errs.push("Time entries that have been invoiced cannot be changed");
      if (errs.length) return validationError(errs);
      const before = { ...rec };
      Object.assign(rec, a, { id, updated_at: now() });
      notify(resource, before, rec);
      sb.recordWrite({
        method: "PUT",
        path: req.path,
        idempotencyKey: idem(req),
        collection: resource,
        id,
        action: "update",
      });
      return envelope(resource, [rec], req);
    }),
  );

  // --- Data faults (POST /__sandbox/inject) ------------------------------------------------------------------
  sb.dataFault("remap-workspace", {
    description: "Points a workspace's NetSuite reference at another job (a project id mapped to the wrong job).",
    params: { workspaceId: "e.g. 10005", jobId: "the NetSuite job id it now points at, e.g. 5006" },
    apply: (p) => {
      const ws = String(p.workspaceId ?? "");
      const ref = [...db.get("external_references")!.values()].find(
        (r) => r.subject_type === "Workspace" && r.subject_id === ws && r.service_name === "NetSuite",
      );
      if (!ref) throw new InjectError(`workspace ${ws} has no NetSuite reference`);
      if (typeof p.jobId !== "string" || !p.jobId) throw new InjectError("give jobId");
      const was = ref.service_model_ref;
      Object.assign(ref, { service_model_ref: p.jobId, updated_at: now() });
      return { workspace: ws, was, now: p.jobId };
    },
  });
  sb.dataFault("disable-user", {
    description: "Disables a PSA user (the HRIS still has the worker active).",
    params: { userId: "e.g. 30007" },
    apply: (p) => {
      const u = db.get("users")!.get(String(p.userId ?? ""));
      if (!u) throw new InjectError(`no user ${String(p.userId)}`);
      Object.assign(u, { disabled: true, updated_at: now() });
      return { user: u.id };
    },
  });

  const info = (): SandboxInfo => ({
    system: "psa",
    connectorKey: "kantata",
    name: sb.name,
    baseUrl: sb.baseUrl,
    clientId,
    clientSecret,
    config: { baseUrl: `${sb.baseUrl}/api/v1`, tokenUrl: `${sb.baseUrl}/oauth/token` },
    secrets: { clientId, clientSecret },
  });
  return { sandbox: sb, info, db };
}
