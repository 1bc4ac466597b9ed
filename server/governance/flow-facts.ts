// What the catalog and lineage need to know about a flow's document: the systems it calls (and whether it
// writes to them), the domain events it emits and the ones it consumes. PROVISIONAL reading of the DSL:
// it walks the document for `call`, `emit` and event-trigger nodes rather than using server/dsl's types,
// which do not exist yet; once they do, this becomes a thin mapping over the DSL's own walker.
import type { Catalog } from "../dsl/catalog";

export interface SystemTouch {
  /** The connector (system) key, e.g. "netsuite"; the connection key when the connection is unknown. */
  system: string;
  connection: string | null;
  operation: string;
  effect: "read" | "write";
}

export interface EmittedEvent {
  event: string;
  /** Contract major version the step names (e.g. `version: 1` or "invoice.created@2"); null = latest. */
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
  /** connection key → connector key */
  connections?: ReadonlyMap<string, string>;
  catalog?: Catalog;
}

const rec = (v: unknown): Record<string, unknown> | null => (typeof v === "object" && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : null);
const str = (v: unknown): string | null => (typeof v === "string" && v !== "" ? v : null);

// Without a connector catalog, an operation's verb decides: only these read.
const READ_VERBS = /^(get|list|search|find|fetch|read|query|lookup|describe|poll|download|export)/i;

function splitEvent(name: string, version: unknown): { event: string; major: number | null } {
  const m = /^(.*)@(\d+)$/.exec(name);
  if (m) return { event: m[1]!, major: Number(m[2]) };
  const v = typeof version === "number" ? version : typeof version === "string" && /^\d+/.test(version) ? Number(/^\d+/.exec(version)![0]) : null;
  return { event: name, major: v };
}

export function extractFlowFacts(dsl: unknown, ctx: FactContext = {}): FlowFacts {
  const systems = new Map<string, SystemTouch>();
  const produces = new Map<string, EmittedEvent>();
  const consumes = new Set<string>();

  const touch = (connection: string | null, connector: string | null, operation: string, fallback: "read" | "write" | null) => {
    const system = connector ?? (connection ? (ctx.connections?.get(connection) ?? connection) : "unknown");
    const declared = ctx.catalog?.connectors[system]?.operations[operation]?.effect;
    const effect = declared ?? fallback ?? (READ_VERBS.test(operation) ? "read" : "write");
    const key = `${system}|${operation}|${effect}`;
    if (!systems.has(key)) systems.set(key, { system, connection, operation, effect });
  };

  const visit = (node: unknown, depth: number): void => {
    if (depth > 64) return;
    if (Array.isArray(node)) {
      for (const n of node) visit(n, depth + 1);
      return;
    }
    const o = rec(node);
    if (!o) return;
    const type = str(o.type) ?? str(o.kind);
    if (type === "call") {
      const op = str(o.operation) ?? str(o.action);
      if (op) touch(str(o.connection), str(o.connector), op, null);
    } else if (type === "emit" || type === "publish") {
      const name = str(o.event) ?? str(o.name);
      if (name) {
        const { event, major } = splitEvent(name, o.version);
        const payload = rec(o.payload) ?? rec(o.data) ?? rec(o.fields);
        const prev = produces.get(event);
        const fields = payload ? Object.keys(payload) : null;
        // Two emits of one event: check the union of their fields, unless one of them is opaque.
        const merged = prev ? (prev.fields && fields ? [...new Set([...prev.fields, ...fields])] : null) : fields;
        produces.set(event, { event, major: major ?? prev?.major ?? null, fields: merged });
      }
    } else if (type === "event" || type === "waitForEvent" || type === "wait_for_event") {
      const name = str(o.event);
      if (name) consumes.add(splitEvent(name, null).event);
    } else if ((type === "webhook" || type === "poll" || type === "polling") && (str(o.connection) || str(o.connector))) {
      touch(str(o.connection), str(o.connector), str(o.operation) ?? type, "read");
    }
    for (const [k, v] of Object.entries(o)) if (k !== "payload" && k !== "data" && typeof v === "object") visit(v, depth + 1);
  };
  visit(dsl, 0);

  return {
    systems: [...systems.values()].sort((a, b) => `${a.system}.${a.operation}`.localeCompare(`${b.system}.${b.operation}`)),
    produces: [...produces.values()].sort((a, b) => a.event.localeCompare(b.event)),
    consumes: [...consumes].sort(),
  };
}
