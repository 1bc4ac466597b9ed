// A throwaway, fully migrated database per test file, cloned from the run's template (see global-setup.ts).
import "server-only";
import { randomBytes } from "node:crypto";
import pg from "pg";
import { createDb, type Db } from "../db/client";

export interface TestDatabase {
  url: string;
  name: string;
  db: Db;
  drop(): Promise<void>;
}

function env(name: string): string {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set: run tests through vitest (server/testing/global-setup.ts).`);
  return v;
}

export function adminUrl(): string {
  return env("WEFT_TEST_ADMIN_URL");
}

export function urlFor(database: string): string {
  const u = new URL(adminUrl());
  u.pathname = `/${database}`;
  return u.toString();
}

/** Creates an empty database (no migrations) — for migrator tests. */
export async function createEmptyDatabase(): Promise<{ url: string; name: string; drop(): Promise<void> }> {
  const name = `weft_t_${env("WEFT_TEST_RUN_ID")}_${randomBytes(4).toString("hex")}`;
  await adminQuery(`CREATE DATABASE "${name}"`);
  return { url: urlFor(name), name, drop: () => adminQuery(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`) };
}

export async function createTestDatabase(): Promise<TestDatabase> {
  const name = `weft_t_${env("WEFT_TEST_RUN_ID")}_${randomBytes(4).toString("hex")}`;
  await adminQuery(`CREATE DATABASE "${name}" TEMPLATE "${env("WEFT_TEST_TEMPLATE_DB")}"`);
  const url = urlFor(name);
  const db = createDb(url, 5);
  return {
    url,
    name,
    db,
    drop: async () => {
      await db.$disconnect();
      await adminQuery(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    },
  };
}

async function adminQuery(sql: string): Promise<void> {
  const c = new pg.Client({ connectionString: adminUrl() });
  await c.connect();
  try {
    // Cloning a template fails while anyone else is connected to it; retry briefly.
    for (let i = 0; ; i++) {
      try {
        await c.query(sql);
        return;
      } catch (err) {
        if (i < 20 && /being accessed by other users/.test((err as Error).message)) {
          await new Promise((r) => setTimeout(r, 100));
          continue;
        }
        throw err;
      }
    }
  } finally {
    await c.end();
  }
}
