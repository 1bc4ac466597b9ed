// tRPC wiring (create-t3-app's shape): context, one base procedure, and `procedure(role)` — every
// procedure states the role it needs, and the gate runs before input parsing so an unauthorised caller
// learns nothing about the input shape. server/api/role-matrix.test.ts walks every procedure to prove it.
import "server-only";
import { initTRPC, TRPCError } from "@trpc/server";
import superjson from "superjson";
import { ZodError } from "zod";
import { db, type Db } from "../db/client";
import { auth } from "../auth/auth";
import { hasRole, type Role } from "../../core/roles";
import { appendAudit, type AuditEntry } from "../audit/audit";
import { userIdForToken } from "../auth/api-tokens";
import { assertInput, InputRejectedError } from "../../core/input-guard";
import { logger } from "../observability/log";
import { clientError, dbFault, INTERNAL_MESSAGE } from "./errors";
import { DomainError } from "../../core/domain-error";
import { requestIdFrom } from "../http/request-id";
import { ownershipDenial, type Owns } from "../auth/ownership";
import { loadSessionUser, type SessionUser } from "../auth/session-user";

export interface Context {
  db: Db;
  user: SessionUser | null;
  requestId: string;
}

export interface Meta {
  /** The role a caller needs; "viewer" means any signed-in user. There are no anonymous procedures. */
  role: Role;
  /** What a team-scoped procedure acts on: the caller must belong to its owner team (server/auth/ownership.ts). */
  owns?: Owns;
}

/** The caller: a personal access token (`Authorization: Bearer weft_pat_…`, for the CLI) or the session cookie. */
export async function createContext(opts: { headers: Headers }): Promise<Context> {
  const database = db();
  const requestId = requestIdFrom(opts.headers.get("x-request-id"));
  if (opts.headers.get("authorization")) {
    // A request that presents a token is judged by the token alone (never falls back to a cookie).
    const userId = await userIdForToken(database, opts.headers.get("authorization"));
    return { db: database, user: userId ? await loadSessionUser(database, userId) : null, requestId };
  }
  const session = await auth().api.getSession({ headers: opts.headers });
  const user = session ? await loadSessionUser(database, session.user.id) : null;
  return { db: database, user, requestId };
}

/** The input guard as a TRPCError: 400 for characters, 413 for size, naming the field. */
function guardInput(value: unknown, rootName?: string): void {
  try {
    assertInput(value, rootName);
  } catch (e) {
    if (e instanceof InputRejectedError)
      throw new TRPCError({
        code: e.status === 413 ? "PAYLOAD_TOO_LARGE" : "BAD_REQUEST",
        message: e.message,
        cause: e,
      });
    throw e;
  }
}

// superjson on the way out; on the way in the guard runs first, because superjson's revival recurses over
// the payload (and its metadata) and would overflow on deep input before any middleware sees it.
const transformer = {
  input: {
    serialize: (v: unknown) => superjson.serialize(v),
    deserialize: (v: unknown) => {
      if (typeof v === "object" && v !== null && "json" in v) {
        guardInput((v as { json: unknown }).json);
        guardInput((v as { meta?: unknown }).meta, "The request's superjson metadata");
      } else guardInput(v);
      return superjson.deserialize(v as Parameters<typeof superjson.deserialize>[0]);
    },
  },
  output: superjson,
};

const t = initTRPC
  .context<Context>()
  .meta<Meta>()
  .create({
    transformer,
    errorFormatter({ shape, error }) {
      // Last line of defence: an unexpected error never shows its own text (it may hold SQL or values).
      const leaky =
        error.code === "INTERNAL_SERVER_ERROR" &&
        (dbFault(error.cause) !== null || /prisma|invalid `|database error/i.test(error.message));
      const issues =
        error.cause instanceof ZodError
          ? error.cause.issues.map((i) => ({ path: i.path.map(String), message: i.message }))
          : error.cause instanceof InputRejectedError
            ? [{ path: error.cause.fault.path.map(String), message: error.cause.message }]
            : null;
      return {
        ...shape,
        message: leaky ? INTERNAL_MESSAGE : shape.message,
        data: {
          ...shape.data,
          zodIssues: issues,
          // Where a domain error points, for the form field or canvas node to show it at.
          ...(error.cause instanceof DomainError
            ? { field: error.cause.field ?? null, node: error.cause.node ?? null }
            : {}),
          ...(leaky ? { stack: undefined } : {}),
        },
      };
    },
  });

export const createTRPCRouter = t.router;
export const createCallerFactory = t.createCallerFactory;

const gate = t.middleware(async ({ ctx, meta, next, getRawInput }) => {
  if (!meta?.role) {
    throw new TRPCError({ code: "INTERNAL_SERVER_ERROR", message: "This procedure declares no role." });
  }
  if (!ctx.user) throw new TRPCError({ code: "UNAUTHORIZED", message: "Sign in to continue." });
  if (!hasRole(ctx.user.roles, meta.role)) {
    throw new TRPCError({ code: "FORBIDDEN", message: `This needs the ${meta.role} role.` });
  }
  const user = ctx.user;
  if (meta.owns) {
    // After the role check, before input parsing: only the fields that name the target are read.
    const denial = await ownershipDenial(ctx.db, user, meta.owns, await getRawInput());
    if (denial) throw new TRPCError({ code: "FORBIDDEN", message: denial });
  }
  return next({
    ctx: {
      user,
      /** Appends an audit row inside the given transaction, stamped with the caller and request id. */
      audit: (tx: Parameters<typeof appendAudit>[0], e: Omit<AuditEntry, "actor" | "requestId">) =>
        appendAudit(tx, { ...e, actor: { id: user.id, email: user.email }, requestId: ctx.requestId }),
    },
  });
});

// Domain errors become their tRPC code, database errors a 4xx sentence (or a generic 500) — here, in one
// place; a database error's original is logged.
const errors = t.middleware(async ({ ctx, path, next }) => {
  const r = await next();
  if (!r.ok && r.error.code === "INTERNAL_SERVER_ERROR") {
    const cause = r.error.cause ?? r.error;
    const mapped = clientError(cause);
    if (mapped) {
      if (!(cause instanceof DomainError))
        logger[mapped.code === "INTERNAL_SERVER_ERROR" ? "error" : "warn"](
          { path, requestId: ctx.requestId, err: r.error.cause, code: mapped.code },
          "tRPC procedure failed on a database error",
        );
      throw mapped;
    }
  }
  return r;
});

// Every input passes the guard (characters, depth, size) before its schema parses it; after the gate, so
// an unauthorised caller learns nothing about the input. Over HTTP the transformer has already checked.
const inputGuard = t.middleware(async ({ getRawInput, next }) => {
  guardInput(await getRawInput());
  return next();
});

/**
 * The only way to build a procedure: `procedure("designer").input(...).mutation(...)`; a procedure that changes
 * or acts on one team's things names them: `procedure("designer", "flow")` (server/auth/ownership.ts).
 */
export function procedure(role: Role, owns?: Owns) {
  return t.procedure
    .use(errors)
    .meta(owns ? { role, owns } : { role })
    .use(gate)
    .use(inputGuard);
}
