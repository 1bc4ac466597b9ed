// SLO data: folding finished runs into 5-minute buckets (incremental, exactly once per run), reading
// buckets back for the math in slo-math.ts, evaluating burn-rate alerts and recording their transitions,
// and delivering each transition once to the owning team's webhook (alert-delivery.ts).
//
// The fold keeps a high-water mark over run.created_at (indexed) instead of finished_at (not indexed):
// new runs past the mark that have finished are folded at once; unfinished ones are parked in
// slo_open_run and folded when they finish. Everything happens in one transaction under an advisory lock,
// so concurrent or repeated folds never count a run twice. Runs are read up to `now − lag` so that a run
// inserted by a transaction still in flight is not skipped by the mark.
import "server-only";
import { Prisma, type Db } from "../db/client";
import { appendAudit } from "../audit/audit";
import {
  BURN_RATE_RULES,
  DAY,
  HIST_BINS,
  LATENCY_BOUNDS_MS,
  computeSeries,
  computeStatus,
  alertTransitions,
  evaluateRules,
  firingAlert,
  toPoints,
  WindowSums,
  type Bucket,
  type SeriesPoint,
  type SloSpec,
  type SloStatus,
  type SloKind,
} from "../../core/governance/slo-math";
import { deliverAlertTransitions, type Poster } from "./alert-delivery";
import { deliverBusinessAlerts, evaluateBusinessAlerts } from "../kpis/slo";

const FOLD_LOCK = 0x57ef5101;
const EVAL_LOCK = 0x57ef5102;
export const DEFAULT_FOLD_LAG_MS = 60_000;

/**
 * The source event time of a run, for freshness: the trigger payload's `occurredAt`, else CloudEvents'
 * `time`, else when the run was created. (The runtime may later record it in a column of its own.)
 */
const SOURCE_TIME = `COALESCE(weft_try_timestamptz(r.input->>'occurredAt'), weft_try_timestamptz(r.input->>'time'), r.created_at)`;
const BOUNDS = `ARRAY[${LATENCY_BOUNDS_MS.join(",")}]::bigint[]`;
// Cumulative: element i counts succeeded runs in bins 0..i (at or under bound i).
const hist = (col: string) =>
  `ARRAY[${Array.from({ length: HIST_BINS }, (_, i) => `count(*) FILTER (WHERE ok AND ${col} <= ${i})`).join(", ")}]::int[]`;

/** SELECT list over `r` (finished runs) → per-flow 5-minute bucket rows. Shared with scripts/bench-slo.ts. */
export function bucketAggregateSql(source: string): string {
  return `
    SELECT flow_id, bucket_start, count(*)::int AS total, count(*) FILTER (WHERE ok)::int AS succeeded,
           ${hist("lat_bin")} AS latency_hist, ${hist("fresh_bin")} AS freshness_hist
      FROM (SELECT r.flow_id,
                   date_bin('5 minutes', COALESCE(r.finished_at, r.created_at), TIMESTAMPTZ '2000-01-01 00:00:00+00') AS bucket_start,
                   r.status = 'succeeded' AS ok,
                   width_bucket(GREATEST(0, floor(extract(epoch FROM COALESCE(r.finished_at, r.created_at) - COALESCE(r.started_at, r.created_at)) * 1000))::bigint - 1, ${BOUNDS}) AS lat_bin,
                   width_bucket(GREATEST(0, floor(extract(epoch FROM COALESCE(r.finished_at, r.created_at) - ${SOURCE_TIME}) * 1000))::bigint - 1, ${BOUNDS}) AS fresh_bin
              FROM (${source}) r) x
     GROUP BY flow_id, bucket_start`;
}

const UPSERT = `
  ON CONFLICT (flow_id, bucket_start) DO UPDATE SET
    total = slo_bucket.total + EXCLUDED.total,
    succeeded = slo_bucket.succeeded + EXCLUDED.succeeded,
    latency_hist = weft_int_array_add(slo_bucket.latency_hist, EXCLUDED.latency_hist),
    freshness_hist = weft_int_array_add(slo_bucket.freshness_hist, EXCLUDED.freshness_hist)`;

