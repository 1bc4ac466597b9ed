// A throwaway, migrated database for a benchmark: on DATABASE_URL's server when set, else on an embedded
// Postgres in a temporary folder. drop() removes the database (and the embedded server with its folder).
import { chmod, mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { startEmbeddedPostgres, type EmbeddedDatabase } from "@/server/db/embedded";
import { migrate } from "@/server/db/migrator";

export interface BenchDatabase {
  url: string;
  /** For the report: which Postgres the figures come from. */
  where: string;
  drop(): Promise<void>;
}

export async function benchDatabase(prefix: string): Promise<BenchDatabase> {
  let embedded: EmbeddedDatabase | undefined;
  let tmp: string | undefined;
  let adminUrl: string;
  if (process.env.DATABASE_URL) {
    const u = new URL(process.env.DATABASE_URL);
    u.pathname = "/postgres";
    adminUrl = u.toString();
  } else {
    tmp = await mkdtemp(path.join(os.tmpdir(), "weft-bench-"));
    await chmod(tmp, 0o755); // the embedded server may run as another user (postgres, when root)
    // pg_stat_statements needs preloading; benchmarks that can create it print where the time goes.
    embedded = await startEmbeddedPostgres({
      dataDir: tmp,
      settings: { shared_preload_libraries: "pg_stat_statements" },
    });
    adminUrl = embedded.adminUrl;
  }
  const name = `${prefix}_${process.pid}_${Date.now().toString(36)}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  admin.on("error", () => undefined); // the embedded server stopping at the end closes it
  await admin.connect();
  await admin.query(`CREATE DATABASE "${name}"`);
  const u = new URL(adminUrl);
  u.pathname = `/${name}`;
  const url = u.toString();
  await migrate(url);
  return {
    url,
    where: embedded ? "embedded Postgres" : "DATABASE_URL's Postgres",
    drop: async () => {
      await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`).catch(() => undefined);
      await admin.end().catch(() => undefined);
      if (embedded) await embedded.stop();
      if (tmp) await rm(tmp, { recursive: true, force: true });
    },
  };
}
