// The Business page on the demo workspace: its figures come from the business events the demo history's runs
// recorded (server/seed/demo-history.ts, through the runtime's writer). A viewer sees the four headline KPIs
// with numbers, opens a definition, and drills from unbilled approved time to the open exceptions holding it
// up, on to one of them.
import { expect, test } from "@playwright/test";
import { shot, signInAs } from "./triage-helpers";

test("a viewer sees the four KPIs with numbers and drills from unbilled approved time to the exceptions holding it up", async ({
  page,
}) => {
  await signInAs(page, "viewer");
  await page.getByRole("link", { name: "Business", exact: true }).click();
  await expect(page).toHaveURL(/\/business$/);
  for (const name of ["Invoice cycle time", "Unbilled approved time", "Project set-up time", "Utilisation variance"])
    await expect(page.getByRole("article", { name }).getByTestId("kpi-value")).toHaveText(/\d/);
  await shot(page, "business-tiles");

  const unbilled = page.getByRole("article", { name: "Unbilled approved time" });
  await unbilled.getByRole("button", { name: "Definition of Unbilled approved time" }).click();
  await expect(unbilled.getByRole("note")).toContainText("no time.invoiced event");
  await expect(unbilled).toContainText("held up by exceptions");

  await unbilled.getByRole("button", { name: /What is behind it/ }).click();
  const drill = page.getByRole("region", { name: "Behind Unbilled approved time" });
  await expect(drill.getByLabel("Ageing")).toContainText("0–7 days");
  const exceptions = drill.getByRole("table", { name: "Exceptions" });
  await expect(exceptions.getByRole("row").nth(1)).toContainText("post-invoice-to-netsuite");
  await expect(drill.getByRole("table", { name: "Records" })).toContainText("yes");
  await shot(page, "business-drill");

  const first = exceptions.getByRole("link").first();
  const message = (await first.textContent()) ?? "";
  await first.click();
  await expect(page).toHaveURL(/\/exceptions\/[0-9a-f-]{36}$/);
  await expect(page.getByText(message.slice(0, 40)).first()).toBeVisible();
});
