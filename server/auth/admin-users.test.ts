// Settings → Users and Teams on a real database, through the tRPC router and better-auth's real sign-in:
// admin only; one-time passwords shown once and working; roles, teams, password reset and deactivation
// audited; a deactivated user is signed out and cannot sign in; the last active admin cannot be removed.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../testing/db";
import { createCaller } from "../api/root";
import type { Role } from "../../core/roles";
import type { Auth } from "./auth";

describe("users and teams administration", () => {
  let t: TestDatabase;
  let auth: Auth;
  const saved = { db: process.env.DATABASE_URL, secret: process.env.BETTER_AUTH_SECRET };
  const as = (id: string, roles: Role[]) =>
    createCaller({
      db: t.db,
      requestId: `r-${id}`,
      user: { id, email: `${id}@weft.local`, name: id, roles, teamIds: [] },
    });
  const admin = () => as("ada", ["admin"]);
  const signIn = (email: string, password: string) =>
    auth.api.signInEmail({ body: { email, password }, asResponse: true });

  beforeAll(async () => {
    t = await createTestDatabase();
    // better-auth reads the process database (server/db/client.ts db()): this file's throwaway one.
    process.env.DATABASE_URL = t.url;
    process.env.BETTER_AUTH_SECRET = "test-secret-for-admin-users-0123456789";
    auth = (await import("./auth")).auth();
    await t.db.user.create({ data: { id: "ada", email: "ada@weft.local", name: "Ada", roles: ["admin"] } });
    await t.db.team.create({ data: { key: "finance", name: "Finance" } });
  });
  afterAll(async () => {
    await t.drop();
    process.env.DATABASE_URL = saved.db;
    process.env.BETTER_AUTH_SECRET = saved.secret;
  });

  it("only admins manage users and teams", async () => {
    const dana = as("dana", ["designer", "approver", "operator"]);
    await expect(dana.admin.users()).rejects.toThrow(/admin role/);
    await expect(dana.admin.createUser({ email: "x@weft.local", name: "X", roles: ["viewer"] })).rejects.toThrow(
      /admin role/,
    );
    await expect(dana.admin.createTeam({ key: "ops", name: "Ops" })).rejects.toThrow(/admin role/);
  });

  it("creates a user with a one-time password that signs in, in the chosen teams, audited without the password", async () => {
    const r = await admin().admin.createUser({
      email: " Nia@Weft.local ",
      name: "Nia Newcomer",
      roles: ["designer"],
      teamKeys: ["finance"],
    });
    expect(r.email).toBe("nia@weft.local");
    expect(r.oneTimePassword).toMatch(/^[A-Za-z0-9_-]{24}$/);
    expect((await signIn("nia@weft.local", r.oneTimePassword!)).status).toBe(200);
    expect((await signIn("nia@weft.local", "wrong-password")).status).toBe(401);
    const users = await admin().admin.users();
    expect(users.find((u) => u.email === "nia@weft.local")).toMatchObject({
      roles: ["designer"],
      memberships: [{ team: { key: "finance" } }],
      signIn: ["password"],
    });
    const audit = await t.db.auditLog.findFirstOrThrow({ where: { action: "user.created", entityId: r.id } });
    expect(audit.after).toEqual({
      email: "nia@weft.local",
      name: "Nia Newcomer",
      roles: ["designer"],
      teams: ["finance"],
    });
    expect(JSON.stringify(audit.meta)).not.toContain(r.oneTimePassword!);
    await expect(
      admin().admin.createUser({ email: "nia@weft.local", name: "Again", roles: ["viewer"] }),
    ).rejects.toThrow(/already a user nia@weft.local/);
    await expect(
      admin().admin.createUser({ email: "z@weft.local", name: "Z", roles: ["viewer"], teamKeys: ["nope"] }),
    ).rejects.toThrow(/No team "nope"/);
    await expect(
      admin().admin.createUser({ email: "z@weft.local", name: "Z", roles: ["viewer"], password: "short" }),
    ).rejects.toThrow(/at least 8 characters/);
  });

  it("sets a password (signing out everywhere), roles and teams; deactivation signs out and blocks sign-in", async () => {
    const id = (
      await admin().admin.createUser({
        email: "omar@weft.local",
        name: "Omar",
        roles: ["viewer"],
        password: "first-password-1",
      })
    ).id;
    expect((await signIn("omar@weft.local", "first-password-1")).status).toBe(200);
    expect(await t.db.session.count({ where: { userId: id } })).toBe(1);
    await admin().admin.setPassword({ userId: id, password: "second-password-2" });
    expect(await t.db.session.count({ where: { userId: id } })).toBe(0);
    expect((await signIn("omar@weft.local", "first-password-1")).status).toBe(401);
    expect((await signIn("omar@weft.local", "second-password-2")).status).toBe(200);
    expect(await t.db.auditLog.findFirst({ where: { action: "user.password_set", entityId: id } })).toMatchObject({
      meta: { email: "omar@weft.local", password: "set by admin", sessionsRevoked: 1 },
    });

    await admin().admin.setRoles({ userId: id, roles: ["operator", "viewer"] });
    await admin().admin.setTeams({ userId: id, teamKeys: ["finance"] });
    expect(await t.db.auditLog.findFirst({ where: { action: "user.teams_changed", entityId: id } })).toMatchObject({
      before: { teams: [] },
      after: { teams: ["finance"] },
    });

    await admin().admin.setActive({ userId: id, active: false });
    expect(await t.db.session.count({ where: { userId: id } })).toBe(0);
    const refused = await signIn("omar@weft.local", "second-password-2");
    expect(refused.status).toBe(403);
    expect(await refused.json()).toMatchObject({
      message: "This account is deactivated: ask an administrator to reactivate it.",
    });
    await admin().admin.setActive({ userId: id, active: true });
    expect((await signIn("omar@weft.local", "second-password-2")).status).toBe(200);
    expect(
      (
        await t.db.auditLog.findMany({
          where: { entityId: id, action: { in: ["user.deactivated", "user.reactivated"] } },
          orderBy: { seq: "asc" },
        })
      ).map((a) => a.action),
    ).toEqual(["user.deactivated", "user.reactivated"]);
  });

  it("the last active admin cannot be demoted or deactivated", async () => {
    await expect(admin().admin.setActive({ userId: "ada", active: false })).rejects.toThrow(
      /cannot deactivate yourself/,
    );
    await expect(admin().admin.setRoles({ userId: "ada", roles: ["viewer"] })).rejects.toThrow(
      /cannot remove your own admin role/,
    );
    // Another admin tries to remove Ada while she is the only other one: fine while two remain, refused for the last.
    const ben = (await admin().admin.createUser({ email: "ben@weft.local", name: "Ben", roles: ["admin"] })).id;
    await as(ben, ["admin"]).admin.setRoles({ userId: "ada", roles: ["designer"] });
    await expect(as("ada", ["admin"]).admin.setRoles({ userId: ben, roles: ["viewer"] })).rejects.toThrow(
      /without an active admin/,
    );
    await expect(as("ada", ["admin"]).admin.setActive({ userId: ben, active: false })).rejects.toThrow(
      /without an active admin/,
    );
    expect((await t.db.user.findUniqueOrThrow({ where: { id: ben } })).roles).toEqual(["admin"]);
  });

  it("creates, renames and staffs teams, audited; the key stays", async () => {
    const t1 = await admin().admin.createTeam({ key: "delivery-ops", name: "Delivery Ops" });
    await expect(admin().admin.createTeam({ key: "delivery-ops", name: "Again" })).rejects.toThrow(/already a team/);
    await expect(admin().admin.createTeam({ key: "Bad Key", name: "x" })).rejects.toThrow(/team key/);
    await admin().admin.renameTeam({ key: t1.key, name: "Delivery Operations" });
    const nia = await t.db.user.findUniqueOrThrow({ where: { email: "nia@weft.local" } });
    await admin().admin.setTeamMembers({ key: t1.key, userIds: [nia.id, "ada"] });
    const teams = await admin().admin.teamsWithMembers();
    const d = teams.find((x) => x.key === "delivery-ops")!;
    expect(d.name).toBe("Delivery Operations");
    expect(d.members.map((m) => m.user.email).sort()).toEqual(["ada@weft.local", "nia@weft.local"]);
    await admin().admin.setTeamMembers({ key: t1.key, userIds: [nia.id] });
    expect(
      (
        await t.db.auditLog.findMany({
          where: { entityType: "team", entityId: "delivery-ops" },
          orderBy: { seq: "asc" },
        })
      ).map((a) => a.action),
    ).toEqual(["team.created", "team.renamed", "team.members_changed", "team.members_changed"]);
    await expect(admin().admin.setTeamMembers({ key: t1.key, userIds: ["ghost"] })).rejects.toThrow(/does not exist/);
  });
});
