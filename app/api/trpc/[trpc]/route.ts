import { fetchRequestHandler } from "@trpc/server/adapters/fetch";
import { appRouter } from "@/server/api/root";
import { createContext } from "@/server/api/trpc";
import { logger } from "@/server/observability/log";
import { TRPC_MAX_BATCH } from "@/core/limits";

const handler = (req: Request) =>
  fetchRequestHandler({
    endpoint: "/api/trpc",
    req,
    router: appRouter,
    maxBatchSize: TRPC_MAX_BATCH,
    createContext: () => createContext({ headers: req.headers }),
    onError({ path, error }) {
      if (error.code === "INTERNAL_SERVER_ERROR") {
        logger.error(
          { path, err: error.cause ?? error, requestId: req.headers.get("x-request-id") },
          "tRPC procedure failed",
        );
      }
    },
  });

export { handler as GET, handler as POST };
