import { z } from "zod";
import { Prisma } from "../../db/client";
import { createTRPCRouter, procedure } from "../trpc";

import { DOMAINS, LIFECYCLES } from "./flow-constants";

export const flowListInput = z.object({
  search: z.string().max(200).optional(),
  domain: z.enum(DOMAINS).optional(),
  ownerTeamKey: z.string().max(64).optional(),
  lifecycle: z.enum(LIFECYCLES).optional(),
  mine: z.boolean().optional(),
});

export const flowsRouter = createTRPCRouter({
  list: procedure("viewer")
    .input(flowListInput)
    .query(async ({ ctx, input }) => {
      const flows = await ctx.db.flow.findMany({
        where: {
          domain: input.domain,
          lifecycle: input.lifecycle,
          ownerTeam: input.ownerTeamKey ? { key: input.ownerTeamKey } : undefined,
          ownerTeamId: input.mine ? { in: ctx.user.teamIds } : undefined,
          OR: input.search
            ? [
                { name: { contains: input.search, mode: "insensitive" } },
                { key: { contains: input.search, mode: "insensitive" } },
                { description: { contains: input.search, mode: "insensitive" } },
              ]
            : undefined,
        },
        orderBy: { name: "asc" },
        select: {
          id: true,
          key: true,
          name: true,
          description: true,
          domain: true,
          lifecycle: true,
          classification: true,
          updatedAt: true,
          ownerTeam: { select: { key: true, name: true } },
          versions: { where: { status: { in: ["approved", "deprecated"] } }, orderBy: { createdAt: "desc" }, take: 1, select: { version: true, status: true } },
        },
      });
      const ids = flows.map((f) => f.id);
      // Last run per flow in one query (DISTINCT ON uses the (flow_id, created_at) index).
      const lastRuns = ids.length
        ? await ctx.db.$queryRaw<Array<{ flow_id: string; status: string; created_at: Date }>>`
            SELECT DISTINCT ON (flow_id) flow_id, status::text AS status, created_at
            FROM run WHERE flow_id IN (${Prisma.join(ids.map((id) => Prisma.sql`${id}::uuid`))})
            ORDER BY flow_id, created_at DESC`
        : [];
      const openExceptions = ids.length
        ? await ctx.db.exception.groupBy({ by: ["flowId"], where: { flowId: { in: ids }, status: "open" }, _count: { _all: true } })
        : [];
      const runBy = new Map(lastRuns.map((r) => [r.flow_id, r]));
      const excBy = new Map(openExceptions.map((e) => [e.flowId, e._count._all]));
      return flows.map((f) => ({
        key: f.key,
        name: f.name,
        description: f.description,
        domain: f.domain,
        lifecycle: f.lifecycle,
        classification: f.classification,
        updatedAt: f.updatedAt,
        ownerTeam: f.ownerTeam,
        currentVersion: f.versions[0] ?? null,
        lastRun: runBy.has(f.id) ? { status: runBy.get(f.id)!.status, at: runBy.get(f.id)!.created_at } : null,
        openExceptions: excBy.get(f.id) ?? 0,
      }));
    }),
});
