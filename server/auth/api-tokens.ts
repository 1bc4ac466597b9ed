// Personal access tokens: `weft_pat_` + 32 random bytes (base64url). The token acts as its user with the
// user's current roles (a disabled user's tokens stop working); only its SHA-256 is stored, so a database
// leak yields nothing usable. Lookups are by hash, so no timing-sensitive comparison is needed.
import "server-only";
import { createHash, randomBytes } from "node:crypto";
import { DomainError } from "../../core/domain-error";
import type { Db } from "../db/client";
import type { AuditFn } from "../audit/audit";

export const TOKEN_PREFIX = "weft_pat_";
const MAX_TOKENS_PER_USER = 20;

const hashOf = (token: string) => createHash("sha256").update(token).digest("hex");

export interface ApiTokenView {
  id: string;
  name: string;
  prefix: string;
  createdAt: Date;
  lastUsedAt: Date | null;
  expiresAt: Date | null;
  revokedAt: Date | null;
}
const viewSelect = {
  id: true,
  name: true,
  prefix: true,
  createdAt: true,
  lastUsedAt: true,
  expiresAt: true,
  revokedAt: true,
} as const;

export function listApiTokens(db: Db, userId: string): Promise<ApiTokenView[]> {
  return db.apiToken.findMany({ where: { userId }, orderBy: { createdAt: "desc" }, select: viewSelect });
}

/** Returns the token itself once; afterwards only its prefix is known. */
export async function createApiToken(
  ctx: { db: Db; userId: string; audit: AuditFn },
  input: { name: string; expiresInDays?: number | null },
): Promise<{ token: string; view: ApiTokenView }> {
  const token = TOKEN_PREFIX + randomBytes(32).toString("base64url");
  return ctx.db.$transaction(async (tx) => {
    const active = await tx.apiToken.count({ where: { userId: ctx.userId, revokedAt: null } });
    if (active >= MAX_TOKENS_PER_USER)
      throw new DomainError("invalid", `You already have ${active} active tokens; revoke one you no longer use first.`);
    const view = await tx.apiToken.create({
      data: {
        userId: ctx.userId,
        name: input.name,
        tokenHash: hashOf(token),
        prefix: token.slice(0, TOKEN_PREFIX.length + 6),
        expiresAt: input.expiresInDays ? new Date(Date.now() + input.expiresInDays * 86_400_000) : null,
      },
      select: viewSelect,
    });
    await ctx.audit(tx, {
      action: "api_token.created",
      entityType: "api_token",
      entityId: view.id,
      after: { name: view.name, prefix: view.prefix, expiresAt: view.expiresAt },
    });
    return { token, view };
  });
}

/** Revokes one of the caller's tokens (admins may revoke anyone's). */
export async function revokeApiToken(
  ctx: { db: Db; userId: string; isAdmin: boolean; audit: AuditFn },
  id: string,
): Promise<{ revoked: boolean }> {
  return ctx.db.$transaction(async (tx) => {
    const row = await tx.apiToken.findUnique({
      where: { id },
      select: { userId: true, name: true, prefix: true, revokedAt: true },
    });
    if (!row || (row.userId !== ctx.userId && !ctx.isAdmin)) throw new DomainError("not_found", "Token not found.");
    if (row.revokedAt) return { revoked: false };
    await tx.apiToken.update({ where: { id }, data: { revokedAt: new Date() } });
    await ctx.audit(tx, {
      action: "api_token.revoked",
      entityType: "api_token",
      entityId: id,
      before: { name: row.name, prefix: row.prefix, owner: row.userId },
    });
    return { revoked: true };
  });
}

/** The user id a bearer token stands for, or null (unknown, revoked or expired). */
export async function userIdForToken(db: Db, authorization: string | null): Promise<string | null> {
  const m = authorization?.match(/^Bearer\s+(\S+)$/i);
  if (!m || !m[1]!.startsWith(TOKEN_PREFIX)) return null;
  const row = await db.apiToken.findUnique({
    where: { tokenHash: hashOf(m[1]!) },
    select: { id: true, userId: true, revokedAt: true, expiresAt: true, lastUsedAt: true },
  });
  if (!row || row.revokedAt || (row.expiresAt && row.expiresAt <= new Date())) return null;
  // Last use to the minute is enough to spot unused tokens, and spares a write per request.
  if (!row.lastUsedAt || Date.now() - row.lastUsedAt.getTime() > 60_000) {
    await db.apiToken.update({ where: { id: row.id }, data: { lastUsedAt: new Date() } });
  }
  return row.userId;
}
