// Saved views (a user's named queue filters) and per-flow ageing thresholds.
import "server-only";
import { DomainError } from "../../core/domain-error";
import type { Db } from "../db/client";
import type { AuditFn } from "../audit/audit";
import { cleanFilter, exceptionFilterSchema, type ExceptionFilter } from "../../core/exceptions/filter";
import { DEFAULT_AGEING_HOURS } from "./queue";

export async function listViews(db: Db, userId: string) {
  const rows = await db.savedView.findMany({ where: { userId }, orderBy: { name: "asc" } });
  return rows.map((r) => ({
    id: r.id,
    name: r.name,
    filter: exceptionFilterSchema.parse(r.filter),
    createdAt: r.createdAt,
  }));
}

export async function saveView(db: Db, userId: string, name: string, filter: ExceptionFilter) {
  const clean = cleanFilter(filter);
  const row = await db.savedView.upsert({
    where: { userId_name: { userId, name } },
    update: { filter: clean as object },
    create: { userId, name, filter: clean as object },
  });
  return { id: row.id, name: row.name, filter: clean };
}

export async function deleteView(db: Db, userId: string, id: string) {
  const { count } = await db.savedView.deleteMany({ where: { id, userId } });
  if (!count) throw new DomainError("not_found", "Saved view not found.");
  return { deleted: true };
}

export async function ageingPolicies(db: Db) {
  const flows = await db.flow.findMany({
    where: { lifecycle: { not: "retired" } },
    select: { id: true, key: true, name: true },
    orderBy: { name: "asc" },
  });
  const policies = await db.exceptionPolicy.findMany();
  return flows.map((f) => ({
    flowKey: f.key,
    flowName: f.name,
    ageingHours: policies.find((p) => p.flowId === f.id)?.ageingHours ?? DEFAULT_AGEING_HOURS,
  }));
}

export async function setAgeing(d: { db: Db; audit: AuditFn; userId: string }, flowKey: string, hours: number) {
  return d.db.$transaction(async (tx) => {
    const flow = await tx.flow.findUnique({ where: { key: flowKey }, select: { id: true } });
    if (!flow) throw new DomainError("not_found", `Flow ${flowKey} not found.`);
    const before = await tx.exceptionPolicy.findUnique({ where: { flowId: flow.id } });
    await tx.exceptionPolicy.upsert({
      where: { flowId: flow.id },
      update: { ageingHours: hours, updatedById: d.userId, updatedAt: new Date() },
      create: { flowId: flow.id, ageingHours: hours, updatedById: d.userId },
    });
    await d.audit(tx, {
      action: "exception.ageing_threshold",
      entityType: "flow",
      entityId: flowKey,
      before: { ageingHours: before?.ageingHours ?? DEFAULT_AGEING_HOURS },
      after: { ageingHours: hours },
    });
    return { flowKey, ageingHours: hours };
  });
}
