// Limits shared by the tRPC server and its browser client (browser-safe: no imports).
/**
 * The most procedures one batched HTTP request may carry. The server answers a larger batch with 400 before
 * running anything (one request must not buy unbounded work); the browser's batch link splits at the same
 * number, so the app itself never sends one.
 */
export const TRPC_MAX_BATCH = 20;

/**
 * The largest tRPC request body the server reads (bytes). A draft is at most 2 MB (server/flows/drafts.ts)
 * and superjson adds little; anything larger is refused with 413 before it is read whole, so a client cannot
 * make the web process buffer an unbounded body.
 */
export const TRPC_MAX_BODY_BYTES = 4 * 1024 * 1024;
