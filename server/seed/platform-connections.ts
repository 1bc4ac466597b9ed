// Demo mode: the connections the demo flows need besides the vendor sandboxes (sandbox-connections.ts):
//   - "reporting-warehouse": the data platform (reporting connector) on the Weft database's own
//     `reporting` schema, so invoice-to-reporting writes somewhere real that can be inspected with psql;
//   - "kantata-webhook", "workday-webhook-signing" and "salesforce-cdc-webhook": the signing secrets the PSA's
//     webhooks (timesheet-approval-sync, kantata-time-approved-push), Workday's hire webhook
//     (worker-onboarding-hris-to-psa) and the Salesforce CDC relay (salesforce-cdc-opportunity-won) are verified
//     with — random, created once (a later boot leaves them alone: syncDemoConnections compares config,
//     not secrets).
// The database's host:port goes on the outbound allow-list: the reporting connector connects through the
// same SSRF guard as every connector, and a local database is a private address.
import "server-only";
import { generateSigningSecret } from "../connections/webhook-secrets";
import { WEBHOOK_CONNECTOR, WEBHOOK_SECRET_FIELD } from "../../core/dsl/defaults";
import { sandboxConnection, type DemoConnection } from "./sandbox-connections";
import type { SandboxInfo } from "@/connectors/sandbox-kit/server";

export const REPORTING_CONNECTION_KEY = "reporting-warehouse";
export const KANTATA_WEBHOOK_CONNECTION_KEY = "kantata-webhook";
export const WORKDAY_WEBHOOK_CONNECTION_KEY = "workday-webhook-signing";
export const SALESFORCE_CDC_WEBHOOK_CONNECTION_KEY = "salesforce-cdc-webhook";

/** The reporting connection for a postgresql:// URL, and the host:port rule that lets the guard reach it. */
export function reportingConnection(
  databaseUrl: string,
  schema = "reporting",
): { connection: DemoConnection; allowHost: string } {
  const url = new URL(databaseUrl);
  if (!/^postgres(ql)?:$/.test(url.protocol))
    throw new Error(`The reporting connection needs a postgresql:// URL, not ${url.protocol}//.`);
  const host = url.hostname.replace(/^\[|\]$/g, "") || "127.0.0.1";
  const port = Number(url.port) || 5432;
  const sslmode = url.searchParams.get("sslmode");
  const password = decodeURIComponent(url.password);
  return {
    connection: {
      key: REPORTING_CONNECTION_KEY,
      name: "Data platform (Weft database, reporting schema)",
      connectorKey: "reporting",
      config: {
        host,
        port,
        database: decodeURIComponent(url.pathname.replace(/^\//, "")) || "postgres",
        user: decodeURIComponent(url.username) || "postgres",
        ssl: sslmode === "verify-full" ? "verify-full" : sslmode === "require" ? "require" : "disable",
        statementTimeoutMs: 30_000,
        schema,
      },
      secrets: password ? { password } : {},
    },
    allowHost: host.includes(":") ? `[${host}]:${port}` : `${host}:${port}`,
  };
}

function webhookSecretConnection(key: string, name: string): DemoConnection {
  return {
    key,
    name,
    connectorKey: WEBHOOK_CONNECTOR,
    config: {},
    secrets: { [WEBHOOK_SECRET_FIELD]: generateSigningSecret() },
  };
}

/** The webhook signing secret of the PSA's timesheet-approval webhook. */
export function kantataWebhookConnection(): DemoConnection {
  return webhookSecretConnection(KANTATA_WEBHOOK_CONNECTION_KEY, "Kantata approval webhook (signing secret)");
}

/** The webhook signing secret of Workday's hire-completed webhook (the reference journey's onboarding flow). */
export function workdayWebhookConnection(): DemoConnection {
  return webhookSecretConnection(WORKDAY_WEBHOOK_CONNECTION_KEY, "Workday hire webhook (signing secret)");
}

/** The signing secret of the Salesforce Change Data Capture relay (salesforce-cdc-opportunity-won). */
export function salesforceCdcWebhookConnection(): DemoConnection {
  return webhookSecretConnection(SALESFORCE_CDC_WEBHOOK_CONNECTION_KEY, "Salesforce CDC relay (signing secret)");
}

/**
 * Every connection of the demo workspace, for sandboxes started at `systems` and the Weft database at
 * `databaseUrl`, with the host:port rules the outbound guard needs to reach them.
 */
export function demoConnections(
  systems: readonly SandboxInfo[],
  databaseUrl: string,
): { connections: DemoConnection[]; allowHosts: string[] } {
  const reporting = reportingConnection(databaseUrl);
  const sandboxHosts = systems.map((s) => new URL(s.baseUrl).host);
  return {
    connections: [
      ...systems.map(sandboxConnection),
      reporting.connection,
      kantataWebhookConnection(),
      workdayWebhookConnection(),
      salesforceCdcWebhookConnection(),
    ],
    allowHosts: [...sandboxHosts, reporting.allowHost],
  };
}
