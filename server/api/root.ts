// The app's tRPC router: one sub-router per area. Add new areas here.
import { createCallerFactory, createTRPCRouter } from "./trpc";
import { adminRouter } from "./routers/admin";
import { auditRouter } from "./routers/audit";
import { sessionRouter } from "./routers/session";

export const appRouter = createTRPCRouter({
  session: sessionRouter,
  audit: auditRouter,
  admin: adminRouter,
});

export type AppRouter = typeof appRouter;
export const createCaller = createCallerFactory(appRouter);
