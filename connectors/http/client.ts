// Generic HTTP connector client: applies the auth preset (OAuth tokens cached per connection and renewed
// on a 401), sends the body in the chosen encoding, and returns status, headers and body. GETs are read
// operations in effect even though the operation is declared "write" for the general case.
import { ConnectorError } from "../sdk/errors";
import { implementConnector, type AccessToken, type ConnectorContextOf, type HttpRequest } from "../sdk/define";
import { requestToken, withBearer } from "../sdk/oauth";
import { httpManifest } from "./manifest";
import type { z } from "zod";

type Ctx = ConnectorContextOf<typeof httpManifest>;

function need(v: string | undefined, what: string): string {
  if (!v)
    throw new ConnectorError({
      errorClass: "auth",
      reason: "unauthorized",
      code: "missing_secret",
      message: `The connection's auth preset needs ${what}.`,
    });
  return v;
}

async function oauthToken(ctx: Ctx): Promise<AccessToken> {
  const a = ctx.connection.config.auth;
  if (a.type !== "oauth2ClientCredentials") throw new Error("unreachable");
  const { clientId, clientSecret } = ctx.connection.secrets;
  const form: Record<string, string> = { grant_type: "client_credentials" };
  if (a.scope) form.scope = a.scope;
  if (a.audience) form.audience = a.audience;
  const headers: Record<string, string> = {};
  if (a.clientAuth === "basic")
    headers.authorization = `Basic ${Buffer.from(`${need(clientId, "a client id")}:${need(clientSecret, "a client secret")}`).toString("base64")}`;
  else
    Object.assign(form, {
      client_id: need(clientId, "a client id"),
      client_secret: need(clientSecret, "a client secret"),
    });
  return requestToken(ctx, { url: a.tokenUrl, form, headers });
}

type RequestInput = z.output<typeof httpManifest.operations.request.input>;

async function send(input: RequestInput, ctx: Ctx) {
  const { config, secrets } = ctx.connection;
  const headers: Record<string, string> = { ...config.defaultHeaders, ...input.headers };
  const query: HttpRequest["query"] = { ...input.query };
  const a = config.auth;
  if (a.type === "basic")
    headers.authorization = `Basic ${Buffer.from(`${need(secrets.username, "a username")}:${need(secrets.password, "a password")}`).toString("base64")}`;
  if (a.type === "bearer") headers.authorization = `Bearer ${need(secrets.token, "a token")}`;
  if (a.type === "apiKey") {
    if (a.in === "header") headers[a.name] = need(secrets.apiKey, "an API key");
    else query[a.name] = need(secrets.apiKey, "an API key");
  }
  const req: HttpRequest = {
    method: input.method,
    url: input.url,
    baseUrl: config.baseUrl,
    query,
    headers,
    timeoutMs: config.timeoutMs,
    responseType: input.responseType,
    acceptStatus: input.acceptStatus
      ? (s) => input.acceptStatus!.includes(s) || (s < 400 && !input.acceptStatus!.some((x) => x < 400))
      : undefined,
  };
  if (input.body !== undefined && input.method !== "GET" && input.method !== "HEAD") {
    if (input.bodyType === "json") req.json = input.body;
    else if (input.bodyType === "form")
      req.form = Object.fromEntries(
        Object.entries((input.body ?? {}) as Record<string, unknown>).map(([k, v]) => [k, String(v)]),
      );
    else req.body = typeof input.body === "string" ? input.body : JSON.stringify(input.body);
  }
  const res =
    a.type === "oauth2ClientCredentials"
      ? await withBearer(
          ctx,
          () => oauthToken(ctx),
          () => req,
        )
      : await ctx.http.request(req);
  return { status: res.status, headers: res.headers, body: res.body };
}

export const http = implementConnector(
  httpManifest,
  { request: send },
  // Test: a GET of the base URL with the auth preset applied. Any answer below 500 other than 401/403
  // proves the host is reachable through the guard and the credentials are not refused.
  async (ctx) => {
    const base = ctx.connection.config.baseUrl;
    if (!base)
      throw new ConnectorError({
        errorClass: "validation",
        reason: "invalid_request",
        code: "no_base_url",
        message: "Set a base URL to test this connection (requests with absolute URLs need no base URL).",
      });
    const res = await send(
      {
        method: "GET",
        url: base,
        bodyType: "json",
        responseType: "text",
        acceptStatus: [200, 204, 301, 302, 304, 400, 404, 405],
      },
      ctx,
    );
    return { detail: `GET ${base} answered HTTP ${res.status}.` };
  },
);
