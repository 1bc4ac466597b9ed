// Business SLOs: a target on a KPI, judged per event so the technical SLOs' math applies unchanged
// (core/governance/slo-math.ts: error budget over a window, multi-window burn-rate rules). Each KPI a business
// SLO may target says what one event is and when it is good. Pure.
import { z } from "zod";
import type { KpiId } from "./definitions";

export const BUSINESS_SLO_KPIS = [
  "unbilled-approved-time",
  "invoice-cycle-time",
  "project-setup-time",
  "touchless-rate",
  "reconciliation-match-rate",
] as const satisfies readonly KpiId[];
export type BusinessSloKpi = (typeof BUSINESS_SLO_KPIS)[number];

export interface BusinessSloKind {
  /** What the threshold is in; null when the events are good or bad by themselves. */
  thresholdUnit: "days" | "hours" | null;
  /** The event and when it is good, shown beside the SLO. */
  event: string;
  /** A sentence for an SLO with this threshold and target (e.g. in the list). */
  describe(threshold: number | null, target: number): string;
}

const pct = (x: number) => `${Math.round(x * 10_000) / 100} %`;

export const BUSINESS_SLO_KINDS: Record<BusinessSloKpi, BusinessSloKind> = {
  "unbilled-approved-time": {
    thresholdUnit: "days",
    event:
      "A time entry approved at least the threshold ago, at the moment it reaches that age; good when it was invoiced by then.",
    describe: (t, target) => `unbilled approved time older than ${t} days < ${pct(1 - target)} of approved`,
  },
  "invoice-cycle-time": {
    thresholdUnit: "days",
    event: "A time entry invoiced; good when it was invoiced within the threshold of its approval.",
    describe: (t, target) => `${pct(target)} of approved time invoiced within ${t} days`,
  },
  "project-setup-time": {
    thresholdUnit: "hours",
    event: "A deal live in the PSA and the ERP; good when that took at most the threshold since closed-won.",
    describe: (t, target) => `${pct(target)} of won deals live in PSA and ERP within ${t} hours`,
  },
  "touchless-rate": {
    thresholdUnit: null,
    event: "A finished run (not a test, not a replay); good when it succeeded without an exception.",
    describe: (_t, target) => `${pct(target)} of runs need no manual intervention`,
  },
  "reconciliation-match-rate": {
    thresholdUnit: null,
    event:
      "A record key compared by a reconciliation run (not a test), at the run's end; good when it matched on every side.",
    describe: (_t, target) => `${pct(target)} of reconciled records match`,
  },
};

/** The form's input (create and update). */
export const BusinessSloInput = z.strictObject({
  name: z.string().trim().min(1).max(120),
  kpi: z.enum(BUSINESS_SLO_KPIS),
  threshold: z.number().positive().max(10_000).nullable().optional(),
  target: z.number().gt(0, "The target is a share above 0").lt(1, "The target is a share below 1 (e.g. 0.98)"),
  windowDays: z.int().min(1).max(90).optional(),
  minEvents: z.int().min(1).max(100_000).optional(),
  ownerTeamKey: z.string().min(1).max(64),
  filterTeam: z.string().min(1).max(64).nullable().optional(),
  filterCustomer: z.string().min(1).max(200).nullable().optional(),
  enabled: z.boolean().optional(),
});
export type BusinessSloInput = z.infer<typeof BusinessSloInput>;

/** A threshold the KPI needs, or none it cannot use: the message names the field. */
export function thresholdProblem(kpi: BusinessSloKpi, threshold: number | null | undefined): string | null {
  const unit = BUSINESS_SLO_KINDS[kpi].thresholdUnit;
  if (unit && (threshold === null || threshold === undefined))
    return `A ${kpi} SLO needs a threshold in ${unit} (e.g. 7).`;
  if (!unit && threshold !== null && threshold !== undefined) return `A ${kpi} SLO takes no threshold.`;
  return null;
}
