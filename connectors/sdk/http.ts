// The HTTP client a connector gets: undici through the SSRF guard, with a per-attempt timeout tied to the
// step's abort signal, the connection's rate limiter, error classification (with the vendor's own error
// message and code), Retry-After, short in-call retries of requests that are safe to repeat, and
// redacted request/response excerpts on every error. Longer waits are left to the runtime's durable
// retries: the error carries retryAfterMs.
import "server-only";
import { ConnectorError, classifyStatus, parseRetryAfter } from "./errors";
import type { ConnectorLogger, HttpClient, HttpRequest, HttpResponse, QueryValue, VendorError } from "./define";
import type { HttpGuard } from "./http-guard";
import type { RateLimiter } from "./rate-limiter";
import { offScopeMessage, type CredentialScope } from "./credential-scope";
import type { Redactor } from "./redact";

export interface HttpClientOptions {
  guard: HttpGuard;
  limiter?: RateLimiter;
  logger: ConnectorLogger;
  redactor: Redactor;
  signal?: AbortSignal;
  defaultTimeoutMs?: number;
  /** In-call waits longer than this are not slept through; the error goes to the runtime instead. */
  maxInCallWaitMs?: number;
  /** Sent as Idempotency-Key on writes when the request does not set its own header. */
  idempotencyKey?: string;
  userAgent?: string;
  maxResponseBytes?: number;
  /**
   * The connection's credential scope (connectors/sdk/credential-scope.ts): a request carrying the
   * connection's secrets (or tokens obtained with them, or an auth header while it has secrets) to a host
   * outside it is refused before sending. The redactor knows the secret values.
   */
  credentials?: { connectionKey: string; scope: CredentialScope };
}

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS", "PUT", "DELETE"]);
/** Headers that carry credentials whatever their value looks like (Basic is base64 of the secrets). */
const AUTH_HEADERS = new Set(["authorization", "proxy-authorization", "cookie"]);

