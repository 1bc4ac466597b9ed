import "server-only";
import { z } from "zod";
import { auditFacets, verifyAuditChain } from "../../audit/audit";
import { auditAnchorSchema, checkAnchor, exportAnchor } from "../../audit/anchor";
import { createTRPCRouter, procedure } from "../trpc";

export const auditListInput = z.object({
  action: z.string().max(100).optional(),
  entityType: z.string().max(100).optional(),
  entityId: z.string().max(200).optional(),
  actor: z.string().max(200).optional(),
  from: z.coerce.date().optional(),
  to: z.coerce.date().optional(),
  cursor: z.string().regex(/^\d+$/).optional(),
  limit: z.number().int().min(1).max(200).default(50),
});

export const auditRouter = createTRPCRouter({
  list: procedure("admin")
    .input(auditListInput)
    .query(async ({ ctx, input }) => {
      const rows = await ctx.db.auditLog.findMany({
        where: {
          action: input.action ? { startsWith: input.action } : undefined,
          entityType: input.entityType || undefined,
          entityId: input.entityId || undefined,
          actorEmail: input.actor ? { contains: input.actor, mode: "insensitive" } : undefined,
          at: input.from || input.to ? { gte: input.from, lte: input.to } : undefined,
          seq: input.cursor ? { lt: BigInt(input.cursor) } : undefined,
        },
        orderBy: { seq: "desc" },
        take: input.limit + 1,
      });
      const more = rows.length > input.limit;
      const page = more ? rows.slice(0, input.limit) : rows;
      return {
        items: page.map((r) => ({
          seq: r.seq.toString(),
          at: r.at,
          actorEmail: r.actorEmail,
          action: r.action,
          entityType: r.entityType,
          entityId: r.entityId,
          before: r.before,
          after: r.after,
          meta: r.meta,
          hash: r.hash,
        })),
        nextCursor: more ? page[page.length - 1]!.seq.toString() : null,
      };
    }),
  facets: procedure("admin").query(({ ctx }) => auditFacets(ctx.db)),
  /** The whole chain, and — given an anchor exported earlier — whether the log still holds exactly its rows. */
  verify: procedure("admin")
    .input(z.object({ anchor: auditAnchorSchema.optional() }).default({}))
    .mutation(async ({ ctx, input }) => {
      const chain = await verifyAuditChain(ctx.db);
      const anchored = input.anchor ? await checkAnchor(ctx.db, input.anchor) : [];
      return { ...chain, ok: chain.ok && anchored.length === 0, problems: [...chain.problems, ...anchored] };
    }),
  /** A signed anchor (head hash, row count, time) for the admin to keep outside the database; audited. */
  anchor: procedure("admin").mutation(({ ctx }) =>
    ctx.db.$transaction((tx) => exportAnchor(tx, { id: ctx.user.id, email: ctx.user.email }, ctx.requestId)),
  ),
});
