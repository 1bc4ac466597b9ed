// Generic PostgreSQL connector (an external database): parameterised query, insert and upsert. Browser-safe.
import { z } from "zod";
import { defineConnector } from "../sdk/define";

export const identifier = z
  .string()
  .regex(
    /^[A-Za-z_][A-Za-z0-9_$]*(\.[A-Za-z_][A-Za-z0-9_$]*)?$/,
    "a table name, optionally schema-qualified (letters, digits, _)",
  );
const column = z.string().regex(/^[A-Za-z_][A-Za-z0-9_$]*$/, "a column name");

export const pgConnectionConfig = z.object({
  host: z.string().min(1),
  port: z.number().int().min(1).max(65535).default(5432),
  database: z.string().min(1),
  user: z.string().min(1),
  ssl: z.enum(["disable", "require", "verify-full"]).default("verify-full"),
  statementTimeoutMs: z.number().int().min(100).max(600_000).default(30_000),
});

export const postgresManifest = defineConnector({
  key: "postgres",
  name: "PostgreSQL",
  system: "generic",
  icon: "database",
  version: "1.0.0",
  description: "Runs parameterised SQL against an external PostgreSQL database; inserts and upserts rows.",
  docs: "Values are always sent as parameters ($1, $2…), never spliced into SQL; table and column names are checked and quoted. The host is checked by the same guard as HTTP calls.",
  auth: {
    type: "database",
    config: pgConnectionConfig.extend({ maxRows: z.number().int().min(1).max(1_000_000).default(10_000) }),
    secrets: z.object({ password: z.string().optional() }),
  },
  operations: {
    query: {
      kind: "action",
      name: "Query",
      description: "A parameterised statement; returns rows (capped at the connection's maxRows).",
      effect: "write",
      input: z.object({
        sql: z.string().min(1).describe("e.g. SELECT * FROM orders WHERE id = $1"),
        params: z.array(z.unknown()).default([]),
      }),
      output: z.object({
        rows: z.array(z.record(z.string(), z.unknown())),
        rowCount: z.number().int(),
        fields: z.array(z.object({ name: z.string(), dataTypeID: z.number() })),
        truncated: z.boolean(),
      }),
    },
    insert: {
      kind: "action",
      name: "Insert rows",
      description: "Inserts rows in one statement.",
      effect: "write",
      input: z.object({
        table: identifier,
        rows: z.array(z.record(column, z.unknown())).min(1).max(5000),
        returning: z.array(column).optional(),
      }),
      output: z.object({ rowCount: z.number().int(), rows: z.array(z.record(z.string(), z.unknown())) }),
    },
    upsert: {
      kind: "action",
      name: "Upsert rows",
      description: "Inserts rows, updating those that conflict on the given columns (idempotent).",
      effect: "write",
      input: z.object({
        table: identifier,
        rows: z.array(z.record(column, z.unknown())).min(1).max(5000),
        conflictColumns: z.array(column).min(1),
        updateColumns: z.array(column).optional().describe("Default: every non-conflict column"),
        returning: z.array(column).optional(),
      }),
      output: z.object({
        rowCount: z.number().int(),
        inserted: z.number().int(),
        updated: z.number().int(),
        rows: z.array(z.record(z.string(), z.unknown())),
      }),
    },
  },
});
