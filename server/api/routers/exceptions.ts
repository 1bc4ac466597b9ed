// The exception queue's operations (the UI is another issue): list and groups (viewer); retry with the
// same input, replay with an edited input, replay on the latest published version, resolve with a reason,
// assign (operator) — each audited in the transaction that changes the exception.
import { z } from "zod";
import { createTRPCRouter, procedure } from "../trpc";
import { webBoss } from "../../queue/boss";
import { assignExceptions, exceptionGroups, getException, listExceptions, replayException, resolveExceptions, retryException } from "../../runtime/operations";

const filter = {
  status: z.enum(["open", "resolved", "retrying"]).optional(),
  flowKey: z.string().max(128).optional(),
  errorClass: z.enum(["transient", "auth", "validation", "mapping", "business", "internal"]).optional(),
  businessKey: z.string().max(300).optional(),
  assigneeId: z.string().max(100).optional(),
  assigneeTeamId: z.string().uuid().optional(),
  limit: z.number().int().min(1).max(200).optional(),
};
const ids = z.array(z.string().uuid()).min(1).max(500);

export const exceptionsRouter = createTRPCRouter({
  list: procedure("viewer")
    .input(z.object({ ...filter, signature: z.string().max(64).optional(), cursor: z.string().uuid().optional() }))
    .query(({ ctx, input }) => listExceptions(ctx.db, input)),

  groups: procedure("viewer")
    .input(z.object(filter))
    .query(({ ctx, input }) => exceptionGroups(ctx.db, input)),

  get: procedure("viewer")
    .input(z.object({ id: z.string().uuid() }))
    .query(({ ctx, input }) => getException(ctx.db, input.id)),

  retry: procedure("operator")
    .input(z.object({ id: z.string().uuid() }))
    .mutation(async ({ ctx, input }) => retryException({ db: ctx.db, boss: await webBoss(), audit: ctx.audit, userId: ctx.user.id }, input.id)),

  replay: procedure("operator")
    .input(z.object({ id: z.string().uuid(), input: z.unknown() }))
    .mutation(async ({ ctx, input }) => replayException({ db: ctx.db, boss: await webBoss(), audit: ctx.audit, userId: ctx.user.id }, input.id, { input: input.input })),

  replayLatest: procedure("operator")
    .input(z.object({ id: z.string().uuid(), input: z.unknown().optional() }))
    .mutation(async ({ ctx, input }) => replayException({ db: ctx.db, boss: await webBoss(), audit: ctx.audit, userId: ctx.user.id }, input.id, { input: input.input, latest: true })),

  resolve: procedure("operator")
    .input(z.object({ ids, reason: z.string().min(3).max(2000) }))
    .mutation(async ({ ctx, input }) => resolveExceptions({ db: ctx.db, boss: await webBoss(), audit: ctx.audit, userId: ctx.user.id }, input.ids, input.reason)),

  assign: procedure("operator")
    .input(z.object({ ids, userId: z.string().max(100).nullable().optional(), teamId: z.string().uuid().nullable().optional() }).refine((v) => v.userId !== undefined || v.teamId !== undefined, "Give a user, a team, or null to unassign."))
    .mutation(async ({ ctx, input }) => assignExceptions({ db: ctx.db, boss: await webBoss(), audit: ctx.audit, userId: ctx.user.id }, input.ids, { userId: input.userId, teamId: input.teamId })),
});
