// Reconciliation: the definition format and the streaming matcher (pure). See docs/reconciliation.md.
export * from "./schema";
export { compareKeys, getPath, normaliseText, recordKey, KEY_SEPARATOR } from "./keys";
export { parseDec, formatDec, type Dec } from "./decimal";
export * from "./matcher";
export { sortForMatch, matchArrays, type MatchResult } from "./memory";
export { breaksOf, breakIdentity, displayKey, resolvedBy, type Break } from "./breaks";
