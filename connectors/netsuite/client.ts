// NetSuite client: OAuth 2.0 M2M (a JWT client assertion signed with the certificate's key, ES256 for EC
// keys and PS256 for RSA), the record API (204 + Location parsed into the new id), upsert by external id,
// SuiteQL paging, X-NetSuite-Idempotency-Key on writes, and NetSuite's error format.
import { createHash, createPrivateKey, randomUUID, sign } from "node:crypto";
import { ConnectorError } from "../sdk/errors";
import {
  implementConnector,
  type ConfigOf,
  type ConnectorContextOf,
  type SecretsOf,
  type HttpRequest,
  type HttpResponse,
  type VendorError,
} from "../sdk/define";
import { parseOAuthError, requestToken, withBearer } from "../sdk/oauth";
import { netsuiteManifest } from "./manifest";

type Ctx = ConnectorContextOf<typeof netsuiteManifest>;
type Config = ConfigOf<typeof netsuiteManifest>;
type Secrets = SecretsOf<typeof netsuiteManifest>;

export function parseNetSuiteError(res: HttpResponse): VendorError | undefined {
  const b = res.body as
    | { title?: string; "o:errorDetails"?: Array<{ detail?: string; "o:errorCode"?: string; "o:errorPath"?: string }> }
    | undefined;
  const d = b?.["o:errorDetails"]?.[0];
  if (!d) return parseOAuthError(res);
  const e: VendorError = {
    message: `${d.detail ?? b?.title ?? "NetSuite error"}${d["o:errorPath"] ? ` (at ${d["o:errorPath"]})` : ""}`,
    code: d["o:errorCode"],
    details: { errorDetails: b?.["o:errorDetails"] },
  };
  // RESTlets report the concurrency limit as a 400; it is still a rate limit.
  if (d["o:errorCode"] === "SSS_REQUEST_LIMIT_EXCEEDED" || d["o:errorCode"] === "CONCURRENCY_LIMIT_EXCEEDED")
    Object.assign(e, { errorClass: "transient", reason: "rate_limited" });
  if (d["o:errorCode"] === "INVALID_LOGIN") Object.assign(e, { errorClass: "auth", reason: "unauthorized" });
  return e;
}

const baseUrl = (c: Config) =>
  c.baseUrl ?? `https://${c.accountId.toLowerCase().replace(/_/g, "-")}.suitetalk.api.netsuite.com`;
const TOKEN_PATH = "/services/rest/auth/oauth2/v1/token";

/** The signed client assertion: {iss: client id, scope, aud: token URL, iat, exp ≤ iat + 1 h}, kid = certificate id. */
export function clientAssertion(config: Config, secrets: Secrets, now = Math.floor(Date.now() / 1000)): string {
  let key;
  try {
    key = createPrivateKey(secrets.privateKey);
  } catch (e) {
    throw new ConnectorError({
      errorClass: "auth",
      reason: "unauthorized",
      code: "bad_private_key",
      message: "The connection's private key is not a valid PEM key.",
      cause: e,
    });
  }
  const alg = key.asymmetricKeyType === "ec" ? "ES256" : "PS256";
  const enc = (o: object) => Buffer.from(JSON.stringify(o)).toString("base64url");
  const input = `${enc({ typ: "JWT", alg, kid: config.certificateId })}.${enc({ iss: secrets.clientId, scope: ["rest_webservices"], aud: `${baseUrl(config)}${TOKEN_PATH}`, iat: now, exp: now + 3000, jti: randomUUID() })}`;
  const sig =
    alg === "ES256"
      ? sign("sha256", Buffer.from(input), { key, dsaEncoding: "ieee-p1363" })
      : sign("sha256", Buffer.from(input), { key, padding: 6, saltLength: 32 });
  return `${input}.${sig.toString("base64url")}`;
}

async function token(ctx: Ctx) {
  const { config, secrets } = ctx.connection;
  return requestToken(ctx, {
    url: TOKEN_PATH,
    baseUrl: baseUrl(config),
    form: {
      grant_type: "client_credentials",
      client_assertion_type: "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
      client_assertion: clientAssertion(config, secrets),
    },
  });
}

function ns<T>(ctx: Ctx, req: Omit<HttpRequest, "baseUrl">): Promise<HttpResponse<T>> {
  return withBearer<T>(
    ctx,
    () => token(ctx),
    () => ({ ...req, baseUrl: baseUrl(ctx.connection.config), parseError: parseNetSuiteError }),
  );
}

