// The tRPC HTTP endpoint (app/api/trpc): the router behind fetchRequestHandler with the request limits that
// hold before any procedure runs — batch size, and a body read only up to TRPC_MAX_BODY_BYTES.
import "server-only";
import { fetchRequestHandler } from "@trpc/server/adapters/fetch";
import { TRPC_MAX_BATCH, TRPC_MAX_BODY_BYTES } from "../../core/limits";
import { readLimited } from "../http/body";
import { logger } from "../observability/log";
import { appRouter } from "./root";
import { createContext, type Context } from "./trpc";

export async function handleTrpcRequest(
  req: Request,
  opts: { context?: () => Promise<Context>; maxBodyBytes?: number } = {},
): Promise<Response> {
  let request = req;
  if (req.method === "POST") {
    const limit = opts.maxBodyBytes ?? TRPC_MAX_BODY_BYTES;
    const body = await readLimited(req, limit);
    if (body === null) {
      return Response.json(
        { error: { code: "PAYLOAD_TOO_LARGE", message: `The request body exceeds ${limit} bytes.` } },
        { status: 413 },
      );
    }
    // Handed on as the buffered bytes: the original stream has been read.
    request = new Request(req.url, { method: "POST", headers: req.headers, body: new Uint8Array(body) });
  }
  return fetchRequestHandler({
    endpoint: "/api/trpc",
    req: request,
    router: appRouter,
    maxBatchSize: TRPC_MAX_BATCH,
    createContext: opts.context ?? (() => createContext({ headers: req.headers })),
    onError({ path, error }) {
      if (error.code === "INTERNAL_SERVER_ERROR") {
        logger.error(
          { path, err: error.cause ?? error, requestId: req.headers.get("x-request-id") },
          "tRPC procedure failed",
        );
      }
    },
  });
}
