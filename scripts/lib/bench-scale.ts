// `npm run bench:pages --scale N`: the demo workspace's week of runs (server/seed/demo-history.ts's specs)
// inserted N − 1 more times, one transaction per copy, runs and steps each in one statement; exceptions go
// through the runtime's own openException so signatures, redaction and team assignment are the runtime's.
import { randomUUID } from "node:crypto";
import type pg from "pg";
import { history } from "@/server/seed/demo-history";
import { openException } from "@/server/runtime/exceptions";
import { businessKeyValues } from "@/core/exceptions/keys";

export async function scaleDemoHistory(
  pool: pg.Pool,
  times: number,
): Promise<{ runs: number; steps: number; exceptions: number }> {
  const specs = history(new Date());
  const { rows: flows } = await pool.query<{ id: string; key: string; vid: string | null }>(
    `SELECT f.id::text, f.key, (SELECT v.id::text FROM flow_version v WHERE v.flow_id = f.id AND v.status = 'approved'
                                 ORDER BY v.created_at DESC LIMIT 1) AS vid FROM flow f`,
  );
  const byKey = new Map(flows.map((f) => [f.key, f]));
  let runs = 0;
  let steps = 0;
  let exceptions = 0;
  for (let k = 1; k < times; k++) {
    const runRows: Record<string, unknown>[] = [];
    const stepRows: Record<string, unknown>[] = [];
    const failures: Array<{ runId: string; flowId: string; spec: (typeof specs)[number]; finished: Date }> = [];
    for (const s of specs) {
      const flow = byKey.get(s.flowKey);
      if (!flow) continue;
      const id = randomUUID();
      // Each copy a little earlier than the last (37 s), so the week keeps its shape and ordering stays stable.
      const at = s.at.getTime() - k * 37_000;
      const finished = new Date(at + s.steps.reduce((n, x) => n + x.ms, 0) + 40);
      runRows.push({
        id,
        flow_id: flow.id,
        flow_version_id: flow.vid,
        status: s.failure ? "failed" : "succeeded",
        trigger_type: s.triggerType,
        input: s.input,
        business_keys: s.businessKeys,
        business_key_values: businessKeyValues(s.businessKeys),
        error: s.failure
          ? { errorClass: s.failure.errorClass, code: s.failure.code, message: s.failure.message, step: s.failure.step }
          : null,
        output: s.output ?? null,
        created_at: new Date(at).toISOString(),
        started_at: new Date(at + 20).toISOString(),
        finished_at: finished.toISOString(),
      });
      let t = at + 20;
      for (const st of s.steps) {
        stepRows.push({
          run_id: id,
          path: st.path,
          step_id: (st.path.split(".").pop() ?? st.path).replace(/\[\d+\]/g, ""),
          status: st.status,
          input: st.input ?? null,
          output: st.output ?? null,
          error: st.error ?? null,
          attempts: st.attempts ?? 1,
          attempt_log: [{ attempt: st.attempts ?? 1, outcome: st.status === "failed" ? "failed" : "succeeded" }],
          idempotency_key: st.idempotencyKey ?? null,
          started_at: new Date(t).toISOString(),
          finished_at: new Date(t + st.ms).toISOString(),
        });
        t += st.ms;
      }
      if (s.failure) failures.push({ runId: id, flowId: flow.id, spec: s, finished });
    }
    const c = await pool.connect();
    try {
      await c.query("BEGIN");
      await c.query(
        `INSERT INTO run (id, flow_id, flow_version_id, status, trigger_type, input, business_keys, business_key_values, error, output, created_at, started_at, finished_at)
         SELECT id, flow_id, flow_version_id, status::"RunStatus", trigger_type, input, business_keys, business_key_values, error, output, created_at, started_at, finished_at
           FROM jsonb_to_recordset($1::jsonb) AS x(id uuid, flow_id uuid, flow_version_id uuid, status text, trigger_type text, input jsonb,
                business_keys jsonb, business_key_values text[], error jsonb, output jsonb, created_at timestamptz, started_at timestamptz, finished_at timestamptz)`,
        [JSON.stringify(runRows)],
      );
      await c.query(
        `INSERT INTO step_run (run_id, path, step_id, status, input, output, error, attempts, attempt_log, idempotency_key, started_at, finished_at)
         SELECT run_id, path, step_id, status, input, output, error, attempts, attempt_log, idempotency_key, started_at, finished_at
           FROM jsonb_to_recordset($1::jsonb) AS x(run_id uuid, path text, step_id text, status text, input jsonb, output jsonb, error jsonb,
                attempts int, attempt_log jsonb, idempotency_key text, started_at timestamptz, finished_at timestamptz)`,
        [JSON.stringify(stepRows)],
      );
      for (const f of failures) {
        const id = await openException(c, {
          runId: f.runId,
          flowId: f.flowId,
          flowKey: f.spec.flowKey,
          stepPath: f.spec.failure!.step,
          error: {
            errorClass: f.spec.failure!.errorClass as "validation",
            code: f.spec.failure!.code,
            message: f.spec.failure!.message,
            ...(f.spec.failure!.request ? { request: f.spec.failure!.request } : {}),
            ...(f.spec.failure!.response ? { response: f.spec.failure!.response } : {}),
          },
          businessKeys: f.spec.businessKeys,
        });
        await c.query(
          `UPDATE exception SET created_at = $2, updated_at = $2,
                  assignee_team_id = COALESCE(assignee_team_id, (SELECT owner_team_id FROM flow WHERE id = $3::uuid))
            WHERE id = $1::uuid`,
          [id, f.finished, f.flowId],
        );
      }
      await c.query("COMMIT");
    } catch (err) {
      await c.query("ROLLBACK");
      throw err;
    } finally {
      c.release();
    }
    runs += runRows.length;
    steps += stepRows.length;
    exceptions += failures.length;
  }
  return { runs, steps, exceptions };
}

