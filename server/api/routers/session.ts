import "server-only";
import { createTRPCRouter, procedure } from "../trpc";

export const sessionRouter = createTRPCRouter({
  me: procedure("viewer").query(async ({ ctx }) => {
    const teams = await ctx.db.team.findMany({
      where: { id: { in: ctx.user.teamIds } },
      select: { id: true, key: true, name: true },
    });
    return { id: ctx.user.id, email: ctx.user.email, name: ctx.user.name, roles: ctx.user.roles, teams };
  }),
});
