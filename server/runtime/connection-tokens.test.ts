// A connection's cached OAuth token does not outlive a change to the connection: a rotated client secret
// makes the next call fetch a new token (the sandbox's token endpoint sees a second request) even though the
// old token is still valid there, and a deleted connection is unknown at once. Real Postgres, the real tRPC
// router, the Salesforce sandbox over HTTP through the SSRF guard.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import pg from "pg";
import pino from "pino";
import { createTestDatabase, type TestDatabase } from "../testing/db";
import { createCaller } from "../api/root";
import { createSalesforceSandbox } from "../../connectors/salesforce/sandbox";
import { callConnector } from "./connectors";

describe("connection changes and cached OAuth tokens", () => {
  let t: TestDatabase;
  let pool: pg.Pool;
  const sf = createSalesforceSandbox();
  const saved = { key: process.env.WEFT_SECRET_KEY, allow: process.env.WEFT_HTTP_ALLOWLIST };
  const admin = () =>
    createCaller({
      db: t.db,
      requestId: "r-admin",
      user: { id: "u-admin", email: "admin@weft.local", name: "A", roles: ["admin"], teamIds: [] },
    });

  beforeAll(async () => {
    process.env.WEFT_SECRET_KEY = Buffer.alloc(32, 9).toString("base64");
    t = await createTestDatabase();
    pool = new pg.Pool({ connectionString: t.url, max: 2 });
    await sf.sandbox.start("127.0.0.1", 0);
    process.env.WEFT_HTTP_ALLOWLIST = new URL(sf.sandbox.baseUrl).host;
  }, 60_000);
  afterAll(async () => {
    process.env.WEFT_SECRET_KEY = saved.key;
    process.env.WEFT_HTTP_ALLOWLIST = saved.allow;
    await pool?.end();
    await sf.sandbox.close();
    await t?.drop();
  });

  let n = 0;
  const limits = () =>
    callConnector(
      { pool },
      {
        connector: "salesforce",
        operation: "limits",
        connection: "sf",
        input: {},
        idempotencyKey: `k${++n}`,
        signal: new AbortController().signal,
        logger: pino({ level: "silent" }),
      },
    );
  /** Tokens the sandbox's token endpoint has issued (none is revoked in this test). */
  const tokensIssued = async () =>
    ((await (await fetch(`${sf.sandbox.baseUrl}/__sandbox/state`)).json()) as { tokens: number }).tokens;

  it("a rotated client secret is a new token on the next call; a deleted connection is gone at once", async () => {
    const info = sf.info();
    await admin().connections.create({
      key: "sf",
      name: "Salesforce",
      connectorKey: "salesforce",
      config: info.config as Record<string, unknown>,
      secrets: info.secrets as Record<string, string>,
    });
    await limits();
    await limits();
    expect(await tokensIssued()).toBe(1);

    // The admin rotates the secret at Salesforce (the issued token stays valid there) and then in Weft.
    sf.rotateClientSecret("weft-sandbox-sf-secret-rotated-2");
    await admin().connections.update({ key: "sf", secrets: { clientSecret: "weft-sandbox-sf-secret-rotated-2" } });
    await limits();
    expect(await tokensIssued()).toBe(2);
    await limits();
    expect(await tokensIssued()).toBe(2);

    await admin().connections.delete({ key: "sf" });
    await expect(limits()).rejects.toMatchObject({ code: "unknown_connection" });
  });
});