export interface FoldResult {
  folded: number;
  parked: number;
  watermark: Date;
}

/**
 * Folds everything created up to `now − lag`, in slices of at most `sliceRuns` runs, each slice its own
 * transaction (a first fold over millions of existing runs never holds one transaction for minutes).
 */
export async function foldRuns(
  db: Db,
  opts: { now?: Date; lagMs?: number; sliceRuns?: number } = {},
): Promise<FoldResult> {
  const upto = new Date((opts.now ?? new Date()).getTime() - (opts.lagMs ?? DEFAULT_FOLD_LAG_MS));
  const total: FoldResult = { folded: 0, parked: 0, watermark: upto };
  for (;;) {
    const r = await foldSlice(db, upto, opts.sliceRuns ?? 250_000);
    total.folded += r.folded;
    total.parked += r.parked;
    total.watermark = r.watermark;
    if (r.done) return total;
  }
}

async function foldSlice(db: Db, limitUpto: Date, maxRuns: number): Promise<FoldResult & { done: boolean }> {
  return db.$transaction(
    async (tx) => {
      await tx.$executeRaw`SELECT pg_advisory_xact_lock(${FOLD_LOCK})`;
      // Room for the per-bucket aggregate states (50 histogram counters each) so a large catch-up fold hashes in memory.
      await tx.$executeRawUnsafe(`SET LOCAL work_mem = '128MB'`);
      const state = await tx.sloFoldState.findUnique({ where: { id: 1 } });
      const watermark = state?.watermark ?? new Date(0);
      if (limitUpto <= watermark) return { folded: 0, parked: 0, watermark, done: true };
      // A slice ends at the created_at of the maxRuns-th run past the mark (index scan), or at the limit.
      const [edge] = await tx.$queryRaw<Array<{ created_at: Date }>>`
        SELECT created_at FROM run WHERE created_at > ${watermark} AND created_at <= ${limitUpto} ORDER BY created_at OFFSET ${maxRuns - 1} LIMIT 1`;
      const upto = edge && edge.created_at < limitUpto ? edge.created_at : limitUpto;
      // Runs newly past the mark that are still going wait in slo_open_run.
      const parked = await tx.$executeRawUnsafe(
        `INSERT INTO slo_open_run (run_id, flow_id, created_at)
         SELECT id, flow_id, created_at FROM run
          WHERE created_at > $1 AND created_at <= $2 AND NOT is_test AND environment = 'production' AND status IN ('queued', 'running', 'waiting')
         ON CONFLICT DO NOTHING`,
        watermark,
        upto,
      );
      // Finished runs: new ones past the mark, and parked ones that have finished since (removed from the park).
      const [{ folded }] = await tx.$queryRawUnsafe<[{ folded: number }]>(
        `WITH closed AS (
           DELETE FROM slo_open_run o USING run r
            WHERE r.id = o.run_id AND r.status NOT IN ('queued', 'running', 'waiting')
           RETURNING r.*
         ),
         done AS (
           -- A run parked by the INSERT above that finished since is folded through "closed", not here.
           SELECT * FROM run WHERE created_at > $1 AND created_at <= $2 AND NOT is_test AND environment = 'production' AND status IN ('succeeded', 'failed')
              AND NOT EXISTS (SELECT 1 FROM slo_open_run o WHERE o.run_id = run.id)
           UNION ALL
           SELECT * FROM closed WHERE status IN ('succeeded', 'failed')
         ),
         ins AS (
           INSERT INTO slo_bucket (flow_id, bucket_start, total, succeeded, latency_hist, freshness_hist)
           ${bucketAggregateSql("SELECT * FROM done")}
           ${UPSERT}
           RETURNING 1
         )
         SELECT (SELECT count(*) FROM done)::int AS folded, (SELECT count(*) FROM ins)::int AS buckets`,
        watermark,
        upto,
      );
      // Parked runs whose row is gone (flow deleted) would otherwise wait forever.
      await tx.$executeRaw`DELETE FROM slo_open_run o WHERE NOT EXISTS (SELECT 1 FROM run r WHERE r.id = o.run_id)`;
      await tx.sloFoldState.upsert({
        where: { id: 1 },
        update: { watermark: upto, updatedAt: new Date() },
        create: { id: 1, watermark: upto },
      });
      return { folded, parked, watermark: upto, done: upto.getTime() === limitUpto.getTime() };
    },
    { timeout: 120_000 },
  );
}

