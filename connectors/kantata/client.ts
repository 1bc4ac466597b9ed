// PSA (Kantata OX) client: bearer token (a given access token, or client credentials cached per
// connection), the results + keyed-collections envelope unpacked in `results` order, page/per_page
// paging, Rails-style {resource: {…}} bodies, and {"errors":[{type,message}]} mapped onto classes.
import { ConnectorError } from "../sdk/errors";
import {
  implementConnector,
  vendorData,
  type ConnectorContextOf,
  type VendorData,
  type HttpRequest,
  type HttpResponse,
  type QueryValue,
  type VendorError,
} from "../sdk/define";
import { parseOAuthError, requestToken, withBearer } from "../sdk/oauth";
import { kantataManifest } from "./manifest";

type Ctx = ConnectorContextOf<typeof kantataManifest>;
type Obj = Record<string, unknown> & { id: string };

export interface Envelope {
  count: number;
  results: Array<{ key: string; id: string }>;
  meta?: { count: number; page_count: number; page_number: number; page_size: number };
  [key: string]: unknown;
}

export function parseKantataError(res: HttpResponse): VendorError | undefined {
  const errs = (res.body as { errors?: Array<{ type?: string; message?: string }> } | undefined)?.errors;
  if (!Array.isArray(errs) || !errs.length) return parseOAuthError(res);
  return { message: errs.map((e) => e.message).join("; "), code: errs[0]!.type, details: { errors: errs } };
}

/** Unpacks the envelope: primary objects in `results` order; every other keyed object is "included". */
export function unpack(body: Envelope): { items: Obj[]; included: Record<string, Record<string, unknown>> } {
  const items: Obj[] = [];
  const primary = new Set<string>();
  for (const r of body.results) {
    const obj = (body[r.key] as Record<string, Obj> | undefined)?.[r.id];
    if (obj) {
      items.push(obj);
      primary.add(`${r.key}/${r.id}`);
    }
  }
  const included: Record<string, Record<string, unknown>> = {};
  for (const [k, v] of Object.entries(body)) {
    if (["count", "results", "meta"].includes(k) || !v || typeof v !== "object" || Array.isArray(v)) continue;
    for (const [id, o] of Object.entries(v as Record<string, unknown>)) {
      if (!primary.has(`${k}/${id}`)) (included[k] ??= {})[id] = o;
    }
  }
  return { items, included };
}

async function token(ctx: Ctx) {
  const { config, secrets } = ctx.connection;
  if (secrets.accessToken) return { accessToken: secrets.accessToken };
  if (!config.tokenUrl || !secrets.clientId || !secrets.clientSecret)
    throw new ConnectorError({
      errorClass: "auth",
      reason: "unauthorized",
      code: "no_credentials",
      message: "The PSA connection needs an access token, or a token URL with client id and secret.",
    });
  return requestToken(ctx, {
    url: config.tokenUrl,
    form: { grant_type: "client_credentials", client_id: secrets.clientId, client_secret: secrets.clientSecret },
  });
}

function call<T>(ctx: Ctx, req: Omit<HttpRequest, "baseUrl">): Promise<HttpResponse<T>> {
  return withBearer<T>(
    ctx,
    () => token(ctx),
    () => ({ ...req, baseUrl: ctx.connection.config.baseUrl, parseError: parseKantataError }),
  );
}

interface ListInput {
  page: number;
  perPage: number;
  allPages: boolean;
  maxItems: number;
  include?: string[];
}

async function listRaw(ctx: Ctx, resource: string, filters: Record<string, QueryValue>, input: ListInput) {
  const items: Obj[] = [];
  const included: Record<string, Record<string, unknown>> = {};
  let page = input.page;
  let meta: NonNullable<Envelope["meta"]>;
  for (;;) {
    const res = await call<Envelope>(ctx, {
      url: `${resource}.json`,
      query: { ...filters, page, per_page: input.perPage, include: input.include?.join(",") },
    });
    const u = unpack(res.body);
    items.push(...u.items);
    for (const [k, v] of Object.entries(u.included)) Object.assign((included[k] ??= {}), v);
    meta = res.body.meta ?? { count: res.body.count, page_count: 1, page_number: page, page_size: input.perPage };
    if (!input.allPages || page >= meta.page_count || items.length >= input.maxItems || u.items.length === 0) break;
    page++;
  }
  return { items: items.slice(0, input.maxItems), meta, ...(Object.keys(included).length ? { included } : {}) };
}

