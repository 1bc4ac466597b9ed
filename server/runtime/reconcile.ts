// The reconcile step's runtime (docs/reconciliation.md): feeds each side to the pure matcher sorted by its
// normalised key — a SQL side paged by keyset on (sortKey, idColumn) COLLATE "C", a connector side read one
// vendor page at a time into a staging table and read back by keyset on (key, arrival) COLLATE "C" — stores every
// break as an open exception of the run (one per break identity, environment and period: a break found again
// only marks the open exception seen), and stores a checkpoint with each batch so a worker killed mid-run resumes after its last
// key. The interpreter runs the step under a concurrency key (one run of a reconciliation at a time).
import "server-only";
import type pino from "pino";
import {
  breakDetail,
  breakPeriod,
  breaksOf,
  matchStreams,
  type Break,
  type BreakDetail,
  type Checkpoint,
  type ReconDefinition,
  type Summary,
  type Totals,
} from "../../core/reconcile";
import { getPath, recordKey } from "../../core/reconcile/keys";
import { RECON_CONNECTOR_LIMIT, RECON_MEMORY_LIMIT, type Mapping, type ReconcileStep } from "../../core/dsl/schema";
import { DomainError } from "../../core/domain-error";
import { callConnector } from "./connectors";
import { connectors } from "../../connectors/registry";
import { businessKeyValues } from "../../core/exceptions/keys";
import { classifyError, StepError } from "./errors";
import { withTx } from "./sql";
import { upsertRunSummary } from "../reconciliations/runs-sql";
import type { RunEnv } from "./engine/run";

/** A side's source with its expressions evaluated (what the step row records as input). */
export type ResolvedSource =
  | { connector: string; operation: string; connection: string; input: unknown; items: string }
  | { connection: string; sql: string; params: unknown[]; sortKey: string; idColumn: string; pageSize: number };

export async function resolveSources(
  step: ReconcileStep,
  expr: (e: string) => Promise<unknown>,
  mapping: (m: Mapping) => Promise<unknown>,
): Promise<Record<string, ResolvedSource>> {
  const out: Record<string, ResolvedSource> = {};
  for (const [side, src] of Object.entries(step.sources)) {
    if ("connector" in src)
      out[side] = {
        connector: src.connector,
        operation: src.operation,
        connection: src.connection,
        input: src.input === undefined ? {} : await mapping(src.input),
        items: src.items ?? "items",
      };
    else {
      const params: unknown[] = [];
      for (const p of src.params ?? []) params.push(await expr(p));
      out[side] = {
        connection: src.connection,
        sql: src.sql,
        params,
        sortKey: src.sortKey,
        idColumn: src.idColumn,
        pageSize: src.pageSize ?? 5000,
      };
    }
  }
  return out;
}

export interface ReconcileOutput {
  reconciliation: string;
  totals: Totals;
  summary: Summary;
  /** Exceptions this run opened (all its segments), and breaks found again (already open; this segment). */
  exceptionsOpened: number;
  exceptionsSeenAgain: number;
  resumedFrom: string | null;
}

export interface ReconcileArgs {
  path: string;
  definition: ReconDefinition;
  sources: Record<string, ResolvedSource>;
  checkpointEvery?: number;
  assignTeamKey: string;
  signal: AbortSignal;
  logger: pino.Logger;
  /** Called after each checkpoint is stored (progress; tests stop a run there to prove the resume). */
  onCheckpoint?: (c: Checkpoint) => void;
  /** Called after each page of a connector side is staged, with the records staged so far (tests stop there). */
  onStagedPage?: (side: string, records: number) => void;
}

const fail = (code: string, message: string) => new StepError({ errorClass: "validation", code, message });

