import path from "node:path";
import { expect, type Browser, type Locator, type Page } from "@playwright/test";

export const DEMO_PASSWORD = "weft-demo";

export async function signIn(
  page: Page,
  who: "admin" | "designer" | "approver" | "operator" | "viewer" | "pmo",
): Promise<void> {
  await page.goto("/login");
  await page.getByLabel("Email").fill(`${who}@weft.local`);
  await page.getByLabel("Password").fill(DEMO_PASSWORD);
  await page.getByRole("button", { name: "Sign in", exact: true }).click();
  await expect(page).toHaveURL(/\/flows$/);
}

/** Drags from one React Flow handle to another, in steps, as a person connects two nodes. */
export async function connect(page: Page, from: Locator, to: Locator): Promise<void> {
  const a = (await from.boundingBox())!;
  const b = (await to.boundingBox())!;
  await page.mouse.move(a.x + a.width / 2, a.y + a.height / 2);
  await page.mouse.down();
  await page.mouse.move((a.x + b.x) / 2, (a.y + b.y) / 2, { steps: 5 });
  await page.mouse.move(b.x + b.width / 2, b.y + b.height / 2, { steps: 5 });
  await page.mouse.up();
}

/** Four-eyes: the demo approver (another user, of the owning team) approves a requested version on the catalog page. */
export async function approveAs(browser: Browser, flowKey: string, version: string): Promise<void> {
  const ctx = await browser.newContext();
  const page = await ctx.newPage();
  await signIn(page, "approver");
  await page.goto(`/catalog/${flowKey}`);
  const row = page
    .getByRole("table", { name: /Versions of/ })
    .getByRole("row", { name: new RegExp(`v${version.replace(/\./g, "\\.")}`) });
  await row.getByRole("button", { name: `Approve v${version}` }).click();
  await expect(row).toContainText("Arjun Approver");
  await ctx.close();
}

/**
 * Production gets a published version only by an approved promotion (docs/environments.md "Publication"), as a
 * user does it on the flow's catalog page: the designer signed in on `page` — with `runInTest`, first "Run vX in
 * Test" from the flow's pinned trigger sample; otherwise a run in test the caller started — waits for the version
 * to have succeeded in test and requests its promotion; `approver` (another user, of the owning team) approves it
 * in their own browser, and production shows it live. `page` is left where it was (a page of its own is used).
 */
export async function promoteAs(
  page: Page,
  browser: Browser,
  flowKey: string,
  version: string,
  opts: { runInTest?: boolean; approver?: "approver" | "admin" } = {},
): Promise<void> {
  const designer = await page.context().newPage();
  await designer.goto(`/catalog/${flowKey}`);
  const panel = designer.getByRole("region", { name: "Environments" });
  const testEnv = panel.getByRole("article", { name: "Environment Test" });
  await expect(testEnv).toContainText(`live: v${version}`);
  if (opts.runInTest) {
    await testEnv.getByRole("button", { name: `Run v${version} in Test` }).click();
    await expect(testEnv.getByRole("link", { name: "Open the run" })).toBeVisible();
  }
  // The version list marks what succeeded in test; a run started elsewhere shows after a reload.
  const tested = panel.getByLabel("Version").locator("option", { hasText: `v${version} (succeeded in test)` });
  await expect(async () => {
    await designer.reload();
    await expect(tested).toHaveCount(1, { timeout: 2_000 });
  }).toPass({ timeout: 180_000, intervals: [1_000, 3_000] });
  await panel.getByLabel("Version").selectOption(version);
  await panel.getByRole("button", { name: `Request promotion of v${version} to production` }).click();
  await expect(panel.getByRole("article", { name: `Promotion of v${version}` })).toContainText(
    "Another approver of the owning team must approve it (four-eyes).",
  );
  await designer.close();

  const ctx = await browser.newContext();
  const other = await ctx.newPage();
  await signIn(other, opts.approver ?? "approver");
  await other.goto(`/catalog/${flowKey}`);
  const otherPanel = other.getByRole("region", { name: "Environments" });
  await otherPanel.getByRole("button", { name: `Approve promotion of v${version}` }).click();
  await expect(otherPanel.getByRole("article", { name: "Environment Production" })).toContainText(`live: v${version}`);
  await ctx.close();
}

