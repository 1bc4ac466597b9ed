// PostgreSQL connector client: parameterised statements on a guarded, pooled connection.
import "server-only";
import { implementConnector } from "../sdk/define";
import { postgresManifest } from "./manifest";
import { insertSql, pgError, poolFor, quoteIdent } from "./pg";

export const postgres = implementConnector(
  postgresManifest,
  {
    async query(input, ctx) {
      const pool = await poolFor(ctx);
      try {
        const res = await pool.query({ text: input.sql, values: input.params });
        const rows = (res.rows ?? []) as Array<Record<string, unknown>>;
        const max = ctx.connection.config.maxRows;
        return {
          rows: rows.slice(0, max),
          rowCount: res.rowCount ?? rows.length,
          fields: (res.fields ?? []).map((f) => ({ name: f.name, dataTypeID: f.dataTypeID })),
          truncated: rows.length > max,
        };
      } catch (e) {
        throw pgError(e, "query failed");
      }
    },

    async insert(input, ctx) {
      const pool = await poolFor(ctx);
      const { text, values } = insertSql(
        input.table,
        input.rows,
        input.returning?.length ? ` RETURNING ${input.returning.map(quoteIdent).join(", ")}` : "",
      );
      try {
        const res = await pool.query({ text, values });
        return { rowCount: res.rowCount ?? 0, rows: res.rows as Array<Record<string, unknown>> };
      } catch (e) {
        throw pgError(e, `insert into ${input.table} failed`);
      }
    },

    async upsert(input, ctx) {
      const pool = await poolFor(ctx);
      const columns = [...new Set(input.rows.flatMap((r) => Object.keys(r)))];
      const update = (input.updateColumns ?? columns.filter((c) => !input.conflictColumns.includes(c))).filter((c) =>
        columns.includes(c),
      );
      const set = update.length
        ? `DO UPDATE SET ${update.map((c) => `${quoteIdent(c)} = EXCLUDED.${quoteIdent(c)}`).join(", ")}`
        : "DO NOTHING";
      // xmax = 0 marks a freshly inserted row: counts inserts and updates apart in one statement.
      const returning = ` RETURNING (xmax = 0) AS "__inserted"${input.returning?.length ? `, ${input.returning.map(quoteIdent).join(", ")}` : ""}`;
      const { text, values } = insertSql(
        input.table,
        input.rows,
        ` ON CONFLICT (${input.conflictColumns.map(quoteIdent).join(", ")}) ${set}${returning}`,
      );
      try {
        const res = await pool.query({ text, values });
        const rows = res.rows as Array<Record<string, unknown>>;
        const inserted = rows.filter((r) => r.__inserted === true).length;
        return {
          rowCount: res.rowCount ?? 0,
          inserted,
          updated: rows.length - inserted,
          rows: rows.map(({ __inserted: _, ...r }) => r),
        };
      } catch (e) {
        throw pgError(e, `upsert into ${input.table} failed`);
      }
    },
  },
  // Test: connect and SELECT 1.
  async (ctx) => {
    const pool = await poolFor(ctx);
    try {
      const r = await pool.query<{ one: number; v: string }>("SELECT 1 AS one, current_setting('server_version') AS v");
      return { detail: `Connected; SELECT 1 returned ${r.rows[0]?.one}; PostgreSQL ${r.rows[0]?.v ?? "?"}.` };
    } catch (e) {
      throw pgError(e, "connection test failed");
    }
  },
);
