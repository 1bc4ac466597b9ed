// The app's tRPC router: one sub-router per area. Add new areas here.
import "server-only";
import { createCallerFactory, createTRPCRouter } from "./trpc";
import { config } from "../config";
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
import { runsRouter } from "./routers/runs";
import { exceptionsRouter } from "./routers/exceptions";
import { demoRouter } from "./routers/demo";
import { reconciliationsRouter } from "./routers/reconciliations";
import { tasksRouter } from "./routers/tasks";
import { kpisRouter } from "./routers/kpis";
import { environmentsRouter } from "./routers/environments";

const areas = {
  session: sessionRouter,
  apiTokens: apiTokensRouter,
  flowFiles: flowFilesRouter,
  audit: auditRouter,
  admin: adminRouter,
  connections: connectionsRouter,
  flows: flowsRouter,
  flowVersions: flowVersionsRouter,
  governance: governanceRouter,
  runs: runsRouter,
  exceptions: exceptionsRouter,
  polls: pollsRouter,
  reconciliations: reconciliationsRouter,
  tasks: tasksRouter,
  kpis: kpisRouter,
  environments: environmentsRouter,
};

/**
 * The app router; `demo` holds the demo workspace's procedures (sandbox fault injection) only when `demo`
 * is set. Its type always has them (the page offers them only in demo mode); outside demo mode calling one
 * is "no procedure found" (404).
 */
export function buildAppRouter(opts: { demo: boolean }) {
  return createTRPCRouter({
    ...areas,
    demo: opts.demo ? demoRouter : (createTRPCRouter({}) as unknown as typeof demoRouter),
  });
}

export const appRouter = buildAppRouter({ demo: config().demo });
export type AppRouter = typeof appRouter;
export const createCaller = createCallerFactory(appRouter);
