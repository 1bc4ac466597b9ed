// Walks every tRPC procedure in the app router and proves that it refuses an anonymous caller and a
// caller without its declared role, and that no procedure forgets to declare one; then team × procedure:
// every flow-mutating and exception-acting procedure refuses a member of another team with the reason, and
// lets the owner team, Platform Engineering and admins through.
import { TRPCError } from "@trpc/server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../testing/db";
import { ROLES, type Role } from "../../core/roles";
import { buildAppRouter } from "./root";
import { createCallerFactory } from "./trpc";
import type { Context, Meta } from "./trpc";
import type { SessionUser } from "../auth/session-user";
import { ownershipDenial, PLATFORM_TEAM_KEY, type Owns } from "../auth/ownership";
import { ensureTeam, insertRuns, makeFlow } from "../governance/testing";

type AnyProc = { _def: { type: "query" | "mutation" | "subscription"; meta?: Meta } };
// The router as demo mode builds it: every procedure, the demo workspace's included.
const appRouter = buildAppRouter({ demo: true });
const createCaller = createCallerFactory(appRouter);
const procedures = Object.entries(appRouter._def.procedures as unknown as Record<string, AnyProc>);

function call(ctx: Context, path: string, input?: unknown): Promise<unknown> {
  const caller = createCaller(ctx) as unknown as Record<string, unknown>;
  const fn = path.split(".").reduce<unknown>((o, k) => (o as Record<string, unknown>)[k], caller) as (
    i?: unknown,
  ) => Promise<unknown>;
  return fn(input);
}

async function outcomeOf(p: Promise<unknown>): Promise<{ code: string; message: string }> {
  try {
    await p;
    return { code: "OK", message: "" };
  } catch (e) {
    return e instanceof TRPCError
      ? { code: e.code, message: e.message }
      : { code: `THREW ${(e as Error).message}`, message: (e as Error).message };
  }
}

async function codeOf(p: Promise<unknown>): Promise<string> {
  return (await outcomeOf(p)).code;
}

/** Every procedure that changes a flow or acts on a run or an exception: each must be team-scoped. */
const TEAM_SCOPED: Record<string, Owns> = {
  "flows.create": "team",
  "flows.saveDraft": "flow",
  "flows.saveDraftAsCopy": "flow",
  "flows.pinSample": "flow",
  "flows.unpinSample": "flow",
  "flowVersions.restore": "flow",
  "polls.activate": "flow",
  "flowFiles.import": "flowDocument",
  "runs.start": "flow",
  "reconciliations.runNow": "flow",
  "reconciliations.resync": "exception",
  "runs.test": "flow",
  "runs.cancel": "run",
  "exceptions.retry": "exception",
  "exceptions.replay": "exception",
  "exceptions.replayLatest": "exception",
  "exceptions.replayPlan": "exception",
  "exceptions.skip": "exception",
  "exceptions.resolve": "exception",
  "exceptions.assign": "exception",
  "exceptions.comment": "exception",
  "exceptions.bulkStart": "exceptionFilter",
  "exceptions.bulkCancel": "bulkAction",
  "exceptions.setAgeing": "flow",
  "governance.slo.create": "flow",
  "governance.slo.update": "slo",
  "governance.slo.delete": "slo",
  "governance.versions.request": "flow",
  "kpis.slo.create": "businessSlo",
  "kpis.slo.update": "businessSlo",
  "kpis.slo.delete": "businessSlo",
  "environments.deploy": "flow",
  "environments.run": "flow",
  "environments.requestPromotion": "flow",
};

