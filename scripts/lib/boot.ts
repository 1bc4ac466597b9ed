// Shared start-up steps for dev, start, worker and the CLI: find or start the database, migrate,
// fill in zero-config secrets, and turn every expected failure into one clear sentence.
import { randomBytes } from "node:crypto";
import { mkdir, readFile, writeFile, access, constants } from "node:fs/promises";
import net from "node:net";
import path from "node:path";
import pg from "pg";
import { assertDatabaseUrl, describeDatabaseError, StartupError } from "@/server/db/errors";
import { startEmbeddedPostgres, type EmbeddedDatabase } from "@/server/db/embedded";
import { migrate } from "@/server/db/migrator";
import { DomainError } from "@/core/domain-error";

export function dataDir(): string {
  return path.resolve(process.env.WEFT_DATA_DIR ?? ".weft");
}

export async function ensureDataDir(): Promise<string> {
  const dir = dataDir();
  try {
    await mkdir(dir, { recursive: true });
    await access(dir, constants.W_OK);
  } catch {
    throw new StartupError(
      `The data directory ${dir} cannot be written. Choose another with WEFT_DATA_DIR or fix its permissions.`,
    );
  }
  return dir;
}

export interface Database {
  url: string;
  embedded: EmbeddedDatabase | null;
}

async function checkConnection(url: string): Promise<void> {
  const c = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5000 });
  try {
    await c.connect();
    await c.query("SELECT 1");
  } catch (err) {
    throw new StartupError(describeDatabaseError(err, url));
  } finally {
    await c.end().catch(() => undefined);
  }
}

/** DATABASE_URL when set; otherwise the embedded Postgres under the data directory. Sets DATABASE_URL. */
export async function resolveDatabase(log: (m: string) => void): Promise<Database> {
  const given = process.env.DATABASE_URL;
  if (given) {
    assertDatabaseUrl(given);
    await checkConnection(given);
    return { url: given, embedded: null };
  }
  const dir = await ensureDataDir();
  const embedded = await startEmbeddedPostgres({ dataDir: dir, log });
  process.env.DATABASE_URL = embedded.url;
  return { url: embedded.url, embedded };
}

/** For one-off commands: reuse a running embedded database (dev server up) or start one for the command. */
export async function connectForCommand(log: (m: string) => void): Promise<Database> {
  if (process.env.DATABASE_URL) return resolveDatabase(log);
  const dir = dataDir();
  const port = Number(await readFile(path.join(dir, "pg-port"), "utf8").catch(() => ""));
  if (port) {
    const url = `postgresql://postgres:weft-embedded@127.0.0.1:${port}/weft`;
    const ok = await checkConnection(url).then(
      () => true,
      () => false,
    );
    if (ok) {
      process.env.DATABASE_URL = url;
      return { url, embedded: null };
    }
  }
  return resolveDatabase(log);
}

export async function migrateDatabase(url: string, log: (m: string) => void): Promise<void> {
  try {
    const r = await migrate(url, { log });
    if (r.applied.length) log(`database migrated (${r.applied.length} applied, ${r.alreadyApplied} already there)`);
  } catch (err) {
    if (err instanceof StartupError) throw err;
    throw new StartupError(describeDatabaseError(err, url));
  }
}

type LocalSecrets = { authSecret?: string; secretKey?: string; auditKey?: string };

function applyLocalSecrets(s: LocalSecrets): void {
  if (s.authSecret) process.env.BETTER_AUTH_SECRET ??= s.authSecret;
  if (s.secretKey) process.env.WEFT_SECRET_KEY ??= s.secretKey;
  if (s.auditKey) process.env.WEFT_AUDIT_KEY ??= s.auditKey;
}

/** Zero-config secrets for dev and demo: generated once into the data directory, never committed. */
export async function ensureLocalSecrets(): Promise<void> {
  if (process.env.BETTER_AUTH_SECRET && process.env.WEFT_SECRET_KEY && process.env.WEFT_AUDIT_KEY) return;
  const dir = await ensureDataDir();
  const file = path.join(dir, "secrets.json");
  let s: LocalSecrets = {};
  try {
    s = JSON.parse(await readFile(file, "utf8")) as LocalSecrets;
  } catch {
    // first start: generate below
  }
  s.authSecret ??= randomBytes(32).toString("base64url");
  s.secretKey ??= randomBytes(32).toString("base64");
  // The audit chain's HMAC and anchor-signing key (server/audit/key.ts); an install from before it gets one now.
  s.auditKey ??= randomBytes(32).toString("base64");
  await writeFile(file, JSON.stringify(s, null, 2), { mode: 0o600 });
  applyLocalSecrets(s);
}

/**
 * For the CLI on a dev/demo install: the data directory's generated secrets, read-only (a missing file is
 * fine — production sets them in the environment), so `weft audit verify` uses the server's audit key.
 */
export async function loadLocalSecrets(): Promise<void> {
  try {
    applyLocalSecrets(JSON.parse(await readFile(path.join(dataDir(), "secrets.json"), "utf8")) as LocalSecrets);
  } catch {
    // no generated secrets here
  }
}

export async function assertPortFree(port: number, host = "0.0.0.0"): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const srv = net.createServer();
    srv.once("error", (err: NodeJS.ErrnoException) => {
      reject(
        new StartupError(
          err.code === "EADDRINUSE"
            ? `Port ${port} is already in use. Stop the other process or choose another port with PORT=${port + 1}.`
            : `Cannot listen on port ${port}: ${err.message}.`,
        ),
      );
    });
    srv.listen(port, host, () => srv.close(() => resolve()));
  });
}

/** Runs a script's main; expected failures print one sentence and exit 1, never a stack trace. */
export function runMain(main: () => Promise<void>): void {
  main().catch((err: unknown) => {
    if (err instanceof StartupError || err instanceof DomainError) {
      // A refusal in the caller's terms (no account, exception not open, …): the sentence, not a stack.
      process.stderr.write(`\nweft: ${err.message}\n\n`);
    } else {
      process.stderr.write(
        `\nweft: unexpected failure: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
      );
    }
    void exitWhenFlushed(1);
  });
}

/**
 * Exits with `code` once stdout and stderr have handed everything written to the OS. `process.exit()` right
 * after a large write to a pipe drops what is still queued (the output is cut at 64 KB: `weft validate
 * --json | jq` got invalid JSON). An empty write's callback runs after every earlier write has flushed.
 */
export async function exitWhenFlushed(code: number): Promise<never> {
  const flushed = (s: NodeJS.WriteStream) =>
    new Promise<void>((resolve) => {
      if (s.destroyed || !s.writable) return resolve();
      s.write("", () => resolve());
    });
  await Promise.all([flushed(process.stdout), flushed(process.stderr)]);
  process.exit(code);
}

/**
 * Runs `stop` once on the first SIGINT/SIGTERM. Later signals are ignored rather than left to Node's default
 * (which kills the process): a signal sent to the process group reaches this process twice, once directly and
 * once relayed by the tsx/npm wrapper, and must not cut the graceful stop short.
 */
export function onShutdown(stop: (signal: NodeJS.Signals) => Promise<void>): void {
  let stopping = false;
  const handler = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    void stop(signal).finally(() => process.exit(0));
  };
  process.on("SIGINT", handler);
  process.on("SIGTERM", handler);
}