export async function loadBuckets(db: Db, flowId: string, from: Date, to: Date): Promise<Bucket[]> {
  const rows = await db.$queryRaw<
    Array<{
      bucket_start: Date;
      total: number;
      succeeded: number;
      latency_hist: number[] | null;
      freshness_hist: number[] | null;
    }>
  >`
    SELECT bucket_start, total, succeeded, latency_hist, freshness_hist FROM slo_bucket
     WHERE flow_id = ${flowId}::uuid AND bucket_start >= ${from} AND bucket_start < ${to} ORDER BY bucket_start`;
  return rows.map((r) => ({
    start: r.bucket_start.getTime(),
    total: r.total,
    succeeded: r.succeeded,
    latencyHist: r.latency_hist ?? [],
    freshnessHist: r.freshness_hist ?? [],
  }));
}

type SloRow = {
  id: string;
  flowId: string;
  name: string;
  kind: SloKind;
  target: number;
  windowDays: number;
  thresholdMs: number | null;
  minEvents: number;
  enabled: boolean;
};
export const specOf = (s: SloRow): SloSpec => ({
  kind: s.kind,
  target: s.target,
  windowDays: s.windowDays,
  thresholdMs: s.thresholdMs,
  minEvents: s.minEvents,
});

export interface SloDetail {
  slo: SloRow;
  status: SloStatus;
  /** Rolling attainment and budget, hourly over the SLO window (the charts). */
  series: SeriesPoint[];
}

/** Status and chart series of every SLO of a flow, from one read of its buckets (two windows long). */
export async function flowSloDetails(
  db: Db,
  flowId: string,
  now = new Date(),
  stepMs = 3_600_000,
): Promise<SloDetail[]> {
  const slos = await db.slo.findMany({ where: { flowId }, orderBy: { createdAt: "asc" } });
  if (!slos.length) return [];
  const longest = Math.max(...slos.map((s) => s.windowDays));
  const to = new Date(now.getTime() + 5 * 60_000);
  const buckets = await loadBuckets(db, flowId, new Date(now.getTime() - 2 * longest * DAY), to);
  return slos.map((slo) => {
    const spec = specOf(slo);
    const points = toPoints(buckets, spec);
    const windowMs = spec.windowDays * DAY;
    const aligned = Math.floor(now.getTime() / stepMs) * stepMs;
    return {
      slo,
      status: computeStatus(points, spec, now.getTime()),
      series: computeSeries(points, spec, aligned - windowMs, aligned, stepMs),
    };
  });
}

export interface SloSummary {
  sloId: string;
  flowId: string;
  name: string;
  kind: string;
  target: number;
  total: number;
  good: number;
  attainment: number | null;
  budgetRemaining: number;
  firing: Array<{ rule: string; severity: string; firedAt: Date }>;
  state: SloStatus["state"];
}

