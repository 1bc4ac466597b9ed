// tRPC wiring (create-t3-app's shape): context, one base procedure, and `procedure(role)` — every
// procedure states the role it needs, and the gate runs before input parsing so an unauthorised caller
// learns nothing about the input shape. server/api/role-matrix.test.ts walks every procedure to prove it.
import { initTRPC, TRPCError } from "@trpc/server";
import superjson from "superjson";
import { ZodError } from "zod";
import { db, type Db } from "../db/client";
import { auth } from "../auth/auth";
import { hasRole, type Role } from "../auth/roles";
import { appendAudit, type AuditEntry } from "../audit/audit";
import { userIdForToken } from "../auth/api-tokens";

export interface SessionUser {
  id: string;
  email: string;
  name: string;
  roles: Role[];
  teamIds: string[];
}

export interface Context {
  db: Db;
  user: SessionUser | null;
  requestId: string;
}

export interface Meta {
  /** The role a caller needs; "viewer" means any signed-in user. There are no anonymous procedures. */
  role: Role;
}

export async function loadSessionUser(database: Db, userId: string): Promise<SessionUser | null> {
  const u = await database.user.findUnique({
    where: { id: userId },
    select: { id: true, email: true, name: true, roles: true, disabled: true, memberships: { select: { teamId: true } } },
  });
  if (!u || u.disabled) return null;
  return { id: u.id, email: u.email, name: u.name, roles: u.roles, teamIds: u.memberships.map((m) => m.teamId) };
}

/** The caller: a personal access token (`Authorization: Bearer weft_pat_…`, for the CLI) or the session cookie. */
export async function createContext(opts: { headers: Headers }): Promise<Context> {
  const database = db();
  const requestId = opts.headers.get("x-request-id") ?? crypto.randomUUID();
  if (opts.headers.get("authorization")) {
    // A request that presents a token is judged by the token alone (never falls back to a cookie).
    const userId = await userIdForToken(database, opts.headers.get("authorization"));
    return { db: database, user: userId ? await loadSessionUser(database, userId) : null, requestId };
  }
  const session = await auth().api.getSession({ headers: opts.headers });
  const user = session ? await loadSessionUser(database, session.user.id) : null;
  return { db: database, user, requestId };
}

const t = initTRPC
  .context<Context>()
  .meta<Meta>()
  .create({
    transformer: superjson,
    errorFormatter({ shape, error }) {
      return {
        ...shape,
        data: {
          ...shape.data,
          zodIssues: error.cause instanceof ZodError ? error.cause.issues.map((i) => ({ path: i.path.map(String), message: i.message })) : null,
        },
      };
    },
  });

export const createTRPCRouter = t.router;
export const createCallerFactory = t.createCallerFactory;

const gate = t.middleware(({ ctx, meta, next }) => {
  if (!meta?.role) {
    throw new TRPCError({ code: "INTERNAL_SERVER_ERROR", message: "This procedure declares no role." });
  }
  if (!ctx.user) throw new TRPCError({ code: "UNAUTHORIZED", message: "Sign in to continue." });
  if (!hasRole(ctx.user.roles, meta.role)) {
    throw new TRPCError({ code: "FORBIDDEN", message: `This needs the ${meta.role} role.` });
  }
  const user = ctx.user;
  return next({
    ctx: {
      user,
      /** Appends an audit row inside the given transaction, stamped with the caller and request id. */
      audit: (tx: Parameters<typeof appendAudit>[0], e: Omit<AuditEntry, "actor" | "requestId">) =>
        appendAudit(tx, { ...e, actor: { id: user.id, email: user.email }, requestId: ctx.requestId }),
    },
  });
});

/** The only way to build a procedure: `procedure("designer").input(...).mutation(...)`. */
export function procedure(role: Role) {
  return t.procedure.meta({ role }).use(gate);
}
