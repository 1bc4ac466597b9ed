// Environments and promotion (docs/environments.md): thin over server/environments/service.ts, which checks
// roles, team ownership and four-eyes and audits every change. Reading needs viewer; deploying to test and
// requesting a promotion a designer of the owning team; approving, rejecting and rolling back an approver of
// the owning team; environments and connection bindings are admin settings.
import "server-only";
import { z } from "zod";
import { createTRPCRouter, procedure } from "../trpc";
import {
  approvePromotion,
  createEnvironment,
  deployVersion,
  flowEnvironments,
  listEnvironments,
  previewPromotion,
  rejectPromotion,
  requestPromotion,
  rollback,
  runPinnedSample,
  setBinding,
} from "../../environments/service";
import { webBoss } from "../../queue/boss";

const flowKey = z.string().min(1).max(128);
const version = z.string().min(1).max(64);
const environment = z
  .string()
  .regex(/^[a-z][a-z0-9-]{0,39}$/, "An environment key is lower-case letters, digits and dashes.");

export const environmentsRouter = createTRPCRouter({
  list: procedure("viewer").query(({ ctx }) => listEnvironments(ctx.db)),
  create: procedure("admin")
    .input(z.object({ key: environment, name: z.string().min(1).max(80), description: z.string().max(500).optional() }))
    .mutation(({ ctx, input }) => createEnvironment(ctx, input)),
  /** Binds a logical connection name to a concrete connection in an environment; null unbinds it. */
  setBinding: procedure("admin")
    .input(
      z.object({
        environment,
        logicalKey: z.string().min(1).max(128),
        connectionKey: z.string().min(1).max(128).nullable(),
      }),
    )
    .mutation(({ ctx, input }) => setBinding(ctx, input)),
  /** Which version runs in which environment, the pending promotion, and which versions succeeded in test. */
  flow: procedure("viewer")
    .input(z.object({ flowKey }))
    .query(({ ctx, input }) => flowEnvironments(ctx.db, input.flowKey)),
  previewPromotion: procedure("viewer")
    .input(z.object({ flowKey, version }))
    .query(({ ctx, input }) => previewPromotion(ctx.db, input.flowKey, input.version)),
  deploy: procedure("designer", "flow")
    .input(z.object({ flowKey, version, environment: environment.optional() }))
    .mutation(({ ctx, input }) => deployVersion(ctx, input)),
  /** A run of the environment's version from the flow's pinned trigger sample (the catalog's "Run in test"). */
  run: procedure("designer", "flow")
    .input(z.object({ flowKey, environment }))
    .mutation(async ({ ctx, input }) =>
      runPinnedSample(
        { db: ctx.db, boss: await webBoss(), audit: ctx.audit, userId: ctx.user.id },
        input.flowKey,
        input.environment,
      ),
    ),
  requestPromotion: procedure("designer", "flow")
    .input(z.object({ flowKey, version }))
    .mutation(({ ctx, input }) => requestPromotion(ctx, input)),
  approvePromotion: procedure("approver")
    .input(z.object({ promotionId: z.string().uuid() }))
    .mutation(({ ctx, input }) => approvePromotion(ctx, input)),
  rejectPromotion: procedure("approver")
    .input(z.object({ promotionId: z.string().uuid(), reason: z.string().min(3).max(2000) }))
    .mutation(({ ctx, input }) => rejectPromotion(ctx, input)),
  rollback: procedure("approver")
    .input(z.object({ flowKey, environment: environment.optional(), reason: z.string().min(1).max(2000) }))
    .mutation(({ ctx, input }) => rollback(ctx, input)),
});
