// Limits shared by the tRPC server and its browser client (browser-safe: no imports).
/**
 * The most procedures one batched HTTP request may carry. The server answers a larger batch with 400 before
 * running anything (one request must not buy unbounded work); the browser's batch link splits at the same
 * number, so the app itself never sends one.
 */
export const TRPC_MAX_BATCH = 20;
