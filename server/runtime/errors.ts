// Error classification: every failure is put in one class *before* anything decides to retry it, so a
// retry policy names classes ("retry transient, never validation") and double posting is avoided by
// construction. Connectors throw already-classified errors; anything else is classified here.
import { ZodError } from "zod";
import { ERROR_CLASSES, type ErrorClass } from "../../core/error-classes";
import { parseRetryAfter, type HttpExcerpt } from "@/connectors/sdk/errors";
import { isObjectLike as isRecord } from "../../core/is-obj";

export { ERROR_CLASSES, parseRetryAfter, type ErrorClass, type HttpExcerpt };

export interface StepErrorInit {
  errorClass: ErrorClass;
  message: string;
  /** A short machine code: "timeout", "http_503", "rate_limited", "ECONNRESET", "fail_step"… */
  code?: string;
  retryAfterMs?: number;
  request?: HttpExcerpt;
  response?: HttpExcerpt;
  details?: unknown;
  cause?: unknown;
}

export class StepError extends Error {
  readonly errorClass: ErrorClass;
  readonly code: string | undefined;
  readonly retryAfterMs: number | undefined;
  readonly request: HttpExcerpt | undefined;
  readonly response: HttpExcerpt | undefined;
  readonly details: unknown;

  constructor(init: StepErrorInit) {
    super(init.message, init.cause === undefined ? undefined : { cause: init.cause });
    this.name = "StepError";
    this.errorClass = init.errorClass;
    this.code = init.code;
    this.retryAfterMs = init.retryAfterMs;
    this.request = init.request;
    this.response = init.response;
    this.details = init.details;
  }

  toJSON(): SerializedError {
    return serializeError(this);
  }
}

/** The JSON form stored in step_run.error / run.error and shown in the timeline: the error without its cause. */
export type SerializedError = Omit<StepErrorInit, "cause">;

export function serializeError(e: StepError): SerializedError {
  const out: SerializedError = { errorClass: e.errorClass, message: e.message };
  if (e.code !== undefined) out.code = e.code;
  if (e.retryAfterMs !== undefined) out.retryAfterMs = e.retryAfterMs;
  if (e.request !== undefined) out.request = e.request;
  if (e.response !== undefined) out.response = e.response;
  if (e.details !== undefined) out.details = e.details;
  return out;
}

export function deserializeError(s: SerializedError): StepError {
  return new StepError({ ...s });
}

const TRANSIENT_NET_CODES = new Set([
  "ECONNRESET",
  "ECONNREFUSED",
  "ECONNABORTED",
  "ETIMEDOUT",
  "EPIPE",
  "EAI_AGAIN",
  "ENOTFOUND",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "UND_ERR_CONNECT_TIMEOUT",
  "UND_ERR_HEADERS_TIMEOUT",
  "UND_ERR_BODY_TIMEOUT",
  "UND_ERR_SOCKET",
  "UND_ERR_CLOSED",
]);

/** HTTP status → class: 401/403 auth; 408, 425, 429 and 5xx transient; other 4xx validation. */
export function classOfStatus(status: number): ErrorClass {
  if (status === 401 || status === 403) return "auth";
  if (status === 408 || status === 425 || status === 429 || status >= 500) return "transient";
  if (status >= 400) return "validation";
  return "internal";
}

function str(v: unknown): string | undefined {
  return typeof v === "string" ? v : undefined;
}

function num(v: unknown): number | undefined {
  return typeof v === "number" && Number.isFinite(v) ? v : undefined;
}

function asClass(v: unknown): ErrorClass | undefined {
  if (typeof v !== "string") return undefined;
  // Connectors may say "network"/"timeout"/"rate_limit" — all transient for retry purposes.
  const aliases: Record<string, ErrorClass> = {
    network: "transient",
    timeout: "transient",
    rate_limit: "transient",
    rate_limited: "transient",
    schema: "validation",
    expression: "mapping",
  };
  if ((ERROR_CLASSES as readonly string[]).includes(v)) return v as ErrorClass;
  return aliases[v];
}

function excerptOf(v: unknown): HttpExcerpt | undefined {
  return isRecord(v) ? (v as HttpExcerpt) : undefined;
}

/**
 * Puts any thrown value in a class. Understands: our StepError; classified errors from the connectors
 * SDK (duck-typed: `errorClass`/`class`/`kind`, `retryAfterMs`/`retryAfter`, `request`, `response`,
 * `status`); JSONata errors (code like "T2001"/"D3030" with a position); zod errors; aborts and
 * timeouts; Node/undici network errors; anything with an HTTP status.
 */
export function classifyError(err: unknown): StepError {
  if (err instanceof StepError) return err;
  if (err instanceof ZodError) {
    return new StepError({
      errorClass: "validation",
      code: "schema",
      message: err.issues.map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`).join("; "),
      cause: err,
    });
  }
  if (!isRecord(err)) return new StepError({ errorClass: "internal", message: String(err) });
  const message = str(err.message) ?? "Unknown error";
  const name = str(err.name) ?? "";
  const code = str(err.code);
  const response = excerptOf(err.response);
  const status = num(err.status) ?? num(err.statusCode) ?? num(response?.status);
  const retryAfterMs =
    num(err.retryAfterMs) ??
    (num(err.retryAfter) !== undefined ? num(err.retryAfter)! * 1000 : undefined) ??
    parseRetryAfter(response?.headers?.["retry-after"]);
  const given = asClass(err.errorClass) ?? asClass(err.class) ?? asClass(err.kind) ?? asClass(err.category);
  const base = {
    message,
    request: excerptOf(err.request),
    response,
    retryAfterMs,
    cause: err,
    details: isRecord(err.details) ? err.details : undefined,
  };
  if (given)
    return new StepError({ ...base, errorClass: given, code: code ?? (status ? `http_${status}` : undefined) });
  if (name === "AbortError" || name === "TimeoutError" || code === "ABORT_ERR") {
    return new StepError({ ...base, errorClass: "transient", code: "timeout" });
  }
  // JSONata runtime errors carry a code such as "T2001", "D3030", "S0201" and a character position.
  if (code && /^[STDU]\d{4}$/.test(code)) {
    return new StepError({
      ...base,
      errorClass: "mapping",
      code,
      message: `${message}${num(err.position) !== undefined ? ` (at ${String(err.position)})` : ""}`,
    });
  }
  if (code && TRANSIENT_NET_CODES.has(code)) return new StepError({ ...base, errorClass: "transient", code });
  if (isRecord(err.cause) && str(err.cause.code) && TRANSIENT_NET_CODES.has(str(err.cause.code)!)) {
    return new StepError({ ...base, errorClass: "transient", code: str(err.cause.code) });
  }
  if (status !== undefined)
    return new StepError({ ...base, errorClass: classOfStatus(status), code: `http_${status}` });
  return new StepError({ ...base, errorClass: "internal", code });
}
