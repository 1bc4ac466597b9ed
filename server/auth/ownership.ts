// Team ownership: who may change what. Roles say what kind of work a person does; teams say whose work it is.
//   - A flow belongs to its owner team: designers edit, test and run only their teams' flows.
//   - An exception belongs to its assignee team, else its flow's owner team (the queue's "owner team",
//     server/exceptions/queue.ts): operators act only on their teams' exceptions (and cancel only runs of their
//     teams' flows). Revealing masked payloads is a read, audited per view, and stays open to every operator.
//   - Cross-team grant: admins, and members of the platform team (PLATFORM_TEAM_KEY, "Platform Engineering"),
//     who run the platform for everyone.
// Procedures declare what they act on (`procedure(role, owns)` in server/api/trpc.ts); the gate resolves the
// owner team from the input and refuses with the reason. Pages ask the same functions (`flowAccess`,
// `exceptionAccess`) so the UI shows the same reason read-only instead of failing on save.
import "server-only";
import type { Db } from "../db/client";
import type { Role } from "../../core/roles";
import { countMatching } from "../exceptions/bulk";
import { bulkScopeSchema, withDefaultEnvironment } from "../../core/exceptions/filter";

export const PLATFORM_TEAM_KEY = "platform";

/** What a team-scoped procedure acts on; the gate finds the owner team(s) from the named input fields. */
export type Owns =
  | "flow" // input.flowKey
  | "run" // input.runId → its flow
  | "exception" // input.id or input.ids
  | "slo" // input.id (an SLO) → its flow
  | "team" // input.ownerTeamKey (a flow being created)
  | "flowDocument" // input.document (a weft/1 file being imported): the existing flow, else the file's owner
  | "exceptionFilter" // input.filter (a bulk action's scope): every exception it matches must be the caller's teams'
  | "bulkAction" // input.id (a bulk action): its exceptions' teams were checked at start; only the requester or cross-team may cancel
  | "businessSlo"; // input.id (a business SLO) → its owner team, and input.ownerTeamKey (the owner it gets)

export interface Actor {
  id: string;
  roles: readonly Role[];
  teamIds: readonly string[];
}

export interface Access {
  allowed: boolean;
  /** Why not, in words a person can act on; null when allowed. */
  reason: string | null;
}

const ALLOWED: Access = { allowed: true, reason: null };

async function platformTeamId(db: Db): Promise<string | null> {
  return (await db.team.findUnique({ where: { key: PLATFORM_TEAM_KEY }, select: { id: true } }))?.id ?? null;
}

export async function hasCrossTeamGrant(db: Db, user: Actor): Promise<boolean> {
  if (user.roles.includes("admin")) return true;
  const platform = await platformTeamId(db);
  return platform !== null && user.teamIds.includes(platform);
}

async function teamNames(db: Db, ids: readonly string[]): Promise<string> {
  const teams = await db.team.findMany({
    where: { id: { in: [...ids] } },
    select: { name: true },
    orderBy: { name: "asc" },
  });
  return teams.map((t) => t.name).join(", ") || "no team";
}

/** May the user change things owned by every one of these teams? */
async function teamsAccess(
  db: Db,
  user: Actor,
  owners: readonly string[],
  what: (teams: string) => string,
): Promise<Access> {
  const foreign = [...new Set(owners)].filter((t) => !user.teamIds.includes(t));
  if (!foreign.length || (await hasCrossTeamGrant(db, user))) return ALLOWED;
  return { allowed: false, reason: what(await teamNames(db, foreign)) };
}

export async function flowAccess(db: Db, user: Actor, flow: { key: string; ownerTeamId: string }): Promise<Access> {
  return teamsAccess(
    db,
    user,
    [flow.ownerTeamId],
    (team) =>
      `${flow.key} belongs to ${team}: only its designers, admins and Platform Engineering may change or run it.`,
  );
}

export async function exceptionAccess(db: Db, user: Actor, exceptionIds: readonly string[]): Promise<Access> {
  const rows = await db.exception.findMany({
    where: { id: { in: [...exceptionIds] } },
    select: { assigneeTeamId: true, flowId: true },
  });
  const flows = await db.flow.findMany({
    where: { id: { in: [...new Set(rows.map((r) => r.flowId))] } },
    select: { id: true, ownerTeamId: true },
  });
  const ownerOf = new Map(flows.map((f) => [f.id, f.ownerTeamId]));
  const owners = rows.map((r) => r.assigneeTeamId ?? ownerOf.get(r.flowId)).filter((t): t is string => !!t);
  return teamsAccess(db, user, owners, (team) =>
    exceptionIds.length === 1
      ? `This exception belongs to ${team}: only its operators, admins and Platform Engineering may act on it.`
      : `Some of these exceptions belong to ${team}: only their operators, admins and Platform Engineering may act on them.`,
  );
}

type Raw = Record<string, unknown>;
const str = (v: unknown): string | null => (typeof v === "string" && v.length > 0 && v.length <= 200 ? v : null);
const uuid = (v: unknown): string | null => (typeof v === "string" && /^[0-9a-f-]{36}$/i.test(v) ? v : null);

