// Building a reconciliation in the designer (issue 16), as a finance designer would: a new flow, a Reconcile
// step from the palette, two SQL sides over a fixture schema of the server's own database (an "ERP" and a
// "warehouse" copy of invoice lines, one amount off by 0.02 and one line missing), a money rule with its
// tolerance and the money at stake — all through the step's own editor, never JSON — then "No problems" and
// a dry test run whose totals (matched, mismatched, missing) the inspector shows.
import { expect, test } from "./test";
import { canvasNode, screenshots } from "./helpers";
import { signInAs } from "./triage-helpers";
import { lineWarehouse } from "./warehouse-fixture";

test.use({ viewport: { width: 1600, height: 1000 } });

const ID = Date.now().toString(36);
const SCHEMA = `recon_designer_${ID}`;
const CONNECTION = `recon-designer-${ID}`;

const shot = screenshots("reconcile-designer", { env: "DESIGNER_SHOTS" });

test("a designer builds a reconciliation of two SQL sides in the inspector and test-runs it", async ({ page }) => {
  test.setTimeout(240_000);
  // Fixture: two tables and a postgres connection an admin adds for them.
  await signInAs(page, "admin");
  await lineWarehouse(page.request, {
    schema: SCHEMA,
    erpValues:
      "('L1', 'Acme', 100.00), ('L2', 'Acme', 250.00), ('L3', 'Globex', 80.00), ('L4', 'Initech', 42.50), ('L5', 'Hooli', 10.00)",
    warehouseChanges: `DELETE FROM ${SCHEMA}.dw_lines WHERE line_id = 'L4';
      UPDATE ${SCHEMA}.dw_lines SET amount = 250.02 WHERE line_id = 'L2';
      UPDATE ${SCHEMA}.dw_lines SET amount = 10.01 WHERE line_id = 'L5';`,
    connection: CONNECTION,
    name: "Reconciliation designer warehouse",
  });

  // A designer creates a flow and adds a Reconcile step from the palette (after the trigger, connected).
  await signInAs(page, "designer");
  await page.getByRole("button", { name: "+ New flow" }).click();
  const dialog = page.getByRole("dialog", { name: "New flow" });
  await dialog.getByLabel("Name").fill(`Invoice lines check ${ID}`);
  await dialog.getByRole("button", { name: "Create and open" }).click();
  await expect(page.getByTestId("designer")).toBeVisible({ timeout: 60_000 });
  await page.getByRole("searchbox", { name: "Search the palette" }).fill("reconcile");
  await page.locator('[data-testid="palette-item"][data-item="logic:reconcile"]').dblclick();
  await expect(canvasNode(page, "reconcile")).toBeVisible();
  const inspector = page.getByTestId("inspector");
  await expect(inspector.getByTestId("recon-definition")).toBeVisible();
  await shot(page, "01-new-reconcile-step");

  // The definition.
  await inspector.getByRole("textbox", { name: "Reconciliation key" }).fill(`invoice-lines-${ID}`);
  await inspector.getByRole("textbox", { name: "Reconciliation name" }).fill("Invoice lines");
  await inspector.getByRole("textbox", { name: "Currency of impact" }).fill("USD");

  // Two SQL sides, keyed by line id; the explanation of the sort key is beside the SQL.
  for (const [i, name, table] of [
    [1, "erp", "erp_lines"],
    [2, "warehouse", "dw_lines"],
  ] as const) {
    await inspector.getByRole("textbox", { name: `Side ${i} name` }).fill(name);
    await inspector.getByLabel(`Side ${i} key path 1`, { exact: true }).fill("line_id");
    await inspector.getByLabel(`Side ${i} id path`, { exact: true }).fill("line_id");
    await inspector.getByRole("combobox", { name: `Side ${i} records come from` }).selectOption("sql");
    await inspector.getByRole("combobox", { name: `Side ${i} connection` }).selectOption(CONNECTION);
    await inspector
      .getByRole("textbox", { name: `Side ${i} SQL` })
      .fill(`SELECT line_id, customer, amount::text AS amount FROM ${SCHEMA}.${table}`);
    await inspector.getByRole("textbox", { name: `Side ${i} sort key column` }).fill("line_id");
    await inspector.getByRole("textbox", { name: `Side ${i} id column` }).fill("line_id");
  }
  await expect(inspector.getByTestId("recon-side-0")).toContainText("must hold the side's normalised key");

  // A money rule within 0.01, and the money at stake on the ERP side.
  await inspector.getByRole("combobox", { name: "Type of the new rule" }).selectOption("money");
  await inspector.getByRole("button", { name: "+ Add rule" }).click();
  await expect(inspector.getByRole("combobox", { name: "Rule 1 side A" })).toHaveValue("erp");
  await expect(inspector.getByRole("combobox", { name: "Rule 1 side B" })).toHaveValue("warehouse");
  await inspector.getByRole("textbox", { name: "Rule 1 id" }).fill("amount");
  await inspector.getByLabel("Rule 1 path A", { exact: true }).fill("amount");
  await inspector.getByLabel("Rule 1 path B", { exact: true }).fill("amount");
  await inspector.getByRole("textbox", { name: "Rule 1 tolerance" }).fill("0.01");
  await inspector.getByTestId("recon-impact").locator("summary").click();
  await inspector.getByLabel("Money at stake on erp", { exact: true }).fill("amount");

  // A broken field names itself where it is: a sort key that is not a column name.
  await inspector.getByRole("textbox", { name: "Side 2 sort key column" }).fill("line id");
  await expect(inspector.getByTestId("recon-side-1").getByRole("alert")).toContainText("a column name");
  await shot(page, "02-problem-at-field");
  await inspector.getByRole("textbox", { name: "Side 2 sort key column" }).fill("line_id");

  const problems = page.getByRole("region", { name: "Problems" });
  if ((await problems.getByRole("button").first().getAttribute("aria-expanded")) !== "true")
    await problems.getByRole("button").first().click();
  await expect(problems).toContainText("No problems: the flow is valid.");
  await expect(page.getByTestId("save-state")).toHaveAttribute("data-state", "saved", { timeout: 15_000 });
  await shot(page, "03-filled");

  // A dry test run: the reconciliation reads both tables and reports its totals; nothing is opened.
  await page.getByRole("button", { name: "▶ Test run" }).click();
  await page.getByRole("dialog", { name: "Test run" }).getByRole("button", { name: "Run test (dry run)" }).click();
  await expect(page.getByTestId("run-bar")).toHaveAttribute("data-status", "succeeded", { timeout: 90_000 });
  await canvasNode(page, "reconcile").click();
  const totals = inspector.getByRole("region", { name: "Test run totals" });
  // L1 and L3 match, L5 differs by exactly the tolerance (matches), L2 by 0.02 (mismatched), L4 is missing.
  await expect(totals.getByRole("definition").nth(0)).toHaveText("5");
  await expect(totals.getByRole("definition").nth(1)).toHaveText("3");
  await expect(totals.getByRole("definition").nth(2)).toHaveText("1");
  await expect(totals.getByRole("definition").nth(3)).toHaveText("1");
  await totals.scrollIntoViewIfNeeded();
  await shot(page, "04-test-run-totals");
});
