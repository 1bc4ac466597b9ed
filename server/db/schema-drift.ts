// Compares the Prisma schema (via its DMMF) with a database built by our SQL migrations, so that a model
// edited without a migration (or the reverse) fails the test suite. Prisma's own `migrate diff` would do
// this, but it needs the schema-engine binary that cannot be downloaded here.
import "server-only";
import { readFile } from "node:fs/promises";
import internals from "@prisma/internals";
import pg from "pg";

interface DmmfField {
  name: string;
  dbName?: string | null;
  kind: "scalar" | "object" | "enum" | "unsupported";
  type: string;
  isList: boolean;
  isRequired: boolean;
  nativeType?: [string, string[]] | null;
  relationFromFields?: string[];
  relationToFields?: string[];
  relationOnDelete?: string;
}
interface DmmfModel {
  name: string;
  dbName: string | null;
  fields: DmmfField[];
}
interface DmmfIndex {
  model: string;
  type: "id" | "unique" | "normal" | "fulltext";
  dbName?: string | null;
  fields: { name: string }[];
}
interface Dmmf {
  datamodel: {
    models: DmmfModel[];
    enums: { name: string; dbName: string | null; values: { name: string; dbName: string | null }[] }[];
    indexes: DmmfIndex[];
  };
}

const getDMMF = (internals as unknown as { getDMMF(o: { datamodel: string }): Promise<Dmmf> }).getDMMF;

/** A normalised description of a schema that both sides can be reduced to. */
export type SchemaShape = Record<string, string[]>;

function pgType(f: DmmfField): string {
  if (f.kind === "enum") return f.isList ? `_${f.type}` : f.type;
  const native = f.nativeType?.[0];
  const base = native
    ? ((
        {
          Timestamptz: "timestamptz",
          Timestamp: "timestamp",
          Uuid: "uuid",
          Text: "text",
          VarChar: "varchar",
          Integer: "int4",
          BigInt: "int8",
          JsonB: "jsonb",
          Json: "json",
          Date: "date",
          SmallInt: "int2",
          DoublePrecision: "float8",
          Decimal: "numeric",
          Boolean: "bool",
          Char: "bpchar",
        } as Record<string, string>
      )[native] ?? native.toLowerCase())
    : ((
        {
          String: "text",
          Boolean: "bool",
          Int: "int4",
          BigInt: "int8",
          Float: "float8",
          Decimal: "numeric",
          DateTime: "timestamp",
          Json: "jsonb",
          Bytes: "bytea",
        } as Record<string, string>
      )[f.type] ?? f.type);
  return f.isList ? `_${base}` : base;
}

export async function shapeFromPrisma(schemaPath: string): Promise<SchemaShape> {
  const { datamodel } = await getDMMF({ datamodel: await readFile(schemaPath, "utf8") });
  const shape: SchemaShape = {};
  const table = (m: DmmfModel) => m.dbName ?? m.name;
  const col = (m: DmmfModel, field: string) => {
    const f = m.fields.find((x) => x.name === field);
    return f?.dbName ?? field;
  };
  for (const e of datamodel.enums) {
    shape[`enum ${e.dbName ?? e.name}`] = e.values.map((v) => v.dbName ?? v.name);
  }
  for (const m of datamodel.models) {
    const t = table(m);
    shape[`table ${t}`] = m.fields
      .filter((f) => f.kind !== "object")
      .map((f) => `${f.dbName ?? f.name} ${pgType(f)}${f.isRequired && !f.isList ? " not null" : ""}`)
      .sort();
    for (const f of m.fields) {
      if (f.kind !== "object" || !f.relationFromFields?.length) continue;
      const target = datamodel.models.find((x) => x.name === f.type);
      if (!target) continue;
      const from = f.relationFromFields.map((c) => col(m, c)).join(",");
      const to = (f.relationToFields ?? []).map((c) => col(target, c)).join(",");
      const onDelete = (f.relationOnDelete ?? (f.isRequired ? "Restrict" : "SetNull")).toLowerCase().replace(/\s/g, "");
      (shape[`fks ${t}`] ??= []).push(`(${from}) -> ${table(target)}(${to}) on delete ${onDelete}`);
    }
    shape[`fks ${t}`]?.sort();
  }
  for (const ix of datamodel.indexes) {
    const m = datamodel.models.find((x) => x.name === ix.model);
    if (!m) continue;
    const kind = ix.type === "id" ? "primary" : ix.type === "unique" ? "unique" : "index";
    (shape[`indexes ${table(m)}`] ??= []).push(`${kind} (${ix.fields.map((f) => col(m, f.name)).join(",")})`);
  }
  for (const k of Object.keys(shape)) if (k.startsWith("indexes ")) shape[k]!.sort();
  return shape;
}

