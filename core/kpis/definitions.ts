// The business KPIs: one definition of each (id, name, unit, the sentence shown in the UI and docs/kpis.md),
// computed by server/kpis from business events (core/dsl/business-events.ts) and runs/exceptions. Pure.

export const KPI_IDS = [
  "invoice-cycle-time",
  "deal-to-invoice",
  "unbilled-approved-time",
  "project-setup-time",
  "utilisation-variance",
  "touchless-rate",
  "blocked-money",
  "reconciliation-match-rate",
] as const;
export type KpiId = (typeof KPI_IDS)[number];

export type KpiUnit = "hours" | "days" | "money" | "percent";

export interface KpiDefinition {
  id: KpiId;
  name: string;
  unit: KpiUnit;
  /** Whether a lower figure is better (trend colouring, SLO direction). */
  lowerIsBetter: boolean;
  /** The one definition, shown one click from the tile and in docs/kpis.md. */
  definition: string;
  /** The business events (or tables) it reads. */
  reads: string;
}

export const KPIS: Record<KpiId, KpiDefinition> = {
  "invoice-cycle-time": {
    id: "invoice-cycle-time",
    name: "Invoice cycle time",
    unit: "days",
    lowerIsBetter: true,
    definition:
      "For each time entry invoiced in the period: the time from its first time.approved event to its first time.invoiced event (the invoice posted in the ERP). The tile shows the median (p50) and p90 in days; the week is the week it was invoiced.",
    reads: "time.approved, time.invoiced (by timeEntry)",
  },
  "deal-to-invoice": {
    id: "deal-to-invoice",
    name: "Deal closed-won → first invoice",
    unit: "days",
    lowerIsBetter: true,
    definition:
      "For each deal whose first invoice was posted in the period: the time from its deal.won event to the first invoice.posted event of a project created for it (project.created or project.live names the opportunity). p50 and p90 in days; the week is the week of that first invoice.",
    reads: "deal.won, project.created/project.live (opportunity → project), invoice.posted (by project)",
  },
  "unbilled-approved-time": {
    id: "unbilled-approved-time",
    name: "Unbilled approved time",
    unit: "money",
    lowerIsBetter: true,
    definition:
      "Time entries with a time.approved event and no time.invoiced event yet, as of the end of the period: their hours and money (the first approval's values), aged by days since approval (0–7, 8–30, 31–60, over 60). Held up: the part whose project, time entry or customer is a business key of an open exception (same key name and value). The weekly trend is the amount unbilled at the end of each week.",
    reads: "time.approved, time.invoiced (by timeEntry); open exceptions' business keys",
  },
  "project-setup-time": {
    id: "project-setup-time",
    name: "Project set-up time",
    unit: "hours",
    lowerIsBetter: true,
    definition:
      "For each deal whose project went live in both the PSA and the ERP in the period: the time from its deal.won event to the later of its first project.live events with system psa and erp. p50 and p90 in hours; the week is the week the project was live in both.",
    reads: "deal.won, project.live (system psa and erp, by opportunity)",
  },
  "utilisation-variance": {
    id: "utilisation-variance",
    name: "Utilisation variance",
    unit: "percent",
    lowerIsBetter: true,
    definition:
      "Per person and week: actual billable hours (hours of the time.approved events, one per time entry, in the week the work was performed) minus planned billable hours (hours of the assignment.made events of that week; without any, of the person's capacity.planned events). The tile shows the total absolute variance as a share of planned hours, over the people with planned hours. Per team = per the person's team in the HRIS (their Workday organisation, the events' personTeam key), not the Weft team that owns the flows; the firm-team filter keeps that team's person-weeks and the Weft team filter does not apply. The drill-down lists teams, people and weeks.",
    reads: "time.approved, assignment.made, capacity.planned (by person, week, personTeam)",
  },
  "touchless-rate": {
    id: "touchless-rate",
    name: "Touchless rate",
    unit: "percent",
    lowerIsBetter: false,
    definition:
      "The share of runs finished in the period (not test runs, not replays) that succeeded and never had an exception opened, i.e. needed no manual intervention.",
    reads: "run, exception",
  },
  "blocked-money": {
    id: "blocked-money",
    name: "Open exceptions by blocked money",
    unit: "money",
    lowerIsBetter: true,
    definition:
      "The money held up by open exceptions: the sum of their business-impact amounts (numeric business keys named like amount or total), by flow. The trend is the amount of exceptions opened each week that are still open.",
    reads: "exception (open, impact_amount)",
  },
  "reconciliation-match-rate": {
    id: "reconciliation-match-rate",
    name: "Reconciliation match rate",
    unit: "percent",
    lowerIsBetter: false,
    definition:
      "Over the reconciliation runs (reconcile steps, not test runs) finished in the period: the record keys that matched on every side ÷ the keys compared, weighted by keys across reconciliations. Unreconciled: the money and hours at stake in the latest run of each reconciliation. The weekly trend is the match rate of the runs finished that week. A team filter keeps the reconciliations whose flow the team owns; a customer filter does not apply (a reconciliation compares whole record sets).",
    reads: "reconciliation_run (keys, matched, money and hours at stake)",
  },
};

/** The four headline KPIs (the first row of tiles). */
export const HEADLINE_KPIS: readonly KpiId[] = [
  "invoice-cycle-time",
  "unbilled-approved-time",
  "project-setup-time",
  "utilisation-variance",
];

/** Ageing buckets of unbilled approved time, in whole days since approval (inclusive bounds). */
export const AGEING_BUCKETS = [
  { id: "0-7", label: "0–7 days", min: 0, max: 7 },
  { id: "8-30", label: "8–30 days", min: 8, max: 30 },
  { id: "31-60", label: "31–60 days", min: 31, max: 60 },
  { id: "60+", label: "over 60 days", min: 61, max: Infinity },
] as const;
export type AgeingBucketId = (typeof AGEING_BUCKETS)[number]["id"];
