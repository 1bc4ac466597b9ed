// Governance: catalog and lineage, domains, SLOs and alerts, event contracts, versions and approvals,
// exports. Reading needs viewer; SLO and contract edits designer; approve/reject approver (the service
// enforces four-eyes and team membership); override admin with a reason. Every write is audited.
import "server-only";
import { TRPCError } from "@trpc/server";
import { z } from "zod";
import { config } from "../../config";
import { createTRPCRouter, procedure } from "../trpc";
import { CLASSIFICATIONS, DOMAINS, LIFECYCLES } from "../../../core/flow-constants";
import { flowFacts, lineage, listCatalog } from "../../governance/catalog";
import {
  createSlo,
  deleteSlo,
  describeSlo,
  listDomains,
  setTeamAlertChannel,
  updateDomain,
  updateFlowOwnership,
  updateSlo,
} from "../../governance/admin";
import { sendTestAlert } from "../../governance/alert-test";
import {
  checkContractProposal,
  createContract,
  listContracts,
  publishContractVersion,
} from "../../governance/contracts";
import {
  alertChannelInput,
  contractCreateFields,
  domainUpdateInput,
  ownershipInput,
  sloCreateInput,
  sloUpdateInput,
  teamKeyInput,
} from "../../../core/governance/inputs";
import { validatePayload, type JsonSchema } from "../../../core/governance/contract-compat";
import { backstageCatalog, openSloYaml } from "../../governance/exports";
import { flowSloDetails, sloTick } from "../../governance/slo-store";
import { BURN_RATE_RULES, LATENCY_BOUNDS_MS } from "../../../core/governance/slo-math";
import { loadStandards } from "../../governance/standards";
import {
  approveVersion,
  deprecateVersion,
  overrideApproval,
  previewPolicy,
  recordClassificationReview,
  rejectVersion,
  requestVersion,
  retireVersion,
  versionTimeline,
} from "../../governance/versions";

const flowKey = z.string().min(1).max(128);
const jsonSchema = z.record(z.string(), z.unknown()).transform((v) => v as JsonSchema);
const SLO_STATES = ["no-data", "ok", "at-risk", "breached", "firing"] as const;

const catalogRouter = createTRPCRouter({
  list: procedure("viewer")
    .input(
      z
        .object({
          search: z.string().max(200).optional(),
          domain: z.enum(DOMAINS).optional(),
          ownerTeamKey: z.string().max(64).optional(),
          lifecycle: z.enum(LIFECYCLES).optional(),
          classification: z.enum(CLASSIFICATIONS).optional(),
          sloState: z.enum(SLO_STATES).optional(),
          mine: z.boolean().optional(),
        })
        .optional(),
    )
    .query(({ ctx, input }) => listCatalog(ctx.db, ctx.user, input ?? {})),
  lineage: procedure("viewer")
    .input(z.object({ domain: z.enum(DOMAINS).optional() }).optional())
    .query(({ ctx, input }) => lineage(ctx.db, input ?? {})),
  flow: procedure("viewer")
    .input(z.object({ flowKey }))
    .query(async ({ ctx, input }) => {
      const { entries } = await listCatalog(ctx.db, ctx.user, { search: input.flowKey });
      const entry = entries.find((e) => e.key === input.flowKey);
      if (!entry) throw new TRPCError({ code: "NOT_FOUND", message: `No flow "${input.flowKey}".` });
      const [timeline, alerts, stewards, reviews, facts] = await Promise.all([
        versionTimeline(ctx.db, input.flowKey),
        ctx.db.sloAlert.findMany({
          where: { flowId: entry.id },
          orderBy: { firedAt: "desc" },
          take: 50,
          include: { slo: { select: { name: true } } },
        }),
        ctx.db.govDomainSteward.findMany({ where: { domainKey: entry.domain } }),
        ctx.db.classificationReview.findMany({ where: { flowId: entry.id }, orderBy: { createdAt: "desc" }, take: 5 }),
        flowFacts(ctx.db, input.flowKey),
      ]);
      const users = await ctx.db.user.findMany({
        where: { id: { in: [...stewards.map((s) => s.userId), ...reviews.map((r) => r.reviewerId)] } },
        select: { id: true, name: true, email: true },
      });
      const userBy = new Map(users.map((u) => [u.id, u]));
      const isOwnerMember = ctx.user.teamIds.includes(entry.ownerTeam.id);
      return {
        entry,
        facts,
        timeline,
        alerts: alerts.map((a) => ({
          id: a.id,
          slo: a.slo.name,
          rule: a.rule,
          severity: a.severity,
          state: a.state,
          burnLong: a.burnLong,
          burnShort: a.burnShort,
          longEvents: a.longEvents,
          firedAt: a.firedAt,
          resolvedAt: a.resolvedAt,
          lastDeliveryError: a.lastDeliveryError,
        })),
        stewards: stewards.map((s) => userBy.get(s.userId)).filter((u): u is NonNullable<typeof u> => !!u),
        reviews: reviews.map((r) => ({
          classification: r.classification,
          note: r.note,
          at: r.createdAt,
          reviewer: userBy.get(r.reviewerId)?.email ?? null,
        })),
        viewer: { isOwnerMember, isSteward: stewards.some((s) => s.userId === ctx.user.id), userId: ctx.user.id },
        demo: config().demo,
      };
    }),
});

