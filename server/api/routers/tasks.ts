// Approval tasks (the Inbox): the caller's and their teams' tasks, deciding one, bulk-approving where the step
// allows it, and signed links for approvers outside Weft. Any signed-in user may call these; whom a task is for
// (person, team, role) is checked per task by server/tasks/service.ts, which also enforces four-eyes and audits.
import "server-only";
import { z } from "zod";
import { createTRPCRouter, procedure } from "../trpc";
import { webBoss } from "../../queue/boss";
import { APPROVAL_DECISIONS } from "../../../core/dsl/schema";
import { bulkApprove, decideTask, getTask, issueTaskLink, listTasks, tasksOfRun } from "../../tasks/service";
import type { SessionUser } from "../../auth/session-user";

const id = z.string().uuid();
const actor = (u: SessionUser) => ({ id: u.id, email: u.email, roles: u.roles, teamIds: u.teamIds });

export const tasksRouter = createTRPCRouter({
  list: procedure("viewer")
    .input(
      z
        .object({ status: z.enum(["open", "decided", "all"]).optional(), flowKey: z.string().max(128).optional() })
        .optional(),
    )
    .query(({ ctx, input }) => listTasks(ctx.db, actor(ctx.user), input ?? {})),

  get: procedure("viewer")
    .input(z.object({ id }))
    .query(({ ctx, input }) => getTask(ctx.db, actor(ctx.user), input.id)),

  /** A run's tasks (the run page's "Waiting for approval by …"): runs are visible to every signed-in user. */
  forRun: procedure("viewer")
    .input(z.object({ runId: id }))
    .query(({ ctx, input }) => tasksOfRun(ctx.db, actor(ctx.user), input.runId)),

  decide: procedure("viewer")
    .input(
      z.object({
        id,
        decision: z.enum(APPROVAL_DECISIONS),
        fields: z.record(z.string(), z.unknown()).optional(),
        comment: z.string().max(2000).optional(),
      }),
    )
    .mutation(async ({ ctx, input }) => {
      // Whether the caller may see the task comes first: a stranger learns nothing, whatever else is down.
      await getTask(ctx.db, actor(ctx.user), input.id);
      return decideTask(
        { db: ctx.db, boss: await webBoss(), requestId: ctx.requestId },
        actor(ctx.user),
        input.id,
        input,
      );
    }),

  bulkApprove: procedure("viewer")
    .input(
      z.object({
        flowKey: z.string().max(128).optional(),
        ids: z.array(id).min(1).max(500).optional(),
        comment: z.string().max(2000).optional(),
      }),
    )
    .mutation(async ({ ctx, input }) =>
      bulkApprove(
        { db: ctx.db, boss: await webBoss(), requestId: ctx.requestId },
        actor(ctx.user),
        { flowKey: input.flowKey, ids: input.ids },
        input.comment,
      ),
    ),

  /** A signed, expiring link to one task for one person (who needs no Weft account). */
  link: procedure("viewer")
    .input(
      z.object({
        id,
        email: z.email().max(254),
        hours: z
          .number()
          .int()
          .min(1)
          .max(24 * 30)
          .optional(),
      }),
    )
    .mutation(({ ctx, input }) =>
      issueTaskLink({ db: ctx.db, requestId: ctx.requestId }, actor(ctx.user), input.id, input.email, input.hours),
    ),
});
