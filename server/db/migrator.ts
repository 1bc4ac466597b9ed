// Applies prisma/migrations/*/migration.sql in order, keeping Prisma's `_prisma_migrations` ledger so that
// `prisma migrate deploy` (where its engine exists) and this migrator agree on what has been applied.
// Why not the Prisma CLI: it downloads its schema engine at start-up, which these machines cannot do.
import "server-only";
import { createHash, randomUUID } from "node:crypto";
import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import pg from "pg";
import { StartupError } from "./errors";

// Prisma migrate uses this advisory lock key; sharing it serialises us with `prisma migrate deploy` too.
const PRISMA_ADVISORY_LOCK = 72707369;

export const MIGRATIONS_DIR = path.resolve(process.cwd(), "prisma/migrations");

export interface Migration {
  name: string;
  sql: string;
  checksum: string;
}

export async function readMigrations(dir = MIGRATIONS_DIR): Promise<Migration[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  const names = entries
    .filter((e) => e.isDirectory())
    .map((e) => e.name)
    .sort();
  return Promise.all(
    names.map(async (name) => {
      const sql = await readFile(path.join(dir, name, "migration.sql"), "utf8");
      return { name, sql, checksum: createHash("sha256").update(sql).digest("hex") };
    }),
  );
}

const LEDGER_DDL = `
CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
    "id"                    VARCHAR(36) PRIMARY KEY NOT NULL,
    "checksum"              VARCHAR(64) NOT NULL,
    "finished_at"           TIMESTAMPTZ,
    "migration_name"        VARCHAR(255) NOT NULL,
    "logs"                  TEXT,
    "rolled_back_at"        TIMESTAMPTZ,
    "started_at"            TIMESTAMPTZ NOT NULL DEFAULT now(),
    "applied_steps_count"   INTEGER NOT NULL DEFAULT 0
)`;

interface LedgerRow {
  migration_name: string;
  checksum: string;
  finished_at: Date | null;
  rolled_back_at: Date | null;
}

export interface MigrateResult {
  applied: string[];
  alreadyApplied: number;
}

/** Applies pending migrations, one transaction each, under Prisma's advisory lock. */
export async function migrate(
  databaseUrl: string,
  opts: { dir?: string; log?: (msg: string) => void } = {},
): Promise<MigrateResult> {
  const migrations = await readMigrations(opts.dir);
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    await client.query("SELECT pg_advisory_lock($1)", [PRISMA_ADVISORY_LOCK]);
    try {
      await client.query(LEDGER_DDL);
      const { rows } = await client.query<LedgerRow>(
        `SELECT migration_name, checksum, finished_at, rolled_back_at FROM "_prisma_migrations" WHERE rolled_back_at IS NULL`,
      );
      const ledger = new Map(rows.map((r) => [r.migration_name, r]));
      const known = new Set(migrations.map((m) => m.name));

      for (const row of rows) {
        if (row.finished_at === null) {
          throw new StartupError(
            `Migration ${row.migration_name} started but never finished in this database. Inspect the schema, then mark it rolled back (UPDATE "_prisma_migrations" SET rolled_back_at = now() WHERE migration_name = '${row.migration_name}') and start again.`,
          );
        }
        if (!known.has(row.migration_name)) {
          throw new StartupError(
            `The database has migration ${row.migration_name} applied, but this version of Weft does not know it. You are probably running an older Weft against a newer database; upgrade Weft.`,
          );
        }
      }
      for (const m of migrations) {
        const row = ledger.get(m.name);
        if (row && row.checksum !== m.checksum) {
          throw new StartupError(
            `Migration ${m.name} was changed after it was applied (checksum ${m.checksum.slice(0, 12)}… differs from ${row.checksum.slice(0, 12)}… in the database). Restore prisma/migrations/${m.name}/migration.sql to what was applied and put the change in a new migration.`,
          );
        }
      }

      const applied: string[] = [];
      for (const m of migrations) {
        if (ledger.has(m.name)) continue;
        await client.query("BEGIN");
        try {
          const id = randomUUID();
          await client.query(
            `INSERT INTO "_prisma_migrations" (id, checksum, migration_name, started_at) VALUES ($1, $2, $3, now())`,
            [id, m.checksum, m.name],
          );
          await client.query(m.sql);
          await client.query(
            `UPDATE "_prisma_migrations" SET finished_at = now(), applied_steps_count = 1 WHERE id = $1`,
            [id],
          );
          await client.query("COMMIT");
        } catch (err) {
          await client.query("ROLLBACK");
          throw new StartupError(`Migration ${m.name} failed and was rolled back: ${(err as Error).message}`);
        }
        applied.push(m.name);
        opts.log?.(`applied migration ${m.name}`);
      }
      return { applied, alreadyApplied: migrations.length - applied.length };
    } finally {
      await client.query("SELECT pg_advisory_unlock($1)", [PRISMA_ADVISORY_LOCK]).catch(() => undefined);
    }
  } finally {
    await client.end();
  }
}
