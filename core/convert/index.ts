// Importers: other tools' flows → weft/1 drafts with a conversion report (pure; shared by the CLI and the UI).
export { fromN8n } from "./n8n";
export { fromAsl, errorMatcher, errorCode } from "./asl";
export { ConvertError } from "./errors";
export {
  flowKeyFrom,
  type ConvertResult,
  type ConversionReport,
  type ReportEntry,
  type EntryStatus,
  type ConnectionToCreate,
  type ConvertOptions,
  type ConvertSource,
} from "./common";
export { convert, formatReport, CONVERT_SOURCES } from "./convert";
export {
  toAsl,
  formatExportReport,
  exportableFlowOf,
  mappingExpression,
  type ToAslResult,
  type ExportReport,
  type ExportEntry,
} from "./to-asl";
