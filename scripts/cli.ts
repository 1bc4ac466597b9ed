// The `weft` command line. Database commands use DATABASE_URL, or the embedded database of the data
// directory (reusing it when `npm run dev` is up). DSL commands work offline on files.
import { randomBytes } from "node:crypto";
import { Command, Option } from "commander";
import { ROLES, type Role } from "@/core/roles";
import { StartupError } from "@/server/db/errors";
import { connectForCommand, exitWhenFlushed, loadLocalSecrets, migrateDatabase, runMain } from "./lib/boot";
import { registerDslCommands } from "./cli/dsl-commands";
import { registerConvertCommand } from "./cli/convert-command";
import { registerRuntimeCommands } from "./cli/runtime-commands";
import { registerRemoteCommands } from "./cli/remote-commands";

const program = new Command("weft").description("Weft command line").showHelpAfterError();
const quiet = () => undefined;

async function withDb<T>(fn: (db: import("@/server/db/client").Db) => Promise<T>): Promise<T> {
  await loadLocalSecrets(); // the audit key of a dev/demo install, for audited commands and `audit verify`
  const database = await connectForCommand(quiet);
  await migrateDatabase(database.url, quiet);
  const { createDb } = await import("@/server/db/client");
  const db = createDb(database.url, 2);
  try {
    return await fn(db);
  } finally {
    await db.$disconnect();
    await database.embedded?.stop();
  }
}

const user = program.command("user").description("manage accounts");
user
  .command("create")
  .description("create an account (the first admin of a production install, for example)")
  .requiredOption("--email <email>")
  .option("--name <name>", "display name")
  .option("--password <password>", "password (default: WEFT_PASSWORD, or a generated one that is printed once)")
  .option("--admin", "give the admin role")
  .addOption(new Option("--role <role...>", "roles to give").choices(ROLES as unknown as string[]))
  .option("--team <key...>", "team keys to join (finance, pmo, hr, platform)")
  .action(
    async (o: { email: string; name?: string; password?: string; admin?: boolean; role?: Role[]; team?: string[] }) => {
      if (!/^[^@\s]+@[^@\s]+$/.test(o.email)) throw new StartupError(`"${o.email}" is not an email address.`);
      const password = o.password ?? process.env.WEFT_PASSWORD ?? randomBytes(12).toString("base64url");
      if (password.length < 8) throw new StartupError("The password must have at least 8 characters.");
      const roles: Role[] = [...new Set([...(o.role ?? []), ...(o.admin ? (["admin"] as Role[]) : [])])];
      await withDb(async (db) => {
        const { createUser } = await import("@/server/auth/users");
        const { seedTeams } = await import("@/server/seed/demo");
        await seedTeams(db);
        const r = await createUser(
          db,
          {
            email: o.email,
            name: o.name ?? o.email.split("@")[0]!,
            password,
            roles: roles.length ? roles : ["viewer"],
            teamKeys: o.team,
          },
          { id: null, email: "cli" },
        );
        if (!r.created) throw new StartupError(`An account for ${o.email} already exists.`);
        console.log(`created ${o.email} with roles ${(roles.length ? roles : ["viewer"]).join(", ")}`);
        if (!o.password && !process.env.WEFT_PASSWORD)
          console.log(`password: ${password}   (shown once; change it after signing in)`);
      });
    },
  );

const audit = program.command("audit").description("the audit log");
audit
  .command("verify")
  .description(
    "check the audit log's keyed hash chain (and, with --anchor, that it still holds the anchored rows); exit 1 on any problem",
  )
  .option("--anchor <file>", "a signed anchor exported earlier (Audit page or `weft audit anchor`)")
  .option("--json", "machine-readable output")
  .action(async (o: { anchor?: string; json?: boolean }) => {
    const { readFile } = await import("node:fs/promises");
    const { parseAnchor, checkAnchor } = await import("@/server/audit/anchor");
    let anchorText: string | undefined;
    if (o.anchor)
      anchorText = await readFile(o.anchor, "utf8").catch((e: Error) =>
        Promise.reject(new StartupError(`Cannot read the anchor file ${o.anchor}: ${e.message}`)),
      );
    let anchor: ReturnType<typeof parseAnchor> | undefined;
    try {
      anchor = anchorText === undefined ? undefined : parseAnchor(anchorText);
    } catch (e) {
      throw new StartupError((e as Error).message);
    }
    const r = await withDb(async (db) => {
      const chain = await (await import("@/server/audit/audit")).verifyAuditChain(db);
      const anchored = anchor ? await checkAnchor(db, anchor) : [];
      return {
        ...chain,
        ok: chain.ok && anchored.length === 0,
        problems: [...chain.problems, ...anchored],
        anchor: anchor ? { seq: anchor.seq, at: anchor.at, ok: anchored.length === 0 } : undefined,
      };
    });
    if (o.json) console.log(JSON.stringify(r));
    else if (r.ok)
      console.log(
        `audit log intact: ${r.rows} rows, head ${r.head}${r.anchor ? `; contains the anchored rows up to ${r.anchor.seq} (anchor of ${r.anchor.at})` : ""}`,
      );
    else {
      console.log(`audit log TAMPERED: ${r.problems.length} problem(s) in ${r.rows} rows`);
      for (const p of r.problems) console.log(`  row ${p.seq}: ${p.problem}`);
    }
    process.exitCode = r.ok ? 0 : 1;
  });
audit
  .command("anchor")
  .description("export a signed anchor of the audit chain (head hash, row count, time) to keep outside the database")
  .option("--out <file>", "write it to a file (default: print it)")
  .action(async (o: { out?: string }) => {
    const a = await withDb(async (db) => {
      const { exportAnchor } = await import("@/server/audit/anchor");
      return db.$transaction((tx) => exportAnchor(tx, { id: null, email: "cli" }));
    });
    const text = `${JSON.stringify(a, null, 2)}\n`;
    if (o.out) {
      const { writeFile } = await import("node:fs/promises");
      await writeFile(o.out, text);
      console.log(`anchor written to ${o.out}: ${a.rows} rows up to ${a.seq}, head ${a.head}`);
    } else process.stdout.write(text);
  });

program
  .command("migrate")
  .description("apply pending database migrations")
  .action(async () => {
    const database = await connectForCommand(quiet);
    await migrateDatabase(database.url, (m) => console.log(m));
    await database.embedded?.stop();
    console.log("database is up to date");
  });

// Offline DSL commands (validate, compile, diff, convert); runs and exceptions on the database; export/import over HTTP.
registerDslCommands(program);
registerConvertCommand(program);
registerRuntimeCommands(program);
registerRemoteCommands(program);

runMain(async () => {
  await program.parseAsync(process.argv);
  // Exit explicitly (tsx relays only an explicit exit status, and idle pools must not hold the process), but
  // only once the output has drained: every command's output reaches a pipe whole.
  await exitWhenFlushed(typeof process.exitCode === "number" ? process.exitCode : 0);
});
