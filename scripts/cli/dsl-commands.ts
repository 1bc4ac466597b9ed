// `weft validate`, `weft compile`, `weft diff`: the DSL commands. They work offline on files and never print
// a stack trace: every failure is a sentence and an exit code (0 ok, 1 invalid or failed).
// Wired by scripts/cli.ts via registerDslCommands. (`weft export`/`weft import` need the server API and
// live elsewhere.)
import { readFile, stat, writeFile } from "node:fs/promises";
import path from "node:path";
import { pathToFileURL } from "node:url";
import type { Command } from "commander";
import YAML from "yaml";
import type { Catalog } from "@/core/dsl/catalog";
import { compile, type CanvasGraph } from "@/core/dsl/graph";
import { formatDiff, diffFlows } from "@/core/dsl/diff";
import { proposeVersion } from "@/core/dsl/breaking";
import { formatPath, type Problem } from "@/core/dsl/problems";
import { validate, type ValidationResult } from "@/core/dsl/validate";
import { connectorCatalog } from "@/connectors/registry";

const MAX_FILE_BYTES = 20 * 1024 * 1024;

export class CliError extends Error {}

/** Reads a JSON (or YAML, by extension) file; a problem on failure, never an exception. */
export async function readDocument(file: string): Promise<{ value: unknown } | { problem: Problem }> {
  const fail = (code: string, message: string) => ({
    problem: { path: [], code, message, severity: "error" as const },
  });
  let size: number;
  try {
    size = (await stat(file)).size;
  } catch {
    return fail("unreadable", `Cannot read ${file}: no such file.`);
  }
  if (size > MAX_FILE_BYTES)
    return fail(
      "too-large",
      `${file} is ${(size / 1e6).toFixed(1)} MB; a flow file is at most ${MAX_FILE_BYTES / 1e6} MB.`,
    );
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (err) {
    return fail("unreadable", `Cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? "error"}.`);
  }
  if (/\.ya?ml$/i.test(file)) {
    try {
      return { value: YAML.parse(text, { maxAliasCount: 100, prettyErrors: false }) as unknown };
    } catch (err) {
      return fail("not-yaml", `${file} is not YAML: ${String((err as Error).message).split("\n")[0]}`);
    }
  }
  try {
    return { value: JSON.parse(text) as unknown };
  } catch (err) {
    return fail("not-json", `${file} is not JSON: ${(err as Error).message}`);
  }
}

function isCatalog(v: unknown): v is Catalog {
  return (
    typeof v === "object" &&
    v !== null &&
    typeof (v as { connectors?: unknown }).connectors === "object" &&
    (v as { connectors?: unknown }).connectors !== null
  );
}

/** A catalog from a module exporting `catalog`, `exampleCatalog`, `default`, or a `buildCatalog()`/`staticCatalog()` function. */
async function catalogFrom(specifier: string): Promise<Catalog | null> {
  const mod = (await import(specifier)) as Record<string, unknown>;
  for (const name of ["catalog", "staticCatalog", "exampleCatalog", "default"]) {
    const v = mod[name];
    if (isCatalog(v)) return v;
    if (typeof v === "function") {
      const built = (await (v as () => unknown)()) as unknown;
      if (isCatalog(built)) return built;
    }
  }
  for (const name of ["buildCatalog", "createCatalog"]) {
    const f = mod[name];
    if (typeof f === "function") {
      const built = (await (f as () => unknown)()) as unknown;
      if (isCatalog(built)) return built;
    }
  }
  return null;
}

/** --catalog <module>, else the built-in connector registry. */
async function loadCatalog(option: string | undefined): Promise<{ catalog?: Catalog; source: string }> {
  if (option) {
    let c: Catalog | null;
    try {
      c = await catalogFrom(pathToFileURL(path.resolve(option)).href);
    } catch (err) {
      throw new CliError(`Cannot load the catalog module ${option}: ${(err as Error).message.split("\n")[0]}`);
    }
    if (!c) throw new CliError(`${option} exports no catalog (export \`catalog\` or \`buildCatalog()\`).`);
    return { catalog: c, source: option };
  }
  // Offline: the connectors that ship with Weft (connections and published flows are only known to a server).
  return { catalog: connectorCatalog(), source: "built-in connectors" };
}

const where = (p: Problem) => `${formatPath(p.path) || "(document)"}${p.stepId ? ` [${p.stepId}]` : ""}`;

function printProblems(problems: Problem[], indent = "  "): void {
  for (const p of problems)
    console.log(`${indent}${p.severity === "error" ? "error  " : "warning"} ${where(p)}: ${p.message}  (${p.code})`);
}

async function validateFile(file: string, catalog: Catalog | undefined): Promise<ValidationResult> {
  const doc = await readDocument(file);
  if ("problem" in doc) return { ok: false, problems: [doc.problem] };
  return validate(doc.value, { catalog });
}

/** Runs an action; any error becomes one line on stderr and exit code 1. */
export function guarded<A extends unknown[]>(fn: (...args: A) => Promise<void>): (...args: A) => Promise<void> {
  return async (...args: A) => {
    try {
      await fn(...args);
    } catch (err) {
      const message =
        err instanceof CliError ? err.message : `unexpected error: ${(err as Error)?.message ?? String(err)}`;
      console.error(`weft: ${message}`);
      process.exitCode = 1;
    }
  };
}

