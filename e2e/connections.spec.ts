// Connections end to end on the demo server, whose vendor sandboxes run beside it (allow-listed) and whose
// demo connections point at them: an admin tests one, creates an HTTP connection from the generated form,
// tests it, edits it (write-only secret), deletes it, and imports an OpenAPI document (a real public spec
// from the connector fixtures); a viewer sees everything read-only and no secret reaches the page.
import { readFileSync } from "node:fs";
import path from "node:path";
import { gunzipSync } from "node:zlib";
import { expect, test, type Page } from "./test";
import { signIn } from "./helpers";

const connection = (page: Page, name: string) => page.getByRole("listitem", { name: `Connection ${name}` });

test("an admin tests, creates, edits and deletes connections", async ({ page }) => {
  await signIn(page, "admin");
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Connections" }).click();
  await expect(page.getByRole("heading", { name: "Connections", level: 1 })).toBeVisible();

  // A seeded connection pointing at the Salesforce sandbox: its token flow and /limits call.
  const sfGroup = page.getByRole("region", { name: "Salesforce connections" });
  await expect(sfGroup.getByText("salesforce-prod")).toBeVisible();
  const sf = sfGroup.getByRole("listitem").first();
  await expect(sf.getByLabel("Secrets")).toContainText("clientSecret ✓");
  await sf.getByRole("button", { name: /^Test connection/ }).click();
  await expect(sf.getByText("Test passed")).toBeVisible();
  await expect(sf).toContainText(/API requests today: [\d,]+ of 100,000 left/);
  const instanceUrl = (await sf
    .locator("dd")
    .filter({ hasText: /^http:\/\/127\.0\.0\.1:\d+$/ })
    .first()
    .textContent())!.trim();

  // A new HTTP connection, from the form generated out of the HTTP connector's auth schema.
  await page.getByRole("button", { name: "New connection" }).click();
  const dialog = page.getByRole("dialog", { name: "New connection" });
  await dialog.getByLabel("Connector").selectOption({ label: "HTTP / REST" });
  await dialog.getByLabel("Name", { exact: true }).fill("Sandbox admin API");
  await expect(dialog.getByLabel("Key", { exact: true })).toHaveValue("http-sandbox-admin-api");
  await dialog.getByLabel("Base URL", { exact: true }).fill(`${instanceUrl}/__sandbox/state`);
  await dialog.getByLabel("Type", { exact: true }).selectOption("bearer");
  await dialog.getByLabel("Token", { exact: true }).fill("tok-e2e-secret-value");
  // The server checks the settings against the connector's schema and names the field.
  await dialog.getByLabel("Timeout (ms)").fill("5");
  await dialog.getByRole("button", { name: "Create connection" }).click();
  await expect(dialog.getByRole("alert").first()).toContainText("Some fields need attention");
  await expect(dialog.getByRole("alert").filter({ hasText: ">=100" })).toBeVisible(); // under the Timeout field
  await dialog.getByLabel("Timeout (ms)").fill("");
  await dialog.getByRole("button", { name: "Create connection" }).click();
  await expect(dialog).toBeHidden();

  const mine = connection(page, "Sandbox admin API");
  await expect(mine).toContainText("http-sandbox-admin-api");
  await expect(mine.getByLabel("Secrets")).toContainText("token ✓");
  await expect(mine).toContainText("Never tested");
  await mine.getByRole("button", { name: /^Test connection/ }).click();
  await expect(mine.getByText("Test passed")).toBeVisible();
  await expect(mine).toContainText("answered HTTP 200");

  // Edit: the secret is write-only (blank keeps it); the name changes.
  await mine.getByRole("button", { name: "Edit Sandbox admin API" }).click();
  const edit = page.getByRole("dialog", { name: "Edit Sandbox admin API" });
  await expect(edit.getByLabel("Token", { exact: true })).toHaveValue("");
  await expect(edit.getByLabel("Token", { exact: true })).toHaveAttribute(
    "placeholder",
    /stored — leave blank to keep/,
  );
  await edit.getByLabel("Name", { exact: true }).fill("Sandbox admin API (edited)");
  await edit.getByRole("button", { name: "Save changes" }).click();
  await expect(edit).toBeHidden();
  const edited = connection(page, "Sandbox admin API (edited)");
  await expect(edited.getByLabel("Secrets")).toContainText("token ✓");
  expect(await page.content()).not.toContain("tok-e2e-secret-value");

  await edited.getByRole("button", { name: "Delete Sandbox admin API (edited)" }).click();
  await edited.getByRole("button", { name: "Confirm delete" }).click();
  await expect(edited).toBeHidden();
  await page.screenshot({ path: test.info().outputPath("connections-admin.png"), fullPage: true });
});

test("an admin previews and saves an OpenAPI import; a viewer sees the page read-only", async ({ page }) => {
  await signIn(page, "admin");
  await page.goto("/connections");
  const imports = page.getByRole("region", { name: "OpenAPI imports" });
  const spec = gunzipSync(readFileSync(path.resolve("connectors/openapi/fixtures/readme-3.1.json.gz")));
  await imports
    .getByLabel(/OpenAPI document/)
    .setInputFiles({ name: "readme.json", mimeType: "application/json", buffer: spec });
  await imports.getByRole("button", { name: "Preview operations" }).click();
  const preview = imports.getByRole("region", { name: "Import preview" });
  await expect(preview).toContainText("ReadMe API");
  await expect(preview).toContainText(/\d{2,} operations/);
  await expect(preview.getByRole("row").filter({ hasText: "/projects/{subdomain}/apikeys" }).first()).toBeVisible();
  await preview.getByLabel("Filter operations").fill("/changelogs/{identifier}");
  await expect(preview.getByRole("row").filter({ hasText: "DELETE" })).toHaveCount(1);
  await preview.getByLabel("Connector key").fill("readme");
  await preview.getByRole("button", { name: "Save connector" }).click();
  await expect(imports.getByRole("status")).toContainText("Saved “ReadMe API” (readme)");
  await expect(imports.getByRole("table", { name: "Imported connectors" })).toContainText("admin@weft.local");

  // The import can now have connections.
  await page.getByRole("button", { name: "New connection" }).click();
  await page
    .getByRole("dialog", { name: "New connection" })
    .getByLabel("Connector")
    .selectOption({ label: "ReadMe API (imported)" });
  await expect(page.getByRole("dialog", { name: "New connection" }).getByLabel("Security Scheme")).toBeVisible();
  await page.keyboard.press("Escape");
  await page.screenshot({ path: test.info().outputPath("connections-import.png"), fullPage: true });

  await page.getByRole("button", { name: "Sign out" }).click();
  await signIn(page, "viewer");
  await page.goto("/connections");
  await expect(page.getByRole("region", { name: "Salesforce connections" }).getByText("salesforce-prod")).toBeVisible();
  await expect(page.getByText("Read-only")).toBeVisible();
  await expect(page.getByRole("button", { name: "New connection" })).toHaveCount(0);
  await expect(page.getByRole("button", { name: /^(Edit|Delete|Test connection) / })).toHaveCount(0);
  await expect(page.getByRole("region", { name: "OpenAPI imports" })).toContainText("ReadMe API");
  await expect(page.getByRole("button", { name: "Preview operations" })).toHaveCount(0);
  await page.screenshot({ path: test.info().outputPath("connections-viewer.png"), fullPage: true });
});