describe("role matrix", () => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase();
  });
  afterAll(() => t.drop());

  const ctx = (roles: Role[] | null): Context => ({
    db: t.db,
    requestId: "test",
    user: roles ? { id: "u-test", email: "t@weft.local", name: "T", roles, teamIds: [] } : null,
  });

  it("covers a non-trivial router", () => {
    expect(procedures.length).toBeGreaterThanOrEqual(6);
  });

  it.each(procedures)("%s declares a role", (_path, proc) => {
    expect(ROLES).toContain(proc._def.meta?.role);
  });

  it.each(procedures)("%s refuses an anonymous caller", async (path) => {
    expect(await codeOf(call(ctx(null), path))).toBe("UNAUTHORIZED");
  });

  it.each(procedures)("%s refuses every caller without its role", async (path, proc) => {
    const required = proc._def.meta!.role;
    if (required === "viewer") return; // every signed-in user holds viewer
    for (const role of ROLES) {
      if (role === required || role === "admin") continue;
      expect(await codeOf(call(ctx([role]), path)), `${path} as ${role}`).toBe("FORBIDDEN");
    }
  });

  it("kpis: every signed-in role reads the Business page; a team filter naming no team is refused by name", async () => {
    for (const role of ROLES) expect(await codeOf(call(ctx([role]), "kpis.summary", {})), role).toBe("OK");
    const bad = await outcomeOf(call(ctx(["viewer"]), "kpis.drill", { kpi: "touchless-rate", team: "no-such-team" }));
    expect(bad).toEqual({ code: "BAD_REQUEST", message: 'There is no team "no-such-team".' });
  });

  it.each(procedures)("%s lets its role past the gate", async (path, proc) => {
    const code = await codeOf(call(ctx([proc._def.meta!.role]), path));
    // Past the gate the call may still fail on its (missing) input, but never on authorisation.
    expect(["UNAUTHORIZED", "FORBIDDEN"]).not.toContain(code);
  });
});