/**
 * The gate's question for a team-scoped procedure: null when the caller may go ahead, else the reason. Input
 * the procedure will refuse anyway (missing fields, unknown keys) is let through to its own 400 / 404.
 */
export async function ownershipDenial(db: Db, user: Actor, owns: Owns, rawInput: unknown): Promise<string | null> {
  const input = (rawInput && typeof rawInput === "object" ? rawInput : {}) as Raw;
  const flowByKey = async (key: string | null) =>
    key ? db.flow.findUnique({ where: { key }, select: { key: true, ownerTeamId: true } }) : null;
  let access: Access = ALLOWED;
  switch (owns) {
    case "flow": {
      const flow = await flowByKey(str(input.flowKey));
      if (flow) access = await flowAccess(db, user, flow);
      break;
    }
    case "run": {
      const id = uuid(input.runId);
      const run = id
        ? await db.run.findUnique({ where: { id }, select: { flow: { select: { key: true, ownerTeamId: true } } } })
        : null;
      if (run) access = await flowAccess(db, user, run.flow);
      break;
    }
    case "slo": {
      const id = uuid(input.id);
      const slo = id ? await db.slo.findUnique({ where: { id }, select: { flowId: true } }) : null;
      const flow = slo
        ? await db.flow.findUnique({ where: { id: slo.flowId }, select: { key: true, ownerTeamId: true } })
        : null;
      if (flow) access = await flowAccess(db, user, flow);
      break;
    }
    case "exception": {
      const ids = (Array.isArray(input.ids) ? input.ids : [input.id]).map(uuid).filter((x): x is string => x !== null);
      if (ids.length) access = await exceptionAccess(db, user, ids.slice(0, 500));
      break;
    }
    case "team": {
      const key = str(input.ownerTeamKey);
      const team = key ? await db.team.findUnique({ where: { key }, select: { id: true } }) : null;
      if (team)
        access = await teamsAccess(
          db,
          user,
          [team.id],
          (name) => `Only ${name}'s designers, admins and Platform Engineering may create flows owned by ${name}.`,
        );
      break;
    }
    case "flowDocument": {
      const doc = (input.document && typeof input.document === "object" ? input.document : {}) as Raw;
      const existing = await flowByKey(str(doc.key));
      if (existing) access = await flowAccess(db, user, existing);
      else {
        const team = str(doc.owner)
          ? await db.team.findUnique({ where: { key: str(doc.owner)! }, select: { id: true } })
          : null;
        if (team)
          access = await teamsAccess(
            db,
            user,
            [team.id],
            (name) => `Only ${name}'s designers, admins and Platform Engineering may import flows owned by ${name}.`,
          );
      }
      break;
    }
    case "businessSlo": {
      const id = uuid(input.id);
      const slo = id ? await db.businessSlo.findUnique({ where: { id }, select: { teamId: true } }) : null;
      const key = str(input.ownerTeamKey);
      const team = key ? await db.team.findUnique({ where: { key }, select: { id: true } }) : null;
      const teamIds = [...new Set([slo?.teamId, team?.id].filter((x): x is string => !!x))];
      if (teamIds.length)
        access = await teamsAccess(
          db,
          user,
          teamIds,
          (name) =>
            `Only ${name}'s designers, admins and Platform Engineering may change business SLOs owned by ${name}.`,
        );
      break;
    }
    case "exceptionFilter": {
      const parsed = bulkScopeSchema.safeParse(input.filter);
      if (!parsed.success) break;
      // The scope the action will cover: without an environment, the caller's default (as exceptions.bulkStart).
      const scope = withDefaultEnvironment(parsed.data, user.roles);
      if (scope.ids) {
        access = await exceptionAccess(db, user, scope.ids);
        break;
      }
      if (await hasCrossTeamGrant(db, user)) break;
      // Counted with the bulk job's own matcher: all matches minus those owned by the caller's teams.
      const total = await countMatching(db, scope, user.id);
      const teams = scope.teamId ? user.teamIds.filter((t) => t === scope.teamId) : user.teamIds;
      let mine = 0;
      for (const teamId of teams) mine += await countMatching(db, { ...scope, teamId }, user.id);
      if (total > mine) {
        access = {
          allowed: false,
          reason: `${total - mine} of the ${total} exceptions this covers belong to other teams: filter by your team (${await teamNames(db, user.teamIds)}) first.`,
        };
      }
      break;
    }
    case "bulkAction": {
      const id = uuid(input.id);
      const row = id ? await db.bulkAction.findUnique({ where: { id }, select: { createdById: true } }) : null;
      if (row && row.createdById !== user.id && !(await hasCrossTeamGrant(db, user))) {
        access = {
          allowed: false,
          reason: "Only the operator who started this bulk action, an admin or Platform Engineering may cancel it.",
        };
      }
      break;
    }
  }
  return access.allowed ? null : access.reason;
}
