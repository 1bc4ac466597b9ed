// Runs: list and timeline (viewer); manual runs of the published version and test runs of the draft
// (designer), both through the same engine as webhooks; cancel (operator). Writes are audited in the
// same transaction that creates the run and its pg-boss job.
import { z } from "zod";
import { createTRPCRouter, procedure } from "../trpc";
import { webBoss } from "../../queue/boss";
import { cancelRun, listRuns, runTimeline, startManualRun, startTestRun } from "../../runtime/operations";

const RUN_STATUSES = ["queued", "running", "waiting", "succeeded", "failed", "cancelled"] as const;
const flowKey = z.string().min(1).max(128);

export const runsRouter = createTRPCRouter({
  list: procedure("viewer")
    .input(
      z.object({
        flowKey: flowKey.optional(),
        status: z.enum(RUN_STATUSES).optional(),
        businessKey: z.string().max(300).optional(),
        isTest: z.boolean().optional(),
        cursor: z.string().uuid().optional(),
        limit: z.number().int().min(1).max(200).optional(),
      }),
    )
    .query(({ ctx, input }) => listRuns(ctx.db, input)),

  timeline: procedure("viewer")
    .input(z.object({ runId: z.string().uuid() }))
    .query(({ ctx, input }) => runTimeline(ctx.db, input.runId)),

  start: procedure("designer")
    .input(z.object({ flowKey, input: z.unknown() }))
    .mutation(async ({ ctx, input }) => startManualRun({ db: ctx.db, boss: await webBoss(), audit: ctx.audit, userId: ctx.user.id }, input.flowKey, input.input ?? {})),

  test: procedure("designer")
    .input(z.object({ flowKey, input: z.unknown(), dsl: z.unknown().optional() }))
    .mutation(async ({ ctx, input }) => startTestRun({ db: ctx.db, boss: await webBoss(), audit: ctx.audit, userId: ctx.user.id }, input.flowKey, input.input ?? {}, input.dsl)),

  cancel: procedure("operator")
    .input(z.object({ runId: z.string().uuid(), reason: z.string().min(1).max(500) }))
    .mutation(async ({ ctx, input }) => cancelRun({ db: ctx.db, boss: await webBoss(), audit: ctx.audit, userId: ctx.user.id }, input.runId, input.reason)),
});
