// Settings → Users and Teams (admin only, every change audited in its own transaction): create a user with a
// one-time password (generated here, shown once) or one the admin sets, change roles and teams, set a new password,
// deactivate and reactivate; create, rename and staff teams. The workspace always keeps an active admin.
//
// Accounts are the rows better-auth reads (server/auth/users.ts writes them the same way); we do not use
// better-auth's admin plugin because it brings its own single-role and ban columns, while Weft's roles are a set
// and deactivation is `user.disabled`. Sessions live only in Postgres (no secondary storage, no cookie cache), so
// deleting a user's session rows signs them out everywhere, atomically with the audit row.
import "server-only";
import { randomBytes } from "node:crypto";
import { DomainError } from "../../core/domain-error";
import { z } from "zod";
import type { Db, Prisma } from "../db/client";
import type { AuditEntry } from "../audit/audit";
import { hashPassword } from "./password";
import { ROLES, type Role } from "../../core/roles";

/** The same minimum better-auth enforces at sign-in (server/auth/auth.ts). */
export const MIN_PASSWORD_LENGTH = 8;
const TEAM_KEY_RE = /^[a-z0-9][a-z0-9-]{1,31}$/;

// One definition of the inputs, for the router and the forms.
export const password = z
  .string()
  .min(MIN_PASSWORD_LENGTH, `A password has at least ${MIN_PASSWORD_LENGTH} characters.`)
  .max(128);
export const createUserInput = z.object({
  email: z.string().trim().toLowerCase().pipe(z.email("Enter an email address.").max(254)),
  name: z.string().trim().min(1, "Enter the person's name.").max(120),
  roles: z.array(z.enum(ROLES)).min(1, "Give the user at least one role."),
  teamKeys: z.array(z.string().max(64)).max(50).default([]),
  /** Absent: a one-time password is generated and returned once. */
  password: password.optional(),
});
export const teamInput = z.object({
  key: z
    .string()
    .trim()
    .regex(TEAM_KEY_RE, 'A team key is 2–32 lower-case letters, digits or "-", e.g. "finance-ops".'),
  name: z.string().trim().min(1, "Give the team a name.").max(80),
});

interface Ctx {
  db: Db;
  user: { id: string };
  audit(tx: Prisma.TransactionClient, e: Omit<AuditEntry, "actor" | "requestId">): Promise<unknown>;
}
type Tx = Prisma.TransactionClient;

/** 18 random bytes, base64url: 24 characters, no look-alike trouble in a copy-paste. */
export function oneTimePassword(): string {
  return randomBytes(18).toString("base64url");
}

async function teamIds(tx: Tx, keys: readonly string[]): Promise<Array<{ id: string; key: string }>> {
  const unique = [...new Set(keys)];
  const teams = await tx.team.findMany({ where: { key: { in: unique } }, select: { id: true, key: true } });
  const missing = unique.filter((k) => !teams.some((t) => t.key === k));
  if (missing.length) throw new DomainError("invalid", `No team ${missing.map((m) => `"${m}"`).join(", ")}.`);
  return teams;
}

