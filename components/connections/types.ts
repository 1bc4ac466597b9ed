import type { inferRouterOutputs } from "@trpc/server";
import type { AppRouter } from "@/server/api/root";

type Out = inferRouterOutputs<AppRouter>["connections"];
export type ConnectionRow = Out["list"][number];
export type ConnectorEntry = Out["connectors"][number];
export type ImportPreview = Out["previewImport"];
export type TestOutcome = Out["test"];
