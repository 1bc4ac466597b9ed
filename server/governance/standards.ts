// Workspace-wide governance standards, owned by Platform Engineering: stored as the policy of the
// "runtime" platform domain so that changing them is an audited domain edit, not a deploy.
import "server-only";
import type { Db } from "../db/client";
import type { Tx } from "./context";

export interface Standards {
  /** A deprecated version's sunset must be at least this many days out. */
  deprecationNoticeDays: number;
  /** Default rolling window of new SLOs. */
  sloWindowDays: number;
  /** Default low-volume guard of new SLOs. */
  minEvents: number;
}

export const DEFAULT_STANDARDS: Standards = { deprecationNoticeDays: 30, sloWindowDays: 28, minEvents: 10 };
export const PLATFORM_DOMAIN = "runtime";

export async function loadStandards(db: Db | Tx): Promise<Standards> {
  const row = await db.govDomain.findUnique({ where: { key: PLATFORM_DOMAIN }, select: { policy: true } });
  const p = (row?.policy ?? {}) as Partial<Record<keyof Standards, unknown>>;
  const num = (v: unknown, d: number) => (typeof v === "number" && Number.isFinite(v) && v >= 0 ? v : d);
  return {
    deprecationNoticeDays: num(p.deprecationNoticeDays, DEFAULT_STANDARDS.deprecationNoticeDays),
    sloWindowDays: num(p.sloWindowDays, DEFAULT_STANDARDS.sloWindowDays),
    minEvents: num(p.minEvents, DEFAULT_STANDARDS.minEvents),
  };
}
