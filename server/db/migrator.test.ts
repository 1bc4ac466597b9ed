import { cp, mkdtemp, writeFile, appendFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { afterEach, describe, expect, it } from "vitest";
import { createEmptyDatabase } from "../testing/db";
import { migrate, MIGRATIONS_DIR } from "./migrator";

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

async function fresh() {
  const d = await createEmptyDatabase();
  cleanups.push(d.drop);
  return d;
}

async function copyOfMigrations(): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), "weft-mig-"));
  await cp(MIGRATIONS_DIR, dir, { recursive: true });
  return dir;
}

describe("migrator", () => {
  it("applies every migration once and keeps Prisma's ledger", async () => {
    const d = await fresh();
    const first = await migrate(d.url);
    expect(first.applied.length).toBeGreaterThan(0);
    const second = await migrate(d.url);
    expect(second).toEqual({ applied: [], alreadyApplied: first.applied.length });
    const c = new pg.Client({ connectionString: d.url });
    await c.connect();
    const { rows } = await c.query(
      `SELECT migration_name, applied_steps_count, finished_at IS NOT NULL AS done FROM "_prisma_migrations"`,
    );
    await c.end();
    expect(rows).toHaveLength(first.applied.length);
    expect(rows.every((r) => r.done && r.applied_steps_count === 1)).toBe(true);
  });

  it("runs concurrent starts safely under the advisory lock", async () => {
    const d = await fresh();
    const results = await Promise.all([migrate(d.url), migrate(d.url), migrate(d.url)]);
    expect(results.map((r) => r.applied.length).sort()).toEqual([
      0,
      0,
      results.reduce((n, r) => n + r.applied.length, 0),
    ]);
  });

  it("refuses to start when an applied migration's file changed", async () => {
    const d = await fresh();
    const dir = await copyOfMigrations();
    await migrate(d.url, { dir });
    await appendFile(path.join(dir, "20261124000000_foundation", "migration.sql"), "\n-- edited\n");
    await expect(migrate(d.url, { dir })).rejects.toThrow(/20261124000000_foundation was changed after it was applied/);
  });

  it("rolls back a failing migration entirely and names it", async () => {
    const d = await fresh();
    const dir = await copyOfMigrations();
    await cp(path.join(dir, "20261124000000_foundation"), path.join(dir, "29991231000000_broken"), { recursive: true });
    await writeFile(
      path.join(dir, "29991231000000_broken", "migration.sql"),
      `CREATE TABLE "half" (id int); SELECT no_such_function();`,
    );
    await expect(migrate(d.url, { dir })).rejects.toThrow(/Migration 29991231000000_broken failed and was rolled back/);
    const c = new pg.Client({ connectionString: d.url });
    await c.connect();
    const half = await c.query(`SELECT to_regclass('public.half') AS t`);
    const ledger = await c.query(`SELECT 1 FROM "_prisma_migrations" WHERE migration_name = '29991231000000_broken'`);
    await c.end();
    expect(half.rows[0].t).toBeNull();
    expect(ledger.rowCount).toBe(0);
  });
});
