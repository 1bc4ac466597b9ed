// What governance service functions need from their caller: a database, the acting user and an audit
// writer bound to that user (a tRPC context has exactly these, so routers pass `ctx` straight through).
import type { Db, Prisma } from "../db/client";
import type { SessionUser } from "../auth/session-user";
import type { AuditFn } from "../audit/audit";

export type Tx = Prisma.TransactionClient;
export type { AuditFn };

export interface GovCtx {
  db: Db;
  user: SessionUser;
  audit: AuditFn;
}
