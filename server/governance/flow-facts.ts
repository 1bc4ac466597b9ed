// What the catalog and lineage need to know about a flow's document: the systems it calls (and whether it
// writes to them), the domain events it emits and the ones it consumes. Read with the DSL's own parser and
// walker (core/dsl: validate's typed flow, stepsOf), and the connector manifests for what kind of system
// a connector is and whether an operation writes. A document that does not parse as weft/1 has no facts.
import { connectorCatalog } from "@/connectors/registry";
import type { Catalog } from "../../core/dsl/catalog";
import type { Flow, Mapping } from "../../core/dsl/schema";
import { validate } from "../../core/dsl/validate";
import { stepsOf } from "../../core/dsl/walk";

export interface SystemTouch {
  /** The connector key, e.g. "netsuite" (the system lineage shows). */
  system: string;
  /** What kind of system the connector is, from its manifest: crm | psa | hris | erp | data | generic; null when the connector is unknown. */
  kind: string | null;
  connection: string | null;
  operation: string;
  effect: "read" | "write";
}

export interface EmittedEvent {
  event: string;
  /** Contract major version the step names (`version`); null = latest. */
  major: number | null;
  /** Field names the step maps onto the payload; null when the payload is one expression (unknown fields). */
  fields: string[] | null;
}

export interface FlowFacts {
  systems: SystemTouch[];
  produces: EmittedEvent[];
  consumes: string[];
}

export interface FactContext {
  /** Connector manifests (default: the built-in connectors). Pass the workspace catalog to include OpenAPI imports. */
  catalog?: Catalog;
}

// An operation the catalog does not know (a connector since removed): its verb decides; only these read.
const READ_VERBS = /^(get|list|search|find|fetch|read|query|lookup|describe|poll|download|export)/i;

let builtIn: Catalog | undefined;
const defaultCatalog = (): Catalog => (builtIn ??= connectorCatalog());

/** Top-level payload fields of a field mapping ("a.b" maps field a); null for one opaque expression. */
function mappedFields(m: Mapping | undefined): string[] | null {
  if (m === undefined) return [];
  if (typeof m === "string") return null;
  return [...new Set(Object.keys(m).map((k) => k.split(".")[0]!))];
}

/** The facts of a typed flow. */
export function factsOfFlow(flow: Flow, ctx: FactContext = {}): FlowFacts {
  const catalog = ctx.catalog ?? defaultCatalog();
  const systems = new Map<string, SystemTouch>();
  const produces = new Map<string, EmittedEvent>();
  const consumes = new Set<string>();

  if (flow.trigger.type === "event") consumes.add(flow.trigger.event);
  if (flow.trigger.type === "poll") {
    // A poll trigger reads its system: lineage draws system → flow like a reading call step.
    const t = flow.trigger;
    systems.set(`${t.connector}|${t.operation}|read`, {
      system: t.connector,
      kind: catalog.connectors[t.connector]?.system ?? null,
      connection: t.connection,
      operation: t.operation,
      effect: "read",
    });
  }
  for (const { step } of stepsOf(flow)) {
    if (step.type === "call") {
      const connector = catalog.connectors[step.connector];
      const declared = connector?.operations[step.operation]?.effect;
      const effect = declared ?? (READ_VERBS.test(step.operation) ? "read" : "write");
      const key = `${step.connector}|${step.operation}|${effect}`;
      if (!systems.has(key))
        systems.set(key, {
          system: step.connector,
          kind: connector?.system ?? null,
          connection: step.connection ?? null,
          operation: step.operation,
          effect,
        });
    } else if (step.type === "reconcile") {
      // Each side reads its system: a connector operation, or a SQL query through a postgres connection.
      for (const src of Object.values(step.sources)) {
        const [connectorKey, operation] = "connector" in src ? [src.connector, src.operation] : ["postgres", "query"];
        const key = `${connectorKey}|${operation}|read`;
        if (!systems.has(key))
          systems.set(key, {
            system: connectorKey,
            kind: catalog.connectors[connectorKey]?.system ?? null,
            connection: src.connection,
            operation,
            effect: "read",
          });
      }
    } else if (step.type === "emit") {
      const fields = mappedFields(step.payload);
      const prev = produces.get(step.event);
      // Two emits of one event: check the union of their fields, unless one of them is opaque.
      const merged = prev ? (prev.fields && fields ? [...new Set([...prev.fields, ...fields])] : null) : fields;
      produces.set(step.event, { event: step.event, major: step.version ?? prev?.major ?? null, fields: merged });
    }
  }
  return {
    systems: [...systems.values()].sort((a, b) =>
      `${a.system}.${a.operation}`.localeCompare(`${b.system}.${b.operation}`),
    ),
    produces: [...produces.values()].sort((a, b) => a.event.localeCompare(b.event)),
    consumes: [...consumes].sort(),
  };
}

/** The facts of a stored document (a draft or a version), parsed as weft/1; nothing for a document that is not one. */
export function extractFlowFacts(dsl: unknown, ctx: FactContext = {}): FlowFacts {
  // Without a catalog the validator only parses and checks structure: the facts need the typed flow, and
  // a draft with graph or expression errors still has facts (its calls and emits are there).
  const { flow } = validate(dsl);
  return flow ? factsOfFlow(flow, ctx) : { systems: [], produces: [], consumes: [] };
}
