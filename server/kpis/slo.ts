// Business SLOs (core/kpis/slo.ts): CRUD with audit, status (error budget, burn-rate rules) and alerts. The
// math is the technical SLOs' own (core/governance/slo-math.ts computeStatus / evaluateRules over 5-minute
// points); the events come from sql.ts sloPointsSql; alerts are delivered to the owner team's alert channel
// by the technical SLOs' own delivery (server/governance/alert-delivery.ts). Run by the SLO minute
// job (sloTick) and "Evaluate now".
import "server-only";
import type { Db } from "../db/client";
import type { Prisma } from "../db/generated/client";
import { appendAudit } from "../audit/audit";
import type { AuditFn } from "../audit/audit";
import { DomainError } from "../../core/domain-error";
import {
  BUCKET_MS,
  BURN_RATE_RULES,
  computeStatus,
  alertTransitions,
  evaluateRules,
  firingAlert,
  WindowSums,
  DAY,
  type Point,
  type SloSpec,
  type SloStatus,
} from "../../core/governance/slo-math";
import { BUSINESS_SLO_KINDS, thresholdProblem, type BusinessSloInput, type BusinessSloKpi } from "../../core/kpis/slo";
import { KPIS } from "../../core/kpis/definitions";
import { prismaSql } from "../runtime/sql";
import { sloPointsSql } from "./sql";
import { deliverAlertTransitions, type Poster } from "../governance/alert-delivery";
import { PRODUCTION } from "../../core/environment-scope";

type Row = Prisma.BusinessSloGetPayload<object>;

/** The technical SLO spec the shared math takes: a business SLO is a success-ratio SLO over its events. */
const specOf = (s: Row): SloSpec => ({
  kind: "success",
  target: s.target,
  windowDays: s.windowDays,
  thresholdMs: null,
  minEvents: s.minEvents,
});

/** The SLO's events as 5-minute points over [from, to). */
export async function sloPoints(db: Db, s: Row, from: Date, to: Date): Promise<Point[]> {
  const q = sloPointsSql(
    s.kpi as BusinessSloKpi,
    s.threshold,
    // Production only: a test-environment run is a trial, its facts are no service level.
    { from, to, environment: PRODUCTION, team: s.filterTeam ?? undefined, customer: s.filterCustomer ?? undefined },
    BUCKET_MS,
  );
  const rows = (await prismaSql(db).query(q.text, q.values)).rows as Array<{
    start: number;
    total: number;
    good: number;
  }>;
  return rows.map((r) => ({ start: Number(r.start), total: r.total, good: r.good }));
}

export interface BusinessSloView {
  id: string;
  name: string;
  kpi: BusinessSloKpi;
  kpiName: string;
  threshold: number | null;
  target: number;
  windowDays: number;
  minEvents: number;
  ownerTeam: { key: string; name: string } | null;
  filterTeam: string | null;
  filterCustomer: string | null;
  enabled: boolean;
  sentence: string;
  event: string;
  status: SloStatus;
  firing: Array<{ rule: string; severity: string; firedAt: string }>;
}

export async function listBusinessSlos(db: Db, now = new Date()): Promise<BusinessSloView[]> {
  const slos = await db.businessSlo.findMany({
    orderBy: { name: "asc" },
    include: { alerts: { where: { state: "firing" } } },
  });
  const teams = new Map(
    (await db.team.findMany({ select: { id: true, key: true, name: true } })).map((t) => [t.id, t]),
  );
  const out: BusinessSloView[] = [];
  for (const s of slos) {
    const kpi = s.kpi as BusinessSloKpi;
    const from = new Date(now.getTime() - s.windowDays * DAY - 2 * BUCKET_MS);
    const points = await sloPoints(db, s, from, new Date(now.getTime() + BUCKET_MS));
    const team = teams.get(s.teamId);
    out.push({
      id: s.id,
      name: s.name,
      kpi,
      kpiName: KPIS[kpi].name,
      threshold: s.threshold,
      target: s.target,
      windowDays: s.windowDays,
      minEvents: s.minEvents,
      ownerTeam: team ? { key: team.key, name: team.name } : null,
      filterTeam: s.filterTeam,
      filterCustomer: s.filterCustomer,
      enabled: s.enabled,
      sentence: BUSINESS_SLO_KINDS[kpi].describe(s.threshold, s.target),
      event: BUSINESS_SLO_KINDS[kpi].event,
      status: computeStatus(points, specOf(s), now.getTime()),
      firing: s.alerts.map((a) => ({ rule: a.rule, severity: a.severity, firedAt: a.firedAt.toISOString() })),
    });
  }
  return out;
}

async function teamIdOf(tx: Prisma.TransactionClient, key: string): Promise<string> {
  const t = await tx.team.findUnique({ where: { key }, select: { id: true } });
  if (!t) throw new DomainError("invalid", `There is no team "${key}".`, { field: "ownerTeamKey" });
  return t.id;
}

function check(i: BusinessSloInput): void {
  const p = thresholdProblem(i.kpi, i.threshold);
  if (p) throw new DomainError("invalid", p, { field: "threshold" });
}

const data = (i: BusinessSloInput) => ({
  name: i.name,
  kpi: i.kpi,
  threshold: i.threshold ?? null,
  target: i.target,
  windowDays: i.windowDays ?? 28,
  minEvents: i.minEvents ?? 10,
  filterTeam: i.filterTeam ?? null,
  filterCustomer: i.filterCustomer ?? null,
  enabled: i.enabled ?? true,
});

