// Steps of a stored weft/1 document (not parsed again): one by id, and the write a failed lookup held up.
import { findStep } from "../../core/dsl/walk";
import type { Flow } from "../../core/dsl/schema";

export interface DslStep {
  id: string;
  type: string;
  name?: string;
  connector?: string;
  operation?: string;
  connection?: string;
}

/**
 * The step of a stored document (a version's DSL or a run's snapshot) with this id, wherever it is nested —
 * core/dsl's findStep over a document that is not parsed again here; null if the document is not a flow.
 */
export function stepInDocument(dsl: unknown, id: string): DslStep | null {
  const doc = dsl as Pick<Flow, "start" | "steps"> | null;
  if (!doc || typeof doc !== "object" || !Array.isArray(doc.steps)) return null;
  try {
    return (findStep(doc, id)?.step as DslStep | undefined) ?? null;
  } catch {
    return null; // a malformed nested block (a snapshot of a draft that never parsed): no step to name
  }
}

/** The first writing call step (create/post/upsert/update…) to the given connector. */
export function writeStepOf(dsl: unknown, connector: string): DslStep | null {
  const out: DslStep[] = [];
  const walk = (v: unknown): void => {
    if (!v || typeof v !== "object") return;
    if (Array.isArray(v)) return v.forEach(walk);
    const o = v as Record<string, unknown>;
    if (
      o.type === "call" &&
      o.connector === connector &&
      typeof o.operation === "string" &&
      /^(create|post|upsert|update|send|submit)/i.test(o.operation)
    )
      out.push(o as unknown as DslStep);
    Object.values(o).forEach(walk);
  };
  walk((dsl as { steps?: unknown } | null)?.steps ?? null);
  return out[0] ?? null;
}
