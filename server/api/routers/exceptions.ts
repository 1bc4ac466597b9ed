// The exception queue: reads (viewer) — the page of rows, counts per dimension, signature groups, the
// business-impact header, one exception in business terms; actions (operator) — retry; replay with an
// edited, schema-checked input; replay on the latest published version; skip the step with an output;
// resolve; assign; comment; bulk actions over a whole filter or group (pg-boss job with progress, cancel).
// Every action is audited in the transaction that changes the exception. Saved views are per user.
import "server-only";
import { z } from "zod";
import { TRPCError } from "@trpc/server";
import { createTRPCRouter, procedure } from "../trpc";
import { exceptionAccess } from "../../auth/ownership";
import { hasRole } from "../../../core/roles";
import { webBoss } from "../../queue/boss";
import {
  assignExceptions,
  commentException,
  replayException,
  replayExceptionPlan,
  resolveExceptions,
  retryException,
  skipExceptionStep,
} from "../../runtime/operations";
import {
  BULK_KINDS,
  bulkScopeSchema,
  exceptionFilterSchema,
  withDefaultEnvironment,
} from "../../../core/exceptions/filter";
import { businessImpact, listQueue, queueFacets, queueGroups } from "../../exceptions/queue";
import { checkReplayInput, exceptionDetail } from "../../exceptions/detail";
import { bulkRunOutcome, cancelBulk, startBulk } from "../../exceptions/bulk";
import { ageingPolicies, deleteView, listViews, saveView, setAgeing } from "../../exceptions/views";

const ids = z.array(z.string().uuid()).min(1).max(500);
const id = z.object({ id: z.string().uuid() });
const replayInput = z.object({ id: z.string().uuid(), input: z.unknown(), latest: z.boolean().optional() });