/** SQL side: keyset pages ordered by the normalised key (COLLATE "C" = the matcher's code-point order), then id. */
async function* sqlSide(
  env: Pick<RunEnv, "pool"> & { run?: { environment?: string } },
  side: string,
  src: Extract<ResolvedSource, { sql: string }>,
  after: string | null,
  signal: AbortSignal,
  log: pino.Logger,
): AsyncGenerator<unknown> {
  const n = src.params.length;
  const key = `COALESCE(recon_q."${src.sortKey}"::text, '') COLLATE "C"`;
  const id = `recon_q."${src.idColumn}"::text COLLATE "C"`;
  // A resumed run starts after the checkpoint's key (no unkeyed rows again: '' is never > a key).
  let pos: [string, string | null] | null = after === null ? null : [after, null];
  for (;;) {
    const where =
      pos === null
        ? ""
        : pos[1] === null
          ? `WHERE ${key} > $${n + 1}::text COLLATE "C"`
          : `WHERE (${key}, ${id}) > ($${n + 1}::text COLLATE "C", $${n + 2}::text COLLATE "C")`;
    const sql = `SELECT * FROM (${src.sql}) AS recon_q ${where} ORDER BY ${key}, ${id} LIMIT ${src.pageSize}`;
    const params = [...src.params, ...(pos === null ? [] : pos[1] === null ? [pos[0]] : pos)];
    const out = (await callConnector(env, {
      connector: "postgres",
      operation: "query",
      connection: src.connection,
      input: { sql, params },
      idempotencyKey: "",
      signal,
      logger: log,
    })) as { rows: Array<Record<string, unknown>>; truncated: boolean };
    if (out.truncated)
      throw fail(
        "page_truncated",
        `Side "${side}": a page of ${src.pageSize} rows exceeds the connection's maxRows; lower pageSize.`,
      );
    for (const row of out.rows) yield row;
    if (out.rows.length < src.pageSize) return;
    const last = out.rows.at(-1)!;
    const lastId = last[src.idColumn];
    if (lastId === null || lastId === undefined)
      throw fail("missing_id", `Side "${side}": idColumn "${src.idColumn}" is empty on a row; it must be unique.`);
    pos = [String(last[src.sortKey] ?? ""), String(lastId)];
  }
}

const RESTAGE = Symbol("restage");

/** Records staged a page at a time, and read back a page at a time (connector sides). */
const STAGE_READ_PAGE = 5000;

/** Inserts one page of a connector side and the input of the next page, in one transaction. */
async function stagePage(
  env: Pick<RunEnv, "pool" | "run">,
  path: string,
  side: string,
  rows: Array<{ key: string; record: unknown }>,
  nextInput: Record<string, unknown> | null,
): Promise<number> {
  return withTx(env.pool, async (tx) => {
    const { rows: p } = await tx.query<{ records: number }>(
      `SELECT records FROM reconcile_stage_side WHERE run_id = $1::uuid AND path = $2 AND side = $3 FOR UPDATE`,
      [env.run.id, path, side],
    );
    const from = p[0]?.records ?? 0;
    if (rows.length)
      await tx.query(
        `INSERT INTO reconcile_stage (run_id, path, side, seq, key, record)
         SELECT $1::uuid, $2, $3, $4::int + x.ord::int, x.k, x.r
           FROM jsonb_array_elements($5::jsonb) WITH ORDINALITY AS x0(e, ord), LATERAL (SELECT x0.ord, x0.e->>'k' AS k, x0.e->'r' AS r) x`,
        [env.run.id, path, side, from, JSON.stringify(rows.map((r) => ({ k: r.key, r: r.record })))],
      );
    await tx.query(
      `INSERT INTO reconcile_stage_side (run_id, path, side, next_input, pages, records, done, updated_at)
       VALUES ($1::uuid, $2, $3, $4::jsonb, 1, $5, $6, now())
       ON CONFLICT (run_id, path, side) DO UPDATE SET next_input = EXCLUDED.next_input, pages = reconcile_stage_side.pages + 1,
         records = EXCLUDED.records, done = EXCLUDED.done, updated_at = now()`,
      [
        env.run.id,
        path,
        side,
        nextInput === null ? null : JSON.stringify(nextInput),
        from + rows.length,
        nextInput === null,
      ],
    );
    return from + rows.length;
  });
}

