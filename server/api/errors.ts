// The one place that turns an error a procedure did not mean to show into what a client may see. Database
// errors (Prisma's, or node-postgres' from the runtime's raw pool) become a clear sentence with a 4xx code
// when the caller's data caused them and a generic 500 otherwise; their text (SQL, table names, values)
// never reaches the client, and the original is logged by the caller of `clientError`. Domain code's own
// errors (DomainError: not_found, conflict, …) become the matching tRPC code here too, with their message.
import { TRPCError } from "@trpc/server";
import { DomainError, type DomainErrorCode } from "../../core/domain-error";
import { isObjectLike as isObj } from "../../core/is-obj";

type Code = TRPCError["code"];

interface DbFault {
  /** SQLSTATE, e.g. "23505", when the database answered. */
  sqlState?: string;
  /** Prisma's error code, e.g. "P2002". */
  prismaCode?: string;
  /** Fields or constraint named by the error, when known. */
  fields?: string[];
  /** The model (Prisma) or table (Postgres) involved. */
  entity?: string;
}

const str = (v: unknown): string | undefined => (typeof v === "string" ? v : undefined);

/** Reads a Prisma (7, driver adapter) or node-postgres error; null for anything else. Duck-typed, so a
 *  second copy of either library (Next's bundles) is still recognised. */
export function dbFault(err: unknown): DbFault | null {
  if (!isObj(err)) return null;
  const name = str(err.name) ?? str((err.constructor as { name?: unknown } | undefined)?.name);
  if (name === "PrismaClientKnownRequestError" && typeof err.code === "string") {
    const meta = isObj(err.meta) ? err.meta : {};
    const cause =
      isObj(meta.driverAdapterError) && isObj(meta.driverAdapterError.cause) ? meta.driverAdapterError.cause : {};
    const constraint = isObj(cause.constraint) ? cause.constraint : {};
    const target = meta.target ?? constraint.fields ?? constraint.index;
    return {
      prismaCode: err.code,
      sqlState: str(cause.originalCode) ?? str(cause.code),
      fields: Array.isArray(target) ? target.map(String) : typeof target === "string" ? [target] : undefined,
      entity: str(meta.modelName) ?? str(cause.table),
    };
  }
  if (
    name === "PrismaClientUnknownRequestError" ||
    name === "PrismaClientRustPanicError" ||
    name === "PrismaClientInitializationError" ||
    name === "PrismaClientValidationError"
  ) {
    return {};
  }
  // node-postgres DatabaseError: a five-character SQLSTATE and a severity.
  if (typeof err.code === "string" && /^[0-9A-Z]{5}$/.test(err.code) && typeof err.severity === "string") {
    const column = str(err.column);
    return { sqlState: err.code, fields: column ? [column] : undefined, entity: str(err.table) };
  }
  return null;
}

const fieldWords = (f: DbFault) => (f.fields?.length ? ` (${f.fields.join(", ")})` : "");

/** What the client is told for a database error: code and sentence, no database text. */
function describe(f: DbFault): { code: Code; message: string } {
  switch (f.prismaCode) {
    case "P2002":
      return { code: "CONFLICT", message: `This already exists${fieldWords(f)}: pick another name or key.` };
    case "P2025":
    case "P2001":
    case "P2015":
    case "P2018":
      return {
        code: "NOT_FOUND",
        message: "The record was not found; it may have been deleted. Reload and try again.",
      };
    case "P2003":
      return {
        code: "BAD_REQUEST",
        message: `This refers to something that does not exist (any more)${fieldWords(f)}.`,
      };
    case "P2000":
      return { code: "BAD_REQUEST", message: `A value is too long for its field${fieldWords(f)}.` };
    case "P2011":
      return { code: "BAD_REQUEST", message: `A required value is missing${fieldWords(f)}.` };
    case "P2034":
      return { code: "CONFLICT", message: "Someone else changed this at the same moment; try again." };
    case "P2024":
    case "P1001":
    case "P1002":
    case "P1017":
      return {
        code: "SERVICE_UNAVAILABLE",
        message: "The database is busy or unreachable right now; try again shortly.",
      };
  }
  const s = f.sqlState ?? "";
  if (s === "22021" || s === "22P05" || s === "22P02" || s === "22026")
    return {
      code: "BAD_REQUEST",
      message:
        "A value contains characters or text that cannot be stored (for example a NUL character or invalid Unicode).",
    };
  if (s === "22001") return { code: "BAD_REQUEST", message: `A value is too long for its field${fieldWords(f)}.` };
  if (s === "22003") return { code: "BAD_REQUEST", message: "A number is out of range." };
  if (s === "22007" || s === "22008") return { code: "BAD_REQUEST", message: "A date or time is not valid." };
  if (s.startsWith("22")) return { code: "BAD_REQUEST", message: "A value could not be stored as given." };
  if (s === "23505")
    return { code: "CONFLICT", message: `This already exists${fieldWords(f)}: pick another name or key.` };
  if (s === "23503")
    return { code: "BAD_REQUEST", message: `This refers to something that does not exist (any more)${fieldWords(f)}.` };
  if (s === "23502") return { code: "BAD_REQUEST", message: `A required value is missing${fieldWords(f)}.` };
  if (s === "23514" || s === "23P01")
    return { code: "BAD_REQUEST", message: "A value breaks one of the rules of this record." };
  if (s === "40001" || s === "40P01")
    return { code: "CONFLICT", message: "Someone else changed this at the same moment; try again." };
  if (s === "57014")
    return { code: "TIMEOUT", message: "The request took too long and was stopped; narrow it down and try again." };
  if (s === "53300" || s.startsWith("08") || s === "57P01" || s === "57P03")
    return {
      code: "SERVICE_UNAVAILABLE",
      message: "The database is busy or unreachable right now; try again shortly.",
    };
  return { code: "INTERNAL_SERVER_ERROR", message: "Something went wrong on our side; it has been logged." };
}

const TRPC_CODE: Record<DomainErrorCode, Code> = {
  invalid: "BAD_REQUEST",
  forbidden: "FORBIDDEN",
  not_found: "NOT_FOUND",
  conflict: "CONFLICT",
  precondition: "PRECONDITION_FAILED",
  too_large: "PAYLOAD_TOO_LARGE",
};

/**
 * The TRPCError a client gets for `err`: a DomainError's code and message; for a database error or a stack
 * overflow (which the input guard is there to prevent) a sentence without the database's text; null for
 * anything else (TRPCErrors pass unchanged).
 */
export function clientError(err: unknown): TRPCError | null {
  if (err instanceof TRPCError) return null;
  if (err instanceof DomainError) return new TRPCError({ code: TRPC_CODE[err.code], message: err.message, cause: err });
  const f = dbFault(err);
  if (f) {
    const d = describe(f);
    return new TRPCError({ code: d.code, message: d.message, cause: err });
  }
  if (err instanceof RangeError && /call stack/i.test(err.message)) {
    return new TRPCError({
      code: "PAYLOAD_TOO_LARGE",
      message: "The input is nested too deeply to process.",
      cause: err,
    });
  }
  return null;
}

/** The message an unexpected (500) error shows: never the error's own text, which may hold SQL or values. */
export const INTERNAL_MESSAGE = "Something went wrong on our side; it has been logged.";
