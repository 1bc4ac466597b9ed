// Formatting shared by the Business page's tiles and drill-down (figures arrive computed; only display here).
import type { inferRouterOutputs } from "@trpc/server";
import type { AppRouter } from "@/server/api/root";

export type Tile = inferRouterOutputs<AppRouter>["kpis"]["summary"]["tiles"][number];
export type DrillData = inferRouterOutputs<AppRouter>["kpis"]["drill"];

export const hours = (h: unknown) => `${Number(h ?? 0).toLocaleString("en-US", { maximumFractionDigits: 1 })} h`;

/** The tile's currency (the firm's, from the facts), USD when none is known yet. */
export const tileCurrency = (t: Tile | undefined) => (t?.detail.currency as string | null | undefined) || "USD";
