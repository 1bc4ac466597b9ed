// `weft runs …` and `weft exceptions …`: the same operations as tRPC (server/runtime/operations.ts), audited
// with the CLI as actor (`--as <email>` names the person). Wired by scripts/cli.ts via registerRuntimeCommands.
import { readFile } from "node:fs/promises";
import os from "node:os";
import type { Command } from "commander";
import { StartupError } from "@/server/db/errors";
import { connectForCommand, migrateDatabase } from "../lib/boot";
import { z } from "zod";
import type { OpsDeps } from "@/server/runtime/operations";
import { exceptionFilterSchema, withDefaultEnvironment, type ExceptionFilter } from "@/core/exceptions/filter";
import { ALL_ENVIRONMENTS, scopedEnvironment } from "@/core/environment-scope";
import type { Db } from "@/server/db/client";

const quiet = () => undefined;

async function withOps<T>(as: string | undefined, fn: (d: OpsDeps) => Promise<T>): Promise<T> {
  const database = await connectForCommand(quiet);
  await migrateDatabase(database.url, quiet);
  const { createDb } = await import("@/server/db/client");
  const { startBoss } = await import("@/server/queue/boss");
  const { appendAudit } = await import("@/server/audit/audit");
  const db = createDb(database.url, 2);
  const boss = await startBoss({ url: database.url, role: "web", max: 2 });
  let userId: string | null = null;
  if (as) {
    const u = await db.user.findUnique({ where: { email: as }, select: { id: true } });
    if (!u) throw new StartupError(`No account ${as}.`);
    userId = u.id;
  }
  const actor = { id: userId, email: as ?? `cli:${os.userInfo().username}` };
  try {
    return await fn({ db, boss, userId, audit: (tx, e) => appendAudit(tx, { ...e, actor, requestId: null }) });
  } finally {
    await boss.stop({ graceful: false }).catch(() => undefined);
    await db.$disconnect();
    await database.embedded?.stop();
  }
}

/** `--input '{"a":1}'` or `--input @file.json`. */
async function parseInput(v: string | undefined): Promise<unknown> {
  if (v === undefined) return undefined;
  const text = v.startsWith("@") ? await readFile(v.slice(1), "utf8") : v;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new StartupError("--input must be JSON (or @file.json).");
  }
}

/**
 * The roles a read is scoped for: the `--as` account's, else an operator's — the CLI's runs and exceptions
 * commands are the operator's tools (retry, replay, resolve), so by default they read what an operator's pages show.
 */
async function readerRoles(db: Db, as: string | undefined): Promise<readonly string[]> {
  if (!as) return ["operator"];
  const u = await db.user.findUnique({ where: { email: as }, select: { roles: true } });
  if (!u) throw new StartupError(`No account ${as}.`);
  return u.roles;
}

/** `--env`: an environment key or `all`; an unknown key is refused naming the ones there are. */
async function checkEnvironment(db: Db, env: string | undefined): Promise<void> {
  if (!env || env === ALL_ENVIRONMENTS) return;
  const keys = (await db.environment.findMany({ select: { key: true }, orderBy: { key: "asc" } })).map((e) => e.key);
  if (!keys.includes(env))
    throw new StartupError(`--env: no environment "${env}" (there are ${keys.join(", ")}; or all for every one).`);
}

const ENV_HELP =
  "an environment key, or all (default: production, an operator's view; all when --as names an account of another role)";

const print = (json: boolean | undefined, value: unknown, text: () => string) =>
  console.log(json ? JSON.stringify(value, null, 2) : text());
const when = (d: Date | null | undefined) => (d ? d.toISOString().replace("T", " ").slice(0, 19) : "-");