/** Adds a step (or runs a command) in the designer through the Ctrl+K menu; focus must be on the canvas. */
export async function addByCommand(page: Page, query: string): Promise<void> {
  await page.keyboard.press("Control+k");
  const input = page.getByPlaceholder("Add a step or run a command…");
  await input.fill(query);
  await page.keyboard.press("Enter");
  await expect(input).toBeHidden();
}

/** A node card on the designer's canvas. */
export const canvasNode = (page: Page, id: string) => page.locator(`[data-testid="canvas-node"][data-node-id="${id}"]`);

/** How long every draft save takes in the specs that test work is never lost (the "slow server"). */
export const SAVE_DELAY_MS = 1500;

/**
 * Makes every draft save of this page take SAVE_DELAY_MS, and counts saves and refusals (409). When the run
 * sets WEFT_TEST_SAVE_DELAY_MS the server itself is slow (server/flows/drafts.ts, passed through by
 * playwright.config.ts); otherwise each save request is held that long on its way to the real server, so a
 * full run gives these specs the same timing without slowing every other spec's saves.
 */
export async function slowSaves(page: Page): Promise<{ refused: () => number; saves: () => number }> {
  let refused = 0;
  let saves = 0;
  page.on("response", (r) => {
    if (!r.url().includes("flows.saveDraft")) return;
    saves++;
    if (r.status() === 409) refused++;
  });
  if (!process.env.WEFT_TEST_SAVE_DELAY_MS)
    await page.route(
      (url) => url.pathname.includes("flows.saveDraft"),
      async (route) => {
        await new Promise((r) => setTimeout(r, SAVE_DELAY_MS));
        await route.continue();
      },
    );
  return { refused: () => refused, saves: () => saves };
}

/**
 * Selects a step (or the trigger: id "trigger") as a keyboard user does, wherever the view is: the command
 * menu's "Go to step …" selects it and brings it into view. (Only the cards near the view are drawn, so a
 * step outside it cannot be clicked or tabbed to.)
 */
export async function goToStep(page: Page, id: string): Promise<void> {
  await page.getByRole("button", { name: "Command menu (Ctrl K)" }).click();
  const input = page.getByPlaceholder("Add a step or run a command…");
  await input.fill(id === "trigger" ? "Go to the trigger" : `Go to step ${id}`);
  await page
    .getByRole("option", { name: id === "trigger" ? "Go to the trigger" : new RegExp(`^Go to step ${id}\\b`) })
    .click();
  await expect(input).toBeHidden();
  await expect(
    page.getByRole("group", { name: id === "trigger" ? /^Trigger: / : new RegExp(`^Step ${id}\\b`) }),
  ).toBeVisible();
}

/**
 * A spec's screenshot taker: `<name>.png` under test-results/<folder> (or the folder in the environment variable
 * `env`, for a person collecting a walk-through's shots).
 */
export function screenshots(folder: string, opts: { env?: string; fullPage?: boolean } = {}) {
  return (page: Page, name: string) =>
    page.screenshot({
      path: path.join((opts.env && process.env[opts.env]) || path.join("test-results", folder), `${name}.png`),
      fullPage: opts.fullPage,
    });
}

/** Selects a canvas node wherever it is: zoom to fit (every node rendered), then click it. */
export async function selectNode(page: Page, id: string): Promise<void> {
  await page.getByRole("button", { name: /Zoom to fit/ }).click();
  await page.waitForTimeout(500);
  await page.getByTestId(`rf__node-${id}`).click();
}

/**
 * Clicks Auto-layout and waits until the cards have moved and stopped: the layout engine loads on first use and
 * the cards then glide into place, so a drag measured before that misses its handle or moves a card instead.
 */
export async function autoLayout(page: Page): Promise<void> {
  const positions = () =>
    page
      .locator(".react-flow__node")
      .evaluateAll((nodes) => nodes.map((n) => (n as HTMLElement).style.transform).join("|"));
  const before = await positions();
  await page.getByRole("button", { name: /Auto-layout/ }).click();
  let last = before;
  await expect
    .poll(
      async () => {
        const now = await positions();
        const still = now !== before && now === last;
        last = now;
        return still;
      },
      { intervals: [300], timeout: 30_000 },
    )
    .toBe(true);
}