const ON_DELETE: Record<string, string> = { a: "noaction", r: "restrict", c: "cascade", n: "setnull", d: "setdefault" };

export async function shapeFromDatabase(url: string): Promise<SchemaShape> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    const shape: SchemaShape = {};
    const enums = await c.query<{ typname: string; labels: string[] }>(`
      SELECT t.typname, array_agg(e.enumlabel ORDER BY e.enumsortorder)::text[] AS labels
      FROM pg_type t JOIN pg_enum e ON e.enumtypid = t.oid JOIN pg_namespace n ON n.oid = t.typnamespace
      WHERE n.nspname = 'public' GROUP BY t.typname`);
    for (const e of enums.rows) shape[`enum ${e.typname}`] = e.labels;
    const cols = await c.query<{ table_name: string; column_name: string; udt_name: string; is_nullable: string }>(`
      SELECT table_name, column_name, udt_name, is_nullable FROM information_schema.columns
      WHERE table_schema = 'public' AND table_name <> '_prisma_migrations'`);
    for (const r of cols.rows) {
      const arr = r.udt_name.startsWith("_");
      (shape[`table ${r.table_name}`] ??= []).push(
        `${r.column_name} ${r.udt_name}${r.is_nullable === "NO" && !arr ? " not null" : ""}`,
      );
    }
    const fks = await c.query<{ tbl: string; cols: string[]; ref: string; refcols: string[]; del: string }>(`
      SELECT cl.relname AS tbl, rf.relname AS ref, con.confdeltype AS del,
        (SELECT array_agg(a.attname ORDER BY k.i)::text[] FROM unnest(con.conkey) WITH ORDINALITY k(n, i) JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.n) AS cols,
        (SELECT array_agg(a.attname ORDER BY k.i)::text[] FROM unnest(con.confkey) WITH ORDINALITY k(n, i) JOIN pg_attribute a ON a.attrelid = con.confrelid AND a.attnum = k.n) AS refcols
      FROM pg_constraint con JOIN pg_class cl ON cl.oid = con.conrelid JOIN pg_class rf ON rf.oid = con.confrelid
      JOIN pg_namespace n ON n.oid = cl.relnamespace WHERE con.contype = 'f' AND n.nspname = 'public'`);
    for (const f of fks.rows) {
      (shape[`fks ${f.tbl}`] ??= []).push(
        `(${f.cols.join(",")}) -> ${f.ref}(${f.refcols.join(",")}) on delete ${ON_DELETE[f.del] ?? f.del}`,
      );
    }
    const idx = await c.query<{ tbl: string; primary: boolean; unique: boolean; cols: string[] }>(`
      SELECT t.relname AS tbl, ix.indisprimary AS primary, ix.indisunique AS unique,
        (SELECT array_agg(a.attname ORDER BY k.i)::text[] FROM unnest(ix.indkey) WITH ORDINALITY k(n, i) JOIN pg_attribute a ON a.attrelid = ix.indrelid AND a.attnum = k.n) AS cols
      FROM pg_index ix JOIN pg_class t ON t.oid = ix.indrelid JOIN pg_namespace n ON n.oid = t.relnamespace
      WHERE n.nspname = 'public' AND t.relname <> '_prisma_migrations' AND t.relkind = 'r'`);
    for (const i of idx.rows) {
      const kind = i.primary ? "primary" : i.unique ? "unique" : "index";
      (shape[`indexes ${i.tbl}`] ??= []).push(`${kind} (${i.cols.join(",")})`);
    }
    for (const k of Object.keys(shape)) if (!k.startsWith("enum ")) shape[k]!.sort();
    return shape;
  } finally {
    await c.end();
  }
}

/** Human-readable differences; empty when schema.prisma and the migrated database agree. */
export function diffShapes(prisma: SchemaShape, database: SchemaShape): string[] {
  const out: string[] = [];
  const keys = new Set([...Object.keys(prisma), ...Object.keys(database)]);
  for (const k of [...keys].sort()) {
    const a = prisma[k] ?? [];
    const b = database[k] ?? [];
    for (const x of a) if (!b.includes(x)) out.push(`${k}: schema.prisma has "${x}", the migrations do not`);
    for (const x of b) if (!a.includes(x)) out.push(`${k}: the migrations have "${x}", schema.prisma does not`);
  }
  return out;
}
