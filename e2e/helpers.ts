import { expect, type Page } from "@playwright/test";

export const DEMO_PASSWORD = "weft-demo";

export async function signIn(page: Page, who: "admin" | "designer" | "approver" | "operator" | "viewer"): Promise<void> {
  await page.goto("/login");
  await page.getByLabel("Email").fill(`${who}@weft.local`);
  await page.getByLabel("Password").fill(DEMO_PASSWORD);
  await page.getByRole("button", { name: "Sign in", exact: true }).click();
  await expect(page).toHaveURL(/\/flows$/);
}
