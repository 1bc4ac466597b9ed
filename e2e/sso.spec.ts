// Single sign-on through a real OpenID provider (e2e/oidc-idp.ts): an account an admin made is linked by its
// verified email and keeps its roles; a newcomer gets a viewer account; an unverified email is refused.
import { expect, test, type Page } from "./test";
import { trpcQuery } from "./triage-helpers";
import { signIn } from "./helpers";

async function ssoLogin(page: Page, login: string): Promise<void> {
  await page.goto("/login");
  await page.getByRole("button", { name: "Sign in with Acme SSO" }).click();
  // The provider's own sign-in and consent screens.
  await page.locator('input[name="login"]').fill(login);
  await page.locator('input[name="password"]').fill("any");
  await page.locator('button[type="submit"]').click();
  const consent = page.locator('button[type="submit"]', { hasText: /continue/i });
  if (await consent.isVisible({ timeout: 5_000 }).catch(() => false)) await consent.click();
}

test("an existing account signs in with SSO and keeps its roles", async ({ page }) => {
  await ssoLogin(page, "approver@weft.local");
  await expect(page).toHaveURL(/\/flows/);
  await page.goto("/settings");
  await expect(page.getByRole("main").getByText("approver@weft.local")).toBeVisible();
  await expect(page.locator("dd", { hasText: /^approver$/ })).toBeVisible();
});

test("a newcomer gets a viewer account; an unverified email is refused", async ({ page, context }) => {
  await ssoLogin(page, "new.consultant@weft.local");
  await expect(page).toHaveURL(/\/flows/);
  await page.goto("/settings");
  await expect(page.getByRole("main").getByText("new.consultant@weft.local")).toBeVisible();
  await expect(page.locator("dd", { hasText: /^viewer$/ })).toBeVisible();

  await context.clearCookies();
  await ssoLogin(page, "unverified+someone@weft.local");
  await expect(page).toHaveURL(/\/login/);
  await expect(page.getByRole("main").getByRole("alert")).toContainText("has not verified your email address");

  // …and no account was made for it.
  await signIn(page, "admin");
  const users = await trpcQuery<Array<{ email: string; roles: string[] }>>(page.request, "admin.users");
  expect(users.map((u) => u.email)).not.toContain("someone@weft.local");
  expect(users.find((u) => u.email === "new.consultant@weft.local")?.roles).toEqual(["viewer"]);
});
