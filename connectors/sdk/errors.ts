// Classified connector errors. Every failure a connector raises is put in one of the runtime's retry
// classes *here*, where the vendor's semantics are known, so the runtime never has to guess:
//   transient  — network, timeout, 408/425/429, 5xx: retry (honouring retryAfterMs)
//   auth       — 401/403, rejected or expired credentials: needs a person
//   validation — other 4xx, schema violations, SSRF refusals, credentials refused for a host outside the
//                connection's own (credential_scope): retrying cannot help
//   internal   — a bug in the connector
// `reason` is the finer, connector-level detail (not_found, conflict, rate_limited…), kept apart so the
// runtime's duck-typed classifier (server/runtime/errors.ts) reads `errorClass` unchanged. Browser-safe.
import type { ErrorClass } from "../../core/error-classes";

/** The runtime classes a connector can know (a step's time limit, mappings and `fail` steps are the runtime's). */
export const CONNECTOR_ERROR_CLASSES = [
  "transient",
  "auth",
  "validation",
  "internal",
] as const satisfies readonly ErrorClass[];
export type ConnectorErrorClass = (typeof CONNECTOR_ERROR_CLASSES)[number];

export type ConnectorErrorReason =
  | "network"
  | "timeout"
  | "cancelled"
  | "rate_limited"
  | "server"
  | "unauthorized"
  | "forbidden"
  | "not_found"
  | "conflict"
  | "invalid_request"
  | "schema"
  | "ssrf"
  | "credential_scope"
  | "too_large"
  | "unsupported"
  | "internal";

/** A request or response as it may be stored in an exception record: secrets already redacted. */
export interface HttpExcerpt {
  method?: string;
  url?: string;
  status?: number;
  headers?: Record<string, string>;
  body?: unknown;
}

export interface ConnectorErrorInit {
  errorClass: ConnectorErrorClass;
  reason: ConnectorErrorReason;
  message: string;
  /** Vendor error code where there is one (INVALID_FIELD, INVALID_CONTENT…), else e.g. "http_503". */
  code?: string;
  status?: number;
  retryAfterMs?: number;
  request?: HttpExcerpt;
  response?: HttpExcerpt;
  details?: unknown;
  cause?: unknown;
}

export class ConnectorError extends Error {
  readonly errorClass: ConnectorErrorClass;
  readonly reason: ConnectorErrorReason;
  readonly code: string | undefined;
  readonly status: number | undefined;
  readonly retryAfterMs: number | undefined;
  readonly request: HttpExcerpt | undefined;
  readonly response: HttpExcerpt | undefined;
  readonly details: unknown;

  constructor(init: ConnectorErrorInit) {
    super(init.message, init.cause === undefined ? undefined : { cause: init.cause });
    this.name = "ConnectorError";
    this.errorClass = init.errorClass;
    this.reason = init.reason;
    this.code = init.code;
    this.status = init.status;
    this.retryAfterMs = init.retryAfterMs;
    this.request = init.request;
    this.response = init.response;
    this.details = init.details;
  }

  toJSON(): Record<string, unknown> {
    return {
      name: this.name,
      errorClass: this.errorClass,
      reason: this.reason,
      message: this.message,
      code: this.code,
      status: this.status,
      retryAfterMs: this.retryAfterMs,
      request: this.request,
      response: this.response,
      details: this.details,
    };
  }
}

export function isConnectorError(e: unknown): e is ConnectorError {
  return e instanceof ConnectorError;
}

/** HTTP status → class and reason. 409 is a validation error: the same request will conflict again. */
export function classifyStatus(status: number): { errorClass: ConnectorErrorClass; reason: ConnectorErrorReason } {
  if (status === 401) return { errorClass: "auth", reason: "unauthorized" };
  if (status === 403) return { errorClass: "auth", reason: "forbidden" };
  if (status === 429) return { errorClass: "transient", reason: "rate_limited" };
  if (status === 408 || status === 425 || status >= 500) return { errorClass: "transient", reason: "server" };
  if (status === 404 || status === 410) return { errorClass: "validation", reason: "not_found" };
  if (status === 409) return { errorClass: "validation", reason: "conflict" };
  return { errorClass: "validation", reason: "invalid_request" };
}

/** Retry-After is delta-seconds or an HTTP date; milliseconds from `now`, capped at one day. */
export function parseRetryAfter(value: string | null | undefined, now = Date.now()): number | undefined {
  if (!value) return undefined;
  const v = value.trim();
  if (/^\d+(\.\d+)?$/.test(v)) return Math.min(Math.round(Number(v) * 1000), 86_400_000);
  const at = Date.parse(v);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, Math.min(at - now, 86_400_000));
}
