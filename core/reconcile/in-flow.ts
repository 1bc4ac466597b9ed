// The reconcile steps of a stored flow document (a published version's DSL), read leniently: the
// Reconciliation page lists them and "Re-sync" finds its flow here. Pure.
import { ReconResync } from "../dsl/schema";
import { ReconDefinition } from "./schema";

export interface ReconcileInFlow {
  stepId: string;
  stepName: string | null;
  definition: ReconDefinition;
  resync: ReconResync | null;
}

const rec = (v: unknown): Record<string, unknown> | null =>
  typeof v === "object" && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : null;

/** Every reconcile step whose definition parses, in document order (foreach bodies and parallel branches included). */
export function reconcileSteps(dsl: unknown): ReconcileInFlow[] {
  const out: ReconcileInFlow[] = [];
  const stack: unknown[] = [rec(dsl)?.steps];
  while (stack.length) {
    const steps = stack.pop();
    if (!Array.isArray(steps)) continue;
    for (const raw of steps) {
      const s = rec(raw);
      if (!s) continue;
      if (s.type === "foreach") stack.push(rec(s.body)?.steps);
      if (s.type === "parallel" && Array.isArray(s.branches)) for (const b of s.branches) stack.push(rec(b)?.steps);
      if (s.type !== "reconcile" || typeof s.id !== "string") continue;
      const def = ReconDefinition.safeParse(s.definition);
      if (!def.success) continue;
      const resync = s.resync === undefined ? null : ReconResync.safeParse(s.resync);
      out.push({
        stepId: s.id,
        stepName: typeof s.name === "string" ? s.name : null,
        definition: def.data,
        resync: resync?.success ? resync.data : null,
      });
    }
  }
  return out;
}
