// Personal access tokens on a real database: shown once, stored as a hash, accepted as Bearer until revoked or
// expired, acting with the user's current roles; create and revoke are audited.
import { afterAll, beforeAll, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../testing/db";
import { createCaller } from "../api/root";
import { TOKEN_PREFIX, userIdForToken } from "./api-tokens";

let t: TestDatabase;
let userId: string;
let other: ReturnType<typeof createCaller>;
const callerFor = (id: string, email: string) =>
  createCaller({ db: t.db, requestId: "t", user: { id, email, name: email, roles: ["viewer"], teamIds: [] } });

beforeAll(async () => {
  t = await createTestDatabase();
  userId = (
    await t.db.user.create({
      data: { id: crypto.randomUUID(), email: "vera@weft.local", name: "Vera", roles: ["viewer"] },
    })
  ).id;
  const o = await t.db.user.create({
    data: { id: crypto.randomUUID(), email: "olu@weft.local", name: "Olu", roles: ["viewer"] },
  });
  other = callerFor(o.id, o.email);
});
afterAll(() => t.drop());

it("creates a token shown once, stores only its hash, and accepts it as a bearer token", async () => {
  const me = callerFor(userId, "vera@weft.local");
  const { token, view } = await me.apiTokens.create({ name: "ci", expiresInDays: 30 });
  expect(token.startsWith(TOKEN_PREFIX)).toBe(true);
  expect(token.startsWith(view.prefix)).toBe(true);
  const row = await t.db.apiToken.findUniqueOrThrow({ where: { id: view.id } });
  expect(row.tokenHash).not.toContain(token.slice(TOKEN_PREFIX.length));
  expect(JSON.stringify(await me.apiTokens.list())).not.toContain(token);

  expect(await userIdForToken(t.db, `Bearer ${token}`)).toBe(userId);
  expect((await t.db.apiToken.findUniqueOrThrow({ where: { id: view.id } })).lastUsedAt).not.toBeNull();
  expect(await userIdForToken(t.db, `Bearer ${token}x`)).toBeNull();
  expect(await userIdForToken(t.db, `Basic ${token}`)).toBeNull();
  expect(await userIdForToken(t.db, "Bearer some-session-token")).toBeNull();

  // Someone else cannot revoke it (nor learn that it exists).
  await expect(other.apiTokens.revoke({ id: view.id })).rejects.toThrow(/not found/);
  expect(await me.apiTokens.revoke({ id: view.id })).toEqual({ revoked: true });
  expect(await userIdForToken(t.db, `Bearer ${token}`)).toBeNull();

  const audit = await t.db.auditLog.findMany({
    where: { entityType: "api_token" },
    orderBy: { seq: "asc" },
    select: { action: true, after: true, before: true },
  });
  expect(audit.map((a) => a.action)).toEqual(["api_token.created", "api_token.revoked"]);
  expect(JSON.stringify(audit)).not.toContain(token);
});

it("refuses an expired token", async () => {
  const me = callerFor(userId, "vera@weft.local");
  const { token, view } = await me.apiTokens.create({ name: "short" });
  await t.db.apiToken.update({ where: { id: view.id }, data: { expiresAt: new Date(Date.now() - 1000) } });
  expect(await userIdForToken(t.db, `Bearer ${token}`)).toBeNull();
});
