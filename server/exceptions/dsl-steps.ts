// Finds a step of a weft/1 document by id, wherever it is nested (foreach/parallel bodies, branches).
export interface DslStep {
  id: string;
  type: string;
  name?: string;
  connector?: string;
  operation?: string;
  connection?: string;
}

export function findStep(dsl: unknown, id: string): DslStep | null {
  const seen = new Set<unknown>();
  const walk = (v: unknown): DslStep | null => {
    if (!v || typeof v !== "object" || seen.has(v)) return null;
    seen.add(v);
    if (Array.isArray(v)) {
      for (const x of v) {
        const hit = walk(x);
        if (hit) return hit;
      }
      return null;
    }
    const o = v as Record<string, unknown>;
    if (o.id === id && typeof o.type === "string") return o as unknown as DslStep;
    for (const x of Object.values(o)) {
      const hit = walk(x);
      if (hit) return hit;
    }
    return null;
  };
  return walk((dsl as { steps?: unknown } | null)?.steps ?? null);
}

/** The first writing call step (create/post/upsert/update…) to the given connector. */
export function writeStepOf(dsl: unknown, connector: string): DslStep | null {
  const out: DslStep[] = [];
  const walk = (v: unknown): void => {
    if (!v || typeof v !== "object") return;
    if (Array.isArray(v)) return v.forEach(walk);
    const o = v as Record<string, unknown>;
    if (o.type === "call" && o.connector === connector && typeof o.operation === "string" && /^(create|post|upsert|update|send|submit)/i.test(o.operation)) out.push(o as unknown as DslStep);
    Object.values(o).forEach(walk);
  };
  walk((dsl as { steps?: unknown } | null)?.steps ?? null);
  return out[0] ?? null;
}