/** Refuses a change that would leave no active admin (checked inside the transaction, after the change). */
async function assertAnAdminRemains(tx: Tx, what: string): Promise<void> {
  // Serialises admin-affecting changes, so two admins demoting each other at once cannot both succeed.
  await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtext('weft.admins'))`;
  const admins = await tx.user.count({ where: { disabled: false, roles: { has: "admin" } } });
  if (admins === 0)
    throw new DomainError(
      "invalid",
      `${what} would leave the workspace without an active admin; make someone else an admin first.`,
    );
}

export async function listUsers(db: Db) {
  const users = await db.user.findMany({
    orderBy: [{ disabled: "asc" }, { email: "asc" }],
    select: {
      id: true,
      email: true,
      name: true,
      roles: true,
      disabled: true,
      createdAt: true,
      memberships: { select: { team: { select: { key: true, name: true } } } },
      accounts: { select: { providerId: true } },
    },
  });
  const lastSeen = await db.session.groupBy({ by: ["userId"], _max: { updatedAt: true } });
  const seen = new Map(lastSeen.map((s) => [s.userId, s._max.updatedAt]));
  return users.map(({ accounts, ...u }) => ({
    ...u,
    signIn: [...new Set(accounts.map((a) => (a.providerId === "credential" ? "password" : "sso")))],
    lastSeenAt: seen.get(u.id) ?? null,
  }));
}

export async function createUserByAdmin(
  ctx: Ctx,
  input: z.output<typeof createUserInput>,
): Promise<{ id: string; email: string; oneTimePassword: string | null }> {
  const generated = input.password ? null : oneTimePassword();
  const hash = await hashPassword(input.password ?? generated!);
  return ctx.db.$transaction(async (tx) => {
    if (await tx.user.findUnique({ where: { email: input.email }, select: { id: true } }))
      throw new DomainError("conflict", `There is already a user ${input.email}.`);
    const teams = await teamIds(tx, input.teamKeys);
    const id = crypto.randomUUID();
    const roles = [...new Set(input.roles)];
    await tx.user.create({ data: { id, email: input.email, name: input.name, emailVerified: true, roles } });
    await tx.account.create({
      data: { id: crypto.randomUUID(), userId: id, accountId: id, providerId: "credential", password: hash },
    });
    if (teams.length) await tx.teamMember.createMany({ data: teams.map((t) => ({ teamId: t.id, userId: id })) });
    await ctx.audit(tx, {
      action: "user.created",
      entityType: "user",
      entityId: id,
      after: { email: input.email, name: input.name, roles, teams: teams.map((t) => t.key) },
      meta: { password: generated ? "one-time" : "set by admin" },
    });
    return { id, email: input.email, oneTimePassword: generated };
  });
}

export async function setUserRoles(ctx: Ctx, input: { userId: string; roles: Role[] }): Promise<{ roles: Role[] }> {
  if (input.userId === ctx.user.id && !input.roles.includes("admin"))
    throw new DomainError("invalid", "You cannot remove your own admin role; ask another admin.");
  return ctx.db.$transaction(async (tx) => {
    const before = await tx.user.findUnique({ where: { id: input.userId }, select: { roles: true, email: true } });
    if (!before) throw new DomainError("not_found", "No such user.");
    const roles = [...new Set(input.roles)];
    await tx.user.update({ where: { id: input.userId }, data: { roles } });
    if (before.roles.includes("admin") && !roles.includes("admin"))
      await assertAnAdminRemains(tx, `Removing the admin role from ${before.email}`);
    await ctx.audit(tx, {
      action: "user.roles_changed",
      entityType: "user",
      entityId: input.userId,
      before: { roles: before.roles },
      after: { roles },
      meta: { email: before.email },
    });
    return { roles };
  });
}

export async function setUserTeams(
  ctx: Ctx,
  input: { userId: string; teamKeys: string[] },
): Promise<{ teams: string[] }> {
  return ctx.db.$transaction(async (tx) => {
    const u = await tx.user.findUnique({
      where: { id: input.userId },
      select: { email: true, memberships: { select: { team: { select: { key: true } } } } },
    });
    if (!u) throw new DomainError("not_found", "No such user.");
    const teams = await teamIds(tx, input.teamKeys);
    await tx.teamMember.deleteMany({ where: { userId: input.userId, teamId: { notIn: teams.map((t) => t.id) } } });
    await tx.teamMember.createMany({
      data: teams.map((t) => ({ teamId: t.id, userId: input.userId })),
      skipDuplicates: true,
    });
    const after = teams.map((t) => t.key).sort();
    await ctx.audit(tx, {
      action: "user.teams_changed",
      entityType: "user",
      entityId: input.userId,
      before: { teams: u.memberships.map((m) => m.team.key).sort() },
      after: { teams: after },
      meta: { email: u.email },
    });
    return { teams: after };
  });
}

/** Sets a password (the admin's, or a generated one-time password returned once) and signs the user out everywhere. */
export async function resetUserPassword(
  ctx: Ctx,
  input: { userId: string; password?: string },
): Promise<{ oneTimePassword: string | null }> {
  const generated = input.password ? null : oneTimePassword();
  const hash = await hashPassword(input.password ?? generated!);
  return ctx.db.$transaction(async (tx) => {
    const u = await tx.user.findUnique({ where: { id: input.userId }, select: { email: true } });
    if (!u) throw new DomainError("not_found", "No such user.");
    const account = await tx.account.findFirst({
      where: { userId: input.userId, providerId: "credential" },
      select: { id: true },
    });
    if (account) await tx.account.update({ where: { id: account.id }, data: { password: hash } });
    else
      await tx.account.create({
        data: {
          id: crypto.randomUUID(),
          userId: input.userId,
          accountId: input.userId,
          providerId: "credential",
          password: hash,
        },
      });
    const signedOut = await tx.session.deleteMany({ where: { userId: input.userId } });
    await ctx.audit(tx, {
      action: "user.password_set",
      entityType: "user",
      entityId: input.userId,
      meta: { email: u.email, password: generated ? "one-time" : "set by admin", sessionsRevoked: signedOut.count },
    });
    return { oneTimePassword: generated };
  });
}

/** Deactivates (signs out everywhere; sessions and API tokens stop working) or reactivates a user. */
export async function setUserActive(
  ctx: Ctx,
  input: { userId: string; active: boolean },
): Promise<{ disabled: boolean }> {
  if (!input.active && input.userId === ctx.user.id)
    throw new DomainError("invalid", "You cannot deactivate yourself; ask another admin.");
  return ctx.db.$transaction(async (tx) => {
    const u = await tx.user.findUnique({
      where: { id: input.userId },
      select: { email: true, disabled: true, roles: true },
    });
    if (!u) throw new DomainError("not_found", "No such user.");
    await tx.user.update({ where: { id: input.userId }, data: { disabled: !input.active } });
    let sessionsRevoked = 0;
    if (!input.active) {
      sessionsRevoked = (await tx.session.deleteMany({ where: { userId: input.userId } })).count;
      if (u.roles.includes("admin")) await assertAnAdminRemains(tx, `Deactivating ${u.email}`);
    }
    await ctx.audit(tx, {
      action: input.active ? "user.reactivated" : "user.deactivated",
      entityType: "user",
      entityId: input.userId,
      before: { disabled: u.disabled },
      after: { disabled: !input.active },
      meta: { email: u.email, sessionsRevoked },
    });
    return { disabled: !input.active };
  });
}

export async function listTeams(db: Db) {
  return db.team.findMany({
    orderBy: { name: "asc" },
    select: {
      id: true,
      key: true,
      name: true,
      members: { select: { user: { select: { id: true, name: true, email: true, disabled: true } } } },
      _count: { select: { flows: true } },
    },
  });
}

export async function createTeam(ctx: Ctx, input: z.output<typeof teamInput>) {
  return ctx.db.$transaction(async (tx) => {
    if (await tx.team.findUnique({ where: { key: input.key }, select: { id: true } }))
      throw new DomainError("conflict", `There is already a team "${input.key}".`);
    const t = await tx.team.create({ data: { key: input.key, name: input.name } });
    await ctx.audit(tx, {
      action: "team.created",
      entityType: "team",
      entityId: t.key,
      after: { key: t.key, name: t.name },
    });
    return { id: t.id, key: t.key, name: t.name };
  });
}

/** Renames a team; its key (how flows and event contracts refer to it) stays. */
export async function renameTeam(ctx: Ctx, input: { key: string; name: string }) {
  return ctx.db.$transaction(async (tx) => {
    const t = await tx.team.findUnique({ where: { key: input.key } });
    if (!t) throw new DomainError("not_found", `No team "${input.key}".`);
    await tx.team.update({ where: { key: input.key }, data: { name: input.name } });
    await ctx.audit(tx, {
      action: "team.renamed",
      entityType: "team",
      entityId: t.key,
      before: { name: t.name },
      after: { name: input.name },
    });
    return { key: t.key, name: input.name };
  });
}

export async function setTeamMembers(ctx: Ctx, input: { key: string; userIds: string[] }) {
  return ctx.db.$transaction(async (tx) => {
    const t = await tx.team.findUnique({
      where: { key: input.key },
      select: { id: true, key: true, members: { select: { user: { select: { id: true, email: true } } } } },
    });
    if (!t) throw new DomainError("not_found", `No team "${input.key}".`);
    const ids = [...new Set(input.userIds)];
    const users = await tx.user.findMany({ where: { id: { in: ids } }, select: { id: true, email: true } });
    if (users.length !== ids.length)
      throw new DomainError("invalid", "One of the chosen people does not exist (any more); reload the page.");
    await tx.teamMember.deleteMany({ where: { teamId: t.id, userId: { notIn: ids } } });
    await tx.teamMember.createMany({ data: ids.map((userId) => ({ teamId: t.id, userId })), skipDuplicates: true });
    const after = users.map((u) => u.email).sort();
    await ctx.audit(tx, {
      action: "team.members_changed",
      entityType: "team",
      entityId: t.key,
      before: { members: t.members.map((m) => m.user.email).sort() },
      after: { members: after },
    });
    return { key: t.key, members: after };
  });
}
