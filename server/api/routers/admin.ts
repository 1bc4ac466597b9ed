import { TRPCError } from "@trpc/server";
import { z } from "zod";
import { ROLES } from "../../auth/roles";
import { createTRPCRouter, procedure } from "../trpc";

export const adminRouter = createTRPCRouter({
  users: procedure("admin").query(({ ctx }) =>
    ctx.db.user.findMany({
      orderBy: { email: "asc" },
      select: { id: true, email: true, name: true, roles: true, disabled: true, memberships: { select: { team: { select: { key: true, name: true } } } } },
    }),
  ),
  setRoles: procedure("admin")
    .input(z.object({ userId: z.string().min(1), roles: z.array(z.enum(ROLES)).min(1) }))
    .mutation(async ({ ctx, input }) => {
      if (input.userId === ctx.user.id && !input.roles.includes("admin")) {
        throw new TRPCError({ code: "BAD_REQUEST", message: "You cannot remove your own admin role; ask another admin." });
      }
      return ctx.db.$transaction(async (tx) => {
        const before = await tx.user.findUnique({ where: { id: input.userId }, select: { roles: true, email: true } });
        if (!before) throw new TRPCError({ code: "NOT_FOUND", message: "No such user." });
        const roles = [...new Set(input.roles)];
        await tx.user.update({ where: { id: input.userId }, data: { roles } });
        await ctx.audit(tx, { action: "user.roles_changed", entityType: "user", entityId: input.userId, before: { roles: before.roles }, after: { roles }, meta: { email: before.email } });
        return { roles };
      });
    }),
  teams: procedure("viewer").query(({ ctx }) =>
    ctx.db.team.findMany({ orderBy: { name: "asc" }, select: { id: true, key: true, name: true, _count: { select: { members: true } } } }),
  ),
});