export function buildUrl(
  url: string,
  baseUrl: string | undefined,
  query: Record<string, QueryValue> | undefined,
): string {
  const u =
    baseUrl && !/^https?:\/\//i.test(url)
      ? new URL(url.replace(/^\//, ""), baseUrl.endsWith("/") ? baseUrl : `${baseUrl}/`)
      : new URL(url);
  for (const [k, v] of Object.entries(query ?? {})) {
    if (v === undefined || v === null) continue;
    if (Array.isArray(v)) for (const x of v) u.searchParams.append(k, String(x));
    else u.searchParams.set(k, String(v));
  }
  return u.toString();
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(t);
      reject(signal!.reason instanceof Error ? signal!.reason : new Error("aborted"));
    };
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

function parseBody(buf: Buffer, contentType: string | undefined, mode: HttpRequest["responseType"]): unknown {
  const text = buf.toString("utf8");
  if (mode === "text") return text;
  const looksJson = /json/i.test(contentType ?? "") || mode === "json";
  if (!looksJson) return text;
  if (!text.trim()) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    if (mode === "json")
      throw new ConnectorError({
        errorClass: "validation",
        reason: "schema",
        code: "bad_json",
        message: "The response is not valid JSON.",
      });
    return text;
  }
}

export function createHttpClient(opts: HttpClientOptions): HttpClient {
  const maxWait = opts.maxInCallWaitMs ?? 10_000;
  return {
    async request<T>(req: HttpRequest): Promise<HttpResponse<T>> {
      const method = (req.method ?? "GET").toUpperCase();
      const url = buildUrl(req.url, req.baseUrl, req.query);
      const headers: Record<string, string> = {
        accept: "application/json",
        "user-agent": opts.userAgent ?? "Weft-Connector/1",
      };
      for (const [k, v] of Object.entries(req.headers ?? {})) if (v !== undefined) headers[k.toLowerCase()] = v;
      let body: string | Uint8Array | undefined = req.body;
      if (req.json !== undefined) {
        body = JSON.stringify(req.json);
        headers["content-type"] ??= "application/json";
      } else if (req.form) {
        body = new URLSearchParams(req.form).toString();
        headers["content-type"] ??= "application/x-www-form-urlencoded";
      }
      const isWrite = !["GET", "HEAD", "OPTIONS"].includes(method);
      if (isWrite && opts.idempotencyKey && !Object.keys(headers).some((h) => h.endsWith("idempotency-key")))
        headers["idempotency-key"] = opts.idempotencyKey;
      const repeatable =
        req.idempotent ?? (SAFE_METHODS.has(method) || Object.keys(headers).some((h) => h.endsWith("idempotency-key")));
      const maxAttempts = Math.max(1, req.maxAttempts ?? 3);
      const requestExcerpt = () =>
        opts.redactor.value({
          method,
          url,
          headers,
          body:
            typeof body !== "string"
              ? body
                ? `(${body.byteLength} bytes)`
                : undefined
              : body.length < 4000
                ? safeJson(body)
                : body.slice(0, 4000),
        }) as ConnectorError["request"];
      const secret = (t: string) => opts.redactor.contains(t) || opts.redactor.contains(safeDecode(t));
      if (opts.credentials && !opts.redactor.empty) {
        const bodyText =
          body === undefined
            ? undefined
            : typeof body === "string"
              ? body
              : Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString("utf8");
        const carries =
          Object.entries(headers).some(([k, v]) => AUTH_HEADERS.has(k) || secret(v)) ||
          secret(url) ||
          (bodyText !== undefined && secret(bodyText));
        if (carries && !opts.credentials.scope.allows(url, req.baseUrl)) {
          throw new ConnectorError({
            errorClass: "validation",
            reason: "credential_scope",
            code: "credentials_off_origin",
            message: offScopeMessage(opts.credentials.connectionKey, url, opts.credentials.scope),
            request: requestExcerpt(),
          });
        }
      }

      for (let attempt = 1; ; attempt++) {
        const timeoutMs = req.timeoutMs ?? opts.defaultTimeoutMs ?? 30_000;
        const timeout = AbortSignal.timeout(timeoutMs);
        const signal = opts.signal ? AbortSignal.any([opts.signal, timeout]) : timeout;
        let failure: ConnectorError;
        const release = opts.limiter ? await opts.limiter.acquire(opts.signal) : undefined;
        const started = Date.now();
        try {
          const res = await opts.guard.request(url, {
            method,
            headers,
            body: body instanceof Uint8Array ? Buffer.from(body.buffer, body.byteOffset, body.byteLength) : body,
            signal,
            headersTimeoutMs: timeoutMs,
            bodyTimeoutMs: timeoutMs,
            maxResponseBytes: opts.maxResponseBytes,
            carriesCredentials: secret,
          });
          const parsed = parseBody(res.body, res.headers["content-type"], req.responseType);
          const response: HttpResponse<T> = {
            status: res.status,
            headers: res.headers,
            body: parsed as T,
            url: res.url,
          };
          opts.logger.debug("http", {
            method,
            url: opts.redactor.text(url),
            status: res.status,
            ms: Date.now() - started,
            attempt,
          });
          const ok = req.acceptStatus ? req.acceptStatus(res.status) : res.status < 400;
          if (ok) return response;
          const vendor = safeParseError(req, response);
          const byStatus = classifyStatus(res.status);
          const errorClass = vendor?.errorClass ?? byStatus.errorClass;
          const reason =
            vendor?.reason ??
            (vendor?.errorClass
              ? classifyStatus(vendor.errorClass === "transient" ? 503 : vendor.errorClass === "auth" ? 401 : 400)
                  .reason
              : byStatus.reason);
          const retryAfterMs = parseRetryAfter(res.headers["retry-after"]);
          failure = new ConnectorError({
            errorClass,
            reason,
            status: res.status,
            code: vendor?.code ?? `http_${res.status}`,
            message: `${method} ${new URL(res.url).pathname} → ${res.status}${vendor?.message ? `: ${opts.redactor.text(vendor.message)}` : ""}`,
            retryAfterMs: errorClass === "transient" ? retryAfterMs : undefined,
            details: vendor?.details === undefined ? undefined : opts.redactor.value(vendor.details),
            request: requestExcerpt(),
            response: opts.redactor.value({
              status: res.status,
              headers: res.headers,
              body: parsed,
            }) as ConnectorError["response"],
          });
        } catch (e) {
          if (e instanceof ConnectorError) {
            // Guard refusals, oversize bodies and resolution failures are final or already classified.
            if (e.errorClass !== "transient") throw e;
            failure = e;
          } else if (opts.signal?.aborted) {
            throw new ConnectorError({
              errorClass: "transient",
              reason: "cancelled",
              code: "cancelled",
              message: `${method} ${url} was cancelled.`,
              request: requestExcerpt(),
              cause: e,
            });
          } else {
            const err = e as { name?: string; code?: string; message?: string; cause?: { code?: string } };
            const timedOut = timeout.aborted || err.name === "TimeoutError" || (err.code ?? "").includes("TIMEOUT");
            const code = err.code ?? err.cause?.code;
            // A refused connection never reached the server, so it is as safe to retry as a 429.
            failure = new ConnectorError({
              errorClass: "transient",
              reason: timedOut ? "timeout" : "network",
              code: timedOut ? "timeout" : (code ?? "network_error"),
              message: timedOut
                ? `${method} ${opts.redactor.text(url)} timed out after ${timeoutMs} ms.`
                : `${method} ${opts.redactor.text(url)} failed: ${opts.redactor.text(err.message ?? String(e))}`,
              request: requestExcerpt(),
              details: code === "ECONNREFUSED" ? { notSent: true } : undefined,
              cause: e,
            });
          }
        } finally {
          release?.();
        }
        const notSent =
          failure.reason === "rate_limited" || (failure.details as { notSent?: boolean } | undefined)?.notSent === true;
        const mayRepeat =
          failure.errorClass === "transient" && failure.reason !== "cancelled" && (repeatable || notSent);
        const wait = failure.retryAfterMs ?? Math.min(2000, 200 * 2 ** (attempt - 1));
        if (!mayRepeat || attempt >= maxAttempts || wait > maxWait) throw failure;
        opts.logger.info("retrying", {
          method,
          url: opts.redactor.text(url),
          attempt,
          waitMs: wait,
          reason: failure.reason,
          status: failure.status,
        });
        await sleep(wait, opts.signal);
      }
    },
  };
}

function safeParseError(req: HttpRequest, res: HttpResponse): VendorError | undefined {
  try {
    return req.parseError?.(res) ?? genericError(res.body);
  } catch {
    return genericError(res.body);
  }
}

/** Common error shapes: {message}, {error}, {error:{message}}, [{message,errorCode}]. */
function genericError(body: unknown): { message: string; code?: string } | undefined {
  if (typeof body === "string") return body.trim() ? { message: body.slice(0, 500) } : undefined;
  if (Array.isArray(body) && body[0] && typeof body[0] === "object") return genericError(body[0]);
  if (!body || typeof body !== "object") return undefined;
  const b = body as Record<string, unknown>;
  const code = typeof b.errorCode === "string" ? b.errorCode : typeof b.code === "string" ? b.code : undefined;
  if (typeof b.message === "string") return { message: b.message, code };
  if (typeof b.error === "string")
    return { message: typeof b.error_description === "string" ? b.error_description : b.error, code: code ?? b.error };
  if (b.error && typeof b.error === "object") return genericError(b.error);
  return undefined;
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s.replace(/\+/g, " "));
  } catch {
    return s;
  }
}

function safeJson(s: string): unknown {
  try {
    return JSON.parse(s) as unknown;
  } catch {
    return s;
  }
}