const SUBJECT_TYPE: Record<string, string> = {
  workspaces: "Workspace",
  workspace_groups: "WorkspaceGroup",
  users: "User",
};

/**
 * With include=external_references, each item also gets `external_ids` — its references by service name
 * ({"NetSuite": "5001", "Salesforce": "006…"}) — so a mapping or a reconciliation reads the other system's
 * id by path instead of searching the included references.
 */
function withExternalIds(resource: string, r: Awaited<ReturnType<typeof listRaw>>) {
  const refs = Object.values(r.included?.external_references ?? {}) as Obj[];
  if (!refs.length && !r.included?.external_references) return r;
  const byId = new Map<string, Record<string, string>>();
  for (const ref of refs)
    if (ref.subject_type === SUBJECT_TYPE[resource])
      (byId.get(String(ref.subject_id)) ?? byId.set(String(ref.subject_id), {}).get(String(ref.subject_id))!)[
        String(ref.service_name)
      ] = String(ref.service_model_ref);
  return { ...r, items: r.items.map((i) => ({ ...i, external_ids: byId.get(i.id) ?? {} })) };
}

/** A list as the operation's result (vendor objects, checked by the output schema). */
async function list(
  ctx: Ctx,
  resource: string,
  filters: Record<string, QueryValue>,
  input: ListInput,
): Promise<VendorData> {
  return vendorData(withExternalIds(resource, await listRaw(ctx, resource, filters, input)));
}

async function getOne(ctx: Ctx, resource: string, id: string, include?: string[]): Promise<VendorData> {
  const res = await call<Envelope>(ctx, {
    url: `${resource}/${encodeURIComponent(id)}.json`,
    query: { include: include?.join(",") },
  });
  const item = unpack(res.body).items[0];
  if (!item)
    throw new ConnectorError({
      errorClass: "validation",
      reason: "not_found",
      code: "not_found",
      status: 404,
      message: `${resource} ${id} not found`,
    });
  return vendorData(item);
}

async function create(
  ctx: Ctx,
  resource: string,
  singular: string,
  attrs: Record<string, unknown>,
): Promise<VendorData> {
  const res = await call<Envelope>(ctx, { method: "POST", url: `${resource}.json`, json: { [singular]: attrs } });
  return vendorData(unpack(res.body).items[0]);
}

async function update(
  ctx: Ctx,
  resource: string,
  singular: string,
  id: string,
  attrs: Record<string, unknown>,
): Promise<VendorData> {
  const res = await call<Envelope>(ctx, {
    method: "PUT",
    url: `${resource}/${encodeURIComponent(id)}.json`,
    json: { [singular]: attrs },
  });
  return vendorData(unpack(res.body).items[0]);
}

const dropUndefined = <T extends Record<string, unknown>>(o: T) =>
  Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));

interface PollCursor {
  ts: string;
  id: string;
}

