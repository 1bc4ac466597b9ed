import { expect, test } from "./test";
import { signIn } from "./helpers";

test("health reports the database and the queue", async ({ request }) => {
  const res = await request.get("/api/health");
  expect(res.status()).toBe(200);
  const body = await res.json();
  expect(body).toMatchObject({ status: "ok", database: { ok: true }, queue: { ok: true } });
});

test("metrics are Prometheus text with weft_ names", async ({ request }) => {
  const res = await request.get("/api/metrics");
  expect(res.status()).toBe(200);
  const text = await res.text();
  expect(text).toContain("# TYPE weft_http_requests_total counter");
  expect(text).toMatch(/weft_queue_depth\{queue="system.session-cleanup"/);
});

test("an anonymous visitor is sent to sign in, and tRPC refuses them", async ({ page, request }) => {
  await page.goto("/exceptions");
  await expect(page).toHaveURL(/\/login$/);
  await expect(page.getByRole("heading", { name: "Sign in" })).toBeVisible();
  const res = await request.get("/api/trpc/session.me");
  expect(res.status()).toBe(401);
  // The tab shows Weft's icon (without one, every first visit logged a 404 for /favicon.ico).
  const icon = await page.locator('link[rel="icon"]').first().getAttribute("href");
  expect(icon).toBeTruthy();
  const iconRes = await request.get(icon!);
  expect(iconRes.ok()).toBe(true);
  expect(iconRes.headers()["content-type"]).toContain("image/svg+xml");
});

test("a wrong password says so and keeps you on the sign-in page", async ({ page }) => {
  await page.goto("/login");
  await page.getByLabel("Email").fill("admin@weft.local");
  await page.getByLabel("Password").fill("not-the-password");
  await page.getByRole("button", { name: "Sign in", exact: true }).click();
  await expect(page.getByRole("main").getByRole("alert")).toHaveText("Wrong email or password.");
  await expect(page).toHaveURL(/\/login$/);
});

for (const who of ["designer", "approver", "operator", "viewer"] as const) {
  test(`${who} signs in and sees every section of the navigation they can open`, async ({ page }) => {
    await signIn(page, who);
    const nav = page.getByRole("navigation", { name: "Main" });
    for (const label of ["Flows", "Catalog", "Runs", "Exceptions", "Connections", "Settings"]) {
      await expect(nav.getByRole("link", { name: label })).toBeVisible();
    }
    // Audit needs admin: no link that only leads to "no access"; the address still explains it.
    await expect(nav.getByRole("link", { name: "Audit" })).toHaveCount(0);
    // Every section is a working page: its heading is the section's name.
    for (const label of ["Flows", "Catalog", "Runs", "Exceptions", "Connections", "Settings"]) {
      await nav.getByRole("link", { name: label }).click();
      await expect(page.getByRole("heading", { level: 1, name: label, exact: true })).toBeVisible();
    }
    await page.goto("/audit");
    await expect(page.getByRole("main").getByRole("alert")).toContainText("It needs the admin role.");
    await page.getByRole("button", { name: "Sign out" }).click();
    await expect(page).toHaveURL(/\/login$/);
  });
}

test("an admin changes a role, and the audit log records it with an intact chain", async ({ page }) => {
  await signIn(page, "admin");
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Settings" }).click();
  const box = page.getByRole("checkbox", { name: "approver role for operator@weft.local" });
  await expect(box).not.toBeChecked();
  await box.click();
  await expect(box).toBeChecked();

  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Audit" }).click();
  await page.getByLabel("Action").selectOption("user.roles_changed");
  await page.getByRole("button", { name: "Apply filters" }).click();
  const row = page.getByRole("row").filter({ hasText: "user.roles_changed" }).first();
  await expect(row).toContainText("admin@weft.local");
  await row.getByText("Details").click();
  await expect(row).toContainText('"approver"');

  await page.getByRole("button", { name: "Verify chain" }).click();
  await expect(page.getByRole("main").getByRole("status")).toContainText("Chain intact");
});