export const exceptionsRouter = createTRPCRouter({
  // ---- the queue page

  queue: procedure("viewer")
    .input(
      z.object({
        filter: exceptionFilterSchema,
        cursor: z.string().max(100).nullish(),
        limit: z.number().int().min(1).max(200).optional(),
      }),
    )
    .query(({ ctx, input }) =>
      listQueue(ctx.db, withDefaultEnvironment(input.filter, ctx.user.roles), {
        userId: ctx.user.id,
        cursor: input.cursor,
        limit: input.limit,
      }),
    ),

  facets: procedure("viewer")
    .input(z.object({ filter: exceptionFilterSchema }))
    .query(({ ctx, input }) => queueFacets(ctx.db, withDefaultEnvironment(input.filter, ctx.user.roles), ctx.user.id)),

  signatureGroups: procedure("viewer")
    .input(z.object({ filter: exceptionFilterSchema, limit: z.number().int().min(1).max(200).optional() }))
    .query(({ ctx, input }) =>
      queueGroups(ctx.db, withDefaultEnvironment(input.filter, ctx.user.roles), ctx.user.id, input.limit),
    ),

  /** The impact header of the queue's environment (the same default as the queue). */
  impact: procedure("viewer")
    .input(exceptionFilterSchema.pick({ environment: true }).optional())
    .query(({ ctx, input }) => businessImpact(ctx.db, withDefaultEnvironment(input ?? {}, ctx.user.roles))),

  detail: procedure("viewer")
    .input(id)
    .query(async ({ ctx, input }) => {
      const d = await exceptionDetail(ctx.db, input.id);
      // The rule the gate applies to the actions below, so the page disables them with the reason.
      const access = hasRole(ctx.user.roles, "operator")
        ? await exceptionAccess(ctx.db, ctx.user, [input.id])
        : { allowed: false, reason: "Acting on exceptions needs the operator role." };
      return { ...d, access: { canAct: access.allowed, reason: access.reason } };
    }),

  /** Sensitive payloads unmasked: operators only, and every view is audited. */
  reveal: procedure("operator")
    .input(id)
    .mutation(async ({ ctx, input }) => {
      const d = await exceptionDetail(ctx.db, input.id, { revealed: true });
      await ctx.db.$transaction((tx) =>
        ctx.audit(tx, {
          action: "exception.payload_view",
          entityType: "exception",
          entityId: input.id,
          meta: { classification: d.classification, runId: d.run.id },
        }),
      );
      return d;
    }),

  people: procedure("viewer").query(async ({ ctx }) => ({
    users: await ctx.db.user.findMany({
      where: { disabled: false },
      select: { id: true, name: true, email: true },
      orderBy: { name: "asc" },
    }),
    teams: await ctx.db.team.findMany({ select: { id: true, key: true, name: true }, orderBy: { name: "asc" } }),
  })),

  // ---- actions on one exception

  retry: procedure("operator", "exception")
    .input(id)
    .mutation(async ({ ctx, input }) =>
      retryException({ db: ctx.db, boss: await webBoss(), audit: ctx.audit, userId: ctx.user.id }, input.id),
    ),

  /** Before the operator confirms: which effectful steps the replay reuses from the original run and which run again. */
  replayPlan: procedure("operator", "exception")
    .input(replayInput)
    .query(async ({ ctx, input }) => {
      await checkReplayInput(ctx.db, input.id, input.input);
      return replayExceptionPlan(ctx.db, input.id, { input: input.input, latest: input.latest });
    }),

  replay: procedure("operator", "exception")
    .input(replayInput)
    .mutation(async ({ ctx, input }) => {
      await checkReplayInput(ctx.db, input.id, input.input);
      return replayException({ db: ctx.db, boss: await webBoss(), audit: ctx.audit, userId: ctx.user.id }, input.id, {
        input: input.input,
        latest: input.latest,
      });
    }),

  replayLatest: procedure("operator", "exception")
    .input(z.object({ id: z.string().uuid(), input: z.unknown().optional() }))
    .mutation(async ({ ctx, input }) =>
      replayException({ db: ctx.db, boss: await webBoss(), audit: ctx.audit, userId: ctx.user.id }, input.id, {
        input: input.input,
        latest: true,
      }),
    ),

  skip: procedure("operator", "exception")
    .input(z.object({ id: z.string().uuid(), output: z.unknown() }))
    .mutation(async ({ ctx, input }) =>
      skipExceptionStep(
        { db: ctx.db, boss: await webBoss(), audit: ctx.audit, userId: ctx.user.id },
        input.id,
        input.output ?? null,
      ),
    ),

  resolve: procedure("operator", "exception")
    .input(z.object({ ids, reason: z.string().min(3).max(2000) }))
    .mutation(async ({ ctx, input }) =>
      resolveExceptions(
        { db: ctx.db, boss: await webBoss(), audit: ctx.audit, userId: ctx.user.id },
        input.ids,
        input.reason,
      ),
    ),

  assign: procedure("operator", "exception")
    .input(
      z
        .object({
          ids,
          userId: z.string().max(100).nullable().optional(),
          teamId: z.string().uuid().nullable().optional(),
        })
        .refine((v) => v.userId !== undefined || v.teamId !== undefined, "Give a user, a team, or null to unassign."),
    )
    .mutation(async ({ ctx, input }) =>
      assignExceptions({ db: ctx.db, boss: await webBoss(), audit: ctx.audit, userId: ctx.user.id }, input.ids, {
        userId: input.userId,
        teamId: input.teamId,
      }),
    ),

  comment: procedure("operator", "exception")
    .input(z.object({ id: z.string().uuid(), text: z.string().trim().min(1).max(4000) }))
    .mutation(async ({ ctx, input }) =>
      commentException(
        { db: ctx.db, boss: await webBoss(), audit: ctx.audit, userId: ctx.user.id },
        input.id,
        input.text,
      ),
    ),

  // ---- bulk actions over a filter or a signature group

  bulkStart: procedure("operator", "exceptionFilter")
    .input(
      z.object({
        kind: z.enum(BULK_KINDS),
        filter: bulkScopeSchema,
        reason: z.string().max(2000).optional(),
        userId: z.string().max(100).nullable().optional(),
        teamId: z.string().uuid().nullable().optional(),
      }),
    )
    .mutation(async ({ ctx, input }) =>
      startBulk(
        { db: ctx.db, boss: await webBoss(), audit: ctx.audit, userId: ctx.user.id },
        input.kind,
        // Without an environment, what the queue shows the caller (production for an operator), as queue/facets.
        withDefaultEnvironment(input.filter, ctx.user.roles),
        { reason: input.reason, userId: input.userId, teamId: input.teamId },
      ),
    ),

  bulkGet: procedure("viewer")
    .input(id)
    .query(async ({ ctx, input }) => {
      const row = await ctx.db.bulkAction.findUnique({ where: { id: input.id } });
      if (!row) throw new TRPCError({ code: "NOT_FOUND", message: "Bulk action not found." });
      return { ...row, runs: await bulkRunOutcome(ctx.db, row) };
    }),

  bulkList: procedure("viewer").query(({ ctx }) =>
    ctx.db.bulkAction.findMany({ orderBy: { createdAt: "desc" }, take: 10 }),
  ),

  bulkCancel: procedure("operator", "bulkAction")
    .input(id)
    .mutation(({ ctx, input }) => cancelBulk({ db: ctx.db, audit: ctx.audit, userId: ctx.user.id }, input.id)),

  // ---- saved views (per user) and ageing thresholds (per flow)

  views: procedure("viewer").query(({ ctx }) => listViews(ctx.db, ctx.user.id)),

  saveView: procedure("viewer")
    .input(z.object({ name: z.string().trim().min(1).max(80), filter: exceptionFilterSchema }))
    .mutation(({ ctx, input }) => saveView(ctx.db, ctx.user.id, input.name, input.filter)),

  deleteView: procedure("viewer")
    .input(id)
    .mutation(({ ctx, input }) => deleteView(ctx.db, ctx.user.id, input.id)),

  ageing: procedure("viewer").query(({ ctx }) => ageingPolicies(ctx.db)),

  setAgeing: procedure("operator", "flow")
    .input(
      z.object({
        flowKey: z.string().min(1).max(128),
        hours: z
          .number()
          .int()
          .min(1)
          .max(24 * 90),
      }),
    )
    .mutation(({ ctx, input }) =>
      setAgeing({ db: ctx.db, audit: ctx.audit, userId: ctx.user.id }, input.flowKey, input.hours),
    ),
});
