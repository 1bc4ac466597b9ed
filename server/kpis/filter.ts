// The filter every KPI query takes: a period of whole ISO weeks ending at `to`, an environment (production unless
// asked otherwise), and optionally a team or customer.
import { z } from "zod";
import { lastWeeks } from "../../core/kpis/math";
import { figuresEnvironment } from "../../core/environment-scope";

export interface KpiFilter {
  /** Start of the first week of the period. */
  from: Date;
  /** End of the period (exclusive): "as of" for point-in-time figures such as unbilled time. */
  to: Date;
  /** The environment of the runs behind the figures; undefined = every environment. */
  environment?: string;
  /** A Weft team: the owner of the flows behind a figure (every KPI but utilisation). */
  team?: string;
  customer?: string;
  /** A firm team: the person's organisation in the HRIS (the personTeam key); utilisation only. */
  personTeam?: string;
}

export const KpiFilterInput = z.strictObject({
  weeks: z.int().min(1).max(52).optional(),
  /** ISO 8601; default now. */
  asOf: z.iso.datetime({ offset: true }).optional(),
  team: z.string().min(1).max(64).optional(),
  customer: z.string().min(1).max(200).optional(),
  /** The person's team in the HRIS (an organisation id, the personTeam key); filters utilisation. */
  personTeam: z.string().min(1).max(200).optional(),
  /** An environment key or "all"; default production (docs/environments.md). */
  environment: z.string().min(1).max(40).optional(),
});
export type KpiFilterInput = z.infer<typeof KpiFilterInput>;

/** The period's filter and its week starts (oldest first). Default: the last 8 weeks up to now. */
export function resolveFilter(i: KpiFilterInput, now = new Date()): { filter: KpiFilter; weeks: Date[] } {
  const to = i.asOf ? new Date(i.asOf) : now;
  const weeks = lastWeeks(to, i.weeks ?? 8);
  return {
    filter: {
      from: weeks[0]!,
      to,
      environment: figuresEnvironment(i.environment),
      team: i.team,
      customer: i.customer,
      personTeam: i.personTeam,
    },
    weeks,
  };
}
