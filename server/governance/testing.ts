// Test fixtures for governance: teams, users with roles and memberships, flows, finished runs, and a
// service context whose audit writer is the real one.
import "server-only";
import { randomUUID } from "node:crypto";
import type { Db } from "../db/client";
import type { Role } from "../../core/roles";
import { appendAudit } from "../audit/audit";
import type { SessionUser } from "../auth/session-user";
import type { GovCtx } from "./context";
import type { Lifecycle } from "../../core/flow-constants";

export async function ensureTeam(db: Db, key: string, name = key): Promise<string> {
  const t = await db.team.upsert({ where: { key }, update: {}, create: { key, name } });
  return t.id;
}

export async function makeUser(db: Db, email: string, roles: Role[], teamKeys: string[]): Promise<SessionUser> {
  const id = randomUUID();
  await db.user.create({ data: { id, email, name: email.split("@")[0]!, roles } });
  const teamIds: string[] = [];
  for (const k of teamKeys) {
    const teamId = await ensureTeam(db, k);
    await db.teamMember.create({ data: { teamId, userId: id } });
    teamIds.push(teamId);
  }
  return { id, email, name: email.split("@")[0]!, roles, teamIds };
}

export function govCtx(db: Db, user: SessionUser): GovCtx {
  return {
    db,
    user,
    audit: (tx, e) => appendAudit(tx, { ...e, actor: { id: user.id, email: user.email }, requestId: "test" }),
  };
}

export async function makeFlow(
  db: Db,
  f: {
    key: string;
    teamKey: string;
    domain?: string;
    classification?: string;
    lifecycle?: Lifecycle;
    name?: string;
    draft?: unknown;
  },
): Promise<string> {
  const ownerTeamId = await ensureTeam(db, f.teamKey);
  const row = await db.flow.create({
    data: {
      key: f.key,
      name: f.name ?? f.key,
      domain: f.domain ?? "invoice",
      ownerTeamId,
      classification: f.classification ?? "internal",
      lifecycle: f.lifecycle ?? "draft",
      draft: (f.draft ?? {}) as object,
      onCall: "oncall@weft.local",
    },
  });
  return row.id;
}

/** Inserts finished runs directly (what the runtime writes), e.g. to feed the SLO fold. */
export async function insertRuns(
  db: Db,
  flowId: string,
  runs: ReadonlyArray<{
    status: "succeeded" | "failed" | "running" | "cancelled";
    createdAt: Date;
    startedAt?: Date;
    finishedAt?: Date | null;
    input?: unknown;
    isTest?: boolean;
    environment?: string;
  }>,
): Promise<string[]> {
  const ids: string[] = [];
  for (const r of runs) {
    const id = randomUUID();
    ids.push(id);
    await db.run.create({
      data: {
        id,
        flowId,
        status: r.status,
        isTest: r.isTest ?? false,
        environment: r.environment ?? "production",
        triggerType: "webhook",
        input: (r.input ?? {}) as object,
        createdAt: r.createdAt,
        startedAt: r.startedAt ?? r.createdAt,
        finishedAt: r.finishedAt === undefined ? (r.status === "running" ? null : r.createdAt) : r.finishedAt,
      },
    });
  }
  return ids;
}