const domainsRouter = createTRPCRouter({
  list: procedure("viewer").query(async ({ ctx }) => ({
    domains: await listDomains(ctx.db),
    standards: await loadStandards(ctx.db),
  })),
  update: procedure("admin")
    .input(domainUpdateInput)
    .mutation(({ ctx, input }) =>
      updateDomain(ctx, { ...input, policy: input.policy as Record<string, number> | undefined }),
    ),
  alertChannels: procedure("viewer").query(async ({ ctx }) => {
    const [teams, channels] = await Promise.all([
      ctx.db.team.findMany({ orderBy: { name: "asc" } }),
      ctx.db.teamAlertChannel.findMany(),
    ]);
    return teams.map((t) => {
      const c = channels.find((x) => x.teamId === t.id);
      return {
        teamKey: t.key,
        teamName: t.name,
        webhookUrl: c?.webhookUrl ?? null,
        enabled: c?.enabled ?? false,
        mine: ctx.user.teamIds.includes(t.id),
      };
    });
  }),
  setAlertChannel: procedure("designer")
    .input(alertChannelInput)
    .mutation(({ ctx, input }) => setTeamAlertChannel(ctx, input)),
  /** Posts a marked test payload to the team's saved webhook and reports the outcome (audited). */
  testAlertChannel: procedure("designer")
    .input(z.object({ teamKey: teamKeyInput }))
    .mutation(({ ctx, input }) => sendTestAlert(ctx, input)),
});

const sloRouter = createTRPCRouter({
  options: procedure("viewer").query(() => ({ thresholdsMs: [...LATENCY_BOUNDS_MS], rules: BURN_RATE_RULES })),
  status: procedure("viewer")
    .input(z.object({ flowKey }))
    .query(async ({ ctx, input }) => {
      const flow = await ctx.db.flow.findUnique({ where: { key: input.flowKey }, select: { id: true } });
      if (!flow) throw new TRPCError({ code: "NOT_FOUND", message: `No flow "${input.flowKey}".` });
      const details = await flowSloDetails(ctx.db, flow.id);
      return details.map((d) => ({ ...d, description: describeSlo(d.slo) }));
    }),
  create: procedure("designer", "flow")
    .input(sloCreateInput)
    .mutation(({ ctx, input }) => createSlo(ctx, input)),
  update: procedure("designer", "slo")
    .input(sloUpdateInput)
    .mutation(({ ctx, input }) => updateSlo(ctx, input)),
  delete: procedure("designer", "slo")
    .input(z.object({ id: z.string().uuid() }))
    .mutation(({ ctx, input }) => deleteSlo(ctx, input)),
  /** Runs the minute job now (fold, evaluate, deliver). */
  evaluateNow: procedure("operator").mutation(async ({ ctx }) => ({
    fired: (await sloTick(ctx.db, { baseUrl: config().baseUrl })).evaluation.fired,
  })),
});

