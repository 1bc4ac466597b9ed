// PostgreSQL and data-platform connectors against a real throwaway database: parameterised queries,
// insert/upsert counts, identifier safety, SQLSTATE classification, the host guard, canonical
// validation, newer-wins upserts and idempotent events.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import pg from "pg";
import { ConnectorError } from "../sdk/errors";
import { executeOperation } from "../sdk/execute";
import { HttpGuard } from "../sdk/http-guard";
import { throwawayDatabase } from "../sdk/testing";
import { reporting } from "../reporting/client";
import { postgres } from "./client";
import { closePostgresPools } from "./pg";

let db: Awaited<ReturnType<typeof throwawayDatabase>>;
let guard: HttpGuard;
let config: Record<string, unknown>;
let secrets: Record<string, string>;
let direct: pg.Client;

beforeAll(async () => {
  db = await throwawayDatabase();
  guard = new HttpGuard({ allowHosts: [`${db.url.hostname}:${db.url.port || 5432}`] });
  config = {
    host: db.url.hostname,
    port: Number(db.url.port || 5432),
    database: db.name,
    user: decodeURIComponent(db.url.username || "postgres"),
    ssl: "disable",
  };
  secrets = db.url.password ? { password: decodeURIComponent(db.url.password) } : {};
  direct = new pg.Client({ connectionString: db.url.toString() });
  await direct.connect();
  await direct.query(
    "CREATE TABLE orders (id int PRIMARY KEY, customer text NOT NULL, amount numeric(12,2), meta jsonb)",
  );
});
afterAll(async () => {
  await direct?.end();
  await closePostgresPools();
  await guard?.close();
  await db?.drop();
});

const run = (
  connectorKey: "postgres" | "reporting",
  operation: string,
  input: unknown,
  opts: { config?: Record<string, unknown>; idempotencyKey?: string; guard?: HttpGuard } = {},
) =>
  executeOperation({
    definitions: { postgres, reporting },
    connectorKey,
    operation,
    input,
    connection: { key: `pg-test-${connectorKey}`, config: { ...config, ...opts.config }, secrets },
    httpGuard: opts.guard ?? guard,
    idempotencyKey: opts.idempotencyKey,
  });

async function failure(p: Promise<unknown>): Promise<ConnectorError> {
  const e = await p.then(
    () => undefined,
    (x: unknown) => x,
  );
  expect(e).toBeInstanceOf(ConnectorError);
  return e as ConnectorError;
}

describe("postgres connector", () => {
  it("inserts and queries with parameters; a value cannot inject SQL", async () => {
    expect(
      await run("postgres", "insert", {
        table: "orders",
        rows: [
          { id: 1, customer: "Northwind", amount: "1200.50", meta: { po: "PO-1" } },
          { id: 2, customer: "x'); DROP TABLE orders; --", amount: 10 },
        ],
        returning: ["id"],
      }),
    ).toMatchObject({ rowCount: 2, rows: [{ id: 1 }, { id: 2 }] });
    const r = (await run("postgres", "query", {
      sql: "SELECT id, customer, meta->>'po' AS po FROM orders WHERE customer = $1",
      params: ["Northwind"],
    })) as { rows: Array<Record<string, unknown>> };
    expect(r.rows).toEqual([{ id: 1, customer: "Northwind", po: "PO-1" }]);
    const count = await direct.query("SELECT count(*)::int AS n FROM orders");
    expect(count.rows[0].n).toBe(2);
  });

  it("upserts: counts inserts and updates, and a repeat changes nothing more", async () => {
    const rows = [
      { id: 2, customer: "Contoso", amount: 99 },
      { id: 3, customer: "Fabrikam", amount: 5 },
    ];
    expect(await run("postgres", "upsert", { table: "orders", rows, conflictColumns: ["id"] })).toMatchObject({
      inserted: 1,
      updated: 1,
    });
    expect(await run("postgres", "upsert", { table: "orders", rows, conflictColumns: ["id"] })).toMatchObject({
      inserted: 0,
      updated: 2,
    });
    expect((await direct.query("SELECT count(*)::int AS n FROM orders")).rows[0].n).toBe(3);
  });

  it("refuses unsafe identifiers before reaching the database", async () => {
    expect(
      await failure(run("postgres", "insert", { table: 'orders"; DROP TABLE orders; --', rows: [{ id: 9 }] })),
    ).toMatchObject({ errorClass: "validation", code: "input_invalid" });
  });

  it("classifies SQLSTATEs: syntax → validation, unique violation → conflict, bad password → auth", async () => {
    expect(await failure(run("postgres", "query", { sql: "SELEC 1" }))).toMatchObject({
      errorClass: "validation",
      code: "42601",
    });
    expect(
      await failure(run("postgres", "insert", { table: "orders", rows: [{ id: 1, customer: "dup" }] })),
    ).toMatchObject({ errorClass: "validation", reason: "conflict", code: "23505" });
    expect(await failure(run("postgres", "query", { sql: "SELECT 1/0" }))).toMatchObject({
      errorClass: "validation",
      code: "22012",
    });
    expect(
      await failure(run("postgres", "query", { sql: "SELECT 1" }, { config: { database: "weft_no_such_db_xyz" } })),
    ).toMatchObject({ errorClass: "validation", code: "3D000" });
  });

  it("refuses a database host the guard does not allow", async () => {
    const strict = new HttpGuard({});
    try {
      expect(await failure(run("postgres", "query", { sql: "SELECT 1" }, { guard: strict }))).toMatchObject({
        errorClass: "validation",
        reason: "ssrf",
      });
      expect(
        await failure(
          run("postgres", "query", { sql: "SELECT 1" }, { guard: strict, config: { host: "169.254.169.254" } }),
        ),
      ).toMatchObject({ reason: "ssrf" });
    } finally {
      await strict.close();
    }
  });
});

