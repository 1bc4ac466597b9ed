// The sign-in throttle through better-auth's real /sign-in/email endpoint (hooks included) on a real
// database: per account+client, per client, per account — and the right password from another client is
// never kept out for long.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../testing/db";
import { createUser } from "./users";
import { SIGN_IN_LIMITS } from "./throttle";
import { CLIENT_IP_HEADER } from "../http/client-ip";

describe("sign-in throttle", () => {
  let t: TestDatabase;
  let handler: (req: Request) => Promise<Response>;
  const PASSWORD = "correct-horse-battery";

  beforeAll(async () => {
    t = await createTestDatabase();
    process.env.DATABASE_URL = t.url;
    process.env.BETTER_AUTH_SECRET = "throttle-test-secret-0123456789abcdef0123";
    for (const email of ["ana@weft.local", "ben@weft.local", "cy@weft.local"])
      await createUser(t.db, { email, name: email, password: PASSWORD, roles: ["viewer"], teamKeys: [] }, null);
    handler = (await import("./auth")).auth().handler;
  });
  afterAll(() => t.drop());

  const signIn = (email: string, password: string, ip: string, forwardedFor?: string) =>
    handler(
      new Request("http://localhost:3000/api/auth/sign-in/email", {
        method: "POST",
        headers: {
          "content-type": "application/json",
          origin: "http://localhost:3000",
          [CLIENT_IP_HEADER]: ip,
          ...(forwardedFor ? { "x-forwarded-for": forwardedFor } : {}),
        },
        body: JSON.stringify({ email, password }),
      }),
    );

  it("locks one client out of one account after a few wrong passwords, whatever X-Forwarded-For it sends", async () => {
    for (let i = 0; i < SIGN_IN_LIMITS.pair.max; i++)
      expect((await signIn("ana@weft.local", `wrong-${i}`, "192.0.2.10", `203.0.113.${i}`)).status).toBe(401);
    const refused = await signIn("ana@weft.local", PASSWORD, "192.0.2.10", "203.0.113.99");
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get("retry-after"))).toBeGreaterThan(60);
    expect(((await refused.json()) as { message: string }).message).toMatch(/this account from your network/);
    // Another client with the right password is not affected by that client's lock.
    expect((await signIn("ana@weft.local", PASSWORD, "192.0.2.20")).status).toBe(200);
    const audit = await t.db.auditLog.findMany({ where: { action: "auth.sign_in_throttled" } });
    expect(audit.map((a) => (a.meta as { scope: string }).scope)).toContain("pair");
  });

  it("a guesser rotating addresses gets one try per short lock; the owner is kept out for seconds, not minutes", async () => {
    for (let i = 0; i < SIGN_IN_LIMITS.account.max; i++)
      expect((await signIn("ben@weft.local", `wrong-${i}`, `198.51.100.${i + 1}`)).status).toBe(401);
    const owner = await signIn("ben@weft.local", PASSWORD, "192.0.2.77");
    expect(owner.status).toBe(429);
    expect(Number(owner.headers.get("retry-after"))).toBeLessThanOrEqual(SIGN_IN_LIMITS.account.lockSeconds);
    expect(((await owner.json()) as { message: string }).message).toMatch(
      /for this account\. Try again in \d+ seconds/,
    );
    // The lock lapses (moved into the past here instead of waiting): the owner signs in from their own client.
    await t.db.authThrottle.update({
      where: { key: "account:ben@weft.local" },
      data: { lockedUntil: new Date(Date.now() - 1000) },
    });
    expect((await signIn("ben@weft.local", PASSWORD, "192.0.2.77")).status).toBe(200);
  });

  it("one client spraying many accounts is locked out as a client", async () => {
    const ip = "192.0.2.200";
    for (let i = 0; i < SIGN_IN_LIMITS.client.max; i++)
      expect((await signIn(`nobody-${i}@weft.local`, "guess", ip)).status).toBe(401);
    const refused = await signIn("cy@weft.local", PASSWORD, ip);
    expect(refused.status).toBe(429);
    expect(((await refused.json()) as { message: string }).message).toMatch(/from your network/);
    expect((await signIn("cy@weft.local", PASSWORD, "192.0.2.201")).status).toBe(200);
  });

  it("the right password clears this client's count for the account", async () => {
    for (let i = 0; i < SIGN_IN_LIMITS.pair.max - 1; i++) await signIn("cy@weft.local", "nope", "192.0.2.150");
    expect((await signIn("cy@weft.local", PASSWORD, "192.0.2.150")).status).toBe(200);
    expect(await t.db.authThrottle.findUnique({ where: { key: "pair:cy@weft.local|192.0.2.150" } })).toBeNull();
    expect((await signIn("cy@weft.local", "nope-again", "192.0.2.150")).status).toBe(401);
  });
});
