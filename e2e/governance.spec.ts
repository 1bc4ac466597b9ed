// Governance end to end, on the demo estate: the governance flows (server/seed/governance.ts — weft/1
// documents with versions, a pending request and synthetic run history) beside the reference flows the
// demo history publishes (the reference flows are named apart from the governance estate's, e.g. "Approved time → invoice (weekday batch)"; rows are still told apart by key).
import { expect, test, type Page } from "./test";
import { signIn } from "./helpers";

/** The catalog row of a flow, by its key (shown under the name). */
const flowRow = (page: Page, key: string) =>
  page.getByRole("row").filter({ has: page.getByText(key, { exact: true }) });

test("a reviewer filters the catalog by owner, search and lineage", async ({ page }) => {
  await signIn(page, "approver");
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Catalog" }).click();
  const table = page.getByRole("table", { name: "Integrations in the catalog" });
  await expect(table.getByRole("link", { name: "Invoices → revenue reporting" })).toBeVisible();
  const duplicates = page.getByRole("status", { name: "Duplicate interfaces" });
  await expect(duplicates).toContainText(
    "approved-time-to-invoice, legacy-invoice-export, post-invoice-to-netsuite, and time-to-invoice all write netsuite.createInvoice for the invoice domain.",
  );
  await expect(duplicates).toContainText(
    "opportunity-to-project and opportunity-won-to-project both write kantata.createWorkspace for the project domain.",
  );

  await page.getByLabel("Owned by my teams").check();
  await expect(table.getByRole("link", { name: "Invoices → revenue reporting" })).toHaveCount(0);
  await expect(flowRow(page, "time-to-invoice").getByRole("link", { name: "Approved time → invoice" })).toBeVisible();
  await expect(table.getByRole("link", { name: "Legacy invoice export" })).toBeVisible();
  // The systems column lists the connectors the live version calls.
  await expect(flowRow(page, "time-to-invoice")).toContainText("kantata, netsuite");

  /** The filter lists these flows by name, and not the reporting flow it must leave out. */
  const listsNotReporting = async (names: string[]) => {
    for (const name of names) await expect(table.getByRole("link", { name, exact: true })).toBeVisible();
    await expect(table.getByRole("link", { name: "Invoices → revenue reporting" })).toHaveCount(0);
  };
  await page.getByLabel("Owned by my teams").uncheck();
  await page.getByLabel("Search").fill("workday");
  // Worker onboarding, worker attributes sync, staffing requests, the workers reconciliation, and the time flows
  // that read the person's Workday team (utilisation per team) — by name: other specs add flows made from the
  // examples, so the number depends on what ran before.
  await listsNotReporting([
    "Worker hired in Workday → resource in the PSA",
    "Worker attributes → PSA resources",
    "Kantata resource request → staffing options → booking in Kantata and Workday",
    "Reconcile: workers HRIS ↔ PSA users",
    "Approved time → invoice (weekday batch)",
    "Kantata time entry approved (webhook push) → psa.time.approved",
    "Approved timesheet → ERP and reporting",
  ]);
  await page.getByLabel("Search").fill("");
  await page.getByLabel("Classification").selectOption("confidential");
  // Two governance flows, approved time → invoice, and approved time vs invoice lines (by name: other specs may
  // add copies of the confidential examples).
  await listsNotReporting([
    "Approved time → invoice",
    "Legacy invoice export",
    "Approved time → invoice (weekday batch)",
    "Reconcile: approved time vs invoice lines",
  ]);

  await page.getByRole("navigation", { name: "Catalog sections" }).getByRole("link", { name: "Lineage" }).click();
  await page.getByText("Lineage as a list").click();
  await expect(
    page.getByRole("listitem").filter({ hasText: /^timesheet\.approved\s*consumes → Approved time → invoice$/ }),
  ).toBeVisible();
  await expect(
    page.getByRole("listitem").filter({ hasText: /^invoice\.created\s*consumes → Invoices → revenue reporting$/ }),
  ).toBeVisible();
  // Systems are the connectors the flows call, by their manifest names.
  await expect(
    page
      .getByRole("listitem")
      .filter({ hasText: /^Invoices → revenue reporting\s*writes → Data platform \(reporting\)$/ }),
  ).toBeVisible();
  await expect(
    page.getByRole("listitem").filter({ hasText: /^Workday\s*reads → Worker attributes → PSA resources$/ }),
  ).toBeVisible();
});

test("an approver of the owning team approves a pending version (four-eyes)", async ({ page }) => {
  await signIn(page, "approver");
  await page.goto("/catalog");
  const row = flowRow(page, "time-to-invoice");
  await expect(row).toContainText("v1.1.0 awaiting approval");
  await row.getByRole("link", { name: "Approved time → invoice" }).click();
  await expect(page.getByRole("heading", { name: "Approved time → invoice" })).toBeVisible();

  const timeline = page.getByRole("table", { name: /Versions of Approved time → invoice/ });
  const pending = timeline.getByRole("row", { name: /v1\.1\.0/ });
  await expect(pending).toContainText("pending approval");
  await expect(pending).toContainText("Dana Designer");
  await expect(pending).toContainText("Changelog present");
  await pending.getByRole("button", { name: "Approve v1.1.0" }).click();
  await expect(pending).toContainText("approved");
  await expect(pending).toContainText("Arjun Approver");
  await expect(pending.getByRole("button", { name: "Approve v1.1.0" })).toHaveCount(0);

  await page.goto("/catalog");
  await expect(flowRow(page, "time-to-invoice")).toContainText("v1.1.0");
  await expect(flowRow(page, "time-to-invoice")).not.toContainText("awaiting approval");
});

test("an SLO alert fires after sandbox faults and shows on the flow page and the catalog", async ({ page }) => {
  // Real runs fail against the faulted NetSuite sandbox (~15 s of retries) and the SLO fold keeps a 60 s lag.
  test.setTimeout(180_000);
  await signIn(page, "admin");
  await page.goto("/catalog/invoice-to-reporting");
  await expect(page.getByText("No SLO alert is firing.")).toBeVisible();
  await page.getByRole("button", { name: "Inject sandbox faults (demo)" }).click();
  await expect(page.getByRole("status").filter({ hasText: "netsuite sandbox answers 503" })).toContainText(
    "40 runs started",
  );
  const alerts = page.getByRole("alert", { name: "Firing SLO alerts" });
  // Evaluate now (what the minute job does) until the failed runs are folded and the alert fires.
  await expect(async () => {
    await page.getByRole("button", { name: "Evaluate SLOs now" }).click();
    await expect(alerts).toBeVisible({ timeout: 3_000 });
  }).toPass({ timeout: 120_000, intervals: [5_000] });
  await expect(alerts).toContainText("1h/5m burn-rate alert firing");
  await expect(alerts).toContainText("Runs succeed");
  await expect(page.getByRole("article", { name: "SLO Runs succeed" })).toContainText("alert firing");

  await page.goto("/catalog");
  await page.getByLabel("SLO status").selectOption("firing");
  const table = page.getByRole("table", { name: "Integrations in the catalog" });
  await expect(table.getByRole("link")).toHaveCount(1);
  await expect(table.getByRole("row", { name: /Invoices → revenue reporting/ })).toContainText("alert firing");
  // Platform Engineering owns the flow and the admin is in it: the in-app notice names the alert.
  await expect(page.getByRole("main").getByRole("alert").first()).toContainText("firing on flows your teams own");
});
