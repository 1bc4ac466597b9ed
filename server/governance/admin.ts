// Editing governance records: SLO definitions, domains (owner, charter, stewards, policy), team alert
// channels and a flow's ownership fields. Every change is audited in its transaction.
import "server-only";
import { DomainError } from "../../core/domain-error";
import type { Db } from "../db/client";
import { hasRole } from "../../core/roles";
import type { GovCtx } from "./context";
import { isValidThreshold, formatDuration, type SloKind } from "../../core/governance/slo-math";
import { loadStandards } from "./standards";
import { assertPublicUrl, UnsafeUrlError } from "./webhook";
import { CLASSIFICATIONS } from "../../core/flow-constants";

export interface SloInput {
  flowKey: string;
  name: string;
  kind: SloKind;
  target: number;
  windowDays?: number;
  thresholdMs?: number | null;
  minEvents?: number;
  enabled?: boolean;
}

function checkSlo(i: Pick<SloInput, "kind" | "target" | "thresholdMs">): void {
  if (!(i.target > 0 && i.target < 1))
    throw new DomainError("invalid", "The target is a fraction between 0 and 1, e.g. 0.99.");
  if (i.kind === "success" && i.thresholdMs != null)
    throw new DomainError("invalid", "A success-ratio SLO has no threshold.");
  if (i.kind !== "success" && (i.thresholdMs == null || !isValidThreshold(i.thresholdMs))) {
    throw new DomainError("invalid", `A ${i.kind} SLO needs a threshold from the fixed ladder (100 ms … 7 d).`);
  }
}

export async function createSlo(ctx: GovCtx, input: SloInput) {
  checkSlo(input);
  return ctx.db.$transaction(async (tx) => {
    const flow = await tx.flow.findUnique({ where: { key: input.flowKey }, select: { id: true, key: true } });
    if (!flow) throw new DomainError("not_found", `No flow "${input.flowKey}".`);
    if (
      await tx.slo.findUnique({ where: { flowId_name: { flowId: flow.id, name: input.name } }, select: { id: true } })
    ) {
      throw new DomainError("conflict", `This flow already has an SLO named "${input.name}".`);
    }
    const std = await loadStandards(tx);
    const slo = await tx.slo.create({
      data: {
        flowId: flow.id,
        name: input.name,
        kind: input.kind,
        target: input.target,
        windowDays: input.windowDays ?? std.sloWindowDays,
        thresholdMs: input.kind === "success" ? null : (input.thresholdMs ?? null),
        minEvents: input.minEvents ?? std.minEvents,
        enabled: input.enabled ?? true,
        createdById: ctx.user.id,
      },
    });
    await ctx.audit(tx, {
      action: "slo.created",
      entityType: "slo",
      entityId: `${flow.key}/${slo.name}`,
      after: {
        kind: slo.kind,
        target: slo.target,
        windowDays: slo.windowDays,
        thresholdMs: slo.thresholdMs,
        minEvents: slo.minEvents,
      },
    });
    return slo;
  });
}

export async function updateSlo(ctx: GovCtx, input: { id: string } & Partial<Omit<SloInput, "flowKey" | "kind">>) {
  return ctx.db.$transaction(async (tx) => {
    const before = await tx.slo.findUnique({ where: { id: input.id } });
    if (!before) throw new DomainError("not_found", "No such SLO.");
    const next = {
      kind: before.kind,
      target: input.target ?? before.target,
      thresholdMs: input.thresholdMs === undefined ? before.thresholdMs : input.thresholdMs,
    };
    checkSlo(next);
    const slo = await tx.slo.update({
      where: { id: input.id },
      data: {
        name: input.name,
        target: input.target,
        windowDays: input.windowDays,
        thresholdMs: input.thresholdMs,
        minEvents: input.minEvents,
        enabled: input.enabled,
      },
    });
    const flow = await tx.flow.findUnique({ where: { id: slo.flowId }, select: { key: true } });
    const pick = (s: typeof slo) => ({
      name: s.name,
      target: s.target,
      windowDays: s.windowDays,
      thresholdMs: s.thresholdMs,
      minEvents: s.minEvents,
      enabled: s.enabled,
    });
    await ctx.audit(tx, {
      action: "slo.updated",
      entityType: "slo",
      entityId: `${flow?.key}/${before.name}`,
      before: pick(before),
      after: pick(slo),
    });
    return slo;
  });
}

