// Users and teams (Settings): admin only and audited (server/auth/admin-users.ts); the team list is readable by
// everyone, since pickers across the app (owner team, filters) need it.
import "server-only";
import { z } from "zod";
import { ROLES } from "../../../core/roles";
import {
  createTeam,
  createUserByAdmin,
  createUserInput,
  listTeams,
  listUsers,
  password,
  renameTeam,
  resetUserPassword,
  setTeamMembers,
  setUserActive,
  setUserRoles,
  setUserTeams,
  teamInput,
} from "../../auth/admin-users";
import { createTRPCRouter, procedure } from "../trpc";

const userId = z.string().min(1).max(64);
const teamKey = z.string().min(1).max(64);

export const adminRouter = createTRPCRouter({
  users: procedure("admin").query(({ ctx }) => listUsers(ctx.db)),
  createUser: procedure("admin")
    .input(createUserInput)
    .mutation(({ ctx, input }) => createUserByAdmin(ctx, input)),
  setRoles: procedure("admin")
    .input(z.object({ userId, roles: z.array(z.enum(ROLES)).min(1, "A user needs at least one role.") }))
    .mutation(({ ctx, input }) => setUserRoles(ctx, input)),
  setTeams: procedure("admin")
    .input(z.object({ userId, teamKeys: z.array(teamKey).max(50) }))
    .mutation(({ ctx, input }) => setUserTeams(ctx, input)),
  setPassword: procedure("admin")
    .input(z.object({ userId, password: password.optional() }))
    .mutation(({ ctx, input }) => resetUserPassword(ctx, input)),
  setActive: procedure("admin")
    .input(z.object({ userId, active: z.boolean() }))
    .mutation(({ ctx, input }) => setUserActive(ctx, input)),

  teams: procedure("viewer").query(({ ctx }) =>
    ctx.db.team.findMany({
      orderBy: { name: "asc" },
      select: { id: true, key: true, name: true, _count: { select: { members: true } } },
    }),
  ),
  teamsWithMembers: procedure("admin").query(({ ctx }) => listTeams(ctx.db)),
  createTeam: procedure("admin")
    .input(teamInput)
    .mutation(({ ctx, input }) => createTeam(ctx, input)),
  renameTeam: procedure("admin")
    .input(z.object({ key: teamKey, name: teamInput.shape.name }))
    .mutation(({ ctx, input }) => renameTeam(ctx, input)),
  setTeamMembers: procedure("admin")
    .input(z.object({ key: teamKey, userIds: z.array(userId).max(1000) }))
    .mutation(({ ctx, input }) => setTeamMembers(ctx, input)),
});
