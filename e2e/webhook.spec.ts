// A webhook flow set up from the screens alone: a designer builds a flow started by a webhook and sees that its
// signing secret does not exist (and that an admin must create it); an admin creates it in one click from the
// trigger's inspector and copies it once; the flow is published through four-eyes approval, which deploys it to
// test; the inspector's curl example, pasted into a shell with the secret in an environment variable, starts a
// run in test (?env=test), the version is promoted (four-eyes again) and the same curl starts a run in
// production (202); the Connections page lists the flow as a user of the secret. Screenshots land in test-results/webhook.
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { expect, test, type Page } from "./test";
import { approveAs, connect, promoteAs, signIn, screenshots } from "./helpers";

test.use({ viewport: { width: 1600, height: 1000 } });
const run = promisify(execFile);
const shot = screenshots("webhook");
const node = (page: Page, id: string) => page.locator(`[data-testid="canvas-node"][data-node-id="${id}"]`);
const saved = (page: Page) =>
  expect(page.getByTestId("save-state")).toHaveAttribute("data-state", "saved", { timeout: 15_000 });

async function openTrigger(page: Page, key: string) {
  await page.goto(`/flows/${key}`);
  await expect(page.getByTestId("designer")).toBeVisible({ timeout: 60_000 });
  await node(page, "trigger").click();
  await expect(page.getByTestId("webhook-section")).toBeVisible();
}

