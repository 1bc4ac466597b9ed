// The classes every step failure is put in *before* anything decides to retry or catch it: the DSL's
// `retry.on` / `catch` name them, the runtime classifies into them, connectors raise a subset, the exception
// queue filters by them. One list, so none of those can drift from the others.
export const ERROR_CLASSES = ["transient", "timeout", "auth", "validation", "mapping", "business", "internal"] as const;
/**
 * transient  — network, HTTP 408/425/429/5xx, a connector's own timeout: worth retrying (honouring Retry-After).
 * timeout    — the step's own time limit ran out (the DSL's default retry covers it with transient).
 * auth       — 401/403, missing or rejected credentials: needs a person.
 * validation — other 4xx, schema violations of a step's input or output.
 * mapping    — a JSONata expression failed to evaluate.
 * business   — a `fail` step said so.
 * internal   — a bug or an unexpected exception; never retried automatically.
 */
export type ErrorClass = (typeof ERROR_CLASSES)[number];