export function registerRuntimeCommands(program: Command): void {
  const runs = program.command("runs").description("flow runs");
  runs
    .command("list")
    .option("--flow <key>")
    .option("--status <status>", "queued | running | waiting | succeeded | failed | cancelled")
    .option("--business-key <name=value>", "e.g. invoiceId=INV-1001")
    .option("--env <name|all>", ENV_HELP)
    .option("--as <email>", "whose default environment applies (their roles)")
    .option("--limit <n>", "rows", "50")
    .option("--json")
    .action(
      async (o: {
        flow?: string;
        status?: "failed";
        businessKey?: string;
        env?: string;
        as?: string;
        limit: string;
        json?: boolean;
      }) => {
        const { listRuns } = await import("@/server/runtime/operations");
        await withOps(undefined, async (d) => {
          await checkEnvironment(d.db, o.env);
          const r = await listRuns(d.db, {
            flowKey: o.flow,
            status: o.status,
            businessKey: o.businessKey,
            environment: scopedEnvironment(o.env, await readerRoles(d.db, o.as)),
            limit: Number(o.limit),
          });
          print(
            o.json,
            r,
            () =>
              r.items
                .map(
                  (x) =>
                    `${x.id}  ${x.status.padEnd(9)}  ${x.flow.key}@${x.flowVersion?.version ?? "draft"}  ${x.triggerType.padEnd(8)}  ${when(x.createdAt)}  ${x.environment}`,
                )
                .join("\n") || "no runs",
          );
        });
      },
    );
  runs
    .command("show <runId>")
    .description("a run and its step timeline")
    .option("--json")
    .action(async (runId: string, o: { json?: boolean }) => {
      const { runTimeline } = await import("@/server/runtime/operations");
      await withOps(undefined, async (d) => {
        const r = await runTimeline(d.db, runId);
        print(o.json, r, () =>
          [
            `run ${r.id}  ${r.status}  ${r.flow.key}@${r.flowVersion?.version ?? "draft"}  created ${when(r.createdAt)}`,
            ...r.steps.map(
              (s) =>
                `  ${s.archived ? "(earlier) " : ""}${s.path.padEnd(30)} ${s.status.padEnd(11)} attempts ${s.attempts}  ${s.durationMs ?? "-"} ms${s.error ? `  ${(s.error as { errorClass?: string; message?: string }).errorClass}: ${(s.error as { message?: string }).message}` : ""}`,
            ),
          ].join("\n"),
        );
      });
    });
  runs
    .command("start <flowKey>")
    .description("a manual run of the flow's published version")
    .option("--input <json>", "trigger payload (JSON or @file)")
    .option("--as <email>", "the account to audit the action under")
    .action(async (flowKey: string, o: { input?: string; as?: string }) => {
      const { startManualRun } = await import("@/server/runtime/operations");
      const input = (await parseInput(o.input)) ?? {};
      await withOps(o.as, async (d) => console.log(JSON.stringify(await startManualRun(d, flowKey, input))));
    });

  const exc = program.command("exceptions").description("the exception queue: failed runs to act on");
  exc
    .command("list")
    .option("--status <status>", "open | retrying | resolved | all", "open")
    .option("--flow <key>")
    .option("--business-key <text>", "part of a business-key value (INV-1042, a customer name)")
    .option("--env <name|all>", ENV_HELP)
    .option("--as <email>", "whose default environment applies (their roles)")
    .option("--limit <n>", "rows", "50")
    .option("--json")
    .action(
      async (o: {
        status: ExceptionFilter["status"];
        flow?: string;
        businessKey?: string;
        env?: string;
        as?: string;
        limit: string;
        json?: boolean;
      }) => {
        const { listQueue } = await import("@/server/exceptions/queue");
        const parsed = exceptionFilterSchema.safeParse({
          status: o.status,
          flowKey: o.flow,
          q: o.businessKey,
          environment: o.env,
        });
        if (!parsed.success) throw new StartupError(z.prettifyError(parsed.error));
        await withOps(undefined, async (d) => {
          await checkEnvironment(d.db, o.env);
          const filter = withDefaultEnvironment(parsed.data, await readerRoles(d.db, o.as));
          const r = await listQueue(d.db, filter, { limit: Number(o.limit) });
          print(
            o.json,
            r,
            () =>
              r.items
                .map(
                  (e) =>
                    `${e.id}  ${e.status.padEnd(8)}  ${e.flowKey}  ${e.stepPath ?? "-"}  ${e.errorClass}: ${e.message.slice(0, 100)}`,
                )
                .join("\n") || "no exceptions",
          );
        });
      },
    );
  exc
    .command("groups")
    .description("open exceptions grouped by signature")
    .option("--env <name|all>", ENV_HELP)
    .option("--as <email>", "whose default environment applies (their roles)")
    .option("--json")
    .action(async (o: { env?: string; as?: string; json?: boolean }) => {
      const { queueGroups } = await import("@/server/exceptions/queue");
      await withOps(undefined, async (d) => {
        await checkEnvironment(d.db, o.env);
        const g = await queueGroups(
          d.db,
          withDefaultEnvironment({ environment: o.env }, await readerRoles(d.db, o.as)),
        );
        print(
          o.json,
          g,
          () =>
            g
              .map(
                (x) =>
                  `${String(x.count).padStart(5)}  ${x.flowKey}  ${x.stepPath ?? "-"}  ${x.errorClass}  ${x.message.slice(0, 80)}  [${x.signature}]`,
              )
              .join("\n") || "no open exceptions",
        );
      });
    });
  exc
    .command("retry <ids...>")
    .description("continue the failed runs with the same input (completed steps are not executed again)")
    .option("--as <email>")
    .action(async (ids: string[], o: { as?: string }) => {
      const { retryException } = await import("@/server/runtime/operations");
      await withOps(o.as, async (d) => {
        for (const id of ids) console.log(`${id}: retrying run ${(await retryException(d, id)).runId}`);
      });
    });
  exc
    .command("replay <id>")
    .description("a new run with the same or an edited input, on the same or the latest published version")
    .option("--input <json>", "edited input (JSON or @file)")
    .option("--latest", "run on the latest published version")
    .option("--as <email>")
    .action(async (id: string, o: { input?: string; latest?: boolean; as?: string }) => {
      const { replayException } = await import("@/server/runtime/operations");
      const input = await parseInput(o.input);
      await withOps(o.as, async (d) => {
        const r = await replayException(d, id, { input, latest: o.latest });
        console.log(`${id}: replayed as run ${r.runId} on version ${r.version}`);
      });
    });
  exc
    .command("resolve <ids...>")
    .requiredOption("--reason <text>", "why no further action is needed")
    .option("--as <email>")
    .action(async (ids: string[], o: { reason: string; as?: string }) => {
      const { resolveExceptions } = await import("@/server/runtime/operations");
      await withOps(o.as, async (d) => console.log(`resolved ${(await resolveExceptions(d, ids, o.reason)).resolved}`));
    });
  exc
    .command("assign <ids...>")
    .option("--user <email>", "assign to this account")
    .option("--team <key>", "assign to this team")
    .option("--as <email>")
    .action(async (ids: string[], o: { user?: string; team?: string; as?: string }) => {
      const { assignExceptions } = await import("@/server/runtime/operations");
      await withOps(o.as, async (d) => {
        const userId = o.user
          ? (await d.db.user.findUnique({ where: { email: o.user }, select: { id: true } }))?.id
          : undefined;
        const teamId = o.team
          ? (await d.db.team.findUnique({ where: { key: o.team }, select: { id: true } }))?.id
          : undefined;
        if (o.user && !userId) throw new StartupError(`No account ${o.user}.`);
        if (o.team && !teamId) throw new StartupError(`No team ${o.team}.`);
        console.log(`assigned ${(await assignExceptions(d, ids, { userId, teamId })).assigned}`);
      });
    });
}
