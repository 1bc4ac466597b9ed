// The Business page on the demo workspace: its figures come from the business events the demo history's runs
// recorded (server/seed/demo-history.ts, through the runtime's writer). A viewer sees the four headline KPIs
// with numbers, opens a definition, and drills from unbilled approved time to the open exceptions holding it
// up, on to one of them.
import { expect, test } from "./test";
import { failInvoices, invoiceInput, shot, signInAs } from "./triage-helpers";
import { signIn } from "./helpers";

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

test("utilisation per team shows the firm's teams by their HRIS (Workday) names, and the firm-team filter keeps one", async ({
  page,
}) => {
  await signInAs(page, "viewer");
  await page.goto("/business");
  const filter = page.getByLabel("Firm team (HRIS, utilisation)");
  const data = filter.locator("option", { hasText: "Data & Analytics (" });
  await expect(data).toHaveCount(1);
  const util = page.getByRole("article", { name: "Utilisation variance" });
  await expect(util).toContainText(/people in \d+ teams/);
  await util.getByRole("button", { name: /What is behind it/ }).click();
  const drill = page.getByRole("region", { name: "Behind Utilisation variance" });
  const teams = drill.getByRole("table", { name: "Utilisation by team" });
  // The person's organisation in Workday, not the Weft team owning the flows (PMO, finance).
  await expect(teams).toContainText("Data & Analytics (");
  await expect(teams).toContainText("Cloud Engineering (");
  await expect(drill.getByRole("table", { name: "Utilisation by person" })).toContainText("Data & Analytics (");
  await shot(page, "business-utilisation-teams");

  await filter.selectOption({ label: ((await data.textContent()) ?? "").trim() });
  await expect(page).toHaveURL(/personTeam=ORG-CC-1200/);
  await expect(teams.getByRole("row")).toHaveCount(2); // the header and Data & Analytics
  await expect(teams).toContainText("Data & Analytics (");
});

test("an admin sets a business SLO on the touchless rate and sees it burn under an injected NetSuite outage", async ({
  page,
}) => {
  test.setTimeout(180_000);
  await signIn(page, "admin");
  await page.goto("/business");
  const slos = page.getByRole("region", { name: "Business SLOs" });
  await slos.getByRole("button", { name: "Add business SLO" }).click();
  const form = page.getByRole("form", { name: "New business SLO" });
  await form.getByLabel("KPI").selectOption("touchless-rate");
  await expect(form.getByLabel(/Threshold/)).toHaveCount(0); // a run is touchless or not
  await form.getByLabel("Target (% of events good)").fill("99");
  await form.getByLabel("Owner team (gets the alerts)").selectOption("platform");
  await form.getByLabel("Name").fill("Runs need no person");
  await form.getByRole("button", { name: "Save business SLO" }).click();
  const slo = slos.getByRole("article", { name: "Business SLO Runs need no person" });
  await expect(slo).toContainText("99 % of runs need no manual intervention");
  await expect(slo).not.toContainText("alert firing");
  await shot(page, "business-slo-set");

  // A vendor outage: NetSuite refuses every invoice (injected in its sandbox), so real runs of the invoice flow
  // fail and open exceptions — each one a run that needed a person.
  await failInvoices(
    page,
    Array.from({ length: 20 }, (_, i) =>
      invoiceInput(`INV-8${String(i).padStart(4, "0")}`, { customer: "Outage Ltd" }),
    ),
    "outage ltd",
    { parallel: 10 },
  );
  await page.goto("/business");
  await expect(async () => {
    await page.reload();
    await expect(slo).toContainText("alert firing", { timeout: 3_000 });
  }).toPass({ timeout: 60_000, intervals: [3_000] });
  await shot(page, "business-slo-burning");
});
