import "server-only";
import { z } from "zod";
import { TRPCError } from "@trpc/server";
import { Prisma } from "../../db/client";
import { createTRPCRouter, procedure } from "../trpc";
import { FLOW_KEY_RE, STEP_ID_RE } from "../../../core/dsl/schema";
import {
  createFlow,
  lastSave,
  MAX_DRAFT_BYTES,
  pinSample,
  saveDraft,
  saveDraftAsCopy,
  unpinSample,
} from "../../flows/drafts";
import { CONVERT_SOURCES } from "../../../core/convert";
import { exampleSummaries } from "../../flows/examples";
import { workspaceConnections } from "../../connections/catalog";
import { flowAccess } from "../../auth/ownership";
import { hasRole } from "../../../core/roles";

import { DOMAINS, LIFECYCLES } from "../../../core/flow-constants";

export const flowListInput = z.object({
  search: z.string().max(200).optional(),
  domain: z.enum(DOMAINS).optional(),
  ownerTeamKey: z.string().max(64).optional(),
  lifecycle: z.enum(LIFECYCLES).optional(),
  mine: z.boolean().optional(),
});

const flowKey = z.string().min(1).max(128);
const nodeId = z.string().regex(new RegExp(`${STEP_ID_RE.source}|^trigger$`), 'A node id is a step id or "trigger".');

