// Runs: list (filters: flow, version, status, trigger, time range, business key) and the run page's
// timeline (viewer) with payloads masked by the flow's data classification — operators reveal them with an
// audited call; manual runs of the published version and test runs of the draft (designer), both through
// the same engine as webhooks; cancel (operator). Writes are audited in the same transaction that creates
// the run and its pg-boss job.
import "server-only";
import { z } from "zod";
import { createTRPCRouter, procedure } from "../trpc";
import { webBoss } from "../../queue/boss";
import type { Db } from "../../db/client";
import { cancelRun, listRuns, runTimeline, startManualRun, startTestRun } from "../../runtime/operations";
import { TEST_MODES } from "../../runtime/runs";
import { needsReveal, showPayload } from "../../exceptions/payloads";
import { stepInDocument } from "../../exceptions/dsl-steps";
import { RUN_STATUSES } from "../../../core/flow-constants";
import { scopedEnvironment } from "../../../core/environment-scope";

const flowKey = z.string().min(1).max(128);

/** The timeline as the run page shows it: payloads masked unless revealed, step names from the DSL. */
async function timelineView(db: Db, runId: string, revealed: boolean) {
  const t = await runTimeline(db, runId);
  const cls = t.flow.classification;
  const dsl = t.flowVersion?.dsl ?? null;
  return {
    id: t.id,
    status: t.status,
    triggerType: t.triggerType,
    isTest: t.isTest,
    testMode: t.testMode,
    createdAt: t.createdAt,
    startedAt: t.startedAt,
    finishedAt: t.finishedAt,
    businessKeys: t.businessKeys as Record<string, unknown> | null,
    parentRunId: t.parentRunId,
    replayOfId: t.replayOfId,
    error: t.error as { errorClass?: string; code?: string; message?: string; step?: string } | null,
    flow: { key: t.flow.key, name: t.flow.name, domain: t.flow.domain },
    version: t.flowVersion?.version ?? null,
    classification: cls,
    needsReveal: needsReveal(cls),
    revealed,
    input: showPayload(t.input, cls, revealed),
    output: showPayload(t.output, cls, revealed),
    exceptions: t.exceptions,
    children: t.children,
    replays: t.replays,
    steps: t.steps.map((s) => {
      const def = stepInDocument(dsl, s.stepId);
      return {
        path: s.path,
        stepId: s.stepId,
        name: def?.name ?? null,
        type: def?.type ?? null,
        connector: def?.connector ?? null,
        operation: def?.operation ?? null,
        status: s.status,
        attempts: s.attempts,
        attemptLog: s.attemptLog as Array<{
          attempt?: number;
          outcome?: string;
          errorClass?: string;
          message?: string;
          delayMs?: number;
          at?: string;
          durationMs?: number;
          simulated?: string;
          reusedFrom?: string;
        }>,
        // A dry test run answered this step without sending it (server/runtime/dry-run.ts).
        simulated:
          ((s.attemptLog as Array<{ simulated?: string }> | null) ?? []).find((a) => a.simulated)?.simulated ?? null,
        // A dry test run's business events: shown, not stored (core/dsl/business-events.ts); masked like payloads.
        businessEvents: dryRunEvents(s.attemptLog, cls, revealed),
        archived: s.archived,
        startedAt: s.startedAt,
        finishedAt: s.finishedAt,
        durationMs: s.durationMs,
        error: s.error as { errorClass?: string; code?: string; message?: string } | null,
        input: showPayload(s.input, cls, revealed),
        output: showPayload(s.output, cls, revealed),
      };
    }),
  };
}
export type RunTimelineView = Awaited<ReturnType<typeof timelineView>>;

function dryRunEvents(log: unknown, cls: string, revealed: boolean): unknown[] | null {
  const events = ((log as Array<{ businessEvents?: unknown[] }> | null) ?? []).flatMap((a) => a.businessEvents ?? []);
  return events.length ? (showPayload(events, cls, revealed) as unknown[]) : null;
}

export const runsRouter = createTRPCRouter({
  list: procedure("viewer")
    .input(
      z.object({
        flowKey: flowKey.optional(),
        version: z.string().max(64).optional(),
        status: z.enum(RUN_STATUSES).optional(),
        triggerType: z.string().max(32).optional(),
        businessKey: z.string().max(300).optional(),
        isTest: z.boolean().optional(),
        /** An environment key or "all"; absent: production for operators, every environment for others. */
        environment: z.string().max(40).optional(),
        from: z.coerce.date().optional(),
        to: z.coerce.date().optional(),
        cursor: z.string().uuid().optional(),
        limit: z.number().int().min(1).max(200).optional(),
      }),
    )
    // No environment: the caller's default (production for operators); "all" for every environment.
    .query(({ ctx, input }) =>
      listRuns(ctx.db, { ...input, environment: scopedEnvironment(input.environment, ctx.user.roles) }),
    ),

  /** Flows and their versions, for the list's filters. */
  filters: procedure("viewer").query(async ({ ctx }) => {
    const flows = await ctx.db.flow.findMany({
      select: {
        key: true,
        name: true,
        versions: { select: { version: true, status: true }, orderBy: { createdAt: "desc" } },
      },
      orderBy: { name: "asc" },
    });
    return { flows, triggers: ["webhook", "event", "schedule", "manual", "replay", "subflow", "test"] };
  }),

  timeline: procedure("viewer")
    .input(z.object({ runId: z.string().uuid() }))
    .query(({ ctx, input }) => timelineView(ctx.db, input.runId, false)),

  /** The unmasked timeline of a confidential or restricted flow: operators only, every view audited. */
  reveal: procedure("operator")
    .input(z.object({ runId: z.string().uuid() }))
    .mutation(async ({ ctx, input }) => {
      const v = await timelineView(ctx.db, input.runId, true);
      await ctx.db.$transaction((tx) =>
        ctx.audit(tx, {
          action: "run.payload_view",
          entityType: "run",
          entityId: input.runId,
          meta: { classification: v.classification, flowKey: v.flow.key },
        }),
      );
      return v;
    }),

  /** A manual run of the version deployed in `environment` (default production; docs/environments.md). */
  start: procedure("designer", "flow")
    .input(z.object({ flowKey, input: z.unknown(), environment: z.string().max(40).optional() }))
    .mutation(async ({ ctx, input }) =>
      startManualRun(
        { db: ctx.db, boss: await webBoss(), audit: ctx.audit, userId: ctx.user.id },
        input.flowKey,
        input.input ?? {},
        input.environment,
      ),
    ),

  /** A test run of the draft: "dry-run" (default) simulates writes; "live" sends them to the connections. */
  test: procedure("designer", "flow")
    .input(
      z.object({
        flowKey,
        input: z.unknown(),
        dsl: z.unknown().optional(),
        mode: z.enum(TEST_MODES).default("dry-run"),
      }),
    )
    .mutation(async ({ ctx, input }) =>
      startTestRun(
        { db: ctx.db, boss: await webBoss(), audit: ctx.audit, userId: ctx.user.id },
        input.flowKey,
        input.input ?? {},
        input.dsl,
        input.mode,
      ),
    ),

  cancel: procedure("operator", "run")
    .input(z.object({ runId: z.string().uuid(), reason: z.string().min(1).max(500) }))
    .mutation(async ({ ctx, input }) =>
      cancelRun(
        { db: ctx.db, boss: await webBoss(), audit: ctx.audit, userId: ctx.user.id },
        input.runId,
        input.reason,
      ),
    ),
});
