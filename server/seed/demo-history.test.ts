// The demo history: the reference flows published, a week of runs and open exceptions shaped like the
// runtime's (grouped signatures, business impact, team assignment), idempotent across boots.
import { afterAll, beforeAll, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../testing/db";
import { ensureTestSecrets } from "../runtime/testing";
import { seedDemo } from "./demo";
import { queueGroups, businessImpact } from "../exceptions/queue";
import { exceptionDetail } from "../exceptions/detail";
import { prismaSql } from "../runtime/sql";
import { kpiDrill, kpiSummary } from "../kpis/queries";
import { HEADLINE_KPIS } from "../../core/kpis/definitions";

let t: TestDatabase;
beforeAll(async () => {
  ensureTestSecrets();
  t = await createTestDatabase();
}, 120_000);
afterAll(() => t?.drop());

it("seeds the reference flows, a week of runs and grouped open exceptions, once", async () => {
  await seedDemo(t.db);
  const flows = await t.db.flow.findMany({
    where: {
      key: {
        in: [
          "approved-time-to-invoice",
          "opportunity-won-to-project",
          "worker-onboarding-hris-to-psa",
          "post-invoice-to-netsuite",
        ],
      },
    },
    select: { key: true },
  });
  expect(flows).toHaveLength(4);
  const runs = await t.db.run.count({ where: { flow: { key: "post-invoice-to-netsuite" } } });
  expect(runs).toBe(130);
  const open = await t.db.exception.count({ where: { status: "open" } });
  expect(open).toBeGreaterThan(20);
  const groups = await queueGroups(t.db, {});
  // Identical failures are one group each; the biggest are the NetSuite concurrency burst and the missing customers.
  expect(groups[0]!.count).toBeGreaterThan(5);
  expect(groups.length).toBeLessThan(open / 2);
  const impact = await businessImpact(t.db);
  expect(impact.byDomain.find((d) => d.domain === "invoice")!.amount).toBeGreaterThan(10_000);
  expect(impact.byTeam.find((x) => x.teamName === "Finance")!.hours).toBeGreaterThan(50);
  const missing = await t.db.exception.findFirstOrThrow({ where: { stepPath: "findCustomer" } });
  expect((await exceptionDetail(t.db, missing.id)).sentence).toMatch(
    /^Invoice INV-\d+ for .+, [\d.]+ approved hours, \$[\d,.]+, not posted to NetSuite: customer record \d+ missing$/,
  );
  const restricted = await t.db.exception.findFirstOrThrow({
    where: { run: { flow: { key: "worker-onboarding-hris-to-psa" } } },
  });
  const masked = await exceptionDetail(t.db, restricted.id);
  expect(JSON.stringify(masked.run.input)).not.toMatch(/[0-9a-f]{32}/);
  expect(JSON.stringify(masked.request)).not.toContain("wd-demo-token-expired");

  const before = await t.db.run.count();
  await seedDemo(t.db);
  expect(await t.db.run.count()).toBe(before);
}, 120_000);

it("gives the Business page numbers from the history's business events, and exceptions holding time up", async () => {
  await seedDemo(t.db);
  const sql = prismaSql(t.db);
  const s = await kpiSummary(sql, {});
  const tile = (id: string) => s.tiles.find((x) => x.id === id)!;
  for (const id of HEADLINE_KPIS) expect(tile(id).value, id).not.toBeNull();
  expect(tile("unbilled-approved-time").detail.heldAmount).toBeGreaterThan(0);
  expect(tile("touchless-rate").value).toBeGreaterThan(0.5);
  const drill = await kpiDrill(sql, "unbilled-approved-time", {});
  expect(drill.exceptions.length).toBeGreaterThan(3);
  expect(drill.exceptions.map((x) => x.flowKey)).toContain("post-invoice-to-netsuite");
}, 120_000);