/** NetSuite expects a UUID idempotency key; the step's key is mapped onto one deterministically. */
export function netsuiteIdempotencyKey(key: string): string {
  if (/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(key)) return key.toLowerCase();
  const h = createHash("sha256").update(key).digest("hex");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-${((parseInt(h.slice(16, 18), 16) & 0x3f) | 0x80).toString(16)}${h.slice(18, 20)}-${h.slice(20, 32)}`;
}

const writeHeaders = (ctx: Ctx) =>
  ctx.idempotencyKey ? { "x-netsuite-idempotency-key": netsuiteIdempotencyKey(ctx.idempotencyKey) } : {};

function idFromLocation(res: HttpResponse): { id: string; location: string } {
  const location = res.headers.location;
  const id = location?.split("/").pop();
  if (!location || !id)
    throw new ConnectorError({
      errorClass: "internal",
      reason: "internal",
      code: "no_location",
      message: `NetSuite answered ${res.status} without a Location header.`,
    });
  return { id: decodeURIComponent(id), location };
}

async function create(ctx: Ctx, recordType: string, body: unknown) {
  const res = await ns(ctx, {
    method: "POST",
    url: `/services/rest/record/v1/${recordType}`,
    json: body,
    headers: writeHeaders(ctx),
  });
  return idFromLocation(res);
}

export const netsuite = implementConnector(
  netsuiteManifest,
  {
    async getRecord(input, ctx) {
      const id = input.id ?? `eid:${input.externalId}`;
      const res = await ns<Record<string, unknown> & { id: string }>(ctx, {
        url: `/services/rest/record/v1/${input.recordType}/${encodeURIComponent(id)}`,
        query: { expandSubResources: input.expandSubResources ? "true" : undefined },
      });
      return res.body;
    },

    async listRecords(input, ctx) {
      const res = await ns<{
        items: Array<{ id: string }>;
        totalResults: number;
        count: number;
        offset: number;
        hasMore: boolean;
      }>(ctx, {
        url: `/services/rest/record/v1/${input.recordType}`,
        query: { q: input.q, limit: input.limit, offset: input.offset },
      });
      const b = res.body;
      return {
        items: b.items.map((i) => ({ id: i.id })),
        totalResults: b.totalResults,
        count: b.count,
        offset: b.offset,
        hasMore: b.hasMore,
      };
    },

    createCustomer: (input, ctx) => create(ctx, "customer", input.body),
    createJob: (input, ctx) => create(ctx, "job", input.body),
    createTimeBill: (input, ctx) => create(ctx, "timebill", input.body),
    createInvoice: (input, ctx) => create(ctx, "invoice", input.body),
    createRecord: (input, ctx) => create(ctx, input.recordType, input.body),

    async updateRecord(input, ctx) {
      await ns(ctx, {
        method: "PATCH",
        url: `/services/rest/record/v1/${input.recordType}/${encodeURIComponent(input.id)}`,
        json: input.body,
        headers: writeHeaders(ctx),
        idempotent: true,
      });
      return { id: input.id };
    },

    async upsertByExternalId(input, ctx) {
      const res = await ns(ctx, {
        method: "PUT",
        url: `/services/rest/record/v1/${input.recordType}/eid:${encodeURIComponent(input.externalId)}`,
        json: input.body,
        headers: writeHeaders(ctx),
        idempotent: true,
      });
      return idFromLocation(res);
    },

    async suiteql(input, ctx) {
      const items: Array<Record<string, unknown>> = [];
      let offset = input.offset;
      let totalResults = 0;
      let hasMore = true;
      while (hasMore && (input.maxRows === undefined || items.length < input.maxRows)) {
        const res = await ns<{
          items: Array<Record<string, unknown>>;
          totalResults: number;
          hasMore: boolean;
          count: number;
        }>(ctx, {
          method: "POST",
          url: "/services/rest/query/v1/suiteql",
          query: { limit: input.pageSize, offset },
          headers: { prefer: "transient" },
          json: { q: input.q },
          // A query has no effect: safe to repeat after a 5xx.
          idempotent: true,
        });
        for (const { links: _links, ...row } of res.body.items) items.push(row);
        totalResults = res.body.totalResults;
        hasMore = res.body.hasMore;
        offset += res.body.count;
        if (res.body.count === 0) break;
      }
      return { items, totalResults, hasMore, ...(hasMore ? { nextOffset: offset } : {}) };
    },
  },
  // Test: the JWT-bearer token, then a one-row customer list.
  async (ctx) => {
    const res = await ns<{ totalResults: number }>(ctx, {
      url: "/services/rest/record/v1/customer",
      query: { limit: 1 },
    });
    return {
      detail: `Token issued for account ${ctx.connection.config.accountId}; ${res.body.totalResults} customers visible.`,
    };
  },
);
