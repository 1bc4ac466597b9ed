// Salesforce client: client-credentials token (cached per connection, refreshed on 401), REST calls on
// the instance_url the token response names, SOQL paging through nextRecordsUrl, and the vendor error
// array mapped onto classified errors (REQUEST_LIMIT_EXCEEDED is a rate limit even on 403).
import { ConnectorError } from "../sdk/errors";
import {
  implementConnector,
  type ConnectorContextOf,
  type HttpRequest,
  type HttpResponse,
  type VendorError,
} from "../sdk/define";
import { parseOAuthError, requestToken, withBearer } from "../sdk/oauth";
import { salesforceManifest, type SObjectDescribe } from "./manifest";

type Ctx = ConnectorContextOf<typeof salesforceManifest>;

export function parseSalesforceError(res: HttpResponse): VendorError | undefined {
  const b = res.body;
  const first = Array.isArray(b)
    ? (b[0] as { message?: string; errorCode?: string; fields?: string[] } | undefined)
    : undefined;
  if (!first) return parseOAuthError(res);
  const e: VendorError = {
    message: first.message ?? "Salesforce error",
    code: first.errorCode,
    details: { errors: b },
  };
  if (first.errorCode === "REQUEST_LIMIT_EXCEEDED")
    Object.assign(e, { errorClass: "transient", reason: "rate_limited" });
  if (first.errorCode === "INVALID_SESSION_ID") Object.assign(e, { errorClass: "auth", reason: "unauthorized" });
  return e;
}

async function token(ctx: Ctx) {
  const { config, secrets } = ctx.connection;
  const t = await requestToken(ctx, {
    url: "/services/oauth2/token",
    baseUrl: config.instanceUrl,
    form: { grant_type: "client_credentials", client_id: secrets.clientId, client_secret: secrets.clientSecret },
    // Salesforce answers bad client credentials with 400 invalid_client: that is an auth problem.
  });
  // Salesforce tokens carry no expires_in; they live for the session timeout — assume 1 hour.
  return { ...t, expiresAt: t.expiresAt ?? Date.now() + 3_600_000 };
}

async function sf<T>(ctx: Ctx, req: Omit<HttpRequest, "baseUrl">): Promise<HttpResponse<T>> {
  const res = await withBearer<T>(
    ctx,
    () => token(ctx),
    (t) => ({
      ...req,
      baseUrl: t.extra?.instance_url ?? ctx.connection.config.instanceUrl,
      parseError: parseSalesforceError,
    }),
  );
  const usage = res.headers["sforce-limit-info"];
  if (usage) ctx.logger.debug("salesforce api usage", { usage });
  return res;
}

const data = (ctx: Ctx, path: string) => `/services/data/${ctx.connection.config.apiVersion}${path}`;

type QueryPage = { totalSize: number; done: boolean; nextRecordsUrl?: string; records: Array<Record<string, unknown>> };

async function query(
  ctx: Ctx,
  input: { soql?: string; nextRecordsUrl?: string; batchSize?: number; maxRecords?: number },
): Promise<QueryPage> {
  const headers = input.batchSize ? { "sforce-query-options": `batchSize=${input.batchSize}` } : undefined;
  let page = (
    input.nextRecordsUrl
      ? await sf<QueryPage>(ctx, { url: input.nextRecordsUrl, headers })
      : await sf<QueryPage>(ctx, { url: data(ctx, "/query"), query: { q: input.soql }, headers })
  ).body;
  const records = [...page.records];
  while (!page.done && page.nextRecordsUrl && (input.maxRecords === undefined || records.length < input.maxRecords)) {
    page = (await sf<QueryPage>(ctx, { url: page.nextRecordsUrl, headers })).body;
    records.push(...page.records);
  }
  return {
    totalSize: page.totalSize,
    done: page.done,
    ...(page.done ? {} : { nextRecordsUrl: page.nextRecordsUrl }),
    records,
  };
}

/** The poll cursor: the (LastModifiedDate, Id) of the last record delivered. */
interface Cursor {
  ts: string;
  id: string;
}
function encodeCursor(c: Cursor): string {
  return Buffer.from(JSON.stringify(c)).toString("base64url");
}
function decodeCursor(s: string): Cursor {
  try {
    const c = JSON.parse(Buffer.from(s, "base64url").toString("utf8")) as Cursor;
    if (typeof c.ts === "string" && typeof c.id === "string") return c;
  } catch {
    // fall through
  }
  throw new ConnectorError({
    errorClass: "validation",
    reason: "invalid_request",
    code: "bad_cursor",
    message: "The poll cursor is not one this connector issued.",
  });
}
/** SOQL date-time literal at second precision (SOQL has no fractional seconds). */
function soqlDateTime(ts: string): string {
  return new Date(Math.floor(Date.parse(ts.replace(/\+0000$/, "Z")) / 1000) * 1000)
    .toISOString()
    .replace(/\.\d{3}Z$/, "Z");
}

