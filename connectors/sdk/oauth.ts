// OAuth2 token handling shared by connectors: a per-connection token cache (one fetch in flight at a
// time, refreshed a minute before expiry, invalidated on a 401 or a secret rotation) and helpers for the
// token endpoints. Browser-safe (uses the context's HttpClient, not undici).
import { ConnectorError } from "./errors";
import type { AccessToken, ConnectorContext, HttpRequest, HttpResponse, TokenCache } from "./define";

const SKEW_MS = 60_000;

interface Entry {
  token?: AccessToken;
  pending?: Promise<AccessToken>;
}

// connection key → (fingerprint of its settings and secrets → tokens). Keyed by the fingerprint, so any
// change to a connection is a cache miss in every process that sees the new settings; only the current
// fingerprint's tokens are kept, so a superseded secret's token is dropped, not merely unused.
const caches = new Map<string, { fingerprint: string; entry: Entry }>();

/** The cache for one connection; `fingerprint` changes when the settings or secrets change, dropping old tokens. */
export function tokenCacheFor(connectionKey: string, fingerprint: string): TokenCache {
  const entry = (): Entry => {
    const c = caches.get(connectionKey);
    if (c?.fingerprint === fingerprint) return c.entry;
    const e: Entry = {};
    caches.set(connectionKey, { fingerprint, entry: e });
    return e;
  };
  return {
    async get(fetch) {
      const e = entry();
      if (e.token && (e.token.expiresAt === undefined || e.token.expiresAt - SKEW_MS > Date.now())) return e.token;
      if (!e.pending) {
        e.pending = fetch().then(
          (t) => {
            e.token = t;
            e.pending = undefined;
            return t;
          },
          (err: unknown) => {
            e.pending = undefined;
            throw err;
          },
        );
      }
      return e.pending;
    },
    invalidate(token) {
      const e = entry();
      if (token === undefined || e.token?.accessToken === token) e.token = undefined;
    },
  };
}

/** Forgets a connection's cached tokens (it was changed or deleted in this process). */
export function forgetTokens(connectionKey: string): void {
  caches.delete(connectionKey);
}

/** Parses a standard OAuth2 token response into an AccessToken, keeping string extras. */
export function tokenFromResponse(body: unknown): AccessToken {
  const b = (body ?? {}) as Record<string, unknown>;
  if (typeof b.access_token !== "string") {
    throw new ConnectorError({
      errorClass: "auth",
      reason: "unauthorized",
      code: "invalid_token_response",
      message: "The token endpoint did not return an access_token.",
    });
  }
  const extra: Record<string, string> = {};
  for (const [k, v] of Object.entries(b))
    if (typeof v === "string" && k !== "access_token" && k !== "refresh_token") extra[k] = v;
  const expiresIn =
    typeof b.expires_in === "number"
      ? b.expires_in
      : typeof b.expires_in === "string"
        ? Number(b.expires_in)
        : undefined;
  return { accessToken: b.access_token, expiresAt: expiresIn ? Date.now() + expiresIn * 1000 : undefined, extra };
}

/** OAuth2 token errors are `{error, error_description}` (RFC 6749 §5.2). */
export function parseOAuthError(res: HttpResponse): { message: string; code?: string } | undefined {
  const b = res.body as { error?: unknown; error_description?: unknown } | undefined;
  if (b && typeof b.error === "string")
    return {
      code: b.error,
      message: typeof b.error_description === "string" ? `${b.error}: ${b.error_description}` : b.error,
    };
  return undefined;
}

/** RFC 6749 §5.2 codes that mean the token endpoint refused the credentials or grant: no retry fixes them. */
const REFUSED = /invalid_(client|grant|scope)|unauthorized_client/;

/**
 * POSTs to a token endpoint and reads the token (one definition for every connector). A refusal — 400
 * with a §5.2 credential code — is an auth error (`refused` words it); other failures keep their class.
 */
export async function requestToken(
  ctx: ConnectorContext,
  req: Omit<HttpRequest, "method" | "idempotent">,
  refused: (e: ConnectorError) => string = (e) => e.message,
): Promise<AccessToken> {
  const res = await ctx.http
    .request({ method: "POST", parseError: parseOAuthError, ...req, idempotent: true })
    .catch((e: unknown) => {
      if (e instanceof ConnectorError && e.status === 400 && REFUSED.test(e.code ?? ""))
        throw new ConnectorError({
          errorClass: "auth",
          reason: "unauthorized",
          code: e.code,
          status: 400,
          message: refused(e),
          request: e.request,
          response: e.response,
        });
      throw e;
    });
  return tokenFromResponse(res.body);
}

/**
 * Sends `req` with a bearer token from the cache. A 401 means the token expired or was revoked: the token
 * is dropped and the request retried once with a fresh one; a second 401 is a real auth error.
 */
export async function withBearer<T>(
  ctx: ConnectorContext,
  getToken: () => Promise<AccessToken>,
  build: (token: AccessToken) => HttpRequest,
): Promise<HttpResponse<T>> {
  for (let attempt = 0; ; attempt++) {
    const token = await ctx.tokens.get(getToken);
    ctx.addSecret(token.accessToken);
    const req = build(token);
    try {
      return await ctx.http.request<T>({
        ...req,
        headers: { ...req.headers, authorization: `Bearer ${token.accessToken}` },
      });
    } catch (e) {
      if (attempt === 0 && e instanceof ConnectorError && e.status === 401) {
        ctx.tokens.invalidate(token.accessToken);
        ctx.logger.info("access token rejected; fetching a new one", { connection: ctx.connection.key });
        continue;
      }
      throw e;
    }
  }
}