/**
 * Connector side: the operation is read one vendor page per call (its manifest's `pages`; an operation
 * without paging is one call, bounded to RECON_MEMORY_LIMIT records), each page's records staged with their
 * normalised key in one transaction — a worker killed mid-read resumes after the last staged page — and the
 * side is then read back by keyset in key order, like a SQL side: memory is one page either way.
 */
async function* connectorSide(
  env: Pick<RunEnv, "pool" | "run">,
  def: ReconDefinition,
  path: string,
  side: string,
  src: Extract<ResolvedSource, { connector: string }>,
  after: string | null,
  signal: AbortSignal,
  log: pino.Logger,
  onPage?: (side: string, records: number) => void,
): AsyncGenerator<unknown> {
  const s = def.sides.find((x) => x.name === side)!;
  const { rows: st } = await env.pool.query<{ next_input: Record<string, unknown> | null; done: boolean }>(
    `SELECT next_input, done FROM reconcile_stage_side WHERE run_id = $1::uuid AND path = $2 AND side = $3`,
    [env.run.id, path, side],
  );
  if (!st[0]?.done) {
    const pages = connectors[src.connector]?.operations[src.operation]?.pages;
    const base = (src.input ?? {}) as Record<string, unknown>;
    const first = pages ? pages.first(base) : base;
    let input: Record<string, unknown> | null = st[0]?.next_input ?? first;
    // A continuation stored by an earlier segment may have expired at the vendor (a Salesforce query locator
    // lives ~15 minutes): the vendor refuses it (validation), and the side is staged again from its first page.
    let resumed = st[0]?.next_input != null;
    while (input !== null) {
      if (signal.aborted) throw signal.reason instanceof Error ? signal.reason : new Error("job aborted");
      const req: Record<string, unknown> = input;
      const out: unknown = await callConnector(env, {
        connector: src.connector,
        operation: src.operation,
        connection: src.connection,
        input: req,
        idempotencyKey: "",
        signal,
        logger: log,
      }).catch(async (e: unknown) => {
        if (!resumed || classifyError(e).errorClass !== "validation") throw e;
        log.warn({ err: e }, "stored page continuation refused; staging the side again from its first page");
        await env.pool.query(`DELETE FROM reconcile_stage WHERE run_id = $1::uuid AND path = $2 AND side = $3`, [
          env.run.id,
          path,
          side,
        ]);
        await env.pool.query(`DELETE FROM reconcile_stage_side WHERE run_id = $1::uuid AND path = $2 AND side = $3`, [
          env.run.id,
          path,
          side,
        ]);
        return RESTAGE;
      });
      resumed = false;
      if (out === RESTAGE) {
        input = first;
        continue;
      }
      const records = getPath(out, src.items);
      if (!Array.isArray(records))
        throw fail("not_a_list", `Side "${side}": ${src.connector}.${src.operation} gave no array at "${src.items}".`);
      if (!pages && records.length > RECON_MEMORY_LIMIT)
        throw fail(
          "too_many_records",
          `Side "${side}": ${records.length} records in one response; ${src.connector}.${src.operation} does not page, so at most ${RECON_MEMORY_LIMIT}. Read it from the warehouse with SQL instead.`,
        );
      const next: Record<string, unknown> | null = pages ? pages.next(input, out) : null;
      // An unpaged response is staged whole (it is in memory already, bounded above); a page is one page.
      const staged = await stagePage(
        env,
        path,
        side,
        records.map((record) => ({ key: recordKey(s, record, def.maps) ?? "", record })),
        next,
      );
      if (staged > RECON_CONNECTOR_LIMIT)
        throw fail(
          "too_many_records",
          `Side "${side}": more than ${RECON_CONNECTOR_LIMIT} records. Read it from the warehouse with SQL instead.`,
        );
      onPage?.(side, staged);
      input = next;
    }
  }
  // Keyset read-back in the matcher's order ('' — no key — first); a resumed run starts after its checkpoint's key.
  let pos: [string, number] | null = after === null ? null : [after, 2147483647];
  for (;;) {
    const { rows } = await env.pool.query<{ seq: number; key: string; record: unknown }>(
      `SELECT seq, key, record FROM reconcile_stage
        WHERE run_id = $1::uuid AND path = $2 AND side = $3 ${pos ? `AND (key, seq) > ($5::text COLLATE "C", $6::int)` : ""}
        ORDER BY key, seq LIMIT $4`,
      [env.run.id, path, side, STAGE_READ_PAGE, ...(pos ?? [])],
    );
    for (const r of rows) yield r.record;
    if (rows.length < STAGE_READ_PAGE) return;
    const last = rows.at(-1)!;
    pos = [last.key, last.seq];
  }
}

