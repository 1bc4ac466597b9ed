// The Reconciliation page (docs/reconciliation.md): the list and one reconciliation for anyone signed in; one
// break's record pair; "Run now" (designer of the owning team, like any manual run) and "Re-sync" on a break
// (operator of the break's team, like any action on an exception). Handlers live in server/reconciliations.
import "server-only";
import { z } from "zod";
import { createTRPCRouter, procedure } from "../trpc";
import { webBoss } from "../../queue/boss";
import { breakView, listReconciliations, reconciliationDetail } from "../../reconciliations/read";
import { runReconciliationNow } from "../../reconciliations/run-now";
import { startResync } from "../../reconciliations/resync";
import { figuresEnvironment } from "../../../core/environment-scope";

const flowKey = z.string().min(1).max(128);
const key = z.string().min(1).max(128);
/** An environment key or "all"; default production (match rates are business figures, docs/environments.md). */
const environment = z.string().min(1).max(40).optional();

export const reconciliationsRouter = createTRPCRouter({
  list: procedure("viewer")
    .input(z.object({ environment }).optional())
    .query(({ ctx, input }) => listReconciliations(ctx.db, figuresEnvironment(input?.environment))),

  detail: procedure("viewer")
    .input(z.object({ flowKey, key, environment }))
    .query(({ ctx, input }) =>
      reconciliationDetail(ctx.db, ctx.user, input.flowKey, input.key, figuresEnvironment(input.environment)),
    ),

  break: procedure("viewer")
    .input(z.object({ id: z.string().uuid() }))
    .query(({ ctx, input }) => breakView(ctx.db, ctx.user, input.id)),

  runNow: procedure("designer", "flow")
    .input(z.object({ flowKey, key }))
    .mutation(async ({ ctx, input }) =>
      runReconciliationNow(
        { db: ctx.db, boss: await webBoss(), audit: ctx.audit, userId: ctx.user.id },
        input.flowKey,
        input.key,
      ),
    ),

  /** `requestId` makes the click idempotent: the same request never starts a second run. */
  resync: procedure("operator", "exception")
    .input(z.object({ id: z.string().uuid(), requestId: z.string().uuid() }))
    .mutation(async ({ ctx, input }) =>
      startResync(
        { db: ctx.db, boss: await webBoss(), audit: ctx.audit, userId: ctx.user.id },
        input.id,
        input.requestId,
      ),
    ),
});
