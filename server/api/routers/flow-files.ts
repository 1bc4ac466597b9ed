// Flows as files (the CLI's `weft export` / `weft import`, also reachable as /api/v1/flows/<key>).
import "server-only";
import { z } from "zod";
import { DomainError } from "../../../core/domain-error";
import { createTRPCRouter, procedure } from "../trpc";
import { exportFlow, importFlow } from "../../flows/io";
import { liveVersion } from "../../environments/service";

const flowKey = z.string().min(1).max(128);

export const flowFilesRouter = createTRPCRouter({
  export: procedure("viewer")
    .input(
      z.object({
        flowKey,
        version: z.string().max(64).optional(),
        /** The version live in this environment (docs/environments.md) instead of a named one. */
        environment: z.string().max(40).optional(),
      }),
    )
    .query(async ({ ctx, input }) => {
      if (input.version && input.environment)
        throw new DomainError("invalid", "Name a version or an environment, not both.");
      const version = input.environment ? await liveVersion(ctx.db, input.flowKey, input.environment) : input.version;
      return exportFlow(ctx.db, input.flowKey, version);
    }),

  import: procedure("designer", "flowDocument")
    .input(z.object({ document: z.unknown(), force: z.boolean().optional() }))
    .mutation(({ ctx, input }) =>
      importFlow({ db: ctx.db, user: ctx.user, audit: ctx.audit }, input.document, { force: input.force }),
    ),
});
