// Every built-in connector's manifest, and the DSL catalog built from them. Browser-safe: manifests and
// zod schemas only (the designer bundles this; clients live in connectors/server.ts).
import type { Catalog, ConnectorInfo, OperationInfo } from "@/core/dsl/catalog";
import type { AnyManifest } from "./sdk/define";
import { salesforceManifest } from "./salesforce/manifest";
import { kantataManifest } from "./kantata/manifest";
import { workdayManifest } from "./workday/manifest";
import { netsuiteManifest } from "./netsuite/manifest";
import { reportingManifest } from "./reporting/manifest";
import { httpManifest } from "./http/manifest";
import { webhookManifest } from "./webhook/manifest";
import { scheduleManifest } from "./schedule/manifest";
import { postgresManifest } from "./postgres/manifest";

/** All built-in connector manifests by key. */
export const connectors: Record<string, AnyManifest> = Object.fromEntries(
  [
    salesforceManifest,
    kantataManifest,
    workdayManifest,
    netsuiteManifest,
    reportingManifest,
    httpManifest,
    webhookManifest,
    scheduleManifest,
    postgresManifest,
  ].map((m) => [m.key, m as AnyManifest]),
);

export function connectorInfo(m: AnyManifest): ConnectorInfo {
  const operations: Record<string, OperationInfo> = {};
  for (const [key, op] of Object.entries(m.operations)) {
    operations[key] = {
      key,
      kind: op.kind,
      name: op.name,
      description: op.description,
      input: op.input,
      output: op.output,
      ...(op.effect ? { effect: op.effect } : {}),
    };
  }
  return { key: m.key, name: m.name, system: m.system, operations };
}

/** The DSL catalog of connectors; pass `extra` manifests (e.g. OpenAPI imports) and the workspace's connections. */
export function connectorCatalog(extra: readonly AnyManifest[] = [], connections?: Catalog["connections"]): Catalog {
  const all = [...Object.values(connectors), ...extra];
  return {
    connectors: Object.fromEntries(all.map((m) => [m.key, connectorInfo(m)])),
    ...(connections ? { connections } : {}),
  };
}
