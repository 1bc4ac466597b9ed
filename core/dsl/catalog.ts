// What the DSL validator needs to know about the outside world, passed in by the caller so that
// core/dsl stays pure: the designer passes the catalog it got from the server, the CLI a static one
// built from connectors/registry.ts, the runtime the live one (with connections and flows from the DB).
import type { z } from "zod";

export interface OperationInfo {
  /** e.g. "createInvoice" — unique within its connector. */
  key: string;
  /** "action" for call steps; "trigger" for polling / webhook triggers a connector offers. */
  kind: "action" | "trigger";
  name: string;
  description?: string;
  /** Validated against `call` step inputs; also drives the designer's generated forms and mapper trees. */
  input: z.ZodType;
  output: z.ZodType;
  /** Writes something at the target system (used by the duplicate-interface check and idempotency). */
  effect?: "read" | "write";
}

export interface ConnectorInfo {
  key: string;
  name: string;
  /** crm | psa | hris | erp | data | generic — the palette groups by it. */
  system: string;
  operations: Record<string, OperationInfo>;
}

export interface CatalogConnection {
  key: string;
  connectorKey: string;
  /**
   * Set when the connection holds credentials: the origins in its settings and its allowed hosts, where
   * they may be sent (connectors/sdk/credential-scope.ts). A literal request URL elsewhere is a problem.
   */
  credentials?: { origins: string[]; allowedHosts: string[] };
}

export interface Catalog {
  connectors: Record<string, ConnectorInfo>;
  /** Named connections known to the workspace; when absent the validator skips connection checks. */
  connections?: ReadonlyArray<CatalogConnection>;
  /** Published flows by key with their versions; when absent subflow references are not checked. */
  flows?: Record<string, { versions: string[] }>;
}