const contractsRouter = createTRPCRouter({
  list: procedure("viewer").query(({ ctx }) => listContracts(ctx.db)),
  create: procedure("designer")
    .input(z.object({ ...contractCreateFields, schema: jsonSchema }))
    .mutation(({ ctx, input }) => createContract(ctx, input)),
  check: procedure("viewer")
    .input(
      z.object({
        name: z.string().min(1).max(128),
        version: z.string().max(32),
        schema: jsonSchema,
        mode: z.enum(["BACKWARD", "FORWARD", "FULL", "NONE"]).optional(),
      }),
    )
    .query(({ ctx, input }) => checkContractProposal(ctx.db, input)),
  publish: procedure("designer")
    .input(
      z.object({
        name: z.string().min(1).max(128),
        version: z.string().max(32),
        schema: jsonSchema,
        changelog: z.string().max(2000),
        description: z.string().max(1000).optional(),
      }),
    )
    .mutation(({ ctx, input }) => publishContractVersion(ctx, input)),
  validatePayload: procedure("viewer")
    .input(z.object({ schema: jsonSchema, payload: z.unknown() }))
    .query(({ input }) => validatePayload(input.schema, input.payload)),
});

const versionInput = z.object({ versionId: z.string().uuid() });

const versionsRouter = createTRPCRouter({
  timeline: procedure("viewer")
    .input(z.object({ flowKey }))
    .query(({ ctx, input }) => versionTimeline(ctx.db, input.flowKey)),
  /** Requests waiting for a decision, with whether the caller may decide on each. */
  pending: procedure("viewer").query(async ({ ctx }) => {
    const rows = await ctx.db.flowVersion.findMany({
      where: { status: "pending_approval" },
      orderBy: { createdAt: "asc" },
      include: { flow: { include: { ownerTeam: true } } },
    });
    return rows.map((v) => ({
      id: v.id,
      flowKey: v.flow.key,
      flowName: v.flow.name,
      version: v.version,
      ownerTeam: v.flow.ownerTeam.name,
      changelog: v.changelog,
      createdAt: v.createdAt,
      canDecide:
        v.authorId !== ctx.user.id &&
        ctx.user.teamIds.includes(v.flow.ownerTeamId) &&
        (ctx.user.roles.includes("approver") || ctx.user.roles.includes("admin")),
    }));
  }),
  // The server validates the document, detects breaking changes and hashes it itself (versions.ts
  // documentChecks); a caller's own view of those is not an input.
  previewPolicy: procedure("designer")
    .input(z.object({ flowKey, version: z.string().max(32), dsl: z.unknown(), changelog: z.string().max(5000) }))
    .query(({ ctx, input }) => previewPolicy(ctx.db, input)),
  request: procedure("designer", "flow")
    .input(z.object({ flowKey, version: z.string().max(32), dsl: z.unknown(), changelog: z.string().max(5000) }))
    .mutation(({ ctx, input }) => requestVersion(ctx, input)),
  approve: procedure("approver")
    .input(versionInput)
    .mutation(({ ctx, input }) => approveVersion(ctx, input)),
  reject: procedure("approver")
    .input(versionInput.extend({ reason: z.string().min(3).max(2000) }))
    .mutation(({ ctx, input }) => rejectVersion(ctx, input)),
  override: procedure("admin")
    .input(versionInput.extend({ reason: z.string().max(2000) }))
    .mutation(({ ctx, input }) => overrideApproval(ctx, input)),
  deprecate: procedure("approver")
    .input(versionInput.extend({ sunsetAt: z.coerce.date(), reason: z.string().max(2000).optional() }))
    .mutation(({ ctx, input }) => deprecateVersion(ctx, input)),
  retire: procedure("approver")
    .input(versionInput.extend({ reason: z.string().max(2000).optional() }))
    .mutation(({ ctx, input }) => retireVersion(ctx, input)),
  // Stewards need not hold a role beyond viewer; the service checks steward or owning-team approver.
  classificationReview: procedure("viewer")
    .input(z.object({ flowKey, note: z.string().min(3).max(2000) }))
    .mutation(({ ctx, input }) => recordClassificationReview(ctx, input)),
});

export const governanceRouter = createTRPCRouter({
  catalog: catalogRouter,
  domains: domainsRouter,
  slo: sloRouter,
  contracts: contractsRouter,
  versions: versionsRouter,
  flows: createTRPCRouter({
    updateOwnership: procedure("approver")
      .input(ownershipInput)
      .mutation(({ ctx, input }) => updateFlowOwnership(ctx, input)),
  }),
  exports: createTRPCRouter({
    backstage: procedure("viewer").query(({ ctx }) => backstageCatalog(ctx.db)),
    openslo: procedure("viewer").query(({ ctx }) => openSloYaml(ctx.db)),
  }),
});