export async function deleteSlo(ctx: GovCtx, input: { id: string }) {
  return ctx.db.$transaction(async (tx) => {
    const before = await tx.slo.findUnique({ where: { id: input.id } });
    if (!before) throw new DomainError("not_found", "No such SLO.");
    await tx.slo.delete({ where: { id: input.id } });
    const flow = await tx.flow.findUnique({ where: { id: before.flowId }, select: { key: true } });
    await ctx.audit(tx, {
      action: "slo.deleted",
      entityType: "slo",
      entityId: `${flow?.key}/${before.name}`,
      before: { kind: before.kind, target: before.target },
    });
    return { ok: true };
  });
}

export function describeSlo(s: {
  kind: string;
  target: number;
  thresholdMs: number | null;
  windowDays: number;
}): string {
  const pct = `${+(s.target * 100).toFixed(3)}%`;
  if (s.kind === "success") return `${pct} of runs succeed over ${s.windowDays} days`;
  const under = formatDuration(s.thresholdMs ?? 0);
  return s.kind === "latency"
    ? `${pct} of runs complete within ${under} over ${s.windowDays} days`
    : `${pct} of runs complete within ${under} of the source event over ${s.windowDays} days`;
}

export async function listDomains(db: Db) {
  const rows = await db.govDomain.findMany({ orderBy: [{ kind: "asc" }, { key: "asc" }], include: { stewards: true } });
  const teams = new Map(
    (await db.team.findMany({ select: { id: true, key: true, name: true } })).map((t) => [t.id, t]),
  );
  const users = new Map(
    (
      await db.user.findMany({
        where: { id: { in: rows.flatMap((r) => r.stewards.map((s) => s.userId)) } },
        select: { id: true, name: true, email: true },
      })
    ).map((u) => [u.id, u]),
  );
  return rows.map((r) => ({
    key: r.key,
    name: r.name,
    kind: r.kind,
    charter: r.charter,
    policy: r.policy as Record<string, unknown>,
    ownerTeam: teams.get(r.ownerTeamId) ?? null,
    stewards: r.stewards
      .map((s) => users.get(s.userId))
      .filter((u): u is { id: string; name: string; email: string } => !!u),
  }));
}

export async function updateDomain(
  ctx: GovCtx,
  input: {
    key: string;
    ownerTeamKey?: string;
    charter?: string;
    stewardEmails?: string[];
    policy?: Record<string, number>;
  },
) {
  if (!ctx.user.roles.includes("admin"))
    throw new DomainError("forbidden", "Only an admin may change domain ownership.");
  return ctx.db.$transaction(async (tx) => {
    const before = await tx.govDomain.findUnique({ where: { key: input.key }, include: { stewards: true } });
    if (!before) throw new DomainError("not_found", `No domain "${input.key}".`);
    let ownerTeamId = before.ownerTeamId;
    if (input.ownerTeamKey) {
      const team = await tx.team.findUnique({ where: { key: input.ownerTeamKey } });
      if (!team) throw new DomainError("not_found", `No team "${input.ownerTeamKey}".`);
      ownerTeamId = team.id;
    }
    await tx.govDomain.update({
      where: { key: input.key },
      data: {
        ownerTeamId,
        charter: input.charter,
        policy: input.policy ? { ...(before.policy as object), ...input.policy } : undefined,
      },
    });
    if (input.stewardEmails) {
      const users = await tx.user.findMany({
        where: { email: { in: input.stewardEmails } },
        select: { id: true, email: true },
      });
      const missing = input.stewardEmails.filter((e) => !users.some((u) => u.email === e));
      if (missing.length) throw new DomainError("not_found", `No user ${missing.join(", ")}.`);
      await tx.govDomainSteward.deleteMany({ where: { domainKey: input.key } });
      await tx.govDomainSteward.createMany({ data: users.map((u) => ({ domainKey: input.key, userId: u.id })) });
    }
    await ctx.audit(tx, {
      action: "domain.updated",
      entityType: "domain",
      entityId: input.key,
      before: {
        ownerTeamId: before.ownerTeamId,
        charter: before.charter,
        policy: before.policy,
        stewards: before.stewards.map((s) => s.userId),
      },
      after: {
        ownerTeamId,
        charter: input.charter ?? before.charter,
        policy: input.policy ?? null,
        stewardEmails: input.stewardEmails ?? null,
      },
    });
    return { ok: true };
  });
}

