// The app's tRPC router: one sub-router per area. Add new areas here.
import "server-only";
import { createCallerFactory, createTRPCRouter } from "./trpc";
import { adminRouter } from "./routers/admin";
import { auditRouter } from "./routers/audit";
import { connectionsRouter } from "./routers/connections";
import { flowsRouter } from "./routers/flows";
import { flowVersionsRouter } from "./routers/flow-versions";
import { governanceRouter } from "./routers/governance";
import { sessionRouter } from "./routers/session";
import { apiTokensRouter } from "./routers/api-tokens";
import { flowFilesRouter } from "./routers/flow-files";
import { pollsRouter } from "./routers/polls";
import { runsRouter } from "./routers/runs"; import { exceptionsRouter } from "./routers/exceptions";

export const appRouter = createTRPCRouter({
  session: sessionRouter,
  apiTokens: apiTokensRouter,
  flowFiles: flowFilesRouter,
  audit: auditRouter,
  admin: adminRouter,
  connections: connectionsRouter,
  flows: flowsRouter,
  flowVersions: flowVersionsRouter,
  governance: governanceRouter,
  runs: runsRouter, exceptions: exceptionsRouter,
  polls: pollsRouter,
});

export type AppRouter = typeof appRouter;
export const createCaller = createCallerFactory(appRouter);