/** Window totals of many flows' SLOs in one SQL pass (for the catalog), plus their firing alerts. */
export async function sloSummaries(db: Db, flowIds: string[], now = new Date()): Promise<SloSummary[]> {
  if (!flowIds.length) return [];
  const ids = Prisma.join(flowIds.map((id) => Prisma.sql`${id}::uuid`));
  const bounds = Prisma.raw(BOUNDS);
  const rows = await db.$queryRaw<
    Array<{
      id: string;
      flow_id: string;
      name: string;
      kind: string;
      target: number;
      total: bigint | null;
      good: bigint | null;
    }>
  >`
    SELECT s.id, s.flow_id, s.name, s.kind::text AS kind, s.target,
           sum(b.total) AS total,
           sum(CASE WHEN s.kind = 'success' THEN b.succeeded
                    ELSE COALESCE((CASE WHEN s.kind = 'latency' THEN b.latency_hist ELSE b.freshness_hist END)[array_position(${bounds}, s.threshold_ms::bigint)], 0) END) AS good
      FROM slo s
      LEFT JOIN slo_bucket b ON b.flow_id = s.flow_id
           AND b.bucket_start >= date_bin('5 minutes', ${now}::timestamptz - s.window_days * interval '1 day', TIMESTAMPTZ '2000-01-01 00:00:00+00')
           AND b.bucket_start < ${now}::timestamptz
     WHERE s.flow_id IN (${ids}) AND s.enabled
     GROUP BY s.id`;
  const alerts = await db.sloAlert.findMany({
    where: { flowId: { in: flowIds }, state: "firing" },
    select: { sloId: true, rule: true, severity: true, firedAt: true },
  });
  return rows.map((r) => {
    const total = Number(r.total ?? 0);
    const good = Number(r.good ?? 0);
    const budget = total === 0 ? 1 : 1 - (total - good) / ((1 - r.target) * total);
    const firing = alerts
      .filter((a) => a.sloId === r.id)
      .map((a) => ({ rule: a.rule, severity: a.severity, firedAt: a.firedAt }));
    const state: SloStatus["state"] = firing.length
      ? "firing"
      : total === 0
        ? "no-data"
        : budget < 0
          ? "breached"
          : budget < 0.25
            ? "at-risk"
            : "ok";
    return {
      sloId: r.id,
      flowId: r.flow_id,
      name: r.name,
      kind: r.kind,
      target: r.target,
      total,
      good,
      attainment: total ? good / total : null,
      budgetRemaining: budget,
      firing,
      state,
    };
  });
}

export interface EvaluationResult {
  evaluated: number;
  fired: number;
  resolved: number;
}

/**
 * Evaluates every enabled SLO's burn-rate rules at `now` and records transitions: a rule that starts
 * firing opens an alert, one that stops resolves it. Serialised so that two workers never double-open.
 */
export async function evaluateAlerts(db: Db, now = new Date()): Promise<EvaluationResult> {
  const slos = await db.slo.findMany({ where: { enabled: true } });
  const longest = Math.max(...BURN_RATE_RULES.map((r) => r.longMs));
  const teams = new Map(
    (
      await db.flow.findMany({
        where: { id: { in: [...new Set(slos.map((s) => s.flowId))] } },
        select: { id: true, ownerTeamId: true, key: true },
      })
    ).map((f) => [f.id, f]),
  );
  let fired = 0;
  let resolved = 0;
  await db.$transaction(
    async (tx) => {
      await tx.$executeRaw`SELECT pg_advisory_xact_lock(${EVAL_LOCK})`;
      const bucketsByFlow = new Map<string, Bucket[]>();
      for (const slo of slos) {
        const flow = teams.get(slo.flowId);
        if (!flow) continue; // the flow is gone
        let buckets = bucketsByFlow.get(slo.flowId);
        if (!buckets) {
          buckets = await loadBuckets(
            db,
            slo.flowId,
            new Date(now.getTime() - longest - 10 * 60_000),
            new Date(now.getTime() + 5 * 60_000),
          );
          bucketsByFlow.set(slo.flowId, buckets);
        }
        const spec = specOf(slo);
        const evals = evaluateRules(new WindowSums(toPoints(buckets, spec)), now.getTime(), spec);
        const open = await tx.sloAlert.findMany({ where: { sloId: slo.id, state: "firing" } });
        const t = alertTransitions(evals, open);
        for (const e of t.fire) {
          const a = await tx.sloAlert.create({
            data: { ...firingAlert(e, now), sloId: slo.id, flowId: slo.flowId, teamId: flow.ownerTeamId },
          });
          await appendAudit(tx, {
            actor: null,
            action: "slo.alert_fired",
            entityType: "slo",
            entityId: `${flow.key}/${slo.name}`,
            after: {
              rule: a.rule,
              severity: a.severity,
              burnLong: a.burnLong,
              burnShort: a.burnShort,
              longEvents: a.longEvents,
            },
          });
          fired++;
        }
        for (const current of t.resolve) {
          await tx.sloAlert.update({ where: { id: current.id }, data: { state: "resolved", resolvedAt: now } });
          await appendAudit(tx, {
            actor: null,
            action: "slo.alert_resolved",
            entityType: "slo",
            entityId: `${flow.key}/${slo.name}`,
            after: { rule: current.rule },
          });
          resolved++;
        }
      }
    },
    { timeout: 120_000 },
  );
  return { evaluated: slos.length, fired, resolved };
}

