// Reconciliation: the definition format and the streaming matcher (pure). See docs/reconciliation.md.
export * from "./schema";
export { compareKeys, getPath, normaliseText, recordKey, KEY_SEPARATOR } from "./keys";
export { parseDec, formatDec, type Dec } from "./decimal";
export * from "./matcher";
export { sortForMatch, matchArrays, type MatchResult } from "./memory";
export { breaksOf, breakIdentity, breakPeriod, displayKey, resolvedBy, type Break } from "./breaks";
export { breakDetail, resyncContext, DETAIL_IDS, type BreakDetail, type ResyncContext } from "./resync";
export { reconcileSteps, type ReconcileInFlow } from "./in-flow";