export async function createBusinessSlo(
  db: Db,
  audit: AuditFn,
  userId: string | null,
  i: BusinessSloInput,
): Promise<{ id: string }> {
  check(i);
  return db.$transaction(async (tx) => {
    if (await tx.businessSlo.findUnique({ where: { name: i.name }, select: { id: true } }))
      throw new DomainError("conflict", `A business SLO called "${i.name}" exists already.`, { field: "name" });
    const s = await tx.businessSlo.create({
      data: { ...data(i), teamId: await teamIdOf(tx, i.ownerTeamKey), createdById: userId },
    });
    await audit(tx, { action: "business_slo.create", entityType: "business_slo", entityId: s.id, after: { ...i } });
    return { id: s.id };
  });
}

export async function updateBusinessSlo(
  db: Db,
  audit: AuditFn,
  id: string,
  i: BusinessSloInput,
): Promise<{ id: string }> {
  check(i);
  return db.$transaction(async (tx) => {
    const before = await tx.businessSlo.findUnique({ where: { id } });
    if (!before) throw new DomainError("not_found", "No such business SLO.");
    const s = await tx.businessSlo.update({
      where: { id },
      data: { ...data(i), teamId: await teamIdOf(tx, i.ownerTeamKey) },
    });
    await audit(tx, {
      action: "business_slo.update",
      entityType: "business_slo",
      entityId: id,
      before: { ...before, createdAt: undefined, updatedAt: undefined },
      after: { ...i },
    });
    return { id: s.id };
  });
}

export async function deleteBusinessSlo(db: Db, audit: AuditFn, id: string): Promise<{ id: string }> {
  return db.$transaction(async (tx) => {
    const before = await tx.businessSlo.findUnique({ where: { id } });
    if (!before) throw new DomainError("not_found", "No such business SLO.");
    await tx.businessSlo.delete({ where: { id } });
    await audit(tx, {
      action: "business_slo.delete",
      entityType: "business_slo",
      entityId: id,
      before: { name: before.name },
    });
    return { id };
  });
}

/** Opens and resolves business SLO alerts at `now` with the shared burn-rate rules. */
export async function evaluateBusinessAlerts(db: Db, now = new Date()): Promise<{ fired: number; resolved: number }> {
  const slos = await db.businessSlo.findMany({ where: { enabled: true } });
  const longest = Math.max(...BURN_RATE_RULES.map((r) => r.longMs));
  let fired = 0;
  let resolved = 0;
  for (const s of slos) {
    const points = await sloPoints(
      db,
      s,
      new Date(now.getTime() - longest - 2 * BUCKET_MS),
      new Date(now.getTime() + BUCKET_MS),
    );
    const evals = evaluateRules(new WindowSums(points), now.getTime(), specOf(s));
    await db.$transaction(async (tx) => {
      // One evaluator per SLO at a time: two workers never both open the same alert.
      await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtextextended(${`business-slo:${s.id}`}, 0))`;
      const open = await tx.businessSloAlert.findMany({ where: { sloId: s.id, state: "firing" } });
      const t = alertTransitions(evals, open);
      for (const e of t.fire) {
        await tx.businessSloAlert.create({ data: { ...firingAlert(e, now), sloId: s.id, teamId: s.teamId } });
        await appendAudit(tx, {
          actor: null,
          action: "business_slo.alert_fired",
          entityType: "business_slo",
          entityId: s.id,
          after: { name: s.name, rule: e.rule.id, burnLong: e.long.burnRate, burnShort: e.short.burnRate },
        });
        fired++;
      }
      for (const current of t.resolve) {
        await tx.businessSloAlert.update({ where: { id: current.id }, data: { state: "resolved", resolvedAt: now } });
        await appendAudit(tx, {
          actor: null,
          action: "business_slo.alert_resolved",
          entityType: "business_slo",
          entityId: s.id,
          after: { name: s.name, rule: current.rule },
        });
        resolved++;
      }
    });
  }
  return { fired, resolved };
}

/** Sends each business SLO alert transition once to the owner team's webhook (governance/alert-delivery.ts). */
export async function deliverBusinessAlerts(
  db: Db,
  opts: { post?: Poster; baseUrl?: string; now?: Date } = {},
): Promise<{ sent: number; failed: number }> {
  return deliverAlertTransitions(
    db,
    {
      pending: (where) => db.businessSloAlert.findMany({ where, include: { slo: true }, orderBy: { firedAt: "asc" } }),
      claim: async (id, field, now) =>
        (await db.businessSloAlert.updateMany({ where: { id, [field]: null }, data: { [field]: now } })).count > 0,
      delivered: async (id) =>
        void (await db.businessSloAlert.update({ where: { id }, data: { lastDeliveryError: null } })),
      failed: async (id, field, error) =>
        void (await db.businessSloAlert.update({ where: { id }, data: { [field]: null, lastDeliveryError: error } })),
    },
    async (a) => ({
      // A business SLO belongs to no flow: the KPI stands in its place.
      flow: { key: `kpi:${a.slo.kpi}`, name: KPIS[a.slo.kpi as BusinessSloKpi]?.name ?? a.slo.kpi },
      slo: { name: a.slo.name, kind: `business:${a.slo.kpi}`, target: a.slo.target, windowDays: a.slo.windowDays },
      link: `${opts.baseUrl ?? ""}/business`,
    }),
    opts,
  );
}
