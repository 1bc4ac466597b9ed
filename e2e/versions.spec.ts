// Versions in the designer and the visual diff, on the real app: publish v1.0.0 through governance
// (request, four-eyes approval by another user), change the draft, see the proposed bump and the diff,
// publish the next version, restore an older one as the draft. The diff page is also reached from the
// catalog's version timeline. Screenshots land in test-results/versions.
import { expect, test, type Page } from "./test";
import { approveAs, signIn, screenshots, selectNode } from "./helpers";

test.use({ viewport: { width: 1600, height: 1000 } });

const shot = screenshots("versions");
const diffNode = (page: Page, side: "Before" | "After", id: string) =>
  page
    .getByRole("region", { name: new RegExp(`^${side}:`) })
    .locator(`[data-testid="diff-node"][data-node-id="${id}"]`);
const saved = (page: Page) =>
  expect(page.getByTestId("save-state")).toHaveAttribute("data-state", "saved", { timeout: 15_000 });

/** Renames a target field of the inspector's mapping editor (rows are found by their current name). */
async function renameField(page: Page, from: string, to: string): Promise<void> {
  const inputs = page.getByRole("textbox", { name: /^Target field \d+ of / });
  await expect(inputs.first()).toBeVisible();
  for (const input of await inputs.all()) {
    if ((await input.inputValue()) === from) {
      await input.fill(to);
      await expect(input).toHaveValue(to);
      return;
    }
  }
  throw new Error(`No target field named ${from}`);
}

test("the diff page is reached from the catalog timeline: added nodes, swapped sides, breaking changes", async ({
  page,
}) => {
  await signIn(page, "viewer");
  await page.goto("/catalog/time-to-invoice");
  await page
    .getByRole("table", { name: /Versions of/ })
    .getByRole("row", { name: /v1\.1\.0/ })
    .getByRole("link", { name: "diff" })
    .click();
  await expect(page).toHaveURL(/\/flows\/time-to-invoice\/diff\?from=1\.0\.0&to=1\.1\.0$/);
  const summary = page.getByRole("status", { name: "Diff summary" });
  await expect(summary).toContainText(/[1-9]\d* added/);
  await expect(summary).toContainText("0 removed");
  await expect(summary).toContainText("minor bump");
  // Every added node is green on the "after" canvas and listed with its settings; unchanged nodes stay plain.
  const after = page.getByRole("region", { name: /^After:/ });
  const added = after.locator('[data-testid="diff-node"][data-change="added"]');
  await expect(added.first()).toBeVisible();
  const addedId = (await added.first().getAttribute("data-node-id"))!;
  await expect(
    page
      .getByRole("region", { name: `Step ${addedId} added` })
      .getByTestId("value-change")
      .first(),
  ).toBeVisible();
  await expect(after.locator('[data-testid="diff-node"][data-node-id="trigger"]')).toHaveAttribute(
    "data-change",
    "same",
  );
  await expect(page.getByRole("region", { name: /^Before:/ }).locator(`[data-node-id="${addedId}"]`)).toHaveCount(0);
  await shot(page, "01-diff-from-catalog");

  await page.getByRole("button", { name: "Swap sides" }).click();
  await expect(page).toHaveURL(/from=1\.1\.0&to=1\.0\.0$/);
  await expect(summary).toContainText("0 added");
  await expect(diffNode(page, "Before", addedId)).toHaveAttribute("data-change", "removed");
  await expect(page.getByRole("region", { name: `Step ${addedId} removed` })).toBeVisible();

  // One version against itself: nothing to show.
  await page.getByRole("combobox", { name: "From" }).selectOption("1.0.0");
  await expect(page).toHaveURL(/from=1\.0\.0&to=1\.0\.0$/);
  await expect(page.getByText("No differences")).toBeVisible();
});

