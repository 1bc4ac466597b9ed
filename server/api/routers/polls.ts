// Poll triggers on the flow's page: the state of a flow's poll (cursor, schedule, last failure) for anyone
// signed in, and its start — "from now" or "from a date" (a backfill) — for designers of the owning team,
// audited. Per environment (default production): each environment that runs a polling version of the flow has
// its own state and cursor. The runtime side is server/runtime/poll.ts.
import "server-only";
import { TRPCError } from "@trpc/server";
import { z } from "zod";
import { createTRPCRouter, procedure } from "../trpc";
import type { Db } from "../../db/client";
import { prismaSql } from "../../runtime/sql";
import { flowView } from "../../runtime/dsl-view";
import { activatePoll, pollIntervalSeconds, readPollState } from "../../runtime/poll";
import { loadPublishedFlow, PRODUCTION } from "../../runtime/flow-source";

const flowKey = z.string().min(1).max(128);
const environment = z
  .string()
  .regex(/^[a-z][a-z0-9-]{0,39}$/, "environment must be an environment key such as test or production.")
  .default(PRODUCTION);

/** The flow and the poll trigger of the version the environment runs (null when that version does not poll). */
async function publishedPoll(db: Db, key: string, env: string) {
  const flow = await db.flow.findUnique({ where: { key }, select: { id: true, key: true } });
  if (!flow) throw new TRPCError({ code: "NOT_FOUND", message: `No flow "${key}".` });
  const v = await loadPublishedFlow(prismaSql(db), key, { fresh: true, environment: env });
  const poll = v ? flowView(v.dsl).trigger.poll : undefined;
  return { flow, version: v?.version ?? null, poll: poll ?? null };
}

export const pollsRouter = createTRPCRouter({
  /** The poll's state, or `polls: false` when the published version has no poll trigger. */
  state: procedure("viewer")
    .input(z.object({ flowKey, environment }))
    .query(async ({ ctx, input }) => {
      const { flow, version, poll } = await publishedPoll(ctx.db, input.flowKey, input.environment);
      const state = await readPollState(prismaSql(ctx.db), flow.id, input.environment);
      return {
        environment: input.environment,
        polls: poll !== null,
        version,
        source: poll
          ? {
              connector: poll.connector,
              connection: poll.connection,
              operation: poll.operation,
              interval: poll.interval ?? null,
            }
          : null,
        state,
      };
    }),

  /**
   * Starts (or restarts) the poll from now or from a date. Records already started are never started again,
   * so a backfill over a period already polled only starts what is missing.
   */
  activate: procedure("designer", "flow")
    .input(
      z.object({
        flowKey,
        environment,
        from: z.discriminatedUnion("mode", [
          z.object({ mode: z.literal("now") }),
          z.object({
            mode: z.literal("date"),
            date: z.iso.datetime({
              offset: true,
              message: "from.date must be an ISO 8601 date-time, e.g. 2026-11-01T00:00:00Z.",
            }),
          }),
        ]),
      }),
    )
    .mutation(async ({ ctx, input }) => {
      const { flow, version, poll } = await publishedPoll(ctx.db, input.flowKey, input.environment);
      if (!poll)
        throw new TRPCError({
          code: "BAD_REQUEST",
          message: version
            ? `${flow.key}: the version ${input.environment} runs (${version}) has no poll trigger; publish one first.`
            : `${flow.key}: no version runs in ${input.environment}; publish or deploy one with a poll trigger first.`,
        });
      const from = input.from.mode === "now" ? new Date() : new Date(input.from.date);
      if (from.getTime() > Date.now() + 60_000)
        throw new TRPCError({
          code: "BAD_REQUEST",
          message: "from.date is in the future: choose now or a past date to backfill from.",
        });
      const userId = ctx.user!.id;
      return ctx.db.$transaction(async (tx) => {
        const sql = prismaSql(tx);
        const before = await readPollState(sql, flow.id, input.environment);
        await activatePoll(sql, {
          flowId: flow.id,
          environment: input.environment,
          from,
          actorId: userId,
          intervalSeconds: pollIntervalSeconds(poll.interval),
        });
        await ctx.audit(tx, {
          action: "poll.activated",
          entityType: "flow",
          entityId: flow.key,
          before: before ? { status: before.status, cursor: before.cursor } : undefined,
          after: { status: "active", cursor: from.toISOString(), mode: input.from.mode },
          meta: { version, environment: input.environment, source: `${poll.connector}.${poll.operation}` },
        });
        return { status: "active" as const, cursor: from.toISOString() };
      });
    }),
});