/**
 * A long-lived workspace's other volumes, for the same --scale: each flow gets `times` − 1 older (retired)
 * versions carrying its current document, and the audit log `times` × 1,000 entries (synthetic rows in the
 * demo's actions — inserted directly, so `weft audit verify` would fail on this throwaway database).
 */
export async function scaleWorkspace(pool: pg.Pool, times: number): Promise<{ versions: number; audit: number }> {
  const v = await pool.query(
    `INSERT INTO flow_version (id, flow_id, version, dsl, content_hash, status, changelog, created_at)
     SELECT gen_random_uuid(), c.flow_id, '0.0.' || (1000 + k), c.dsl, md5(c.id::text || k), 'retired', 'Older version.',
            c.created_at - make_interval(days => k)
       FROM (SELECT DISTINCT ON (flow_id) * FROM flow_version ORDER BY flow_id, created_at DESC) c,
            generate_series(1, $1::int - 1) AS k`,
    [times],
  );
  const a = await pool.query(
    `INSERT INTO audit_log (at, actor_id, actor_email, action, entity_type, entity_id, after, prev_hash, hash)
     SELECT now() - make_interval(secs => g * 30), NULL, 'bench@weft.local', s.action, s.entity_type, s.entity_id || '-' || g,
            '{"bench": true}'::jsonb, md5('p' || g), md5('h' || g) || md5(g::text)
       FROM generate_series(1, $1::int * 1000) AS g
       JOIN LATERAL (SELECT action, entity_type, entity_id FROM audit_log ORDER BY seq OFFSET (g % 15) LIMIT 1) s ON true`,
    [times],
  );
  return { versions: v.rowCount ?? 0, audit: a.rowCount ?? 0 };
}

/**
 * `--open-exceptions N`: a backlog of about N open exceptions, as copies of the workspace's own open ones (reconciliation breaks aside; their
 * flows, steps, signatures, teams and business keys), each with a copy of its failed run. Copies spread over
 * the 30 days before the original; one copy in ten ran in the test environment, so the operators' default
 * production filter has something to leave out. Every column the tables have is copied from the original
 * row, so what other changes add to run or exception comes along. The tables' triggers (search text, impact,
 * the counters' deltas) see every row as they see the runtime's; `exception_tally_compact()` then folds the
 * deltas, as the minute job would. Inserted in batches of about `batch` exceptions, one transaction each.
 */