describe("data platform connector", () => {
  const customer = (updatedAt: string, name: string) => ({
    id: "cust-1001",
    name,
    currency: "USD",
    externalRefs: [{ system: "salesforce", objectType: "Account", id: "001Wf0000000001AAA" }],
    updatedAt,
  });

  it("creates the reporting schema and writes canonical records; an older version does not overwrite a newer one", async () => {
    expect(((await run("reporting", "ensureSchema", {})) as { tables: string[] }).tables).toEqual(
      expect.arrayContaining(["customer", "time_entry", "invoice_line", "event"]),
    );
    expect(
      await run("reporting", "upsertRecords", {
        entity: "Customer",
        records: [customer("2026-05-02T10:00:00Z", "Northwind Logistics")],
      }),
    ).toMatchObject({ written: 1 });
    expect(
      await run("reporting", "upsertRecords", {
        entity: "Customer",
        records: [customer("2026-05-01T10:00:00Z", "Northwind (stale)")],
      }),
    ).toMatchObject({ written: 0, skippedOlder: 1 });
    expect(
      await run("reporting", "upsertRecords", {
        entity: "Customer",
        records: [customer("2026-05-03T10:00:00Z", "Northwind Logistics LLC")],
      }),
    ).toMatchObject({ written: 1 });
    const r = await direct.query("SELECT data->>'name' AS name, source FROM reporting.customer WHERE id = 'cust-1001'");
    expect(r.rows).toEqual([{ name: "Northwind Logistics LLC", source: "weft" }]);
  });

  it("rejects records that are not canonical, naming the field", async () => {
    const e = await failure(
      run("reporting", "upsertRecords", {
        entity: "TimeEntry",
        records: [
          {
            id: "te-1",
            resourceId: "r",
            projectId: "p",
            date: "2026-05-01",
            minutes: 60,
            billable: true,
            approvalStatus: "approved",
            billRate: { amount: 250, currency: "USD" },
          },
        ],
      }),
    );
    expect(e).toMatchObject({ errorClass: "validation", code: "not_canonical" });
    expect(e.message).toContain("billRate.amount");
  });

  it("writes events once: a re-sent batch (same step key) is de-duplicated", async () => {
    const events = [
      {
        type: "opportunity.won",
        occurredAt: "2026-05-15T09:00:00Z",
        subject: { entity: "Opportunity", id: "opp-1" },
        data: { amount: "250000.00" },
      },
      { type: "project.created", occurredAt: "2026-05-15T09:01:00Z", data: {} },
    ];
    expect(await run("reporting", "writeEvents", { events }, { idempotencyKey: "run-7/emit" })).toEqual({
      inserted: 2,
      duplicates: 0,
    });
    expect(await run("reporting", "writeEvents", { events }, { idempotencyKey: "run-7/emit" })).toEqual({
      inserted: 0,
      duplicates: 2,
    });
    expect((await direct.query("SELECT count(*)::int AS n FROM reporting.event")).rows[0].n).toBe(2);
  });
});