/** A break with its record pair, as stored on the exception (the Reconciliation page's drill-down). */
type Found = Break & { detail: BreakDetail };

/**
 * Stores a batch of breaks and the checkpoint that follows them, in one transaction; the final batch also
 * writes the run's summary row (reconciliation_run), so the page never sees a done run without its figures.
 */
async function storeBatch(
  env: Pick<RunEnv, "pool" | "run">,
  a: ReconcileArgs,
  breaks: Found[],
  checkpoint: Checkpoint | null,
  final: { totals: Totals; summary: Summary } | null,
): Promise<{ opened: number; seen: number }> {
  const done = final !== null;
  return withTx(env.pool, async (tx) => {
    let opened = 0;
    let seen = 0;
    const period = breakPeriod(a.definition);
    // A dry test run reports what it found (the step's output) but opens no exception.
    if (breaks.length && !env.run.dryRun) {
      const rows = breaks.map((b) => ({
        identity: b.identity,
        signature: b.signature,
        message: b.message,
        keys: b.businessKeys,
        values: businessKeyValues(b.businessKeys),
        detail: b.detail,
      }));
      const { rows: r } = await tx.query<{ opened: number; seen: number }>(
        `WITH b AS (
           SELECT DISTINCT ON (x.identity) x.* FROM jsonb_to_recordset($1::jsonb) AS x(identity text, signature text, message text, keys jsonb, "values" jsonb, detail jsonb)
         ), again AS (
           UPDATE exception e SET break_seen_run_id = $2::uuid, break_seen_at = now(), message = b.message, business_keys = b.keys,
                  business_key_values = ARRAY(SELECT jsonb_array_elements_text(b."values")), break_detail = b.detail, updated_at = now()
             FROM b WHERE e.flow_id = $3::uuid AND e.status = 'open' AND e.break_identity = b.identity
              AND e.environment = (SELECT environment FROM run WHERE id = $2::uuid) AND e.break_period IS NOT DISTINCT FROM $6::text
           RETURNING e.break_identity
         ), ins AS (
           INSERT INTO exception (id, run_id, flow_id, step_path, error_class, message, signature, business_keys, business_key_values,
                                  assignee_team_id, status, break_identity, break_period, break_seen_run_id, break_seen_at, break_detail, updated_at)
           SELECT gen_random_uuid(), $2::uuid, $3::uuid, $4, 'business', b.message, b.signature, b.keys,
                  ARRAY(SELECT jsonb_array_elements_text(b."values")), (SELECT id FROM team WHERE key = $5::text), 'open', b.identity, $6::text, $2::uuid, now(), b.detail, now()
             FROM b WHERE b.identity NOT IN (SELECT break_identity FROM again)
           RETURNING 1
         )
         SELECT (SELECT count(*) FROM ins)::int AS opened, (SELECT count(*) FROM again)::int AS seen`,
        [JSON.stringify(rows), env.run.id, env.run.flowId, a.path, a.assignTeamKey, period],
      );
      opened = r[0]!.opened;
      seen = r[0]!.seen;
    }
    await tx.query(
      `INSERT INTO reconcile_checkpoint (run_id, path, reconciliation, period, checkpoint, done, updated_at)
       VALUES ($1::uuid, $2, $3, $6, $4::jsonb, $5, now())
       ON CONFLICT (run_id, path) DO UPDATE SET checkpoint = COALESCE(EXCLUDED.checkpoint, reconcile_checkpoint.checkpoint), period = EXCLUDED.period, done = EXCLUDED.done, updated_at = now()`,
      [env.run.id, a.path, a.definition.key, checkpoint ? JSON.stringify(checkpoint) : null, done, period],
    );
    // The pass is complete: the staged connector sides have served (a re-run of the step stages afresh).
    if (final) {
      await tx.query(`DELETE FROM reconcile_stage WHERE run_id = $1::uuid AND path = $2`, [env.run.id, a.path]);
      await tx.query(`DELETE FROM reconcile_stage_side WHERE run_id = $1::uuid AND path = $2`, [env.run.id, a.path]);
    }
    if (final && checkpoint)
      await upsertRunSummary(tx, {
        runId: env.run.id,
        path: a.path,
        flowId: env.run.flowId,
        reconciliation: a.definition.key,
        name: a.definition.name,
        definitionHash: checkpoint.definition,
        period: a.definition.period ?? null,
        totals: final.totals,
        summary: final.summary,
        currency: a.definition.impact?.currency ?? null,
      });
    return { opened, seen };
  });
}

