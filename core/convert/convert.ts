// One entry point for the CLI and the UI: pick the importer, and render a report as text.
import { fromAsl } from "./asl";
import { fromN8n } from "./n8n";
import type { ConversionReport, ConvertOptions, ConvertResult, ConvertSource } from "./common";

export const CONVERT_SOURCES = ["n8n", "asl"] as const satisfies readonly ConvertSource[];

export function convert(source: ConvertSource, doc: unknown, opts: ConvertOptions = {}): ConvertResult {
  return source === "n8n" ? fromN8n(doc, opts) : fromAsl(doc, opts);
}

const MARK = { converted: "ok", approximated: "~ ", placeholder: "!!", skipped: "--" } as const;

/** The report as plain text: one line per source node/state, then its notes. */
export function formatReport(r: ConversionReport): string {
  const lines = [
    `${r.source === "n8n" ? "n8n workflow" : "State machine"} "${r.name}": ${r.converted}/${r.total} converted without a placeholder`,
  ];
  for (const e of r.entries) {
    lines.push(
      `${MARK[e.status]} ${e.source} (${e.sourceType}) → ${e.stepId ? `${e.stepId}: ` : ""}${e.became ?? e.status}`,
    );
    for (const n of e.notes) lines.push(`     ${n.split("\n")[0]}`);
  }
  if (r.connections.length) {
    lines.push("Connections to create:");
    for (const c of r.connections)
      lines.push(
        `   ${c.key} (${c.connector}${c.auth ? `, ${c.auth}` : ""}) for ${c.from}; used by ${c.steps.join(", ")}`,
      );
  }
  if (Object.keys(r.pinned).length) lines.push(`Pinned samples: ${Object.keys(r.pinned).join(", ")}`);
  for (const n of r.notes) lines.push(`Note: ${n}`);
  return lines.join("\n");
}