test("a webhook flow is set up, secured, published and called from the screens alone", async ({ page, browser }) => {
  test.setTimeout(360_000); // with a run in test and a promotion (four eyes) before production
  // The designer: a new flow, started by a webhook.
  await signIn(page, "designer");
  await page.goto("/flows");
  await page.getByRole("button", { name: "+ New flow" }).click();
  const dialog = page.getByRole("dialog", { name: "New flow" });
  await dialog.getByLabel("Name").fill("Timesheet approved hook");
  await dialog.getByLabel("Owner team").selectOption({ label: "Finance" });
  const key = await dialog.getByLabel("Key").inputValue();
  await dialog.getByRole("button", { name: "Create and open" }).click();
  await expect(page.getByTestId("designer")).toBeVisible({ timeout: 60_000 });
  await node(page, "trigger").click();
  await page.getByLabel("Starts when").selectOption("webhook");
  const secretName = `webhook-${key}`;
  // The new trigger names the flow's own secret (one definition with the ingress's default)…
  await expect(page.getByTestId("inspector").locator('[data-field="secret"]')).toHaveValue(secretName);
  // …which does not exist: a validation error, and the set-up section says what that means and who can fix it.
  await expect(page.getByLabel("Problems of this node")).toContainText(
    `The webhook trigger's signing secret '${secretName}' does not exist in this workspace`,
  );
  const setup = page.getByTestId("webhook-setup");
  await expect(setup.getByTestId("webhook-secret-state")).toContainText(
    `Missing: there is no connection ${secretName}`,
  );
  await expect(setup).toContainText("Only an administrator can create connections");
  await expect(setup.getByRole("button", { name: "Create the secret" })).toHaveCount(0);
  await expect(setup.getByTestId("webhook-url")).toContainText(`/api/hooks/${key}`);
  await expect(setup).toContainText('x-weft-signature: v1=HMAC-SHA256(secret, "timestamp.body")');
  // (Saved before the next edit: overlapping autosaves of one tab are the autosave work's concern, not this test's.)
  await saved(page);
  // A step after the trigger, so the flow can be published.
  await page
    .locator('[data-testid="palette-item"][data-item="logic:map"]')
    .dragTo(page.locator(".react-flow__pane"), { targetPosition: { x: 300, y: 520 } });
  await expect(node(page, "map")).toBeVisible();
  await connect(
    page,
    page.locator('.react-flow__handle[data-nodeid="trigger"][data-handleid="start"]'),
    page.locator('.react-flow__handle.target[data-nodeid="map"]'),
  );
  await expect(page.getByTestId("rf__edge-trigger:start")).toHaveCount(1);
  await saved(page);
  await shot(page, "01-designer-secret-missing");

  // The admin creates the secret from the same screen and sees it once.
  const adminCtx = await browser.newContext();
  const admin = await adminCtx.newPage();
  await signIn(admin, "admin");
  await openTrigger(admin, key);
  const adminSetup = admin.getByTestId("webhook-setup");
  await adminSetup.getByRole("button", { name: "Create the secret" }).click();
  const shown = adminSetup.getByTestId("webhook-new-secret");
  await expect(shown).toBeVisible();
  const secret = (await shown.textContent())!.trim();
  expect(secret.length).toBeGreaterThanOrEqual(40);
  await expect(adminSetup.getByTestId("webhook-secret-state")).toContainText(
    `Stored (encrypted) in connection ${secretName}`,
  );
  await expect(admin.getByTestId("problem-count")).toHaveAttribute("data-errors", "0");
  const curl = (await adminSetup.getByTestId("webhook-curl").textContent())!;
  expect(curl).not.toContain(secret);
  await shot(admin, "02-admin-secret-created");
  // Shown once: after a reload only its state is left.
  await openTrigger(admin, key);
  await expect(adminSetup.getByTestId("webhook-secret-state")).toContainText("Stored (encrypted)");
  await expect(adminSetup.getByTestId("webhook-new-secret")).toHaveCount(0);
  await expect(admin.getByText(secret)).toHaveCount(0);

  // The designer's screen re-validates: no error left. Publish, and another user approves.
  await page.reload();
  await expect(page.getByTestId("designer")).toBeVisible({ timeout: 60_000 });
  await expect(page.getByTestId("problem-count")).toHaveAttribute("data-errors", "0");
  await page.getByRole("tab", { name: "Versions" }).click();
  const panel = page.getByTestId("versions-panel");
  await panel.getByLabel("Changelog").fill("First version: starts on the timesheet webhook.");
  const publish = panel.getByRole("button", { name: /^Publish v/ });
  await expect(publish).toBeEnabled();
  const version = await panel.getByRole("textbox", { name: "Version" }).inputValue();
  await publish.click();
  await expect(panel.getByText(`v${version} is waiting for approval.`)).toBeVisible();
  await approveAs(browser, key, version);

  // Approval deployed it to test: the same curl against the test environment's webhook (?env=test; no binding,
  // so the same secret) starts a run there; production answers 404 until the version is promoted.
  const signed = { env: { ...process.env, WEFT_WEBHOOK_SECRET: secret } };
  const hooks = `/api/hooks/${key}'`;
  expect(curl).toContain(hooks);
  const inTest = await run("bash", ["-c", curl.replace(hooks, `/api/hooks/${key}?env=test'`)], signed);
  expect(JSON.parse(inTest.stdout)).toMatchObject({ runId: expect.any(String), duplicate: false });
  expect(JSON.parse((await run("bash", ["-c", curl], signed)).stdout)).toMatchObject({
    error: expect.stringMatching(/production/),
  });
  await promoteAs(page, browser, key, version);

  // The curl example, pasted into a shell with the secret in the environment, starts a run in production.
  const { stdout } = await run("bash", ["-c", curl], signed);
  expect(JSON.parse(stdout)).toMatchObject({ runId: expect.any(String), duplicate: false });
  const wrong = await run("bash", ["-c", curl], {
    env: { ...process.env, WEFT_WEBHOOK_SECRET: "not-the-secret-0123456789" },
  });
  expect(JSON.parse(wrong.stdout)).toEqual({ error: "Bad signature." });

  // The Connections page names the flow as the secret's user.
  await admin.goto("/connections");
  const item = admin.getByRole("listitem", { name: `Connection Timesheet approved hook (webhook signing secret)` });
  await expect(item).toContainText(secretName);
  await expect(item.getByRole("list", { name: "Flows using this connection" })).toContainText(
    "Timesheet approved hook",
  );
  await expect(item).toContainText("webhook signing secret");
  await shot(admin, "03-connections-used-by");
  await adminCtx.close();
});