export async function runReconcile(env: Pick<RunEnv, "pool" | "run">, a: ReconcileArgs): Promise<ReconcileOutput> {
  const def = a.definition;
  const { rows } = await env.pool.query<{ checkpoint: Checkpoint | null }>(
    `SELECT checkpoint FROM reconcile_checkpoint WHERE run_id = $1::uuid AND path = $2`,
    [env.run.id, a.path],
  );
  const resume = rows[0]?.checkpoint ?? undefined;
  const sources: Record<string, AsyncIterable<unknown> | Iterable<unknown>> = {};
  for (const s of def.sides) {
    const src = a.sources[s.name];
    if (!src) throw fail("missing_source", `Side "${s.name}" has no source.`);
    const log = a.logger.child({ side: s.name });
    sources[s.name] =
      "sql" in src
        ? sqlSide(env, s.name, src, resume?.lastKey ?? null, a.signal, log)
        : connectorSide(env, def, a.path, s.name, src, resume?.lastKey ?? null, a.signal, log, a.onStagedPage);
  }
  let pending: Found[] = [];
  let opened = 0;
  let seen = 0;
  const flush = async (checkpoint: Checkpoint | null, final: { totals: Totals; summary: Summary } | null) => {
    const r = await storeBatch(env, a, pending, checkpoint, final);
    opened += r.opened;
    seen += r.seen;
    pending = [];
  };
  try {
    for await (const ev of matchStreams(def, sources, {
      checkpointEvery: a.checkpointEvery ?? 1000,
      resumeFrom: resume,
    })) {
      if (a.signal.aborted) throw a.signal.reason instanceof Error ? a.signal.reason : new Error("job aborted");
      if (ev.type === "outcome") {
        const outcome = ev.outcome;
        for (const b of breaksOf(def, outcome)) pending.push({ ...b, detail: breakDetail(def.key, outcome, b) });
      } else if (ev.type === "checkpoint") {
        await flush(ev.checkpoint, null);
        a.onCheckpoint?.(ev.checkpoint);
      } else {
        await flush(ev.checkpoint, { totals: ev.totals, summary: ev.summary });
        // Counted in the table, so a resumed run includes what it opened before the crash.
        const { rows: n } = await env.pool.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM exception WHERE run_id = $1::uuid AND step_path = $2 AND break_identity IS NOT NULL`,
          [env.run.id, a.path],
        );
        opened = n[0]!.n;
        return {
          reconciliation: def.key,
          totals: ev.totals,
          summary: ev.summary,
          exceptionsOpened: opened,
          exceptionsSeenAgain: seen,
          resumedFrom: resume?.lastKey ?? null,
        };
      }
    }
  } catch (e) {
    // The matcher's own refusals (an unsorted side, a checkpoint of another definition) are the author's to fix.
    if (e instanceof DomainError) throw fail("reconcile_invalid", e.message);
    throw e;
  }
  throw new Error("matchStreams ended without a result");
}
