// The one error domain code throws (flows, governance, connections, exceptions, auth, runtime operations):
// what went wrong in the caller's terms, without knowing who called. The tRPC error middleware turns it
// into a TRPCError (server/api/errors.ts), route handlers into an HTTP status, the CLI prints its message;
// pg-boss jobs that call the same functions (bulk actions) read its code.
export const DOMAIN_ERROR_CODES = [
  "invalid",
  "forbidden",
  "not_found",
  "conflict",
  "precondition",
  "too_large",
] as const;
export type DomainErrorCode = (typeof DOMAIN_ERROR_CODES)[number];

export interface DomainErrorDetails {
  /** The input field at fault (a dotted path), when one is. */
  field?: string;
  /** The flow node (step id or "trigger") at fault, when one is. */
  node?: string;
  cause?: unknown;
}

export class DomainError extends Error {
  readonly code: DomainErrorCode;
  readonly field: string | undefined;
  readonly node: string | undefined;

  constructor(code: DomainErrorCode, message: string, details: DomainErrorDetails = {}) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = "DomainError";
    this.code = code;
    this.field = details.field;
    this.node = details.node;
  }
}

/** "<what> not found." — the common case. */
export const notFound = (what: string): DomainError => new DomainError("not_found", `${what} not found.`);

/** The HTTP status of each code (route handlers; the tRPC codes below map to the same). */
export const DOMAIN_ERROR_STATUS: Record<DomainErrorCode, number> = {
  invalid: 400,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  precondition: 412,
  too_large: 413,
};
