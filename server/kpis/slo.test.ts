// Business SLOs: a target on a KPI burns its error budget and fires the technical SLOs' burn-rate alerts (the
// shared math), delivered to the owner team's alert channel; the threshold a KPI needs is checked by name.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../testing/db";
import { ensureTeam, insertRuns, makeFlow } from "../governance/testing";
import { appendAudit } from "../audit/audit";
import type { AuditFn } from "../audit/audit";
import { prismaSql } from "../runtime/sql";
import { insertBusinessEvents } from "../runtime/business-events";
import { createBusinessSlo, deliverBusinessAlerts, evaluateBusinessAlerts, listBusinessSlos } from "./slo";

const audit: AuditFn = (tx, e) => appendAudit(tx, { ...e, actor: null });

describe("business SLOs", () => {
  let t: TestDatabase;
  const now = new Date();
  let runId: string;
  beforeAll(async () => {
    t = await createTestDatabase();
    await ensureTeam(t.db, "finance", "Finance");
    const flowId = await makeFlow(t.db, { key: "invoices", teamKey: "finance" });
    // The last hour: 100 runs, one in five failed with an exception (a vendor outage) — also in the last 5 minutes.
    const runs = Array.from({ length: 100 }, (_, i) => ({
      status: (i % 5 === 0 ? "failed" : "succeeded") as "failed" | "succeeded",
      createdAt: new Date(now.getTime() - (i * 36_000 + 1000)),
    }));
    const ids = await insertRuns(t.db, flowId, runs);
    runId = ids[1]!;
    // Failed runs in a test environment are trials against sandboxes: they never count (docs/environments.md).
    await insertRuns(
      t.db,
      flowId,
      Array.from({ length: 10 }, (_, i) => ({
        status: "failed" as const,
        createdAt: new Date(now.getTime() - (i * 36_000 + 2000)),
        environment: "test",
      })),
    );
    for (const [i, id] of ids.entries())
      if (i % 5 === 0)
        await t.db.exception.create({
          data: { runId: id, flowId, errorClass: "transient", message: "HTTP 503", signature: "s" },
        });
  });
  afterAll(() => t.drop());

  it("refuses a threshold the KPI needs or cannot use, naming the field", async () => {
    await expect(
      createBusinessSlo(t.db, audit, null, {
        name: "x",
        kpi: "unbilled-approved-time",
        target: 0.98,
        ownerTeamKey: "finance",
      }),
    ).rejects.toMatchObject({ code: "invalid", field: "threshold" });
    await expect(
      createBusinessSlo(t.db, audit, null, {
        name: "y",
        kpi: "touchless-rate",
        threshold: 3,
        target: 0.9,
        ownerTeamKey: "finance",
      }),
    ).rejects.toMatchObject({ code: "invalid", field: "threshold" });
  });

  it("burns the budget and fires the fast burn-rate alert, delivered to the team's channel", async () => {
    await createBusinessSlo(t.db, audit, null, {
      name: "Runs need no person",
      kpi: "touchless-rate",
      target: 0.99,
      ownerTeamKey: "finance",
    });
    const [slo] = await listBusinessSlos(t.db, now);
    // 20 of 100 runs needed a person: attainment 80 %, 20 bad against an allowance of 1.
    expect(slo!.status).toMatchObject({ total: 100, good: 80, state: "firing" });
    expect(slo!.status.budgetRemaining).toBeCloseTo(1 - 20 / 1, 6);
    expect(slo!.sentence).toBe("99 % of runs need no manual intervention");

    // Burning 20× the budget: every window pair exceeds its rate (both pages and both tickets).
    expect(await evaluateBusinessAlerts(t.db, now)).toMatchObject({ fired: 4 });
    expect(await evaluateBusinessAlerts(t.db, now)).toMatchObject({ fired: 0 }); // once
    const alerts = await t.db.businessSloAlert.findMany({ orderBy: { rule: "asc" } });
    expect(alerts.map((a) => [a.rule, a.severity, a.state])).toEqual([
      ["1d/2h", "ticket", "firing"],
      ["1h/5m", "page", "firing"],
      ["3d/6h", "ticket", "firing"],
      ["6h/30m", "page", "firing"],
    ]);
    expect(alerts[1]!.burnLong).toBeCloseTo(20, 6);

    const team = await t.db.team.findUniqueOrThrow({ where: { key: "finance" } });
    await t.db.teamAlertChannel.create({
      data: { teamId: team.id, webhookUrl: "https://alerts.example/finance", enabled: true },
    });
    const posted: Array<{ url: string; body: unknown }> = [];
    const r = await deliverBusinessAlerts(t.db, {
      now,
      baseUrl: "https://weft.example",
      post: async (url, body) => (posted.push({ url, body }), { ok: true, error: null }),
    });
    expect(r).toEqual({ sent: 4, failed: 0 });
    expect(posted[0]).toMatchObject({
      url: "https://alerts.example/finance",
      body: {
        type: "slo.alert.firing",
        flow: { key: "kpi:touchless-rate", name: "Touchless rate" },
        slo: { name: "Runs need no person", kind: "business:touchless-rate", target: 0.99 },
        link: "https://weft.example/business",
      },
    });
    expect((await deliverBusinessAlerts(t.db, { now, post: async () => ({ ok: true, error: null }) })).sent).toBe(0);

    // The outage is over: an hour later without bad runs the fast rule resolves.
    expect((await evaluateBusinessAlerts(t.db, new Date(now.getTime() + 65 * 60_000))).resolved).toBeGreaterThan(0);
  });

  it("judges unbilled approved time at the threshold's age: invoiced by then is good, still unbilled is bad", async () => {
    const day = 86_400_000;
    const at = (d: number) => new Date(now.getTime() - d * day).toISOString();
    const approved = (id: string, d: number) => ({
      type: "time.approved" as const,
      keys: { timeEntry: id },
      amount: 100,
      currency: "EUR",
      hours: 1,
      system: null,
      occurredAt: at(d),
      performedOn: null,
    });
    await insertBusinessEvents(
      prismaSql(t.db),
      runId,
      "approve",
      [approved("A", 10), approved("B", 9), approved("C", 2)],
      null,
    );
    await insertBusinessEvents(
      prismaSql(t.db),
      runId,
      "invoice",
      [{ ...approved("A", 7), type: "time.invoiced" }],
      null,
    );
    await createBusinessSlo(t.db, audit, null, {
      name: "Approved time is billed within a week",
      kpi: "unbilled-approved-time",
      threshold: 7,
      target: 0.98,
      ownerTeamKey: "finance",
    });
    const slo = (await listBusinessSlos(t.db, now)).find((x) => x.kpi === "unbilled-approved-time")!;
    // A was invoiced 3 days after approval (good), B is 9 days old and unbilled (bad), C is not 7 days old yet.
    expect(slo.status).toMatchObject({ total: 2, good: 1 });
    expect(slo.sentence).toBe("unbilled approved time older than 7 days < 2 % of approved");
  });
});