/** Sends each technical SLO alert transition once to the owning team's webhook (alert-delivery.ts). */
export async function deliverAlertNotifications(
  db: Db,
  opts: { post?: Poster; baseUrl?: string; now?: Date } = {},
): Promise<{ sent: number; failed: number }> {
  return deliverAlertTransitions(
    db,
    {
      pending: (where) => db.sloAlert.findMany({ where, include: { slo: true }, orderBy: { firedAt: "asc" } }),
      claim: async (id, field, now) =>
        (await db.sloAlert.updateMany({ where: { id, [field]: null }, data: { [field]: now } })).count > 0,
      delivered: async (id) => void (await db.sloAlert.update({ where: { id }, data: { lastDeliveryError: null } })),
      failed: async (id, field, error) =>
        void (await db.sloAlert.update({ where: { id }, data: { [field]: null, lastDeliveryError: error } })),
    },
    async (a) => {
      const flow = await db.flow.findUnique({ where: { id: a.flowId }, select: { key: true, name: true } });
      if (!flow) return null;
      return {
        flow,
        slo: { name: a.slo.name, kind: a.slo.kind, target: a.slo.target, windowDays: a.slo.windowDays },
        link: `${opts.baseUrl ?? ""}/catalog/${encodeURIComponent(flow.key)}`,
      };
    },
    opts,
  );
}

/**
 * The minute job (`governance.slo-tick`) and the "Evaluate now" action: fold finished runs, evaluate the
 * burn-rate rules, deliver the transitions' webhooks (with absolute links from `baseUrl`).
 */
export async function sloTick(
  db: Db,
  opts: { baseUrl: string; now?: Date; lagMs?: number },
): Promise<{ fold: FoldResult; evaluation: EvaluationResult; delivery: { sent: number; failed: number } }> {
  const fold = await foldRuns(db, { now: opts.now, lagMs: opts.lagMs });
  const evaluation = await evaluateAlerts(db, opts.now);
  const delivery = await deliverAlertNotifications(db, { baseUrl: opts.baseUrl, now: opts.now });
  // Business SLOs (server/kpis/slo.ts) share the tick, the rules and the teams' alert channels.
  const business = await evaluateBusinessAlerts(db, opts.now);
  const businessDelivery = await deliverBusinessAlerts(db, { baseUrl: opts.baseUrl, now: opts.now });
  return {
    fold,
    evaluation: {
      ...evaluation,
      fired: evaluation.fired + business.fired,
      resolved: evaluation.resolved + business.resolved,
    },
    delivery: { sent: delivery.sent + businessDelivery.sent, failed: delivery.failed + businessDelivery.failed },
  };
}
