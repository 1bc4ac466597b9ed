// DSL documents used by the runtime tests and the benchmark. PROVISIONAL until server/dsl lands.
export function webhookFlow(o: { idempotencyKey?: string; steps?: unknown[] }): Record<string, unknown> {
  return { trigger: { type: "webhook", ...(o.idempotencyKey ? { idempotencyKey: o.idempotencyKey } : {}) }, steps: o.steps ?? [] };
}