export const kantata = implementConnector(
  kantataManifest,
  {
    listWorkspaces: (i, ctx) => list(ctx, "workspaces", { search: i.search, updated_after: i.updatedAfter }, i),
    getWorkspace: (i, ctx) => getOne(ctx, "workspaces", i.id, i.include),
    createWorkspace: (i, ctx) => create(ctx, "workspaces", "workspace", dropUndefined(i)),
    createWorkspaceGroup: (i, ctx) => create(ctx, "workspace_groups", "workspace_group", dropUndefined(i)),
    updateWorkspaceGroup: ({ id, ...attrs }, ctx) =>
      update(ctx, "workspace_groups", "workspace_group", id, dropUndefined(attrs)),
    updateWorkspace: (i, ctx) => update(ctx, "workspaces", "workspace", i.id, i.attributes),
    listStories: (i, ctx) =>
      list(ctx, "stories", { workspace_id: i.workspaceId, story_type: i.storyType, parent_id: i.parentId }, i),
    createStory: (i, ctx) => create(ctx, "stories", "story", dropUndefined(i)),
    listAssignments: (i, ctx) => list(ctx, "assignments", { story_id: i.storyId, assignee_id: i.assigneeId }, i),
    createAssignment: (i, ctx) => create(ctx, "assignments", "assignment", dropUndefined(i)),
    listUsers: (i, ctx) => list(ctx, "users", {}, i),
    listWorkspaceGroups: (i, ctx) => list(ctx, "workspace_groups", { company: i.company }, i),
    async listTimeEntries(i, ctx) {
      const r = await listRaw(
        ctx,
        "time_entries",
        {
          workspace_id: i.workspaceId,
          user_id: i.userId,
          approved: i.approved,
          uninvoiced: i.uninvoiced,
          date_performed_between: i.from || i.to ? `${i.from ?? "1970-01-01"}:${i.to ?? "2999-12-31"}` : undefined,
          updated_after: i.updatedAfter,
        },
        i,
      );
      // What the entry bills at its rate (Kantata invoices the same, rounded to the cent): reconciliations
      // compare it with invoice lines, and a mapping need not recompute it.
      const items = r.items.map((e) =>
        typeof e.rate_in_cents === "number" && typeof e.time_in_minutes === "number"
          ? { ...e, amount_in_cents: Math.round((e.time_in_minutes * e.rate_in_cents) / 60) }
          : e,
      );
      return vendorData({ ...r, items });
    },
    createTimeEntry: (i, ctx) => create(ctx, "time_entries", "time_entry", dropUndefined(i)),
    updateTimeEntry: (i, ctx) => update(ctx, "time_entries", "time_entry", i.id, i.attributes),
    listExpenses: (i, ctx) =>
      list(ctx, "expenses", { workspace_id: i.workspaceId, approved: i.approved, uninvoiced: i.uninvoiced }, i),
    createExpense: (i, ctx) => create(ctx, "expenses", "expense", dropUndefined(i)),

    async listRateCards(_i, ctx) {
      const all = { page: 1, perPage: 200, allPages: true, maxItems: 10_000 };
      const [sets, versions, cards, roles, roleNames] = await Promise.all([
        listRaw(ctx, "rate_card_sets", {}, all),
        listRaw(ctx, "rate_card_set_versions", {}, all),
        listRaw(ctx, "rate_cards", {}, all),
        listRaw(ctx, "rate_card_roles", {}, all),
        listRaw(ctx, "roles", {}, all),
      ]);
      const roleName = new Map(roleNames.items.map((r) => [r.id, String(r.name)]));
      return {
        items: sets.items.map((s) => ({
          id: s.id,
          title: String(s.title),
          versions: versions.items
            .filter((v) => v.rate_card_set_id === s.id)
            .map((v) => ({
              id: v.id,
              effective_date: (v.effective_date as string | null) ?? null,
              rate_cards: cards.items
                .filter((c) => c.rate_card_set_version_id === v.id)
                .map((c) => ({
                  id: c.id,
                  currency: String(c.currency),
                  roles: roles.items
                    .filter((r) => r.rate_card_id === c.id)
                    .map((r) => ({
                      role_id: String(r.role_id),
                      role_name: roleName.get(String(r.role_id)),
                      rate_in_cents: Number(r.rate_in_cents),
                    })),
                })),
            })),
        })),
      };
    },

    listInvoices: (i, ctx) => list(ctx, "invoices", { status: i.status }, i),
    createInvoice: (i, ctx) => create(ctx, "invoices", "invoice", dropUndefined(i)),
    listBillingMilestones: (i, ctx) => list(ctx, "billing_milestones", { workspace_id: i.workspaceId }, i),
    createExternalReference: (i, ctx) => create(ctx, "external_references", "external_reference", dropUndefined(i)),
    updateExternalReference: (i, ctx) => update(ctx, "external_references", "external_reference", i.id, i.attributes),
    listExternalReferences: (i, ctx) =>
      list(
        ctx,
        "external_references",
        {
          subject_type: i.subjectType,
          subject_id: i.subjectId,
          service_name: i.serviceName,
          service_model_ref: i.serviceModelRef,
        },
        i,
      ),

    listWorkspaceResources: (i, ctx) =>
      list(ctx, "workspace_resources", { workspace_id: i.workspaceId, user_id: i.userId }, i),
    getWorkspaceResource: (i, ctx) => getOne(ctx, "workspace_resources", i.id, i.include),
    createWorkspaceResource: (i, ctx) => create(ctx, "workspace_resources", "workspace_resource", dropUndefined(i)),
    updateWorkspaceResource: (i, ctx) => update(ctx, "workspace_resources", "workspace_resource", i.id, i.attributes),
    listWorkspaceResourceSkills: (i, ctx) =>
      list(ctx, "workspace_resource_skills", { workspace_resource_id: i.workspaceResourceId }, i),
    createWorkspaceResourceSkill: (i, ctx) =>
      create(ctx, "workspace_resource_skills", "workspace_resource_skill", dropUndefined(i)),
    listSkills: (i, ctx) => list(ctx, "skills", {}, i),
    // Oldest change first: a poll over updated_at needs its page in watermark order.
    listResourceRequests: (i, ctx) =>
      list(
        ctx,
        "resource_requests",
        {
          pending_requests_only: i.pendingOnly,
          status: i.status,
          resource_id: i.resourceId,
          updated_after: i.updatedAfter,
          order: "updated_at:asc",
        },
        i,
      ),
    createResourceRequest: (i, ctx) => create(ctx, "resource_requests", "resource_request", dropUndefined(i)),
    updateResourceRequest: (i, ctx) => update(ctx, "resource_requests", "resource_request", i.id, i.attributes),
    listWorkspaceAllocations: (i, ctx) =>
      list(ctx, "workspace_allocations", { resource_id: i.resourceId, workspace_id: i.workspaceId }, i),
    createWorkspaceAllocation: (i, ctx) =>
      create(ctx, "workspace_allocations", "workspace_allocation", dropUndefined(i)),
    createPost: (i, ctx) => create(ctx, "posts", "post", dropUndefined(i)),
    listPosts: (i, ctx) => list(ctx, "posts", { workspace_id: i.workspaceId }, i),

    async pollApprovedTimeEntries(i, ctx) {
      let start: PollCursor;
      try {
        start = i.cursor
          ? (JSON.parse(Buffer.from(i.cursor, "base64url").toString()) as PollCursor)
          : { ts: i.since ?? new Date(Date.now() - 86_400_000).toISOString(), id: "" };
      } catch {
        throw new ConnectorError({
          errorClass: "validation",
          reason: "invalid_request",
          code: "bad_cursor",
          message: "The poll cursor is not one this connector issued.",
        });
      }
      // updated_after is strict, so ask from one second earlier and skip what the cursor covers.
      const from = new Date(Date.parse(start.ts) - 1000).toISOString();
      const res = await listRaw(
        ctx,
        "time_entries",
        {
          approved: true,
          uninvoiced: i.uninvoicedOnly ? true : undefined,
          updated_after: from,
          order: "updated_at:asc",
        },
        { page: 1, perPage: 200, allPages: true, maxItems: i.batchSize + 400 },
      );
      const key = (o: Obj) => [Date.parse(String(o.updated_at)), Number(o.id)] as const;
      const startKey = [Date.parse(start.ts), Number(start.id || 0)] as const;
      const fresh = res.items.filter((o) => {
        const [t, n] = key(o);
        return t > startKey[0] || (t === startKey[0] && n > startKey[1]);
      });
      fresh.sort((a, b) => key(a)[0] - key(b)[0] || key(a)[1] - key(b)[1]);
      const items = fresh.slice(0, i.batchSize);
      const last = items[items.length - 1];
      const next: PollCursor = last ? { ts: new Date(key(last)[0]).toISOString(), id: last.id } : start;
      return vendorData({
        items,
        cursor: Buffer.from(JSON.stringify(next)).toString("base64url"),
        hasMore: fresh.length > items.length || res.items.length >= i.batchSize + 400,
      });
    },
  },
  // Test: the token (if client credentials) and a one-row workspace list.
  async (ctx) => {
    const res = await call<Envelope>(ctx, { url: "workspaces.json", query: { per_page: 1 } });
    const n = res.body.meta?.count ?? res.body.count;
    return { detail: `Authenticated; ${n} workspace${n === 1 ? "" : "s"} visible.` };
  },
);
