// Flows as files (the CLI's `weft export` / `weft import`, also reachable as /api/v1/flows/<key>).
import "server-only";
import { z } from "zod";
import { createTRPCRouter, procedure } from "../trpc";
import { exportFlow, importFlow } from "../../flows/io";

const flowKey = z.string().min(1).max(128);

export const flowFilesRouter = createTRPCRouter({
  export: procedure("viewer")
    .input(z.object({ flowKey, version: z.string().max(64).optional() }))
    .query(({ ctx, input }) => exportFlow(ctx.db, input.flowKey, input.version)),

  import: procedure("designer", "flowDocument")
    .input(z.object({ document: z.unknown(), force: z.boolean().optional() }))
    .mutation(({ ctx, input }) =>
      importFlow({ db: ctx.db, user: ctx.user, audit: ctx.audit }, input.document, { force: input.force }),
    ),
});
