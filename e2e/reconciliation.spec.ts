// Reconciliation on the real app (issue 16): a self-contained fixture — two tables in a schema of the
// server's own database (an "ERP" and a "warehouse" copy of invoice lines), a postgres connection an admin
// adds for them, a reconciliation flow over both tables naming a re-sync flow that copies one ERP line into
// the warehouse, both published with four eyes, run in test and promoted to production. A designer runs the
// reconciliation from its page; an operator opens the break, sees both values side by side and triggers the
// re-sync; the next run finds the pair matching and the exception resolves itself.
import { expect, test, type APIRequestContext } from "./test";
import { signInAs, trpcMutation } from "./triage-helpers";
import { lineWarehouse, warehouseSql } from "./warehouse-fixture";
import { promoteAs } from "./helpers";

const ID = Date.now().toString(36);
const SCHEMA = `recon_e2e_${ID}`;
const RECON = `invoice-lines-recon-${ID}`;
const SYNC = `invoice-line-sync-${ID}`;
const CONNECTION = `recon-e2e-${ID}`;
const COLUMNS = "line_id, customer, amount::text AS amount";

const flowBase = (key: string, name: string) => ({
  dsl: "weft/1",
  key,
  version: "1.0.0",
  name,
  description: "",
  domain: "invoice",
  owner: "finance",
  classification: "internal",
  trigger: { type: "manual" },
});
const SYNC_FLOW = {
  ...flowBase(SYNC, "Invoice line → warehouse"),
  description: "Copies one ERP invoice line into the warehouse (the reconciliation's re-sync).",
  start: "copy",
  steps: [
    {
      id: "copy",
      type: "call",
      connector: "postgres",
      operation: "query",
      connection: CONNECTION,
      input: {
        sql: `"INSERT INTO ${SCHEMA}.dw_lines SELECT * FROM ${SCHEMA}.erp_lines WHERE line_id = $1 ON CONFLICT (line_id) DO UPDATE SET customer = EXCLUDED.customer, amount = EXCLUDED.amount"`,
        params: "[$trigger.lineId]",
      },
    },
  ],
};
const side = (table: string) => ({
  connection: CONNECTION,
  sql: `SELECT ${COLUMNS} FROM ${SCHEMA}.${table}`,
  sortKey: "line_id",
  idColumn: "line_id",
});
const RECON_FLOW = {
  ...flowBase(RECON, "Invoice lines: ERP vs warehouse"),
  start: "match",
  steps: [
    {
      id: "match",
      type: "reconcile",
      definition: {
        key: `invoice-lines-${ID}`,
        name: "Invoice lines",
        sides: [
          { name: "erp", key: ["line_id"], id: "line_id" },
          { name: "warehouse", key: ["line_id"], id: "line_id" },
        ],
        rules: [
          { id: "amount", type: "money", a: { side: "erp", path: "amount" }, b: { side: "warehouse", path: "amount" } },
        ],
        impact: { money: [{ side: "erp", path: "amount" }], currency: "USD" },
      },
      sources: { erp: side("erp_lines"), warehouse: side("dw_lines") },
      resync: { flow: SYNC, input: { lineId: "recordKey" } },
    },
  ],
};

async function ok<T>(r: Promise<{ status: number; data?: T; error?: string }>, what: string): Promise<T> {
  const x = await r;
  if (!x.data) throw new Error(`${what}: ${x.status} ${x.error}`);
  return x.data;
}

/** Creates the flow, saves the document as its draft and requests version 1.0.0; returns the version to approve. */
async function requestFlow(request: APIRequestContext, dsl: typeof SYNC_FLOW | typeof RECON_FLOW): Promise<string> {
  await ok(
    trpcMutation(request, "flows.create", {
      key: dsl.key,
      name: dsl.name,
      domain: dsl.domain,
      ownerTeamKey: dsl.owner,
    }),
    "flows.create",
  );
  await ok(trpcMutation(request, "flows.saveDraft", { flowKey: dsl.key, baseRevision: 1, draft: dsl }), "saveDraft");
  const r = await ok(
    trpcMutation<{ ok: boolean; versionId?: string; problems?: unknown }>(request, "governance.versions.request", {
      flowKey: dsl.key,
      version: "1.0.0",
      dsl,
      changelog: "First version.",
    }),
    "versions.request",
  );
  expect(r.ok, JSON.stringify(r)).toBe(true);
  return r.versionId!;
}

