// The queue's whole-queue aggregates from the trigger-kept counters equal the same aggregates over the rows
// (the scan queries, kept as the reference and as the filtered path), after random inserts, status changes,
// reassignments, deletes, edits of business keys, owner-team and threshold changes and time passing —
// including exceptions seconds either side of every age boundary — for the whole queue and per environment
// (the counters key the failed run's environment: the operators' default production view reads them too).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { randomUUID } from "node:crypto";
import { createTestDatabase, type TestDatabase } from "../testing/db";
import { tallyDrift } from "../testing/exception-tally";
import type { Db } from "../db/client";
import type { ExceptionFilter } from "../../core/exceptions/filter";
import {
  businessImpact,
  businessImpactScan,
  queueFacets,
  queueFacetsScan,
  queueGroups,
  queueGroupsScan,
  listQueue,
} from "./queue";
import { countMatching } from "./bulk";
import { withDefaultEnvironment } from "../../core/exceptions/filter";
import { compactExceptionTally } from "./tally";

/** A small deterministic PRNG (mulberry32), so a failure reproduces from its seed. */
function rng(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const CLASSES = ["transient", "auth", "validation", "business"] as const;

describe("exception counters", () => {
  let t: TestDatabase;
  const teams: string[] = [];
  const flows: Array<{ id: string; key: string }> = [];
  beforeAll(async () => {
    t = await createTestDatabase();
    for (const k of ["fin", "pmo", "ops"]) {
      const id = randomUUID();
      await t.db.$executeRawUnsafe(
        `INSERT INTO team (id, key, name) VALUES ($1::uuid, $2, $3)`,
        id,
        k,
        k.toUpperCase(),
      );
      teams.push(id);
    }
    for (let i = 0; i < 4; i++) {
      const id = randomUUID();
      await t.db.$executeRawUnsafe(
        `INSERT INTO flow (id, key, name, domain, owner_team_id, draft, lifecycle) VALUES ($1::uuid, $2, $3, $4, $5::uuid, '{}', 'active')`,
        id,
        `cnt-flow-${i}`,
        `Flow ${i}`,
        i % 2 ? "invoice" : "project",
        teams[i % 3],
      );
      flows.push({ id, key: `cnt-flow-${i}` });
    }
    // Thresholds of 3 h and 100 h on two flows; the others keep the default 24 h.
    await t.db.$executeRawUnsafe(
      `INSERT INTO exception_policy (flow_id, ageing_hours) VALUES ($1::uuid, 3), ($2::uuid, 100)`,
      flows[1]!.id,
      flows[2]!.id,
    );
  }, 120_000);
  afterAll(() => t?.drop());

  /** Inserts `n` exceptions (one run each) opened `agoSeconds(i)` before the database's now. */
  async function insert(r: () => number, n: number, agoSeconds: (i: number) => number) {
    const rows = Array.from({ length: n }, (_, i) => {
      const flow = flows[Math.floor(r() * flows.length)]!;
      const cls = CLASSES[Math.floor(r() * CLASSES.length)]!;
      const keys: Record<string, unknown> = { invoice: `INV-${Math.floor(r() * 1e6)}` };
      if (r() < 0.7) keys.amount = Math.round(r() * 1e6) / 100;
      if (r() < 0.5) keys.hours = Math.round(r() * 400) / 10;
      return {
        run: randomUUID(),
        flow: flow.id,
        cls,
        sig: `${flow.key}:${cls}:${Math.floor(r() * 3)}`,
        keys,
        team: r() < 0.6 ? null : teams[Math.floor(r() * teams.length)]!,
        status: r() < 0.7 ? "open" : r() < 0.5 ? "resolved" : "retrying",
        env: r() < 0.75 ? "production" : r() < 0.6 ? "test" : "staging",
        ago: agoSeconds(i),
      };
    });
    const json = JSON.stringify(rows);
    await t.db.$executeRawUnsafe(
      `INSERT INTO run (id, flow_id, status, trigger_type, input, environment)
       SELECT x.run, x.flow, 'failed', 'event', '{}', x.env FROM jsonb_to_recordset($1::jsonb) AS x(run uuid, flow uuid, env text)`,
      json,
    );
    await t.db.$executeRawUnsafe(
      `INSERT INTO exception (id, run_id, flow_id, error_class, message, signature, business_keys, assignee_team_id, status, created_at, updated_at)
       SELECT gen_random_uuid(), x.run, x.flow, x.cls, 'failed', x.sig, x.keys, x.team, x.status::"ExceptionStatus", now() - make_interval(secs => x.ago), now()
         FROM jsonb_to_recordset($1::jsonb) AS x(run uuid, flow uuid, cls text, sig text, keys jsonb, team uuid, status text, ago float8)`,
      json,
    );
  }

  /** The counter read and the scan read in one transaction: one now(), one snapshot. */
  async function both<T>(read: (db: Db) => Promise<T>, scan: (db: Db) => Promise<T>): Promise<[T, T]> {
    return t.db.$transaction(
      async (tx) => {
        const db = tx as unknown as Db;
        return [await read(db), await scan(db)] as [T, T];
      },
      { isolationLevel: "RepeatableRead", timeout: 60_000 },
    );
  }

  const round = (x: unknown): unknown =>
    typeof x === "number" && !Number.isInteger(x)
      ? Math.round(x * 1e4) / 1e4
      : Array.isArray(x)
        ? x.map(round)
        : x && typeof x === "object" && !(x instanceof Date)
          ? Object.fromEntries(Object.entries(x).map(([k, v]) => [k, round(v)]))
          : x;

  async function expectAgree(label: string) {
    expect(await tallyDrift(t.db), `${label}: counters vs rows`).toEqual([]);
    const filters: ExceptionFilter[] = [
      {},
      { status: "all" },
      { status: "resolved" },
      { status: "retrying" },
      { flowKey: flows[1]!.key },
      { domain: "invoice", errorClass: "auth" },
      { teamId: teams[0]! },
      { teamId: teams[2]!, status: "all" },
      ...(["lt1h", "1h-24h", "1d-7d", "gt7d", "ageing"] as const).map((age) => ({ age })),
      { age: "ageing", flowKey: flows[2]!.key },
      { environment: "production" },
      { environment: "test", status: "all" },
      { environment: "staging", status: "retrying" },
      { environment: "production", domain: "invoice", teamId: teams[1]! },
      { environment: "all" },
      ...(["lt1h", "ageing"] as const).map((age) => ({ age, environment: "production" })),
    ];
    for (const f of filters) {
      const [a, b] = await both(
        (db) => queueFacets(db, f),
        (db) => queueFacetsScan(db, f),
      );
      expect(round(a), `${label}: facets ${JSON.stringify(f)}`).toEqual(round(b));
      if (!f.age) {
        for (const limit of [50, 3]) {
          const [g, h] = await both(
            (db) => queueGroups(db, f, null, limit),
            (db) => queueGroupsScan(db, f, null, limit),
          );
          expect(round(g), `${label}: groups ${JSON.stringify(f)} limit ${limit}`).toEqual(round(h));
        }
      }
    }
    for (const environment of [undefined, "production", "test"]) {
      const [i, j] = await both(
        (db) => businessImpact(db, { environment }),
        (db) => businessImpactScan(db, { environment }),
      );
      const sorted = (x: typeof i) => ({
        total: x.total,
        byDomain: [...x.byDomain].sort((p, q) => String(p.domain).localeCompare(String(q.domain))),
        byTeam: [...x.byTeam].sort((p, q) => String(p.teamId).localeCompare(String(q.teamId))),
      });
      expect(round(sorted(i)), `${label}: impact ${environment}`).toEqual(round(sorted(j)));
    }
  }

  it("agree with the scans after random changes and time passing", async () => {
    const r = rng(20261205);
    // Spread over ten days, plus a cluster 5–60 s either side of each boundary (1 h, 3 h, 24 h, 100 h, 7 d).
    await insert(r, 400, () => r() * 10 * 86_400);
    const edges = [3_600, 3 * 3_600, 86_400, 100 * 3_600, 7 * 86_400];
    await insert(r, 100, (i) => edges[i % edges.length]! + (i % 2 ? 1 : -1) * (5 + r() * 55));
    await expectAgree("loaded");

    for (let step = 0; step < 6; step++) {
      const pick = (p: number) => `random() < ${p}`;
      await t.db.$executeRawUnsafe(`SELECT setseed(${(step + 1) / 10})`);
      // Status changes in bulk (resolve, retry), single ones, reassignments, impact edits, deletes.
      await t.db.$executeRawUnsafe(
        `UPDATE exception SET status = 'resolved', resolved_at = now() WHERE status = 'open' AND ${pick(0.1)}`,
      );
      await t.db.$executeRawUnsafe(`UPDATE exception SET status = 'retrying' WHERE status = 'open' AND ${pick(0.05)}`);
      await t.db.$executeRawUnsafe(`UPDATE exception SET status = 'open' WHERE status = 'retrying' AND ${pick(0.3)}`);
      await t.db.$executeRawUnsafe(
        `UPDATE exception SET assignee_team_id = (ARRAY[$1, $2, NULL]::uuid[])[1 + floor(random() * 3)::int] WHERE ${pick(0.1)}`,
        teams[0],
        teams[1],
      );
      await t.db.$executeRawUnsafe(
        `UPDATE exception SET business_keys = jsonb_build_object('amount', round((random() * 1000)::numeric, 2)) WHERE ${pick(0.05)}`,
      );
      const one = await t.db.exception.findFirst({ where: { status: "open" }, select: { id: true } });
      if (one) await t.db.exception.update({ where: { id: one.id }, data: { status: "resolved" } });
      await t.db.$executeRawUnsafe(`DELETE FROM exception WHERE ${pick(0.04)}`);
      await t.db.$executeRawUnsafe(
        `DELETE FROM run WHERE id IN (SELECT run_id FROM exception WHERE ${pick(0.02)})`, // cascades
      );
      // Updates that move nothing in the counters.
      await t.db.$executeRawUnsafe(`UPDATE exception SET break_seen_at = now() WHERE ${pick(0.2)}`);
      // Time passes: every exception 17–97 minutes older (rows cross hours and boundaries).
      await t.db.$executeRawUnsafe(
        `UPDATE exception SET created_at = created_at - make_interval(mins => ${17 + step * 16})`,
      );
      if (step === 2)
        await t.db.$executeRawUnsafe(
          `UPDATE flow SET owner_team_id = $1::uuid WHERE key = $2`,
          teams[2],
          flows[0]!.key,
        );
      if (step === 3)
        await t.db.$executeRawUnsafe(
          `UPDATE exception_policy SET ageing_hours = 7 WHERE flow_id = $1::uuid`,
          flows[1]!.id,
        );
      await insert(r, 60, () => r() * 9 * 86_400);
      await insert(r, 20, (i) => edges[i % edges.length]! + (i % 2 ? 1 : -1) * (5 + r() * 55));
      await expectAgree(`step ${step}`);
      // The minute job folds the deltas in; the answers do not change, and no delta or empty cell is left.
      if (step % 2 === 1) {
        expect(await compactExceptionTally(t.db)).toBeGreaterThan(0);
        const [left] = await t.db.$queryRawUnsafe<Array<{ d: number; z: number }>>(
          `SELECT (SELECT count(*) FROM exception_tally_delta)::int AS d,
                  ((SELECT count(*) FROM exception_tally WHERE n = 0) + (SELECT count(*) FROM exception_signature_tally WHERE n = 0))::int AS z`,
        );
        expect(left).toEqual({ d: 0, z: 0 });
        await expectAgree(`step ${step}, compacted`);
      }
    }
  }, 300_000);

  it("count the exceptions seconds either side of each age boundary exactly", async () => {
    await t.db.$executeRawUnsafe(`DELETE FROM exception`);
    expect(await tallyDrift(t.db)).toEqual([]);
    const f = flows[0]!; // default 24 h threshold
    const at = async (secondsAgo: number, n: number) => {
      for (let i = 0; i < n; i++) {
        const run = randomUUID();
        await t.db.$executeRawUnsafe(
          `INSERT INTO run (id, flow_id, status, trigger_type, input) VALUES ($1::uuid, $2::uuid, 'failed', 'event', '{}')`,
          run,
          f.id,
        );
        await t.db.$executeRawUnsafe(
          `INSERT INTO exception (id, run_id, flow_id, error_class, message, signature, status, created_at, updated_at)
           VALUES (gen_random_uuid(), $1::uuid, $2::uuid, 'auth', 'x', 'edge', 'open', now() - make_interval(secs => $3), now())`,
          run,
          f.id,
          secondsAgo,
        );
      }
    };
    // 1, 2, 3, 4 exceptions just inside each bucket's newer edge; 5, 6, 7 just past the older edge.
    await at(3_600 - 30, 1);
    await at(3_600 + 30, 5);
    await at(86_400 - 30, 2);
    await at(86_400 + 30, 6);
    await at(7 * 86_400 - 30, 3);
    await at(7 * 86_400 + 30, 7);
    await compactExceptionTally(t.db);
    const facets = await queueFacets(t.db, {});
    const age = Object.fromEntries(facets.age.map((a) => [a.value, a.count]));
    expect(age).toEqual({ lt1h: 1, "1h-24h": 5 + 2, "1d-7d": 6 + 3, gt7d: 7, ageing: 6 + 3 + 7 });
    expect(facets.total).toBe(24);
    expect(facets.ageing).toBe(16);
    const [g] = await queueGroups(t.db, {});
    expect(g).toMatchObject({ signature: "edge", count: 24, ageing: 16 });
    expect((await businessImpact(t.db)).total).toMatchObject({ open: 24, ageing: 16 });
  }, 120_000);

  it("filter by the failed run's environment: counters, impact header, list and bulk", async () => {
    await t.db.$executeRawUnsafe(`DELETE FROM exception`);
    const f = flows[0]!;
    const fail = async (environment: string, signature: string, amount: number) => {
      const run = randomUUID();
      await t.db.$executeRawUnsafe(
        `INSERT INTO run (id, flow_id, status, trigger_type, input, environment) VALUES ($1::uuid, $2::uuid, 'failed', 'manual', '{}', $3)`,
        run,
        f.id,
        environment,
      );
      await t.db.$executeRawUnsafe(
        `INSERT INTO exception (id, run_id, flow_id, error_class, message, signature, status, business_keys, created_at, updated_at)
         VALUES (gen_random_uuid(), $1::uuid, $2::uuid, 'auth', 'x', $3, 'open', jsonb_build_object('amount', $4::numeric), now(), now())`,
        run,
        f.id,
        signature,
        amount,
      );
    };
    await fail("production", "prod-sig", 100);
    await fail("production", "prod-sig", 20);
    await fail("test", "test-sig", 5000);
    // The exception carries its run's environment (set by the database from the run).
    expect(
      (
        await t.db.exception.findMany({ select: { signature: true, environment: true }, orderBy: { signature: "asc" } })
      ).map((e) => `${e.signature}@${e.environment}`),
    ).toEqual(["prod-sig@production", "prod-sig@production", "test-sig@test"]);
    for (const [environment, total, sigs, amount] of [
      ["production", 2, ["prod-sig"], 120],
      ["test", 1, ["test-sig"], 5000],
      ["all", 3, ["prod-sig", "test-sig"], 5120],
      [undefined, 3, ["prod-sig", "test-sig"], 5120],
    ] as const) {
      const filter = environment ? { environment } : {};
      expect((await queueFacets(t.db, filter)).total, `facets ${environment}`).toBe(total);
      // The impact header follows the queue's environment.
      expect((await businessImpact(t.db, filter)).total, `impact ${environment}`).toMatchObject({
        open: total,
        amount,
      });
      expect((await queueGroups(t.db, filter)).map((g) => g.signature).sort(), `groups ${environment}`).toEqual(sigs);
      expect((await listQueue(t.db, filter)).items, `list ${environment}`).toHaveLength(total);
      // A bulk action over the filter covers the same exceptions.
      expect(await countMatching(t.db, filter, randomUUID()), `bulk ${environment}`).toBe(total);
    }
    // An operator's queue opens on production; a choice (even "all") is kept; other roles see every environment.
    expect(withDefaultEnvironment({}, ["operator"])).toEqual({ environment: "production" });
    expect(withDefaultEnvironment({ environment: "all" }, ["operator"])).toEqual({ environment: "all" });
    expect(withDefaultEnvironment({}, ["designer"])).toEqual({});
  }, 120_000);
});