test("publish v1.0.0, change the draft, see the bump and the diff, publish v1.0.1, restore v1.0.0 as the draft", async ({
  page,
  browser,
}) => {
  test.setTimeout(180_000); // two publish/approve rounds, each with another user's session
  await signIn(page, "designer");
  await page.goto("/flows");
  await page.getByRole("button", { name: "+ New flow" }).click();
  const dialog = page.getByRole("dialog", { name: "New flow" });
  const select = dialog.locator("label", { hasText: /^Example/ }).locator("select");
  // The examples load with the dialog: choosing "An example" before they arrive does nothing yet.
  await expect(async () => {
    await dialog.getByText("An example").click();
    await expect(select).toBeVisible({ timeout: 1_000 });
  }).toPass();
  await select.selectOption("approved-time-to-invoice");
  await dialog.getByLabel("Name").fill("Versions e2e invoicing");
  const key = await dialog.getByLabel("Key").inputValue();
  await dialog.getByRole("button", { name: "Create and open" }).click();
  await expect(page.getByTestId("designer")).toBeVisible({ timeout: 60_000 });
  await expect(page.getByTestId("problem-count")).toHaveAttribute("data-errors", "0");
  await saved(page);

  // First version: nothing to compare with; the changelog is required.
  await page.getByRole("tab", { name: "Versions" }).click();
  const panel = page.getByTestId("versions-panel");
  await expect(panel.getByText("First version of this flow.")).toBeVisible();
  await expect(panel.getByRole("textbox", { name: "Version" })).toHaveValue("1.0.0");
  const publish = panel.getByRole("button", { name: /^Publish v/ });
  await expect(publish).toBeDisabled();
  await expect(panel.getByTestId("publish-blocked")).toContainText("Describe the change");
  await panel.getByLabel("Changelog").fill("First version: invoices approved time per project.");
  await expect(panel.getByRole("list", { name: "Policy checks" })).toContainText("Changelog present");
  // The governance checks run before the request. When the example's invoice.created payload misses
  // fields its registered contract requires, publishing stays blocked until the payload is fixed.
  const checks = panel.getByRole("list", { name: "Policy checks" });
  await expect(checks).toContainText("Emitted events match their contracts");
  if ((await checks.getByText("✗ Emitted events match their contracts").count()) > 0) {
    await expect(publish).toBeDisabled();
    await expect(panel.getByTestId("publish-blocked")).toContainText("The governance checks fail");
    await page.getByRole("tab", { name: "Inspector" }).click();
    await selectNode(page, "invoiceCreated");
    await renameField(page, "invoice", "invoiceId");
    await renameField(page, "workspaceId", "projectId");
    await saved(page);
    await page.getByRole("tab", { name: "Versions" }).click();
  }
  await expect(checks).toContainText("✓ Emitted events match their contracts");
  await expect(publish).toBeEnabled();
  await publish.click();
  await expect(panel.getByText("v1.0.0 requested.")).toBeVisible();
  await expect(panel.getByText("v1.0.0 is waiting for approval.")).toBeVisible();
  await expect(panel.getByRole("link", { name: "Open the approval" })).toHaveAttribute("href", `/catalog/${key}`);
  await expect(panel.getByTestId("publish-blocked")).toContainText("waiting for approval");

  // Four-eyes: another user, an approver of the owning team, approves it.
  await approveAs(browser, key, "1.0.0");
  await page.reload();
  await expect(page.getByTestId("designer")).toBeVisible({ timeout: 60_000 });
  await page.getByRole("tab", { name: "Versions" }).click();
  const v100 = panel.getByRole("listitem", { name: "Version 1.0.0" });
  await expect(v100).toContainText("approved");
  await expect(v100).toContainText("approved by Arjun Approver");
  await expect(panel.getByTestId("publish-blocked")).toContainText("Nothing changed since v1.0.0");

  // Change a mapping (the byProject map is one custom expression: edited in the JSONata view).
  await page.getByRole("tab", { name: "Inspector" }).click();
  await selectNode(page, "byProject");
  const mapper = page.getByRole("region", { name: "Data mapper" });
  await mapper.getByRole("tab", { name: "JSONata" }).click();
  await mapper.getByLabel("Mapping JSONata").click();
  await page.keyboard.press("Control+End");
  await page.keyboard.type(" ~> $sort(function($l, $r) { $l.amount < $r.amount })");
  await expect(mapper.getByText("One custom expression: the field view shows it as custom")).toBeVisible();
  await expect(mapper.getByText("does not parse")).toHaveCount(0);
  await saved(page);

  // The detector proposes a patch (a mapping changed, no contract touched).
  await page.getByRole("tab", { name: "Versions" }).click();
  await expect(panel).toContainText("Compared with v1.0.0");
  await expect(panel).toContainText("patch bump");
  await expect(panel.getByRole("textbox", { name: "Version" })).toHaveValue("1.0.1");
  await shot(page, "02-panel-proposal");

  // The diff with the draft: the changed node in amber, the field-level change listed.
  await panel.getByRole("link", { name: "See the diff" }).click();
  await expect(page).toHaveURL(new RegExp(`/flows/${key}/diff\\?from=1\\.0\\.0&to=draft$`));
  await expect(page.getByRole("status", { name: "Diff summary" })).toContainText("1 changed");
  await expect(diffNode(page, "After", "byProject")).toHaveAttribute("data-change", "changed");
  await expect(diffNode(page, "Before", "byProject")).toHaveAttribute("data-change", "changed");
  const change = page.getByRole("region", { name: "Step byProject changed" });
  await expect(change.getByTestId("value-change")).toContainText("output");
  await expect(change.getByTestId("value-change")).toContainText(
    "~> $sort(function($l, $r) { $l.amount < $r.amount })",
  );
  await shot(page, "03-diff-draft");

  await expect(page.getByRole("link", { name: "Open in designer" })).toHaveAttribute("href", `/flows/${key}`);
  await page.goto(`/flows/${key}`);
  await expect(page.getByTestId("designer")).toBeVisible({ timeout: 60_000 });
  await page.getByRole("tab", { name: "Versions" }).click();
  await panel.getByLabel("Changelog").fill("Projects are invoiced largest amount first.");
  await panel.getByRole("button", { name: "Publish v1.0.1" }).click();
  await expect(panel.getByText("v1.0.1 is waiting for approval.")).toBeVisible();
  await approveAs(browser, key, "1.0.1");

  // History: both versions, the diff with the previous one.
  await page.reload();
  await expect(page.getByTestId("designer")).toBeVisible({ timeout: 60_000 });
  await page.getByRole("tab", { name: "Versions" }).click();
  const v101 = panel.getByRole("listitem", { name: "Version 1.0.1" });
  await expect(v101).toContainText("Projects are invoiced largest amount first.");
  await expect(v101).toContainText("by Dana Designer · approved by Arjun Approver");
  await expect(v101.getByRole("link", { name: "Diff with previous" })).toHaveAttribute(
    "href",
    `/flows/${key}/diff?from=1.0.0&to=1.0.1`,
  );

  // Restore v1.0.0 as the draft: the designer reloads it, and the draft equals v1.0.0 again.
  await panel
    .getByRole("listitem", { name: "Version 1.0.0" })
    .getByRole("button", { name: "Restore as draft" })
    .click();
  await page
    .getByRole("alertdialog", { name: "Restore v1.0.0" })
    .getByRole("button", { name: "Restore v1.0.0" })
    .click();
  // The designer reloads the restored draft (revision bumped).
  await expect(page.getByText(/draft rev 3/)).toBeVisible();
  await page.getByRole("tab", { name: "Versions" }).click();
  await expect(panel).toContainText("Compared with v1.0.1");
  await expect(panel).toContainText("patch bump");
  await page.goto(`/flows/${key}/diff?from=1.0.0&to=draft`);
  await expect(page.getByText("No differences")).toBeVisible();
  await page.goto(`/flows/${key}/diff?from=1.0.1&to=draft`);
  await expect(page.getByRole("region", { name: "Step byProject changed" }).getByTestId("value-change")).toContainText(
    "$l.amount < $r.amount",
  );
  await shot(page, "04-after-restore");
});