describe("team ownership (team × procedure)", () => {
  let t: TestDatabase;
  let teams: { finance: string; pmo: string; platform: string };
  let input: Record<Owns, unknown>;
  const FLOW = "pmo-resourcing-sync";

  beforeAll(async () => {
    t = await createTestDatabase();
    teams = {
      finance: await ensureTeam(t.db, "finance", "Finance"),
      pmo: await ensureTeam(t.db, "pmo", "PMO"),
      platform: await ensureTeam(t.db, PLATFORM_TEAM_KEY, "Platform Engineering"),
    };
    const flowId = await makeFlow(t.db, { key: FLOW, teamKey: "pmo" });
    const [runId] = await insertRuns(t.db, flowId, [{ status: "failed", createdAt: new Date() }]);
    const exc = await t.db.exception.create({
      data: { runId: runId!, flowId, errorClass: "business", message: "Project code unknown", signature: "sig-1" },
    });
    const slo = await t.db.slo.create({ data: { flowId, name: "Success", kind: "success", target: 0.99 } });
    const businessSlo = await t.db.businessSlo.create({
      data: { name: "PMO set-up", kpi: "project-setup-time", threshold: 48, target: 0.9, teamId: teams.pmo },
    });
    await t.db.user.create({
      data: { id: "u-pmo-op", email: "pmo-op@weft.local", name: "PMO operator", roles: ["operator"] },
    });
    const bulk = await t.db.bulkAction.create({
      data: {
        kind: "resolve",
        filter: { flowKey: FLOW },
        params: { reason: "cleanup" },
        total: 1,
        asOf: new Date(),
        createdById: "u-pmo-op",
      },
    });
    input = {
      flow: { flowKey: FLOW },
      run: { runId },
      exception: { id: exc.id, ids: [exc.id] },
      slo: { id: slo.id },
      team: { ownerTeamKey: "pmo" },
      flowDocument: { document: { dsl: "weft/1", key: FLOW, owner: "pmo" } },
      exceptionFilter: { filter: { flowKey: FLOW } },
      bulkAction: { id: bulk.id },
      businessSlo: { id: businessSlo.id, ownerTeamKey: "pmo" },
    };
  });
  afterAll(() => t.drop());

  const user = (role: Role, teamIds: string[], id = `u-${role}-${teamIds.length}`): SessionUser => ({
    id,
    email: `${id}@weft.local`,
    name: id,
    roles: [role],
    teamIds,
  });
  const ctx = (u: SessionUser): Context => ({ db: t.db, requestId: "test", user: u });
  const scoped = procedures.filter(([, p]) => p._def.meta?.owns);

  it("every flow-mutating and exception-acting procedure is team-scoped, and nothing else", () => {
    expect(Object.fromEntries(scoped.map(([path, p]) => [path, p._def.meta!.owns]))).toEqual(TEAM_SCOPED);
  });

  it.each(scoped)("%s refuses a member of another team, naming the owner", async (path, proc) => {
    const { role, owns } = proc._def.meta!;
    const out = await outcomeOf(call(ctx(user(role, [teams.finance])), path, input[owns!]));
    expect(out.code, path).toBe("FORBIDDEN");
    expect(out.message).toMatch(/PMO|other teams|who started/);
  });

  it.each(scoped)(
    "%s lets the owner team, Platform Engineering and admins past the ownership check",
    async (path, proc) => {
      const { role, owns } = proc._def.meta!;
      const allowed = [
        user(role, [teams.pmo], "u-pmo-op"),
        user(role, [teams.finance, teams.platform]),
        user("admin", []),
      ];
      for (const u of allowed)
        expect(await ownershipDenial(t.db, u, owns!, input[owns!]), `${path} as ${u.id}`).toBeNull();
    },
  );

  it("tasks: a task is seen and decided only by whom it is for (team, role, person); others learn nothing of it", async () => {
    const flowId = (await t.db.flow.findUniqueOrThrow({ where: { key: FLOW } })).id;
    const [runId] = await insertRuns(t.db, flowId, [{ status: "running", createdAt: new Date() }]);
    await t.db.run.update({ where: { id: runId! }, data: { status: "waiting" } });
    const task = await t.db.task.create({
      data: {
        id: "00000000-0000-4000-8000-0000000000a1",
        runId: runId!,
        path: "approve",
        flowId,
        stepId: "approve",
        title: "Staffing for PRJ-7",
        decisions: ["approve", "reject"],
        assigneeTeamId: teams.finance,
        assigneeRole: "approver",
      },
    });
    const finance = user("approver", [teams.finance], "u-fin-approver");
    const pmo = user("approver", [teams.pmo], "u-pmo-approver");
    const financeViewer = user("viewer", [teams.finance], "u-fin-viewer");
    const ids = async (u: SessionUser) =>
      ((await call(ctx(u), "tasks.list")) as Array<{ id: string }>).map((x) => x.id);
    expect(await ids(finance)).toEqual([task.id]);
    expect(await ids(pmo)).toEqual([]);
    expect(await ids(financeViewer)).toEqual([]); // in the team, without the role the step asks for
    expect(await ids(user("admin", []))).toEqual([task.id]);
    for (const u of [pmo, financeViewer]) {
      expect(await codeOf(call(ctx(u), "tasks.get", { id: task.id }))).toBe("NOT_FOUND");
      expect(await codeOf(call(ctx(u), "tasks.decide", { id: task.id, decision: "approve" }))).toBe("NOT_FOUND");
      expect(await codeOf(call(ctx(u), "tasks.link", { id: task.id, email: "x@example.com" }))).toBe("NOT_FOUND");
    }
    expect(await t.db.task.findUniqueOrThrow({ where: { id: task.id } })).toMatchObject({ status: "open" });
  });

  it("a PMO designer pins a sample on PMO's flow; a Finance designer is refused and nothing changes", async () => {
    const sample = { flowKey: FLOW, nodeId: "trigger", payload: { projectCode: "PRJ-7" } };
    expect(await codeOf(call(ctx(user("designer", [teams.pmo])), "flows.pinSample", sample))).toBe("OK");
    expect(
      await codeOf(
        call(ctx(user("designer", [teams.finance])), "flows.pinSample", {
          ...sample,
          payload: { projectCode: "EVIL" },
        }),
      ),
    ).toBe("FORBIDDEN");
    const rows = await t.db.flowSample.findMany({ where: { nodeId: "trigger" } });
    expect(rows.map((r) => r.payload)).toEqual([{ projectCode: "PRJ-7" }]);
  });

  it("flows.get tells the designer whether they may edit, and why not", async () => {
    const asFinance = (await call(ctx(user("designer", [teams.finance])), "flows.get", { flowKey: FLOW })) as {
      access: { canEdit: boolean; reason: string | null };
    };
    expect(asFinance.access).toEqual({ canEdit: false, reason: expect.stringMatching(/belongs to PMO/) });
    const asPlatform = (await call(ctx(user("designer", [teams.platform])), "flows.get", { flowKey: FLOW })) as {
      access: { canEdit: boolean };
    };
    expect(asPlatform.access.canEdit).toBe(true);
    const asViewer = (await call(ctx(user("viewer", [teams.pmo])), "flows.get", { flowKey: FLOW })) as {
      access: { canEdit: boolean; reason: string | null };
    };
    expect(asViewer.access).toEqual({ canEdit: false, reason: expect.stringMatching(/designer role/) });
  });
});
