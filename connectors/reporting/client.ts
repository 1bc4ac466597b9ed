// Data platform client: validates records against the canonical model and upserts them into
// <schema>.<entity> (newer entity timestamps win), appends events idempotently, creates tables on first use.
import "server-only";
import { ConnectorError } from "../sdk/errors";
import { canonicalEntities, type CanonicalEntityName } from "../canonical";
import { implementConnector, type ConnectorContextOf } from "../sdk/define";
import { pgError, poolFor, quoteIdent } from "../postgres/pg";
import { reportingManifest } from "./manifest";

type Ctx = ConnectorContextOf<typeof reportingManifest>;
const ensured = new Set<string>();

export function tableOf(entity: string): string {
  return entity.replace(/([a-z])([A-Z])/g, "$1_$2").toLowerCase();
}

async function ensure(ctx: Ctx): Promise<string[]> {
  const pool = await poolFor(ctx);
  const s = quoteIdent(ctx.connection.config.schema);
  const tables = Object.keys(canonicalEntities).map(tableOf);
  const key = `${ctx.connection.key}|${ctx.connection.config.host}|${ctx.connection.config.database}|${ctx.connection.config.schema}`;
  if (ensured.has(key)) return [...tables, "event"];
  const ddl = [
    `CREATE SCHEMA IF NOT EXISTS ${s}`,
    ...tables.map(
      (t) =>
        `CREATE TABLE IF NOT EXISTS ${s}.${quoteIdent(t)} (id text PRIMARY KEY, data jsonb NOT NULL, source text NOT NULL, entity_updated_at timestamptz, written_at timestamptz NOT NULL DEFAULT now(), write_key text)`,
    ),
    `CREATE TABLE IF NOT EXISTS ${s}."event" (id text PRIMARY KEY, type text NOT NULL, occurred_at timestamptz NOT NULL, subject_entity text, subject_id text, data jsonb NOT NULL, written_at timestamptz NOT NULL DEFAULT now())`,
    `CREATE INDEX IF NOT EXISTS event_type_time ON ${s}."event" (type, occurred_at)`,
  ];
  try {
    // One transaction under an advisory lock: concurrent first writers do not race on CREATE.
    const client = await pool.connect();
    try {
      await client.query("BEGIN");
      await client.query("SELECT pg_advisory_xact_lock(hashtext($1))", [
        `weft-reporting:${ctx.connection.config.schema}`,
      ]);
      for (const q of ddl) await client.query(q);
      await client.query("COMMIT");
    } catch (e) {
      await client.query("ROLLBACK").catch(() => undefined);
      throw e;
    } finally {
      client.release();
    }
  } catch (e) {
    throw pgError(e, "creating the reporting tables failed");
  }
  ensured.add(key);
  return [...tables, "event"];
}

export const reporting = implementConnector(
  reportingManifest,
  {
    async ensureSchema(_i, ctx) {
      return { schema: ctx.connection.config.schema, tables: await ensure(ctx) };
    },

    async upsertRecords(input, ctx) {
      const schema = canonicalEntities[input.entity as CanonicalEntityName];
      const parsed = input.records.map((r, i) => {
        const p = schema.safeParse(r);
        if (!p.success)
          throw new ConnectorError({
            errorClass: "validation",
            reason: "schema",
            code: "not_canonical",
            message: `records[${i}] is not a valid ${input.entity}: ${p.error.issues.map((x) => `${x.path.join(".") || "(root)"}: ${x.message}`).join("; ")}`,
            details: { index: i, issues: p.error.issues },
          });
        return p.data as { id: string; updatedAt?: string };
      });
      await ensure(ctx);
      const pool = await poolFor(ctx);
      const table = `${quoteIdent(ctx.connection.config.schema)}.${quoteIdent(tableOf(input.entity))}`;
      const values: unknown[] = [];
      const tuples = parsed.map((r) => {
        values.push(r.id, JSON.stringify(r), input.source, r.updatedAt ?? null, ctx.idempotencyKey ?? null);
        const n = values.length;
        return `($${n - 4}, $${n - 3}::jsonb, $${n - 2}, $${n - 1}::timestamptz, $${n})`;
      });
      // Last writer by entity time wins: a replayed or late older version does not overwrite a newer one.
      const sql = `INSERT INTO ${table} (id, data, source, entity_updated_at, write_key) VALUES ${tuples.join(", ")}
      ON CONFLICT (id) DO UPDATE SET data = EXCLUDED.data, source = EXCLUDED.source, entity_updated_at = EXCLUDED.entity_updated_at, write_key = EXCLUDED.write_key, written_at = now()
      WHERE ${table}.entity_updated_at IS NULL OR EXCLUDED.entity_updated_at IS NULL OR EXCLUDED.entity_updated_at >= ${table}.entity_updated_at`;
      if (new Set(parsed.map((r) => r.id)).size !== parsed.length)
        throw new ConnectorError({
          errorClass: "validation",
          reason: "invalid_request",
          code: "duplicate_ids",
          message: "The batch contains the same id twice.",
        });
      try {
        const res = await pool.query({ text: sql, values });
        const written = res.rowCount ?? 0;
        return { entity: input.entity, written, skippedOlder: parsed.length - written };
      } catch (e) {
        throw pgError(e, `writing ${input.entity} records failed`);
      }
    },

    async writeEvents(input, ctx) {
      await ensure(ctx);
      const pool = await poolFor(ctx);
      const values: unknown[] = [];
      const tuples = input.events.map((ev, i) => {
        const id = ev.id ?? (ctx.idempotencyKey ? `${ctx.idempotencyKey}#${i}` : undefined);
        if (!id)
          throw new ConnectorError({
            errorClass: "validation",
            reason: "invalid_request",
            code: "event_id_required",
            message: `events[${i}] needs an id (or the step an idempotency key).`,
          });
        values.push(
          id,
          ev.type,
          ev.occurredAt,
          ev.subject?.entity ?? null,
          ev.subject?.id ?? null,
          JSON.stringify(ev.data),
        );
        const n = values.length;
        return `($${n - 5}, $${n - 4}, $${n - 3}::timestamptz, $${n - 2}, $${n - 1}, $${n}::jsonb)`;
      });
      try {
        const res = await pool.query({
          text: `INSERT INTO ${quoteIdent(ctx.connection.config.schema)}."event" (id, type, occurred_at, subject_entity, subject_id, data) VALUES ${tuples.join(", ")} ON CONFLICT (id) DO NOTHING`,
          values,
        });
        const inserted = res.rowCount ?? 0;
        return { inserted, duplicates: input.events.length - inserted };
      } catch (e) {
        throw pgError(e, "writing events failed");
      }
    },
  },
  // Test: connect and SELECT 1 (the schema is created on the first write, not by a test).
  async (ctx) => {
    const pool = await poolFor(ctx);
    try {
      const r = await pool.query<{ v: string }>("SELECT current_setting('server_version') AS v");
      return { detail: `Connected to PostgreSQL ${r.rows[0]?.v ?? "?"} as ${ctx.connection.config.user}.` };
    } catch (e) {
      throw pgError(e, "connection test failed");
    }
  },
);
