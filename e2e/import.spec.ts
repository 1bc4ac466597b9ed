// Issue 18's proof, as a designer meets it: an n8n workflow from the converter's corpus (an HTTP call, a Code
// node and a Set) is pasted into "New flow" → Import; the conversion report names the Code node as a
// placeholder and why, and the connection to create (an admin creates it); the draft opens in the designer
// with that placeholder as its one problem; the designer deletes it, joins its neighbours, sees no problems
// and test-runs the flow (a dry run, the default).
import { expect, test, type Browser } from "./test";
import { readFileSync } from "node:fs";
import { connect, goToStep, signIn } from "./helpers";

test.use({ viewport: { width: 1600, height: 1000 } });
test.setTimeout(180_000);

const FIXTURE = "core/convert/fixtures/n8n/manual-post-code-set.json";

/** The connection the report says to create (only an admin can): an unauthenticated HTTP connection keyed "http". */
async function adminCreatesHttpConnection(browser: Browser): Promise<void> {
  const ctx = await browser.newContext();
  const page = await ctx.newPage();
  await signIn(page, "admin");
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Connections" }).click();
  await page.getByRole("button", { name: "New connection" }).click();
  const dialog = page.getByRole("dialog", { name: "New connection" });
  await dialog.getByLabel("Connector").selectOption({ label: "HTTP / REST" });
  await dialog.getByLabel("Name", { exact: true }).fill("Orders API");
  await dialog.getByLabel("Key", { exact: true }).fill("http");
  await dialog.getByRole("button", { name: "Create connection" }).click();
  await expect(dialog).toBeHidden();
  await expect(page.getByRole("listitem", { name: "Connection Orders API" })).toBeVisible();
  await ctx.close();
}

test("import an n8n workflow, read its report, fix its placeholder in the designer and test-run it", async ({
  page,
  browser,
}) => {
  await signIn(page, "designer");
  await page.getByRole("button", { name: "+ New flow" }).click();
  const dialog = page.getByRole("dialog", { name: "New flow" });
  await dialog.getByText("Import", { exact: true }).click();
  await expect(dialog.getByRole("combobox", { name: "Import from" })).toHaveValue("n8n");
  await dialog.getByRole("textbox", { name: "…or paste it" }).fill(readFileSync(FIXTURE, "utf8"));

  // The report, before anything is created: the Code node is the one placeholder, with its reason.
  const report = dialog.getByRole("region", { name: "Conversion report" });
  await expect(report).toContainText("3 of 4 converted without a placeholder");
  await expect(report).toContainText("fix the placeholders (marked !) in the designer before publishing");
  const placeholder = report.getByRole("listitem").filter({ hasText: "Tag order" });
  await expect(placeholder).toContainText("! Tag order → tagOrder placeholder");
  await expect(placeholder).toContainText("Code cannot be converted.");
  await expect(report.getByRole("listitem").filter({ hasText: "Create order" })).toContainText(
    "✓ Create order → createOrder call http.request",
  );
  await expect(report).toContainText("Connections to create: http (http, none)");
  await adminCreatesHttpConnection(browser);

  // The workflow's name became the flow's, and its key.
  await expect(dialog.getByRole("textbox", { name: "Name", exact: true })).toHaveValue("Post order and tag it");
  const key = await dialog.getByRole("textbox", { name: /^Key/ }).inputValue();
  expect(key).toBe("post-order-and-tag-it");
  await dialog.getByRole("button", { name: "Create and open" }).click();
  await expect(page).toHaveURL(new RegExp(`/flows/${key}$`));
  await expect(page.getByTestId("designer")).toBeVisible({ timeout: 60_000 });

  // The placeholder is the flow's one problem.
  const problems = page.getByRole("region", { name: "Problems" });
  const toggle = problems.getByRole("button", { name: /Problems/ });
  if ((await toggle.getAttribute("aria-expanded")) !== "true") await toggle.click();
  await expect(problems).toContainText("Step 'tagOrder' is a placeholder");
  await expect(toggle).toContainText("1 error");

  // Delete it and join createOrder to summary.
  await goToStep(page, "tagOrder");
  await page.keyboard.press("Delete");
  await expect(page.getByRole("group", { name: /^Step tagOrder\b/ })).toHaveCount(0);
  // The canvas may still be settling after the delete: a drag measured mid-move misses, so drag again.
  await expect(async () => {
    await connect(
      page,
      page.locator('.react-flow__handle[data-nodeid="createOrder"][data-handleid="next"]'),
      page.locator('.react-flow__handle.target[data-nodeid="summary"]'),
    );
    await expect(problems).toContainText("No problems: the flow is valid.", { timeout: 3_000 });
  }).toPass({ timeout: 20_000 });

  // Test run: a dry run by default, and it succeeds.
  await page.getByRole("button", { name: "▶ Test run" }).click();
  const testRun = page.getByRole("dialog", { name: "Test run" });
  await testRun.getByRole("button", { name: "Run test (dry run)" }).click();
  await expect(page.getByRole("status", { name: "Test run result" })).toContainText("succeeded", { timeout: 90_000 });
  await expect(page.getByTestId("run-mode")).toHaveText("dry run (writes simulated)");
});
