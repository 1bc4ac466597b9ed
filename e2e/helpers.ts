import { expect, type Browser, type Locator, type Page } from "@playwright/test";

export const DEMO_PASSWORD = "weft-demo";

export async function signIn(page: Page, who: "admin" | "designer" | "approver" | "operator" | "viewer"): Promise<void> {
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
  const row = page.getByRole("table", { name: /Versions of/ }).getByRole("row", { name: new RegExp(`v${version.replace(/\./g, "\\.")}`) });
  await row.getByRole("button", { name: `Approve v${version}` }).click();
  await expect(row).toContainText("Arjun Approver");
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