/** Where a connection's settings point: the host of its first URL setting, else its host (and port) setting. */
function connectionHost(config: unknown): string | null {
  if (!config || typeof config !== "object") return null;
  const c = config as Record<string, unknown>;
  for (const v of Object.values(c)) {
    if (typeof v !== "string" || !/^https?:\/\//i.test(v)) continue;
    try {
      return new URL(v).host;
    } catch {
      // not a URL after all
    }
  }
  return typeof c.host === "string" ? `${c.host}${typeof c.port === "number" ? `:${c.port}` : ""}` : null;
}

export const flowsRouter = createTRPCRouter({
  /** The designer's document: the draft, its revision, who saved it last, pinned samples, the header. */
  get: procedure("viewer")
    .input(z.object({ flowKey }))
    .query(async ({ ctx, input }) => {
      const f = await ctx.db.flow.findUnique({
        where: { key: input.flowKey },
        select: {
          id: true,
          key: true,
          name: true,
          description: true,
          domain: true,
          lifecycle: true,
          classification: true,
          draft: true,
          draftRevision: true,
          updatedAt: true,
          ownerTeamId: true,
          ownerTeam: { select: { key: true, name: true } },
          versions: { orderBy: { createdAt: "desc" }, take: 1, select: { version: true, status: true } },
        },
      });
      if (!f) throw new TRPCError({ code: "NOT_FOUND", message: `There is no flow "${input.flowKey}".` });
      // The same rule the gate applies to saveDraft & co., so the designer opens read-only with the reason.
      const access = hasRole(ctx.user.roles, "designer")
        ? await flowAccess(ctx.db, ctx.user, f)
        : { allowed: false, reason: "Editing flows needs the designer role." };
      const samples = await ctx.db.flowSample.findMany({
        where: { flowId: f.id },
        select: { nodeId: true, payload: true, source: true, pinnedAt: true },
      });
      return {
        key: f.key,
        name: f.name,
        description: f.description,
        domain: f.domain,
        lifecycle: f.lifecycle,
        classification: f.classification,
        ownerTeam: f.ownerTeam,
        draft: f.draft as unknown,
        draftRevision: f.draftRevision,
        updatedAt: f.updatedAt,
        latestVersion: f.versions[0] ?? null,
        lastSaved: await lastSave(ctx.db, f.key),
        samples: Object.fromEntries(
          samples.map((s) => [s.nodeId, { payload: s.payload as unknown, source: s.source, pinnedAt: s.pinnedAt }]),
        ),
        access: { canEdit: access.allowed, reason: access.reason },
      };
    }),

  /** What the designer's palette, pickers and validator need besides the connector manifests (which the browser bundles). */
  designerCatalog: procedure("viewer").query(async ({ ctx }) => {
    const [connections, contracts, flows] = await Promise.all([
      workspaceConnections(ctx.db),
      ctx.db.eventContract.findMany({
        orderBy: [{ name: "asc" }, { createdAt: "desc" }],
        select: {
          name: true,
          version: true,
          major: true,
          schema: true,
          description: true,
          producers: true,
          domain: true,
        },
      }),
      ctx.db.flow.findMany({
        select: {
          key: true,
          name: true,
          versions: { where: { status: { in: ["approved", "deprecated"] } }, select: { version: true } },
        },
      }),
    ]);
    const seen = new Set<string>();
    return {
      // The host a connection reaches (never its secrets): a live test run's confirmation names it.
      connections: connections.map(({ config, ...c }) => ({ ...c, host: connectionHost(config) })),
      events: contracts
        .filter((c) => (seen.has(c.name) ? false : (seen.add(c.name), true)))
        .map((c) => ({ ...c, schema: c.schema as unknown })),
      flows: flows.map((f) => ({ key: f.key, name: f.name, versions: f.versions.map((v) => v.version) })),
    };
  }),

  examples: procedure("viewer").query(() => exampleSummaries()),

  create: procedure("designer", "team")
    .input(
      z.object({
        key: z
          .string()
          .min(2)
          .max(64)
          .regex(FLOW_KEY_RE, 'A flow key is lower-case words joined by "-" or ".", e.g. "approved-time-to-invoice".'),
        name: z.string().trim().min(1, "Give the flow a name.").max(200),
        domain: z.enum(DOMAINS),
        ownerTeamKey: z.string().min(1).max(64),
        description: z.string().max(4000).optional(),
        example: z.string().max(128).optional(),
        /** An n8n workflow export or a Step Functions state machine, as the file's text (docs/convert.md). */
        import: z
          .object({
            from: z.enum(CONVERT_SOURCES),
            source: z.string().min(1).max(MAX_DRAFT_BYTES, "The file to import is larger than 2 MB."),
          })
          .optional(),
      }),
    )
    .mutation(({ ctx, input }) => createFlow(ctx, input)),

  /** Autosave: refused with CONFLICT (naming who saved last) when `baseRevision` is not the stored revision. */
  saveDraft: procedure("designer", "flow")
    .input(z.object({ flowKey, baseRevision: z.number().int().min(1), draft: z.record(z.string(), z.unknown()) }))
    .mutation(({ ctx, input }) => saveDraft(ctx, input)),

  /** After a conflict: the editor's version becomes the draft of a new flow (`<key>-copy…`), audited as its creation. */
  saveDraftAsCopy: procedure("designer", "flow")
    .input(z.object({ flowKey, draft: z.record(z.string(), z.unknown()) }))
    .mutation(({ ctx, input }) => saveDraftAsCopy(ctx, input)),

  pinSample: procedure("designer", "flow")
    .input(
      z.object({
        flowKey,
        nodeId,
        payload: z.unknown(),
        source: z.enum(["manual", "test-run", "file"]).default("manual"),
      }),
    )
    .mutation(({ ctx, input }) => pinSample(ctx, { ...input, payload: input.payload ?? null })),

  unpinSample: procedure("designer", "flow")
    .input(z.object({ flowKey, nodeId }))
    .mutation(({ ctx, input }) => unpinSample(ctx, input)),

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
          versions: {
            where: { status: { in: ["approved", "deprecated"] } },
            orderBy: { createdAt: "desc" },
            take: 1,
            select: { version: true, status: true },
          },
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
        ? await ctx.db.exception.groupBy({
            by: ["flowId"],
            where: { flowId: { in: ids }, status: "open" },
            _count: { _all: true },
          })
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