export async function scaleOpenExceptions(
  pool: pg.Pool,
  target: number,
  batch = 100_000,
): Promise<{ exceptions: number; test: number }> {
  const cols = async (table: string) =>
    (
      await pool.query<{ c: string }>(
        `SELECT column_name AS c FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = $1
          ORDER BY ordinal_position`,
        [table],
      )
    ).rows.map((r) => r.c);
  const runCols = await cols("run");
  const excCols = await cols("exception");
  // The originals, fixed before copying (the copies are open exceptions too).
  const sources = (
    await pool.query<{ id: string }>(
      `SELECT id::text FROM exception WHERE status = 'open' AND break_identity IS NULL ORDER BY id`,
    )
  ).rows.map((r) => r.id);
  const open = sources.length;
  if (open === 0) throw new Error("--open-exceptions: the workspace has no open exception to copy");
  const copies = Math.ceil(target / open);
  const perBatch = Math.max(1, Math.floor(batch / open));
  // Set per copy; the rest comes from the original row.
  const runSet: Record<string, string> = {
    id: "g.new_run",
    idempotency_key: "NULL",
    environment: "g.env",
    created_at: "r.created_at - g.shift",
    started_at: "r.started_at - g.shift",
    finished_at: "r.finished_at - g.shift",
  };
  const excSet: Record<string, string> = {
    id: "gen_random_uuid()",
    run_id: "g.new_run",
    environment: "g.env",
    created_at: "e.created_at - g.shift",
    updated_at: "e.updated_at - g.shift",
  };
  const q = (c: string) => `"${c}"`;
  const pick = (all: string[], set: Record<string, string>, alias: string) =>
    all.map((c) => set[c] ?? `${alias}.${q(c)}`).join(", ");
  let exceptions = 0;
  let test = 0;
  for (let from = 1; from <= copies; from += perBatch) {
    const to = Math.min(copies, from + perBatch - 1);
    const c = await pool.connect();
    try {
      await c.query("BEGIN");
      await c.query(
        `CREATE TEMP TABLE copy_plan ON COMMIT DROP AS
         SELECT e.id AS exception_id, gen_random_uuid() AS new_run,
                CASE WHEN k % 10 = 0 THEN 'test' ELSE 'production' END AS env,
                make_interval(secs => (k::float8 / $3) * 30 * 86400) AS shift
           FROM exception e, generate_series($1::int, $2::int) AS k WHERE e.id = ANY($4::uuid[])`,
        [from, to, copies, sources],
      );
      await c.query(
        `INSERT INTO run (${runCols.map(q).join(", ")})
         SELECT ${pick(runCols, runSet, "r")} FROM copy_plan g JOIN exception e ON e.id = g.exception_id JOIN run r ON r.id = e.run_id`,
      );
      const r = await c.query(
        `INSERT INTO exception (${excCols.map(q).join(", ")})
         SELECT ${pick(excCols, excSet, "e")} FROM copy_plan g JOIN exception e ON e.id = g.exception_id`,
      );
      exceptions += r.rowCount ?? 0;
      test += (await c.query<{ n: number }>(`SELECT count(*)::int AS n FROM copy_plan WHERE env = 'test'`)).rows[0]!.n;
      await c.query("COMMIT");
    } catch (err) {
      await c.query("ROLLBACK");
      throw err;
    } finally {
      c.release();
    }
  }
  await pool.query(`SELECT exception_tally_compact()`);
  // The compaction deleted the backlog's deltas: vacuum them too, as autovacuum would (it is off on some servers).
  await pool.query(`VACUUM ANALYZE run, exception, exception_tally, exception_tally_delta`);
  return { exceptions, test };
}
