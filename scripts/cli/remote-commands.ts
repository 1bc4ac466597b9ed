// `weft export` and `weft import`: flows as files against a running Weft, authenticated with a personal
// access token (Settings → API tokens) in WEFT_TOKEN (or --token), at WEFT_URL (or --url). Integration owners
// keep flows in git, validate them in their CI with `weft validate`, and import them from there.
import { writeFile } from "node:fs/promises";
import { Option, type Command } from "commander";
import { exportableFlowOf, formatExportReport, toAsl } from "@/core/convert";
import { CliError, guarded, readDocument } from "./dsl-commands";

interface Remote {
  url: string;
  token: string;
}

function remote(o: { url?: string; token?: string }): Remote {
  const url = (o.url ?? process.env.WEFT_URL ?? "http://localhost:3000").replace(/\/+$/, "");
  const token = o.token ?? process.env.WEFT_TOKEN;
  if (!token)
    throw new CliError("No token: set WEFT_TOKEN (or --token) to a personal access token from Settings → API tokens.");
  if (!/^https?:\/\//.test(url)) throw new CliError(`--url must be an http(s) address, not "${url}".`);
  return { url, token };
}

async function call(r: Remote, method: "GET" | "PUT", path: string, body?: unknown): Promise<unknown> {
  let res: Response;
  try {
    res = await fetch(`${r.url}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${r.token}`,
        accept: "application/json",
        ...(body === undefined ? {} : { "content-type": "application/json" }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
      redirect: "error",
      signal: AbortSignal.timeout(60_000),
    });
  } catch (err) {
    const cause = (err as { cause?: { code?: string } }).cause?.code ?? (err as Error).name;
    throw new CliError(`Cannot reach Weft at ${r.url} (${cause}). Is it running? Set WEFT_URL or --url.`);
  }
  const text = await res.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new CliError(`${r.url} answered ${res.status} with something that is not JSON: is it a Weft server?`);
  }
  if (res.ok) return json;
  const message = (json as { error?: string }).error ?? `HTTP ${res.status}`;
  if (res.status === 401)
    throw new CliError(`The token was refused (unknown, revoked or expired). Create one under Settings → API tokens.`);
  throw new CliError(message);
}

export function registerRemoteCommands(program: Command): void {
  const common = (c: Command) =>
    c
      .option("--url <url>", "Weft's address (default: WEFT_URL or http://localhost:3000)")
      .option("--token <token>", "personal access token (default: WEFT_TOKEN)");

  common(
    program
      .command("export")
      .description("write a flow's draft, or a published version, as a DSL file")
      .argument("<flowKey>")
      .option("--version <semver>", "a published version (default: the draft)")
      .option("--env <environment>", "the version live in this environment, e.g. production or test")
      .option("-o, --out <file>", "write to this file instead of standard output")
      .addOption(
        new Option(
          "--to <format>",
          "write it as a Step Functions state machine (ASL) instead, with a report of what ASL cannot express on standard error",
        ).choices(["asl"]),
      ),
  ).action(
    guarded(
      async (
        flowKey: string,
        o: { version?: string; env?: string; out?: string; to?: "asl"; url?: string; token?: string },
      ) => {
        if (o.version && o.env) throw new CliError("Name --version or --env, not both.");
        const r = remote(o);
        const q = o.version
          ? `?version=${encodeURIComponent(o.version)}`
          : o.env
            ? `?env=${encodeURIComponent(o.env)}`
            : "";
        const res = (await call(r, "GET", `/api/v1/flows/${encodeURIComponent(flowKey)}${q}`)) as {
          flow: Record<string, unknown>;
          source: string;
          version: string;
          unpublishedChanges: boolean;
        };
        let text: string;
        if (o.to === "asl") {
          const read = exportableFlowOf(res.flow);
          if ("problem" in read) throw new CliError(`${flowKey}: ${read.problem}`);
          const { definition, report } = toAsl(read.flow);
          text = `${JSON.stringify(definition, null, 2)}\n`;
          console.error(formatExportReport(report));
        } else
          // The schema reference first, so editors validate the file as it is opened.
          text = `${JSON.stringify({ $schema: `${r.url}/api/dsl/schema.json`, ...res.flow }, null, 2)}\n`;
        if (o.out) {
          await writeFile(o.out, text);
          console.error(
            `wrote ${flowKey} ${res.source === "draft" ? `draft (version field ${res.version}${res.unpublishedChanges ? ", with unpublished changes" : ""})` : `version ${res.version}`} to ${o.out}`,
          );
        } else process.stdout.write(text);
      },
    ),
  );

  common(
    program
      .command("import")
      .description("save DSL files as the drafts of their flows (creating flows that do not exist)")
      .argument("<file...>")
      .option("--force", "overwrite draft edits that are in no published version")
      .option("--json", "machine-readable output"),
  ).action(
    guarded(async (files: string[], o: { force?: boolean; json?: boolean; url?: string; token?: string }) => {
      const r = remote(o);
      const results: unknown[] = [];
      let failed = 0;
      for (const file of files) {
        const doc = await readDocument(file);
        if ("problem" in doc) {
          failed++;
          results.push({ file, ok: false, error: doc.problem.message });
          if (!o.json) console.error(`${file}: ${doc.problem.message}`);
          continue;
        }
        const key = (doc.value as { key?: unknown } | null)?.key;
        if (typeof key !== "string" || !key) {
          failed++;
          results.push({ file, ok: false, error: "the document has no flow key" });
          if (!o.json) console.error(`${file}: the document has no "key" (the flow key), so it names no flow.`);
          continue;
        }
        try {
          const res = (await call(
            r,
            "PUT",
            `/api/v1/flows/${encodeURIComponent(key)}${o.force ? "?force=1" : ""}`,
            doc.value,
          )) as { outcome: string; draftRevision: number; warnings: string[] };
          results.push({ file, ok: true, ...res });
          if (!o.json) {
            console.log(
              `${file}: ${key} ${res.outcome}${res.outcome === "unchanged" ? "" : ` (draft revision ${res.draftRevision})`}`,
            );
            for (const w of res.warnings) console.log(`  warning ${w}`);
          }
        } catch (err) {
          if (!(err instanceof CliError)) throw err;
          failed++;
          results.push({ file, ok: false, error: err.message });
          if (!o.json) console.error(`${file}: ${err.message}`);
        }
      }
      if (o.json) console.log(JSON.stringify(results, null, 2));
      if (failed) process.exitCode = 1;
    }),
  );
}
