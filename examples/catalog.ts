// The connector catalog the examples are checked against: the real manifests of the connectors Weft ships
// (connectors/*/manifest.ts) plus a stand-in for Workday, which has no connector yet. Tests validate every
// example with it, so an example that drifts from a connector's operations or input schemas fails.
import { z } from "zod";
import type { Catalog, ConnectorInfo, OperationInfo } from "@/server/dsl/catalog";
import { httpManifest } from "@/connectors/http/manifest";
import { kantataManifest } from "@/connectors/kantata/manifest";
import { netsuiteManifest } from "@/connectors/netsuite/manifest";
import { salesforceManifest } from "@/connectors/salesforce/manifest";

interface ManifestLike {
  key: string;
  name: string;
  system: string;
  operations: Record<string, { kind: "action" | "trigger"; name: string; description?: string; input: z.ZodType; output: z.ZodType; effect?: "read" | "write" }>;
}

/** A connector manifest as the DSL validator sees it. */
export function connectorInfo(m: ManifestLike): ConnectorInfo {
  const operations: Record<string, OperationInfo> = {};
  for (const [key, op] of Object.entries(m.operations))
    operations[key] = { key, kind: op.kind, name: op.name, ...(op.description ? { description: op.description } : {}), input: op.input, output: op.output, ...(op.effect ? { effect: op.effect } : {}) };
  return { key: m.key, name: m.name, system: m.system, operations };
}

// Workday (HRIS): stand-in until connectors/workday exists.
const workday: ConnectorInfo = {
  key: "workday",
  name: "Workday",
  system: "hris",
  operations: {
    getWorker: {
      key: "getWorker",
      kind: "action",
      name: "Get worker",
      effect: "read",
      input: z.object({ workerId: z.string().min(1) }),
      output: z.looseObject({ id: z.string(), descriptor: z.string(), firstName: z.string(), lastName: z.string(), primaryWorkEmail: z.string().optional(), businessTitle: z.string().optional(), hireDate: z.string(), workerType: z.string(), costRate: z.number().optional() }),
    },
  },
};

const manifests = [salesforceManifest, netsuiteManifest, kantataManifest, httpManifest] as unknown as ManifestLike[];

export const exampleCatalog: Catalog = {
  connectors: Object.fromEntries([...manifests.map(connectorInfo), workday].map((c) => [c.key, c])),
  connections: [
    { key: "salesforce-prod", connectorKey: "salesforce" },
    { key: "netsuite-prod", connectorKey: "netsuite" },
    { key: "kantata-prod", connectorKey: "kantata" },
    { key: "workday-prod", connectorKey: "workday" },
    { key: "warehouse-api", connectorKey: "http" },
  ],
  flows: {
    "assign-default-skills": { versions: ["1.0.0", "1.1.0"] },
  },
};
