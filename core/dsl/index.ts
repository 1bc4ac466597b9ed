// Public API of the Weft flow DSL (pure TypeScript, no I/O: browser, CLI and runtime).
export * from "./schema";
export type { Catalog, CatalogConnection, ConnectorInfo, OperationInfo } from "./catalog";
export {
  validate,
  validateText,
  parseFlow,
  cronProblem,
  type ValidateOptions,
  type ValidationResult,
} from "./validate";
export { formatPath, type Problem, type Severity } from "./problems";
export {
  checkExpression,
  compileExpression,
  evaluate,
  evaluateMapping,
  mappingToJsonata,
  fieldsToJsonata,
  expressionRefs,
  clearExpressionCache,
  ExpressionError,
  EXPRESSION_LIMITS,
  type ExpressionScope,
  type EvaluateOptions,
  type ExpressionCheck,
} from "./expressions";
export {
  effectiveRetry,
  effectiveTimeoutMs,
  retryDelayMs,
  parseDuration,
  errorMatches,
  LIMITS,
  DEFAULT_RETRY_ON,
  defaultWebhookSecret,
  webhookPath,
  PLACEHOLDER_CONNECTOR,
  WEBHOOK_CONNECTOR,
  WEBHOOK_SECRET_FIELD,
  WEBHOOK_SIGNATURE_HEADER,
  WEBHOOK_TIMESTAMP_HEADER,
  WEBHOOK_TOLERANCE_SECONDS,
  type EffectiveRetry,
  approvalDecisions,
  APPROVAL_EXPIRED_CODE,
} from "./defaults";
export {
  scopesOf,
  stepsOf,
  edgesOf,
  stepExpressions,
  collectExpressions,
  flowExpressions,
  findStep,
  type Scope,
  type StepVisit,
  type StepEdge,
  type ExpressionSite,
  type Path,
} from "./walk";
export {
  compile,
  decompile,
  stepConfig,
  edgeId,
  handleOf,
  TRIGGER_NODE_ID,
  CANVAS_EDGE_KINDS,
  type CanvasGraph,
  type CanvasNode,
  type CanvasEdge,
  type CanvasEdgeKind,
  type CanvasNodeData,
  type StepNodeData,
  type TriggerNodeData,
  type StepConfig,
  type FlowMeta,
  type CompileResult,
  type DecompileResult,
} from "./graph";
export { layoutGraph, decompileWithLayout, type LayoutOptions } from "./layout";
export {
  diffFlows,
  diffValues,
  equal as jsonEqual,
  formatDiff,
  type FlowDiff,
  type StepDiff,
  type ValueChange,
} from "./diff";
export {
  detectBreakingChanges,
  semverBump,
  proposeVersion,
  versionBump,
  type Bump,
  type Change,
  type BreakingReport,
  type VersionProposal,
} from "./breaking";
export { contentHash, canonicalJson, verifyContentHash } from "./hash";
export { dslJsonSchema, DSL_SCHEMA_ID } from "./json-schema";
export {
  webhookInput,
  scheduleInput,
  pollReadInput,
  triggerFieldInput,
  triggerInputSchema,
  triggerSampleSkeleton,
  asTriggerInput,
  checkTriggerInput,
  HIDDEN_WEBHOOK_HEADERS,
  type WebhookInput,
  type TriggerInputProblem,
  type JsonSchemaObject,
} from "./trigger-input";
export * from "./business-events";
export { evaluateBusinessEvents } from "./business-eval";