test("an operator opens a break, sees both values, re-syncs it, and the next run resolves it", async ({
  page,
  browser,
}) => {
  test.setTimeout(480_000); // two flows, each run in test and promoted before production
  // An admin connects the "warehouse" (a schema of the server's database) with the postgres connector.
  await signInAs(page, "admin");
  // The warehouse starts as an exact copy: the runs in test below find nothing to report.
  await lineWarehouse(page.request, {
    schema: SCHEMA,
    erpValues: "('L1', 'Acme', 100.00), ('L2', 'Acme', 250.00), ('L3', 'Globex', 80.00), ('L4', 'Initech', 42.50)",
    warehouseChanges: "",
    connection: CONNECTION,
    name: "Reconciliation e2e warehouse",
  });

  // A designer of Finance writes both flows; the approver publishes them (four eyes), which deploys them to
  // test. Each runs there once (its pinned trigger sample) and is promoted to production with four eyes again.
  await signInAs(page, "designer");
  const versions = [await requestFlow(page.request, SYNC_FLOW), await requestFlow(page.request, RECON_FLOW)];
  await signInAs(page, "approver");
  for (const versionId of versions)
    await ok(trpcMutation(page.request, "governance.versions.approve", { versionId }), "versions.approve");
  await signInAs(page, "designer");
  for (const [flowKey, payload] of [
    [SYNC, { lineId: "L1" }],
    [RECON, {}],
  ] as const) {
    await ok(trpcMutation(page.request, "flows.pinSample", { flowKey, nodeId: "trigger", payload }), "pinSample");
    await promoteAs(page, browser, flowKey, "1.0.0", { runInTest: true });
  }

  // Then the warehouse drifts: L4 goes missing, L2's amount changes.
  await warehouseSql(
    page.request,
    `DELETE FROM ${SCHEMA}.dw_lines WHERE line_id = 'L4';
     UPDATE ${SCHEMA}.dw_lines SET amount = 250.02 WHERE line_id = 'L2';`,
  );

  // The designer finds it on the Reconciliation page and runs it now.
  await signInAs(page, "designer");
  await page.getByRole("link", { name: "Reconciliation" }).click();
  await expect(page).toHaveURL(/\/reconciliation$/);
  const row = page.getByTestId(`recon-invoice-lines-${ID}`);
  await expect(row).toContainText("erp ↔ warehouse");
  await row.getByRole("link", { name: "Invoice lines" }).click();
  await page.getByRole("button", { name: "Run now" }).click();
  await expect(page.getByTestId("last-run")).toContainText("Keys", { timeout: 60_000 });
  await expect(page.getByText("Open breaks (2)")).toBeVisible({ timeout: 30_000 });
  await page.screenshot({ path: `test-results/reconciliation-detail.png`, fullPage: true });

  // An operator of Finance opens the amount break: both values side by side.
  await signInAs(page, "operator");
  await page.goto("/reconciliation");
  await expect(page.getByTestId(`recon-invoice-lines-${ID}`)).toContainText("Missing on warehouse · 1");
  await page.screenshot({ path: `test-results/reconciliation-list.png`, fullPage: true });
  await page.getByTestId(`recon-invoice-lines-${ID}`).getByRole("link", { name: "Invoice lines" }).click();
  await page.getByRole("link", { name: /^L2\b/ }).click();
  await expect(page.getByTestId("value-erp")).toHaveText("250");
  await expect(page.getByTestId("value-warehouse")).toHaveText("250.02");
  await expect(page.getByTestId("break-status")).toHaveText("open");
  await page.getByRole("button", { name: "Re-sync" }).click();
  await expect(page.getByTestId("resync-run")).toContainText("succeeded", { timeout: 60_000 });
  await page.screenshot({ path: `test-results/reconciliation-break.png`, fullPage: true });

  // The next run (the designer's "Run now", as a schedule would) finds the pair matching: the break resolves itself.
  const breakUrl = page.url();
  await signInAs(page, "designer");
  await ok(
    trpcMutation(page.request, "reconciliations.runNow", { flowKey: RECON, key: `invoice-lines-${ID}` }),
    "runNow",
  );
  await signInAs(page, "operator");
  await page.goto(breakUrl);
  await expect(page.getByTestId("break-status")).toHaveText("resolved", { timeout: 60_000 });
  await expect(page.getByTestId("resolution")).toBeVisible();
  await expect(page.getByRole("button", { name: "Re-sync" })).toBeDisabled();
  // The exception's history names the re-sync and the automatic resolution.
  await page.getByRole("link", { name: /The exception/ }).click();
  const history = page.getByRole("list", { name: "History" });
  await expect(history).toContainText(/started a re-sync of the record/i);
  await expect(history).toContainText(/resolved automatically/i);
  await page.goBack();
  // The other break (L4, missing in the warehouse) stays open.
  await page.getByRole("link", { name: "← Back to the reconciliation" }).click();
  await expect(page.getByText("Open breaks (1)")).toBeVisible();
  await expect(page.getByRole("link", { name: /^L4\b/ })).toBeVisible();
});
