// `weft convert --from n8n|asl FILE… [-o DIR]`: another tool's flows → weft/1 drafts plus conversion reports;
// `weft convert --to asl FILE.weft.json… [-o DIR]`: weft/1 flows → Step Functions state machines plus export reports.
// Offline and pure apart from the files: the converters are core/convert, the same the designer's import uses.
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { Option, type Command } from "commander";
import { connectorCatalog } from "@/connectors/registry";
import {
  CONVERT_SOURCES,
  ConvertError,
  convert,
  exportableFlowOf,
  flowKeyFrom,
  formatExportReport,
  formatReport,
  toAsl,
  type ConvertSource,
} from "@/core/convert";
import { formatPath } from "@/core/dsl/problems";
import { validate } from "@/core/dsl/validate";
import { CliError, guarded, readDocument } from "./dsl-commands";

export function registerConvertCommand(program: Command): void {
  program
    .command("convert")
    .description(
      "convert n8n workflow exports or Step Functions state machines (ASL) to weft/1 drafts (--from; writes <key>.weft.json and <key>.report.json per file), or weft/1 flows to Step Functions state machines (--to asl; writes <key>.asl.json and <key>.export-report.json, naming every step ASL cannot express); exit 1 only when an input cannot be read",
    )
    .addOption(new Option("--from <tool>", "the source tool").choices([...CONVERT_SOURCES]).conflicts("to"))
    .addOption(new Option("--to <format>", "export weft/1 flows to this format").choices(["asl"]))
    .argument(
      "<files...>",
      "n8n exports (.json), state machine definitions (.json, .asl.json, .yaml), or with --to: weft/1 flows",
    )
    .option("-o, --out <dir>", "where to write the results and reports (default: beside each input)")
    .option("--json", "print the reports as JSON instead of text")
    .action(
      guarded(async (files: string[], o: { from?: ConvertSource; to?: "asl"; out?: string; json?: boolean }) => {
        if (o.to) return exportFiles(files, { out: o.out, json: o.json });
        if (!o.from) throw new CliError("Say what to convert: --from n8n|asl (to weft/1), or --to asl (from weft/1).");
        const catalog = connectorCatalog();
        const reports: unknown[] = [];
        for (const file of files) {
          const doc = await readDocument(file);
          if ("problem" in doc) {
            console.error(`weft: ${doc.problem.message}`);
            process.exitCode = 1;
            continue;
          }
          let result;
          try {
            // A state machine has no name of its own (its Comment is a sentence): the file name gives the key.
            result = convert(
              o.from,
              doc.value,
              o.from === "asl" ? { key: flowKeyFrom(path.basename(file).replace(/(\.asl)?\.(json|ya?ml)$/i, "")) } : {},
            );
          } catch (err) {
            if (!(err instanceof ConvertError)) throw err;
            console.error(`weft: ${file}: ${err.message}`);
            process.exitCode = 1;
            continue;
          }
          const dir = o.out ?? path.dirname(file);
          await mkdir(dir, { recursive: true });
          const flowFile = path.join(dir, `${result.flow.key}.weft.json`);
          const reportFile = path.join(dir, `${result.flow.key}.report.json`);
          const v = validate(result.flow, { catalog });
          await writeFile(flowFile, `${JSON.stringify(result.flow, null, 2)}\n`);
          await writeFile(reportFile, `${JSON.stringify({ ...result.report, validation: v.problems }, null, 2)}\n`);
          if (o.json) reports.push({ file, flowFile, reportFile, report: result.report, problems: v.problems });
          else {
            console.log(`${file} → ${flowFile}`);
            console.log(formatReport(result.report));
            const errors = v.problems.filter((p) => p.severity === "error");
            console.log(
              errors.length
                ? `Validation: ${errors.length} error(s) to fix in the designer:`
                : "Validation: no errors.",
            );
            for (const p of errors) console.log(`   ${p.stepId ?? formatPath(p.path)}: ${p.message}`);
            console.log("");
          }
        }
        if (o.json) console.log(JSON.stringify(reports, null, 2));
      }),
    );
}

/** weft/1 flow files → ASL state machines and export reports (what `weft export --to asl` does with a server's flow). */
async function exportFiles(files: string[], o: { out?: string; json?: boolean }): Promise<void> {
  const reports: unknown[] = [];
  for (const file of files) {
    const doc = await readDocument(file);
    const read = "problem" in doc ? { problem: doc.problem.message } : exportableFlowOf(doc.value);
    if ("problem" in read) {
      console.error(`weft: ${file}: ${read.problem}`);
      process.exitCode = 1;
      continue;
    }
    const { definition, report } = toAsl(read.flow);
    const dir = o.out ?? path.dirname(file);
    await mkdir(dir, { recursive: true });
    const aslFile = path.join(dir, `${read.flow.key}.asl.json`);
    const reportFile = path.join(dir, `${read.flow.key}.export-report.json`);
    await writeFile(aslFile, `${JSON.stringify(definition, null, 2)}\n`);
    await writeFile(reportFile, `${JSON.stringify(report, null, 2)}\n`);
    if (o.json) reports.push({ file, aslFile, reportFile, report });
    else {
      console.log(`${file} → ${aslFile}`);
      console.log(formatExportReport(report));
      console.log("");
    }
  }
  if (o.json) console.log(JSON.stringify(reports, null, 2));
}