export function registerDslCommands(program: Command): void {
  program
    .command("validate")
    .description("validate flow files (JSON or YAML); exit 0 when all are valid, 1 otherwise")
    .argument("<files...>", "flow documents")
    .option("--json", "machine-readable output")
    .option("--catalog <module>", "module exporting a connector catalog (default: the installed connectors)")
    .option("--quiet", "print only files with errors")
    .action(
      guarded(async (files: string[], o: { json?: boolean; catalog?: string; quiet?: boolean }) => {
        const { catalog, source } = await loadCatalog(o.catalog);
        const results: Array<{ file: string; ok: boolean; errors: number; warnings: number; problems: Problem[] }> = [];
        for (const file of files) {
          const r = await validateFile(file, catalog);
          const errors = r.problems.filter((p) => p.severity === "error").length;
          results.push({ file, ok: r.ok, errors, warnings: r.problems.length - errors, problems: r.problems });
        }
        const ok = results.every((r) => r.ok);
        if (o.json) console.log(JSON.stringify({ ok, catalog: source, files: results }, null, 2));
        else {
          for (const r of results) {
            if (o.quiet && r.ok) continue;
            const summary = r.ok
              ? `valid${r.warnings ? ` (${r.warnings} warning${r.warnings > 1 ? "s" : ""})` : ""}`
              : `${r.errors} error${r.errors > 1 ? "s" : ""}${r.warnings ? `, ${r.warnings} warning${r.warnings > 1 ? "s" : ""}` : ""}`;
            console.log(`${r.file}: ${summary}`);
            printProblems(o.quiet ? r.problems.filter((p) => p.severity === "error") : r.problems);
          }
          if (!catalog && !o.quiet)
            console.log("(connector, operation and input checks skipped: no connector catalog; pass --catalog)");
        }
        process.exitCode = ok ? 0 : 1;
      }),
    );

  program
    .command("compile")
    .description("compile a canvas graph (React Flow nodes, edges and node settings) to a flow document")
    .argument("<canvas>", "canvas JSON file ({ flow, nodes, edges })")
    .option("-o, --out <file>", "write the document here instead of stdout")
    .option("--json", "print { flow, problems } as JSON")
    .option("--no-layout", "leave node positions out of the document")
    .action(
      guarded(async (file: string, o: { out?: string; json?: boolean; layout?: boolean }) => {
        const doc = await readDocument(file);
        if ("problem" in doc) throw new CliError(doc.problem.message);
        const g = doc.value;
        if (
          typeof g !== "object" ||
          g === null ||
          !Array.isArray((g as { nodes?: unknown }).nodes) ||
          !Array.isArray((g as { edges?: unknown }).edges)
        )
          throw new CliError(`${file} is not a canvas graph: expected an object with "nodes" and "edges" lists.`);
        const compiled = compile(g as CanvasGraph, { layout: o.layout !== false });
        const v = validate(compiled.flow);
        const problems = [...compiled.problems, ...v.problems];
        const ok = compiled.problems.length === 0 && v.ok;
        const text = JSON.stringify(compiled.flow, null, 2);
        if (o.out) await writeFile(o.out, `${text}\n`, "utf8");
        if (o.json) console.log(JSON.stringify({ ok, flow: compiled.flow, problems }, null, 2));
        else {
          if (!o.out) console.log(text);
          if (problems.length) {
            console.error(`${file}: ${problems.length} problem${problems.length > 1 ? "s" : ""}`);
            for (const p of problems) console.error(`  ${p.severity} ${where(p)}: ${p.message}  (${p.code})`);
          }
        }
        process.exitCode = ok ? 0 : 1;
      }),
    );

  program
    .command("diff")
    .description("compare two versions of a flow: per-step changes, breaking changes and the semver bump they need")
    .argument("<a>", "the earlier version")
    .argument("<b>", "the later version")
    .option("--json", "machine-readable output")
    .action(
      guarded(async (a: string, b: string, o: { json?: boolean }) => {
        const [ra, rb] = [await validateFile(a, undefined), await validateFile(b, undefined)];
        for (const [file, r] of [
          [a, ra],
          [b, rb],
        ] as const) {
          if (!r.flow) {
            if (o.json) console.log(JSON.stringify({ ok: false, file, problems: r.problems }, null, 2));
            else {
              console.log(`${file} is not a valid flow document:`);
              printProblems(r.problems.filter((p) => p.severity === "error"));
            }
            process.exitCode = 1;
            return;
          }
        }
        const diff = diffFlows(ra.flow!, rb.flow!);
        const proposal = proposeVersion(ra.flow!, rb.flow!);
        if (o.json)
          console.log(
            JSON.stringify(
              {
                ok: true,
                diff,
                breaking: proposal.report.breaking,
                changes: proposal.report.changes,
                proposal: {
                  required: proposal.required,
                  version: proposal.version,
                  declared: proposal.declared,
                  ok: proposal.ok,
                },
              },
              null,
              2,
            ),
          );
        else {
          console.log(formatDiff(diff));
          const breaking = proposal.report.breaking;
          console.log("");
          if (breaking.length) {
            console.log(`Breaking changes (${breaking.length}):`);
            for (const c of breaking) console.log(`  ! ${c.message}${c.stepId ? ` [${c.stepId}]` : ""}  (${c.code})`);
          } else console.log("No breaking changes.");
          const from = ra.flow!.version;
          if (proposal.required === "none") console.log(`No version bump needed (${from}).`);
          else
            console.log(
              `Needs a ${proposal.required} bump: ${from} → ${proposal.version}. ${rb.flow!.version === from ? "" : `${b} declares ${rb.flow!.version}${proposal.ok ? " (enough)." : " (not enough)."}`}`.trim(),
            );
        }
        process.exitCode = 0;
      }),
    );
}