export const salesforce = implementConnector(
  salesforceManifest,
  {
    query: (input, ctx) => query(ctx, input),

    async getRecord(input, ctx) {
      return (
        await sf<Record<string, unknown>>(ctx, {
          url: data(ctx, `/sobjects/${input.sobject}/${encodeURIComponent(input.id)}`),
          query: { fields: input.fields?.join(",") },
        })
      ).body;
    },

    async describeSObject(input, ctx) {
      return (
        await sf<SObjectDescribe>(ctx, { url: data(ctx, `/sobjects/${encodeURIComponent(input.sobject)}/describe`) })
      ).body;
    },

    async createRecord(input, ctx) {
      const res = await sf<{ id: string; success: boolean; errors: unknown[] }>(ctx, {
        method: "POST",
        url: data(ctx, `/sobjects/${input.sobject}`),
        json: input.fields,
      });
      return res.body;
    },

    async updateRecord(input, ctx) {
      await sf(ctx, {
        method: "PATCH",
        url: data(ctx, `/sobjects/${input.sobject}/${encodeURIComponent(input.id)}`),
        json: input.fields,
        idempotent: true,
      });
      return { id: input.id, success: true as const };
    },

    async upsertRecord(input, ctx) {
      const res = await sf<{ id: string; success: boolean; created?: boolean }>(ctx, {
        method: "PATCH",
        url: data(
          ctx,
          `/sobjects/${input.sobject}/${encodeURIComponent(input.externalIdField)}/${encodeURIComponent(input.externalId)}`,
        ),
        json: input.fields,
        // An upsert by external id can be repeated safely: that is the point of it.
        idempotent: true,
      });
      if (res.status === 300)
        throw new ConnectorError({
          errorClass: "validation",
          reason: "conflict",
          code: "MULTIPLE_CHOICES",
          status: 300,
          message: `More than one ${input.sobject} has ${input.externalIdField} = ${input.externalId}.`,
        });
      // Older API versions answer an update with 204 and no body.
      return { id: res.body?.id ?? "", success: res.body?.success ?? true, created: res.status === 201 };
    },

    async composite(input, ctx) {
      const res = await sf<{
        compositeResponse: Array<{
          body: unknown;
          httpHeaders: Record<string, string>;
          httpStatusCode: number;
          referenceId: string;
        }>;
      }>(ctx, {
        method: "POST",
        url: data(ctx, "/composite"),
        json: {
          allOrNone: input.allOrNone,
          collateSubrequests: input.collateSubrequests,
          compositeRequest: input.compositeRequest,
        },
      });
      const rs = res.body.compositeResponse;
      const allSucceeded = rs.every((r) => r.httpStatusCode < 400);
      // allOrNone: the whole request failed; report the first real failure (not PROCESSING_HALTED) as the cause.
      if (!allSucceeded && input.allOrNone) {
        const first =
          rs.find((r) => r.httpStatusCode >= 400 && !JSON.stringify(r.body).includes("PROCESSING_HALTED")) ??
          rs.find((r) => r.httpStatusCode >= 400)!;
        const err = parseSalesforceError({ status: first.httpStatusCode, headers: {}, body: first.body, url: "" });
        throw new ConnectorError({
          errorClass: first.httpStatusCode >= 500 ? "transient" : "validation",
          reason: "invalid_request",
          status: first.httpStatusCode,
          code: err?.code,
          message: `Composite subrequest ${first.referenceId} failed (${first.httpStatusCode}): ${err?.message ?? "error"}; nothing was saved.`,
          details: { compositeResponse: rs },
        });
      }
      return { compositeResponse: rs, allSucceeded };
    },

    async limits(_input, ctx) {
      const res = await sf<{ DailyApiRequests: { Max: number; Remaining: number } }>(ctx, {
        url: data(ctx, "/limits"),
      });
      return {
        dailyApiRequests: { max: res.body.DailyApiRequests.Max, remaining: res.body.DailyApiRequests.Remaining },
      };
    },

    async pollChangedRecords(input, ctx) {
      const start: Cursor = input.cursor
        ? decodeCursor(input.cursor)
        : { ts: input.since ?? new Date(Date.now() - 86_400_000).toISOString(), id: "" };
      const fields = [...new Set(["Id", "LastModifiedDate", ...input.fields])];
      // >= at second precision, then skip what the cursor already covers: exact and loss-free.
      const soql = `SELECT ${fields.join(", ")} FROM ${input.sobject} WHERE LastModifiedDate >= ${soqlDateTime(start.ts)}${input.where ? ` AND (${input.where})` : ""} ORDER BY LastModifiedDate ASC, Id ASC LIMIT ${input.batchSize + 200}`;
      const page = await query(ctx, { soql, maxRecords: input.batchSize + 200 });
      const startMs = Date.parse(start.ts.replace(/\+0000$/, "Z"));
      const fresh = page.records.filter((r) => {
        const ms = Date.parse(String(r.LastModifiedDate).replace(/\+0000$/, "Z"));
        return ms > startMs || (ms === startMs && String(r.Id) > start.id);
      });
      const items = fresh.slice(0, input.batchSize);
      const last = items[items.length - 1];
      const cursor = last
        ? encodeCursor({ ts: String(last.LastModifiedDate), id: String(last.Id) })
        : encodeCursor(start);
      return { items, cursor, hasMore: fresh.length > items.length || !page.done };
    },
  },
  // Test: the client-credentials token, then /limits (cheap, needs a valid session).
  async (ctx) => {
    const res = await sf<{ DailyApiRequests?: { Max: number; Remaining: number } }>(ctx, { url: data(ctx, "/limits") });
    const d = res.body.DailyApiRequests;
    return {
      detail: d
        ? `Token issued; API requests today: ${d.Remaining.toLocaleString("en")} of ${d.Max.toLocaleString("en")} left.`
        : "Token issued; /limits answered.",
    };
  },
);
