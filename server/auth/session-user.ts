// Who the caller is, as every procedure, page and job sees them: the user with their roles and teams, loaded
// fresh per request (a disabled user has no session user). Shared by the tRPC context, the pages' session
// lookup and domain code that acts as a user (the demo seed).
import "server-only";
import type { Db } from "../db/client";
import type { Role } from "../../core/roles";

export interface SessionUser {
  id: string;
  email: string;
  name: string;
  roles: Role[];
  teamIds: string[];
}

export async function loadSessionUser(database: Db, userId: string): Promise<SessionUser | null> {
  const u = await database.user.findUnique({
    where: { id: userId },
    select: {
      id: true,
      email: true,
      name: true,
      roles: true,
      disabled: true,
      memberships: { select: { teamId: true } },
    },
  });
  if (!u || u.disabled) return null;
  return { id: u.id, email: u.email, name: u.name, roles: u.roles, teamIds: u.memberships.map((m) => m.teamId) };
}
