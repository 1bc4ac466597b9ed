// The demo reporting connection is derived from DATABASE_URL: credentials, TLS mode, and the host:port rule
// that lets the SSRF guard reach a local database (and nothing else on that host).
import { expect, it } from "vitest";
import { HttpGuard } from "@/connectors/sdk/http-guard";
import { reportingManifest } from "@/connectors/reporting/manifest";
import { kantataWebhookConnection, reportingConnection } from "./platform-connections";

it("reads host, port, database, user, password and sslmode from the URL; the config satisfies the reporting manifest", () => {
  const { connection, allowHost } = reportingConnection(
    "postgresql://weft:s%40cret@db.internal:6543/weft_demo?sslmode=require",
  );
  expect(connection).toMatchObject({
    key: "reporting-warehouse",
    connectorKey: "reporting",
    secrets: { password: "s@cret" },
  });
  expect(reportingManifest.auth.config.parse(connection.config)).toEqual({
    host: "db.internal",
    port: 6543,
    database: "weft_demo",
    user: "weft",
    ssl: "require",
    statementTimeoutMs: 30_000,
    schema: "reporting",
  });
  expect(allowHost).toBe("db.internal:6543");
  const local = reportingConnection("postgresql://postgres@127.0.0.1/postgres");
  expect(local.connection.config).toMatchObject({ host: "127.0.0.1", port: 5432, ssl: "disable", user: "postgres" });
  expect(local.connection.secrets).toEqual({});
  expect(reportingConnection("postgres://u@[::1]:5433/d").allowHost).toBe("[::1]:5433");
  expect(() => reportingConnection("mysql://u@h/d")).toThrow(/postgresql:\/\//);
});

it("the allow rule opens the database's port on its host, not the host's other ports", async () => {
  const guard = new HttpGuard({
    allowHosts: [reportingConnection("postgresql://postgres@127.0.0.1:5432/postgres").allowHost],
  });
  try {
    await expect(guard.resolveAllowed("127.0.0.1", 5432)).resolves.toBe("127.0.0.1");
    await expect(guard.resolveAllowed("127.0.0.1", 22)).rejects.toThrow(/not allow-listed/);
  } finally {
    await guard.close();
  }
});

it("the webhook signing secret is random and long enough for the webhook connector", () => {
  const a = kantataWebhookConnection();
  expect(a.secrets.signingSecret!.length).toBeGreaterThanOrEqual(16);
  expect(kantataWebhookConnection().secrets.signingSecret).not.toBe(a.secrets.signingSecret);
});
