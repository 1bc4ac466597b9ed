// Shared by the flows router and the browser (no server imports here).
export const DOMAINS = ["customer", "opportunity", "project", "resource", "contract", "time-expense", "invoice", "reporting"] as const;
export const LIFECYCLES = ["draft", "active", "deprecated", "retired"] as const;