export async function setTeamAlertChannel(
  ctx: GovCtx,
  input: { teamKey: string; webhookUrl: string | null; enabled?: boolean },
) {
  return ctx.db.$transaction(async (tx) => {
    const team = await tx.team.findUnique({ where: { key: input.teamKey } });
    if (!team) throw new DomainError("not_found", `No team "${input.teamKey}".`);
    const member =
      ctx.user.teamIds.includes(team.id) &&
      (hasRole(ctx.user.roles, "approver") || hasRole(ctx.user.roles, "designer"));
    if (!ctx.user.roles.includes("admin") && !member)
      throw new DomainError(
        "forbidden",
        `Only ${team.name}'s designers and approvers, or an admin, may set where its alerts go.`,
      );
    if (input.webhookUrl) {
      try {
        await assertPublicUrl(input.webhookUrl);
      } catch (e) {
        if (e instanceof UnsafeUrlError || e instanceof Error)
          throw new DomainError("invalid", `Refused webhook URL: ${e.message}`);
        throw e;
      }
    }
    const before = await tx.teamAlertChannel.findUnique({ where: { teamId: team.id } });
    const row = await tx.teamAlertChannel.upsert({
      where: { teamId: team.id },
      update: { webhookUrl: input.webhookUrl, enabled: input.enabled ?? true, updatedById: ctx.user.id },
      create: {
        teamId: team.id,
        webhookUrl: input.webhookUrl,
        enabled: input.enabled ?? true,
        updatedById: ctx.user.id,
      },
    });
    await ctx.audit(tx, {
      action: "team.alert_channel_set",
      entityType: "team",
      entityId: team.key,
      before: before ? { webhookUrl: before.webhookUrl, enabled: before.enabled } : null,
      after: { webhookUrl: row.webhookUrl, enabled: row.enabled },
    });
    return { teamKey: team.key, webhookUrl: row.webhookUrl, enabled: row.enabled };
  });
}

export async function updateFlowOwnership(
  ctx: GovCtx,
  input: {
    flowKey: string;
    ownerTeamKey?: string;
    onCall?: string | null;
    classification?: (typeof CLASSIFICATIONS)[number];
  },
) {
  return ctx.db.$transaction(async (tx) => {
    const flow = await tx.flow.findUnique({ where: { key: input.flowKey }, include: { ownerTeam: true } });
    if (!flow) throw new DomainError("not_found", `No flow "${input.flowKey}".`);
    const canManage =
      ctx.user.roles.includes("admin") ||
      (hasRole(ctx.user.roles, "approver") && ctx.user.teamIds.includes(flow.ownerTeamId));
    if (!canManage)
      throw new DomainError(
        "forbidden",
        `Only approvers of ${flow.ownerTeam.name} or an admin may change this flow's ownership.`,
      );
    let ownerTeamId = flow.ownerTeamId;
    if (input.ownerTeamKey) {
      const team = await tx.team.findUnique({ where: { key: input.ownerTeamKey } });
      if (!team) throw new DomainError("not_found", `No team "${input.ownerTeamKey}".`);
      ownerTeamId = team.id;
    }
    const after = await tx.flow.update({
      where: { id: flow.id },
      data: { ownerTeamId, onCall: input.onCall, classification: input.classification },
    });
    await ctx.audit(tx, {
      action: "flow.ownership_updated",
      entityType: "flow",
      entityId: flow.key,
      before: { ownerTeamId: flow.ownerTeamId, onCall: flow.onCall, classification: flow.classification },
      after: { ownerTeamId: after.ownerTeamId, onCall: after.onCall, classification: after.classification },
    });
    return { ok: true };
  });
}
