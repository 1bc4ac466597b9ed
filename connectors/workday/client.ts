// Workday client: refresh-token grant (client authenticated with HTTP Basic) cached per connection,
// {data, total} collections paged by limit/offset, RaaS reports with ISU basic auth or the bearer token,
// and Workday's {error, errors:[{error, field}]} format.
import {
  implementConnector,
  vendorData,
  type ConnectorContextOf,
  type HttpResponse,
  type VendorError,
} from "../sdk/define";
import { parseOAuthError, requestToken, withBearer } from "../sdk/oauth";
import { workdayManifest } from "./manifest";

type Ctx = ConnectorContextOf<typeof workdayManifest>;

export function parseWorkdayError(res: HttpResponse): VendorError | undefined {
  const b = res.body as
    { error?: unknown; error_description?: unknown; errors?: Array<{ error?: string; field?: string }> } | undefined;
  if (b?.errors?.length)
    return {
      message: b.errors.map((e) => `${e.error ?? ""}${e.field ? ` (${e.field})` : ""}`).join("; "),
      code: typeof b.error === "string" && b.error.length < 40 ? b.error.replace(/\s+/g, "_") : undefined,
      details: { errors: b.errors },
    };
  return parseOAuthError(res);
}

async function token(ctx: Ctx) {
  const { config, secrets } = ctx.connection;
  return requestToken(
    ctx,
    {
      url: `/ccx/oauth2/${encodeURIComponent(config.tenant)}/token`,
      baseUrl: config.baseUrl,
      headers: {
        authorization: `Basic ${Buffer.from(`${secrets.clientId}:${secrets.clientSecret}`).toString("base64")}`,
      },
      form: { grant_type: "refresh_token", refresh_token: secrets.refreshToken },
    },
    (e) => `Workday rejected the refresh token: ${e.message}`,
  );
}

const staffing = (ctx: Ctx, path: string) =>
  `/ccx/api/staffing/v6/${encodeURIComponent(ctx.connection.config.tenant)}${path}`;

// ⚠ Workday's staffing-on-projects REST shape is not public; modelled on its REST conventions.
const projects = (ctx: Ctx, path: string) =>
  `/ccx/api/projects/v1/${encodeURIComponent(ctx.connection.config.tenant)}${path}`;

function get<T>(ctx: Ctx, url: string, query?: Record<string, string | number | undefined>) {
  return withBearer<T>(
    ctx,
    () => token(ctx),
    () => ({ url, query, baseUrl: ctx.connection.config.baseUrl, parseError: parseWorkdayError }),
  );
}

export const workday = implementConnector(
  workdayManifest,
  {
    async listWorkers(i, ctx) {
      const items: unknown[] = [];
      let offset = i.offset;
      let total: number;
      for (;;) {
        const res = await get<{ data: unknown[]; total: number }>(ctx, staffing(ctx, "/workers"), {
          limit: i.limit,
          offset,
          search: i.search,
        });
        items.push(...res.body.data);
        total = res.body.total;
        offset += res.body.data.length;
        if (!i.allPages || res.body.data.length === 0 || offset >= total || items.length >= i.maxItems) break;
      }
      return vendorData({ items: items.slice(0, i.maxItems), total });
    },

    async getWorker(i, ctx) {
      return vendorData((await get(ctx, staffing(ctx, `/workers/${encodeURIComponent(i.id)}`))).body);
    },

    async getWorkerSkills(i, ctx) {
      const res = await get<{ data: unknown[]; total: number }>(
        ctx,
        staffing(ctx, `/workers/${encodeURIComponent(i.id)}/explicitSkills`),
      );
      return vendorData({ items: res.body.data, total: res.body.total });
    },

    async getWorkerTimeOff(i, ctx) {
      const url = `/ccx/api/absenceManagement/v1/${encodeURIComponent(ctx.connection.config.tenant)}/workers/${encodeURIComponent(i.id)}/timeOffDetails`;
      const items: unknown[] = [];
      let total: number;
      for (let offset = 0; ;) {
        const res = await get<{ data: unknown[]; total: number }>(ctx, url, {
          fromDate: i.fromDate,
          toDate: i.toDate,
          limit: i.limit,
          offset,
        });
        items.push(...res.body.data);
        total = res.body.total;
        offset += res.body.data.length;
        if (res.body.data.length === 0 || offset >= total) break;
      }
      return vendorData({ items, total });
    },

    async listProjectAssignments(i, ctx) {
      const res = await get<{ data: unknown[]; total: number }>(ctx, projects(ctx, "/projectAssignments"), {
        worker: i.worker,
        externalReference: i.externalReference,
        limit: i.limit,
        offset: i.offset,
      });
      return vendorData({ items: res.body.data, total: res.body.total });
    },

    async createProjectAssignment(i, ctx) {
      const res = await withBearer(
        ctx,
        () => token(ctx),
        () => ({
          method: "POST",
          url: projects(ctx, "/projectAssignments"),
          json: i,
          baseUrl: ctx.connection.config.baseUrl,
          parseError: parseWorkdayError,
        }),
      );
      return vendorData(res.body);
    },

    async runReport(i, ctx) {
      const { config, secrets } = ctx.connection;
      const url = `/ccx/service/customreport2/${encodeURIComponent(config.tenant)}/${encodeURIComponent(i.owner)}/${encodeURIComponent(i.report)}`;
      const query = { ...i.prompts, format: "json" };
      const res =
        secrets.isuUsername && secrets.isuPassword
          ? await ctx.http.request<{ Report_Entry?: unknown[] }>({
              url,
              query,
              baseUrl: config.baseUrl,
              headers: {
                authorization: `Basic ${Buffer.from(`${secrets.isuUsername}:${secrets.isuPassword}`).toString("base64")}`,
              },
              parseError: parseWorkdayError,
            })
          : await get<{ Report_Entry?: unknown[] }>(ctx, url, query);
      return vendorData({ entries: res.body.Report_Entry ?? [] });
    },
  },
  // Test: the refresh-token grant, then one worker (limit 1).
  async (ctx) => {
    const res = await get<{ total: number }>(ctx, staffing(ctx, "/workers"), { limit: 1, offset: 0 });
    return { detail: `Token issued for tenant ${ctx.connection.config.tenant}; ${res.body.total} workers visible.` };
  },
);
