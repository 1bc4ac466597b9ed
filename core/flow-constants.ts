// Flow metadata lists shared by the DSL, the routers, governance and the browser (no server imports here).
export const DOMAINS = [
  "customer",
  "opportunity",
  "project",
  "resource",
  "contract",
  "time-expense",
  "invoice",
  "reporting",
] as const;
export const LIFECYCLES = ["draft", "active", "deprecated", "retired"] as const;
export type Lifecycle = (typeof LIFECYCLES)[number];
/** Where a run is (the database enum RunStatus; server/db/enums.test.ts keeps them equal). */
export const RUN_STATUSES = ["queued", "running", "waiting", "succeeded", "failed", "cancelled"] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];
/** A flow's data classification: how its payloads are masked, and whether publishing needs a review. */
export const CLASSIFICATIONS = ["public", "internal", "confidential", "restricted"] as const;
