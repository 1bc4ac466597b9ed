// The `weft` command line. Database commands use DATABASE_URL, or the embedded database of the data
// directory (reusing it when `npm run dev` is up). DSL commands work offline on files.
import { randomBytes } from "node:crypto";
import { Command, Option } from "commander";
import { ROLES, type Role } from "@/server/auth/roles";
import { StartupError } from "@/server/db/errors";
import { connectForCommand, exitWhenFlushed, migrateDatabase, runMain } from "./lib/boot";
import { registerDslCommands } from "./cli/dsl-commands";
import { registerRuntimeCommands } from "./cli/runtime-commands";
import { registerRemoteCommands } from "./cli/remote-commands";

const program = new Command("weft").description("Weft command line").showHelpAfterError();
const quiet = () => undefined;

async function withDb<T>(fn: (db: import("@/server/db/client").Db) => Promise<T>): Promise<T> {
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
  .action(async (o: { email: string; name?: string; password?: string; admin?: boolean; role?: Role[]; team?: string[] }) => {
    if (!/^[^@\s]+@[^@\s]+$/.test(o.email)) throw new StartupError(`"${o.email}" is not an email address.`);
    const password = o.password ?? process.env.WEFT_PASSWORD ?? randomBytes(12).toString("base64url");
    if (password.length < 8) throw new StartupError("The password must have at least 8 characters.");
    const roles: Role[] = [...new Set([...(o.role ?? []), ...(o.admin ? (["admin"] as Role[]) : [])])];
    await withDb(async (db) => {
      const { createUser } = await import("@/server/auth/users");
      const { seedTeams } = await import("@/server/seed/demo");
      await seedTeams(db);
      const r = await createUser(db, { email: o.email, name: o.name ?? o.email.split("@")[0]!, password, roles: roles.length ? roles : ["viewer"], teamKeys: o.team }, { id: null, email: "cli" });
      if (!r.created) throw new StartupError(`An account for ${o.email} already exists.`);
      console.log(`created ${o.email} with roles ${(roles.length ? roles : ["viewer"]).join(", ")}`);
      if (!o.password && !process.env.WEFT_PASSWORD) console.log(`password: ${password}   (shown once; change it after signing in)`);
    });
  });

const audit = program.command("audit").description("the audit log");
audit
  .command("verify")
  .description("check the audit log's hash chain; exit 1 when any row was edited or deleted")
  .option("--json", "machine-readable output")
  .action(async (o: { json?: boolean }) => {
    const r = await withDb(async (db) => (await import("@/server/audit/audit")).verifyAuditChain(db));
    if (o.json) console.log(JSON.stringify(r));
    else if (r.ok) console.log(`audit log intact: ${r.rows} rows, head ${r.head}`);
    else {
      console.log(`audit log TAMPERED: ${r.problems.length} problem(s) in ${r.rows} rows`);
      for (const p of r.problems) console.log(`  row ${p.seq}: ${p.problem}`);
    }
    process.exitCode = r.ok ? 0 : 1;
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

// Offline DSL commands (validate, compile, diff); runs and exceptions on the database; export/import over HTTP.
registerDslCommands(program);
registerRuntimeCommands(program);
registerRemoteCommands(program);

runMain(async () => {
  await program.parseAsync(process.argv);
  // Exit explicitly (tsx relays only an explicit exit status, and idle pools must not hold the process), but
  // only once the output has drained: every command's output reaches a pipe whole.
  await exitWhenFlushed(typeof process.exitCode === "number" ? process.exitCode : 0);
});
