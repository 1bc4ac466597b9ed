// Personal access tokens: each signed-in user manages their own (a token acts with its user's roles).
import "server-only";
import { z } from "zod";
import { createTRPCRouter, procedure } from "../trpc";
import { createApiToken, listApiTokens, revokeApiToken } from "../../auth/api-tokens";
import { hasRole } from "../../../core/roles";

export const apiTokensRouter = createTRPCRouter({
  list: procedure("viewer").query(({ ctx }) => listApiTokens(ctx.db, ctx.user.id)),

  create: procedure("viewer")
    .input(
      z.object({
        name: z
          .string()
          .trim()
          .min(1, "Name the token after where it is used, e.g. “CI of the finance-flows repo”.")
          .max(100),
        expiresInDays: z.number().int().min(1).max(366).nullable().optional(),
      }),
    )
    .mutation(({ ctx, input }) => createApiToken({ db: ctx.db, userId: ctx.user.id, audit: ctx.audit }, input)),

  revoke: procedure("viewer")
    .input(z.object({ id: z.string().uuid() }))
    .mutation(({ ctx, input }) =>
      revokeApiToken(
        { db: ctx.db, userId: ctx.user.id, isAdmin: hasRole(ctx.user.roles, "admin"), audit: ctx.audit },
        input.id,
      ),
    ),
});
