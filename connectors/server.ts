// Server side of the connector registry: every built-in connector's implementation, and
// executeOperation bound to them (plus any extra definitions, e.g. OpenAPI imports from the database).
// Node-only (undici, dns, pg, crypto). The runtime calls `runOperation`.
import "server-only";
import type { AnyConnectorDefinition } from "./sdk/define";
import { executeOperation, testConnection, type ExecuteArgs, type TestConnectionArgs } from "./sdk/execute";
import { salesforce } from "./salesforce/client";
import { kantata } from "./kantata/client";
import { workday } from "./workday/client";
import { netsuite } from "./netsuite/client";
import { reporting } from "./reporting/client";
import { http } from "./http/client";
import { postgres } from "./postgres/client";
import { webhookManifest } from "./webhook/manifest";
import { scheduleManifest } from "./schedule/manifest";
import { implementConnector } from "./sdk/define";

export { ConnectorError, isConnectorError } from "./sdk/errors";
export { HttpGuard, SsrfError, defaultGuard, allowListFromEnv } from "./sdk/http-guard";
export { closePostgresPools } from "./postgres/pg";
export type { ExecuteArgs, LogSink, ConnectionInput } from "./sdk/execute";

export const definitions: ReadonlyMap<string, AnyConnectorDefinition> = new Map(
  [
    salesforce,
    kantata,
    workday,
    netsuite,
    reporting,
    http,
    postgres,
    implementConnector(webhookManifest, {}),
    implementConnector(scheduleManifest, {}),
  ].map((d) => [d.manifest.key, d]),
);

/**
 * Runs one operation: `await runOperation({connectorKey, operation, input, connection: {key, config, secrets},
 * idempotencyKey, signal, logger, httpGuard})`. Throws ConnectorError (errorClass transient | auth |
 * validation | internal, with retryAfterMs and redacted request/response excerpts).
 */
export function runOperation(
  args: Omit<ExecuteArgs, "definitions"> & { extra?: readonly AnyConnectorDefinition[] },
): Promise<unknown> {
  const defs = args.extra?.length
    ? new Map([...definitions, ...args.extra.map((d) => [d.manifest.key, d] as const)])
    : definitions;
  return executeOperation({ ...args, definitions: defs });
}

/**
 * "Test connection" for a built-in or an `extra` (imported) connector: its cheapest authenticated call
 * through the guarded client. Resolves to `{detail}`; throws a classified ConnectorError.
 */
export function runConnectionTest(
  args: Omit<TestConnectionArgs, "definitions"> & { extra?: readonly AnyConnectorDefinition[] },
): Promise<{ detail: string }> {
  const defs = args.extra?.length
    ? new Map([...definitions, ...args.extra.map((d) => [d.manifest.key, d] as const)])
    : definitions;
  return testConnection({ ...args, definitions: defs });
}
