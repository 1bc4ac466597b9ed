// The SQL fold against the reference fold, its exactly-once behaviour, alert transitions and webhook
// delivery (once per transition), on a real database and a real local HTTP receiver.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../testing/db";
import { startListener, type TestListener } from "@/connectors/sdk/testing";
import {
  BUCKET_MS,
  DAY,
  HOUR,
  MINUTE,
  computeStatus,
  foldRuns as referenceFold,
  toPoints,
  type FinishedRun,
} from "../../core/governance/slo-math";
import {
  deliverAlertNotifications,
  evaluateAlerts,
  flowSloDetails,
  foldRuns,
  loadBuckets,
  sloSummaries,
} from "./slo-store";
import { assertPublicUrl, postJson } from "./webhook";
import type { Poster } from "./alert-delivery";
import { insertRuns, makeFlow } from "./testing";

const NOW = new Date(Date.UTC(2026, 10, 24, 12, 0, 0));
const ago = (ms: number) => new Date(NOW.getTime() - ms);

describe("SLO buckets and alerts", () => {
  let t: TestDatabase;
  let flowId: string;
  let quietFlowId: string;
  let received: Array<{ type: string; rule: string }> = [];
  let server: TestListener;
  let url: string;

  beforeAll(async () => {
    t = await createTestDatabase();
    flowId = await makeFlow(t.db, { key: "invoice-generation", teamKey: "finance", lifecycle: "active" });
    quietFlowId = await makeFlow(t.db, { key: "quiet", teamKey: "finance", lifecycle: "active" });
    server = await startListener((req, res) => {
      received.push(JSON.parse(req.body.toString()) as { type: string; rule: string });
      res.writeHead(204).end();
    });
    url = `${server.base}/hook`;
  });
  afterAll(async () => {
    await server.close();
    await t.drop();
  });

  it("the SQL fold agrees with the reference fold, bins and buckets included", async () => {
    const runs: FinishedRun[] = [];
    const rows: Parameters<typeof insertRuns>[2][number][] = [];
    // 200 runs over the last 2 hours: latencies from 40 ms to ~40 s, every 7th failed, a source event time on some.
    for (let i = 0; i < 200; i++) {
      const created = ago(2 * HOUR - i * 36_000);
      const latency = 40 * 1.05 ** i;
      const finished = new Date(created.getTime() + Math.round(latency));
      const status = i % 7 === 0 ? "failed" : "succeeded";
      const source = i % 3 === 0 ? new Date(created.getTime() - 90_000) : created;
      rows.push({
        status,
        createdAt: created,
        startedAt: created,
        finishedAt: finished,
        input: i % 3 === 0 ? { occurredAt: source.toISOString() } : { occurredAt: "2026-02-31T00:00:00Z" },
      });
      runs.push({ status, finishedAt: finished.getTime(), startedAt: created.getTime(), sourceAt: source.getTime() });
    }
    await insertRuns(t.db, flowId, rows);
    // Test runs of drafts never count.
    await insertRuns(t.db, flowId, [{ status: "failed", createdAt: ago(HOUR), isTest: true }]);
    // Nor do runs in a test environment (trials against sandboxes), finished or still going.
    await insertRuns(t.db, flowId, [
      { status: "failed", createdAt: ago(HOUR), environment: "test" },
      { status: "running", createdAt: ago(HOUR), finishedAt: null, environment: "test" },
    ]);

    // Small slices: the fold walks the backlog in several transactions and still counts each run once.
    const r = await foldRuns(t.db, { now: NOW, lagMs: 0, sliceRuns: 37 });
    expect(r.folded).toBe(200);
    expect(r.parked).toBe(0);
    const fromDb = await loadBuckets(t.db, flowId, ago(DAY), new Date(NOW.getTime() + HOUR)); // slow runs finish after NOW
    expect(fromDb).toEqual(referenceFold(runs));
  });

  it("folding again changes nothing; a run still going is folded once it finishes", async () => {
    const before = await loadBuckets(t.db, flowId, ago(DAY), NOW);
    expect(await foldRuns(t.db, { now: NOW, lagMs: 0 })).toMatchObject({ folded: 0 });
    expect(await loadBuckets(t.db, flowId, ago(DAY), NOW)).toEqual(before);

    const [id] = await insertRuns(t.db, flowId, [
      { status: "running", createdAt: new Date(NOW.getTime() + MINUTE), finishedAt: null },
    ]);
    const later = new Date(NOW.getTime() + 2 * MINUTE);
    expect(await foldRuns(t.db, { now: later, lagMs: 0 })).toMatchObject({ folded: 0, parked: 1 });
    await t.db.run.update({
      where: { id: id! },
      data: { status: "failed", finishedAt: new Date(NOW.getTime() + 30 * MINUTE) },
    });
    expect(await foldRuns(t.db, { now: new Date(NOW.getTime() + 31 * MINUTE), lagMs: 0 })).toMatchObject({
      folded: 1,
      parked: 0,
    });
    expect(await foldRuns(t.db, { now: new Date(NOW.getTime() + 32 * MINUTE), lagMs: 0 })).toMatchObject({ folded: 0 });
    const b = await loadBuckets(
      t.db,
      flowId,
      new Date(NOW.getTime() + 30 * MINUTE),
      new Date(NOW.getTime() + 35 * MINUTE),
    );
    expect(b.map((x) => [x.total, x.succeeded])).toEqual([[1, 0]]);
  });

  it("respects the lag: runs newer than now − lag wait for the next fold", async () => {
    await insertRuns(t.db, quietFlowId, [{ status: "succeeded", createdAt: new Date(NOW.getTime() + 40 * MINUTE) }]);
    expect(await foldRuns(t.db, { now: new Date(NOW.getTime() + 40 * MINUTE + 30_000), lagMs: 60_000 })).toMatchObject({
      folded: 0,
    });
    expect(await foldRuns(t.db, { now: new Date(NOW.getTime() + 41 * MINUTE + 1), lagMs: 60_000 })).toMatchObject({
      folded: 1,
    });
  });

  it("status from the database matches the math; the catalog's SQL summary agrees", async () => {
    const slo = await t.db.slo.create({ data: { flowId, name: "runs succeed", kind: "success", target: 0.9 } });
    await t.db.slo.create({ data: { flowId, name: "fast", kind: "latency", target: 0.5, thresholdMs: 1000 } });
    const at = new Date(NOW.getTime() + 45 * MINUTE);
    const details = await flowSloDetails(t.db, flowId, at);
    const success = details.find((d) => d.slo.id === slo.id)!;
    // 201 runs: 29 of the 200 failed (i = 0, 7, …, 196) plus the late failure = 30 bad.
    expect(success.status).toMatchObject({ total: 201, good: 171 });
    const buckets = await loadBuckets(t.db, flowId, ago(30 * DAY), new Date(at.getTime() + BUCKET_MS));
    expect(success.status).toEqual(computeStatus(toPoints(buckets, success.slo), success.slo, at.getTime()));
    expect(success.series.length).toBe(28 * 24);
    const summaries = await sloSummaries(t.db, [flowId], at);
    expect(summaries.map((s) => [s.name, s.total, s.good]).sort()).toEqual(
      details.map((d) => [d.slo.name, d.status.total, d.status.good]).sort(),
    );
  });

  it("an alert fires once, is delivered once, and resolves once the burn stops", async () => {
    const team = await t.db.team.findUniqueOrThrow({ where: { key: "finance" } });
    await t.db.slo.updateMany({ where: { flowId }, data: { enabled: false } }); // only the quiet flow is evaluated here
    await t.db.teamAlertChannel.create({ data: { teamId: team.id, webhookUrl: url } });
    await t.db.slo.create({
      data: { flowId: quietFlowId, name: "quiet succeeds", kind: "success", target: 0.99, minEvents: 10 },
    });
    const t0 = new Date(NOW.getTime() + 2 * HOUR);
    // 20 runs in the last 5 minutes, 10 failed: 50 % errors, far above 14.4 %.
    await insertRuns(
      t.db,
      quietFlowId,
      Array.from({ length: 20 }, (_, i) => ({
        status: i % 2 ? ("failed" as const) : ("succeeded" as const),
        createdAt: new Date(t0.getTime() - 4 * MINUTE + i * 1000),
      })),
    );
    await foldRuns(t.db, { now: t0, lagMs: 0 });
    await evaluateAlerts(t.db, t0);
    // All four pairs: the same 20 runs sit in every window.
    const quietAlerts = () => t.db.sloAlert.findMany({ where: { flowId: quietFlowId }, orderBy: { rule: "asc" } });
    expect((await quietAlerts()).map((a) => [a.rule, a.state])).toEqual([
      ["1d/2h", "firing"],
      ["1h/5m", "firing"],
      ["3d/6h", "firing"],
      ["6h/30m", "firing"],
    ]);
    expect(await evaluateAlerts(t.db, t0)).toMatchObject({ fired: 0, resolved: 0 });

    // The receiver is on this machine: on the allow-list, like any internal host an admin names.
    const savedAllow = process.env.WEFT_HTTP_ALLOWLIST;
    process.env.WEFT_HTTP_ALLOWLIST = new URL(url).host;
    const post = (u: string, body: Parameters<typeof postJson>[1]) => postJson(u, body);
    expect(await deliverAlertNotifications(t.db, { post, now: t0 })).toEqual({ sent: 4, failed: 0 });
    expect(await deliverAlertNotifications(t.db, { post, now: t0 })).toEqual({ sent: 0, failed: 0 });
    expect(received.map((r) => r.type)).toEqual(Array(4).fill("slo.alert.firing"));

    // Ten minutes later the 5-minute window is clean: the 1h/5m rule resolves; the others' short windows still hold the burst.
    const t1 = new Date(t0.getTime() + 10 * MINUTE);
    await insertRuns(
      t.db,
      quietFlowId,
      Array.from({ length: 20 }, (_, i) => ({
        status: "succeeded" as const,
        createdAt: new Date(t1.getTime() - 2 * MINUTE + i * 1000),
      })),
    );
    await foldRuns(t.db, { now: t1, lagMs: 0 });
    expect(await evaluateAlerts(t.db, t1)).toMatchObject({ fired: 0, resolved: 1 });
    received = [];
    expect(await deliverAlertNotifications(t.db, { post, now: t1 })).toEqual({ sent: 1, failed: 0 });
    expect(received).toMatchObject([{ type: "slo.alert.resolved", rule: "1h/5m" }]);
    const audit = await t.db.auditLog.findMany({ where: { entityType: "slo" }, select: { action: true } });
    expect(audit.filter((a) => a.action === "slo.alert_fired")).toHaveLength(4);
    expect((await sloSummaries(t.db, [quietFlowId], t1))[0]!.state).toBe("firing");
    process.env.WEFT_HTTP_ALLOWLIST = savedAllow;
  });

  it("a failed delivery is retried on the next pass", async () => {
    await t.db.sloAlert.updateMany({ where: { flowId: quietFlowId }, data: { firedNotifiedAt: null } });
    const failing = async () => ({ ok: false, error: "HTTP 500" });
    const t2 = new Date(NOW.getTime() + 2 * HOUR + 11 * MINUTE);
    expect((await deliverAlertNotifications(t.db, { post: failing, now: t2 })).failed).toBe(4);
    expect(await t.db.sloAlert.count({ where: { lastDeliveryError: "HTTP 500" } })).toBe(4);
    const ok = async () => ({ ok: true, error: null });
    expect((await deliverAlertNotifications(t.db, { post: ok, now: t2 })).sent).toBe(4);
  });

  it("a resolution is not sent before its firing was delivered; both go once the receiver is back", async () => {
    const resolved = await t.db.sloAlert.findFirstOrThrow({ where: { flowId: quietFlowId, state: "resolved" } });
    await t.db.sloAlert.update({
      where: { id: resolved.id },
      data: { firedNotifiedAt: null, resolvedNotifiedAt: null },
    });
    const t3 = new Date(NOW.getTime() + 2 * HOUR + 12 * MINUTE);
    let types: string[] = [];
    const down: Poster = async (_u, body) => (types.push(body.type), { ok: false, error: "HTTP 503" });
    expect(await deliverAlertNotifications(t.db, { post: down, now: t3 })).toEqual({ sent: 0, failed: 1 });
    expect(types).toEqual(["slo.alert.firing"]);
    expect(await t.db.sloAlert.findUniqueOrThrow({ where: { id: resolved.id } })).toMatchObject({
      firedNotifiedAt: null,
      resolvedNotifiedAt: null,
      lastDeliveryError: "HTTP 503",
    });
    types = [];
    const up: Poster = async (_u, body) => (types.push(body.type), { ok: true, error: null });
    expect(await deliverAlertNotifications(t.db, { post: up, now: t3 })).toEqual({ sent: 2, failed: 0 });
    expect(types).toEqual(["slo.alert.firing", "slo.alert.resolved"]);
    expect(await deliverAlertNotifications(t.db, { post: up, now: t3 })).toEqual({ sent: 0, failed: 0 });
  });

  it("the low-volume guard keeps a few night-time failures from paging", async () => {
    const nightFlow = await makeFlow(t.db, { key: "night", teamKey: "finance", lifecycle: "active" });
    await t.db.slo.create({
      data: { flowId: nightFlow, name: "night succeeds", kind: "success", target: 0.99, minEvents: 10 },
    });
    const t3 = new Date(NOW.getTime() + 5 * HOUR);
    await insertRuns(
      t.db,
      nightFlow,
      [0, 1, 2].map((i) => ({ status: "failed" as const, createdAt: new Date(t3.getTime() - MINUTE + i * 1000) })),
    );
    await foldRuns(t.db, { now: t3, lagMs: 0 });
    await evaluateAlerts(t.db, t3);
    expect(await t.db.sloAlert.count({ where: { flowId: nightFlow } })).toBe(0);
  });
});

describe("webhook SSRF guard", () => {
  it("refuses private, loopback and link-local targets and non-http schemes", async () => {
    await expect(assertPublicUrl("http://127.0.0.1:8080/x")).rejects.toThrow(/loopback/);
    await expect(assertPublicUrl("http://10.1.2.3/x")).rejects.toThrow(/private/);
    await expect(assertPublicUrl("http://169.254.169.254/latest/meta-data")).rejects.toThrow(/linkLocal/);
    await expect(assertPublicUrl("http://[::1]/x")).rejects.toThrow(/loopback/);
    await expect(assertPublicUrl("http://[::ffff:127.0.0.1]/x")).rejects.toThrow(/loopback/);
    await expect(assertPublicUrl("file:///etc/passwd")).rejects.toThrow(/http and https/);
    await expect(assertPublicUrl("https://93.184.216.34/hook")).resolves.toBeInstanceOf(URL);
    expect(await postJson("http://127.0.0.1:9/x", {})).toMatchObject({
      ok: false,
      error: expect.stringMatching(/loopback/),
    });
  });
});
