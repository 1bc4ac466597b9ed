// The runtime's hot path talks to Postgres through a plain `pg` pool: one statement per checkpoint, no
// ORM round trips (measured in docs/benchmarks.md). Prisma stays for the low-volume operations (tRPC).
import "server-only";
import { createHash } from "node:crypto";
import pg from "pg";
import type { Db as BossDb } from "pg-boss";

export type Pool = pg.Pool;
export type Client = pg.PoolClient;
/** Anything that runs a parameterised statement: the pool or a client inside a transaction. */
export interface Sql {
  query<R extends pg.QueryResultRow = pg.QueryResultRow>(text: string, values?: unknown[]): Promise<{ rows: R[] }>;
}

/** A Prisma interactive transaction as Sql, for operations that also write an audit row through Prisma. */
export function prismaSql(tx: { $queryRawUnsafe<T = unknown>(query: string, ...values: unknown[]): Promise<T> }): Sql {
  return {
    query: async <R extends pg.QueryResultRow>(text: string, values: unknown[] = []) => ({
      rows: await tx.$queryRawUnsafe<R[]>(text, ...values),
    }),
  };
}

// Process-wide (globalThis): the web front and the Next.js bundle each load this module, one pool between them.
const g = globalThis as unknown as { __weftRuntimePools?: Map<string, pg.Pool> };
const pools = (g.__weftRuntimePools ??= new Map<string, pg.Pool>());

/** One pool per database URL per process. */
export function runtimePool(url: string, max = 10): pg.Pool {
  let p = pools.get(url);
  if (!p) {
    p = new pg.Pool({
      connectionString: url,
      max,
      application_name: `weft-runtime-${process.env.WEFT_PROCESS ?? "app"}`,
    });
    // A connection the server terminated (restart, pg_terminate_backend) surfaces here; the pool drops
    // it and the next query opens a fresh one, so all the runtime has to do is not crash.
    p.on("error", () => undefined);
    // pg-pool listens for errors only on idle clients: a checked-out one (inside withTx, between two
    // statements) whose server goes away emits an unhandled "Connection terminated unexpectedly" that would
    // kill the process. Its pending query still fails and the pool discards it on release.
    p.on("connect", (c) => c.on("error", () => undefined));
    pools.set(url, p);
  }
  return p;
}

export async function withTx<T>(pool: pg.Pool, fn: (c: pg.PoolClient) => Promise<T>): Promise<T> {
  const c = await pool.connect();
  try {
    await c.query("BEGIN");
    const r = await fn(c);
    await c.query("COMMIT");
    return r;
  } catch (err) {
    await c.query("ROLLBACK").catch(() => undefined);
    throw err;
  } finally {
    c.release();
  }
}

/** Lets pg-boss write its job rows through our transaction (send/publish with `{ db }`). */
export function bossDb(sql: Sql): BossDb {
  return { executeSql: async (text, values) => ({ rows: (await sql.query(text, values)).rows }) };
}

/**
 * Statement names per text for `prepared`: the hot path's few fixed texts. Capped, because a connection keeps
 * every statement it prepared; texts past the cap (rare shapes, e.g. a fan-out's large flush) go unnamed.
 */
const statementNames = new Map<string, string | null>();
const MAX_PREPARED = 64;

function statementName(text: string): string | null {
  let name = statementNames.get(text);
  if (name === undefined) {
    name =
      statementNames.size < MAX_PREPARED ? `weft_${createHash("sha1").update(text).digest("hex").slice(0, 20)}` : null;
    statementNames.set(text, name);
  }
  return name;
}

/**
 * Runs a hot-path statement as a named (prepared) statement when `sql` is a pg pool or client: Postgres
 * parses and plans it once per connection instead of on every run. Anything else (a Prisma transaction) runs
 * it as is.
 */
export async function prepared<R extends pg.QueryResultRow = pg.QueryResultRow>(
  sql: Sql,
  text: string,
  values: unknown[],
): Promise<{ rows: R[] }> {
  const name = sql instanceof pg.Pool || sql instanceof pg.Client ? statementName(text) : null;
  if (!name) return sql.query<R>(text, values);
  return (sql as pg.Pool).query<R>({ name, text, values });
}
