// The catalog the examples are checked against: the connectors Weft ships (connectors/registry.ts) plus the
// connections and published flows the examples refer to. Tests validate every example with it, so an example
// that drifts from a connector's operations or input schemas fails.
import type { Catalog } from "@/core/dsl/catalog";
import { connectorCatalog } from "@/connectors/registry";

export const exampleCatalog: Catalog = {
  ...connectorCatalog(
    [],
    [
      { key: "salesforce-prod", connectorKey: "salesforce" },
      { key: "netsuite-prod", connectorKey: "netsuite" },
      { key: "kantata-prod", connectorKey: "kantata" },
      { key: "workday-prod", connectorKey: "workday" },
      { key: "reporting-warehouse", connectorKey: "reporting" },
      { key: "workday-webhook-signing", connectorKey: "webhook" },
      { key: "kantata-webhook", connectorKey: "webhook" },
      { key: "salesforce-cdc-webhook", connectorKey: "webhook" },
    ],
  ),
  flows: {
    "assign-default-skills": { versions: ["1.0.0", "1.1.0"] },
    // The re-sync flows the shipped reconciliations name.
    "customer-to-erp": { versions: ["1.0.0", "1.1.0"] },
    "relink-workspace-job": { versions: ["1.0.0"] },
  },
};
