// Creating accounts outside the sign-in flow (seed, `weft user create`): the same rows better-auth
// writes for an email + password sign-up — a user and a "credential" account holding the argon2 hash.
import "server-only";
import type { Db } from "../db/client";
import { appendAudit, type AuditActor } from "../audit/audit";
import { hashPassword } from "./password";
import type { Role } from "../../core/roles";

export interface NewUser {
  email: string;
  name: string;
  password: string;
  roles: Role[];
  teamKeys?: string[];
}

export async function createUser(
  database: Db,
  u: NewUser,
  actor: AuditActor | null,
): Promise<{ id: string; created: boolean }> {
  const email = u.email.trim().toLowerCase();
  const existing = await database.user.findUnique({ where: { email }, select: { id: true } });
  if (existing) return { id: existing.id, created: false };
  const passwordHash = await hashPassword(u.password);
  return database.$transaction(async (tx) => {
    const id = crypto.randomUUID();
    await tx.user.create({ data: { id, email, name: u.name, emailVerified: true, roles: u.roles } });
    await tx.account.create({
      data: { id: crypto.randomUUID(), userId: id, accountId: id, providerId: "credential", password: passwordHash },
    });
    for (const key of u.teamKeys ?? []) {
      const team = await tx.team.findUnique({ where: { key }, select: { id: true } });
      if (team) await tx.teamMember.create({ data: { teamId: team.id, userId: id } });
    }
    await appendAudit(tx, {
      actor,
      action: "user.created",
      entityType: "user",
      entityId: id,
      after: { email, roles: u.roles, teams: u.teamKeys ?? [] },
    });
    return { id, created: true };
  });
}
